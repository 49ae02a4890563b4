/** The OpenAPI 3.1 description served at /api/openapi.json; request schemas come from zod. */
import { z } from 'zod';
import { CompleteTaskBody, DeployJsonBody, LoginBody, StartCaseBody } from './schemas';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const problem = { $ref: '#/components/responses/Problem' };
const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const std = { 400: problem, 401: problem, 403: problem, 404: problem };

let cached: object | undefined;

export function openApiDocument(): object {
  return (cached ??= {
    openapi: '3.1.0',
    info: {
      title: '行政服务中心流程平台 API (Service-centre process platform)',
      version: '0.1.0',
      description: 'BPMN cases, tasks and timer escalations. Errors are application/problem+json (RFC 9457) with a stable `code`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'token from POST /api/auth/login' } },
      schemas: {
        LoginBody: schema(LoginBody),
        StartCaseBody: schema(StartCaseBody),
        CompleteTaskBody: schema(CompleteTaskBody),
        DeployJsonBody: schema(DeployJsonBody),
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string' } },
        },
      },
      responses: { Problem: { description: 'problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } } },
    },
    paths: {
      '/api/health': { get: { summary: 'Liveness and database reachability', security: [], responses: { 200: { description: 'ok' }, 503: { description: 'database down' } } } },
      '/api/auth/login': { post: { summary: 'Log in; returns a bearer token', security: [], requestBody: json('LoginBody'), responses: { 200: { description: 'token and user' }, 400: problem, 401: problem, 429: problem } } },
      '/api/auth/logout': { post: { summary: 'End the session', responses: { 204: { description: 'ended' } } } },
      '/api/me': { get: { summary: 'The logged-in user', responses: { 200: { description: 'user' }, 401: problem } } },
      '/api/definitions': {
        get: { summary: 'Deployed definitions with their versions', responses: { 200: { description: 'list' }, 401: problem } },
        post: {
          summary: 'Deploy a BPMN diagram as the next version of its process id (role designer)',
          requestBody: { content: { 'application/xml': { schema: { type: 'string' } }, ...json('DeployJsonBody').content } },
          responses: { 201: { description: 'deployed' }, ...std, 413: problem, 422: problem },
        },
      },
      '/api/definitions/{key}': { get: { summary: 'One definition with its versions', responses: { 200: { description: 'definition' }, ...std } } },
      '/api/definitions/{key}/versions': { get: { summary: 'Versions of a definition', responses: { 200: { description: 'versions' }, ...std } } },
      '/api/definitions/{key}/versions/{version}': { get: { summary: 'One version (metadata, user tasks)', responses: { 200: { description: 'version' }, ...std } } },
      '/api/definitions/{key}/versions/{version}/xml': { get: { summary: 'The BPMN XML of one version', responses: { 200: { description: 'xml', content: { 'application/xml': {} } }, ...std } } },
      '/api/definitions/{key}/xml': { get: { summary: 'The BPMN XML of the latest version', responses: { 200: { description: 'xml' }, ...std } } },
      '/api/cases': { post: { summary: 'Start a case on the latest version of a definition (role clerk)', requestBody: json('StartCaseBody'), responses: { 201: { description: 'case' }, ...std } } },
      '/api/cases/{id}': { get: { summary: 'A case: status, variables, open and completed steps, history with times', responses: { 200: { description: 'case' }, ...std } } },
      '/api/tasks': {
        get: {
          summary: 'Open tasks: mine (assigned to me), groups (offered to my groups) or all',
          parameters: [
            { name: 'filter', in: 'query', schema: { enum: ['mine', 'groups', 'all'] } },
            { name: 'caseId', in: 'query', schema: { type: 'string' } },
          ],
          responses: { 200: { description: 'tasks' }, 400: problem, 401: problem },
        },
      },
      '/api/tasks/{id}/complete': { post: { summary: 'Complete an open task with variables', requestBody: json('CompleteTaskBody'), responses: { 200: { description: 'the case after' }, ...std, 409: problem } } },
      '/api/escalations': { get: { summary: 'Timer escalations for supervision', parameters: [{ name: 'status', in: 'query', schema: { enum: ['open', 'acknowledged', 'closed'] } }], responses: { 200: { description: 'escalations' }, ...std } } },
    },
  });
}
