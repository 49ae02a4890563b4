/** Request schemas (zod), parsed once at the boundary; also the source of the OpenAPI schemas. */
import { z } from 'zod';
import { jsonShape, MAX_VARIABLES_DEPTH, MAX_VARIABLES_NODES } from '../engine';

/** The engine's own limits (engine/services/process-service.ts checkVariables): the HTTP schema refuses the same shapes first. */
export { MAX_VARIABLES_DEPTH, MAX_VARIABLES_NODES };

export const LoginBody = z.object({
  username: z.string().min(1, 'username is required').max(64),
  password: z.string().min(1, 'password is required').max(200),
});

export const Variables = z
  .record(z.string().max(64), z.unknown())
  .superRefine((vars, ctx) => {
    const shape = jsonShape(vars, { depth: MAX_VARIABLES_DEPTH, nodes: MAX_VARIABLES_NODES });
    if (shape.depth > MAX_VARIABLES_DEPTH) ctx.addIssue({ code: 'custom', message: `variables are nested deeper than ${MAX_VARIABLES_DEPTH} levels; the limit is ${MAX_VARIABLES_DEPTH}` });
    else if (shape.nodes > MAX_VARIABLES_NODES) ctx.addIssue({ code: 'custom', message: `variables hold more than ${MAX_VARIABLES_NODES} values; the limit is ${MAX_VARIABLES_NODES}` });
  })
  .default({})
  .describe('process variables: names of letters, digits and _ ; JSON values');

export const StartCaseBody = z.object({
  definitionKey: z.string().min(1).max(200).regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a process id'),
  businessKey: z.string().max(100).optional(),
  variables: Variables,
});

export const CompleteTaskBody = z.object({ variables: Variables });

export const DeployJsonBody = z.object({
  xml: z.string().min(1, 'xml is required'),
  /** 变更说明: required by the deploy (400 CHANGE_NOTE_REQUIRED without it); an XML body sends it as the X-Change-Note header, percent-encoded. */
  note: z.string().max(2000).optional().describe('变更说明 — what this version changes and why (required; at most 500 characters)'),
});

/** 归档 (archived: true) or restore (false) a definition, with an optional reason. */
export const ArchiveBody = z.object({
  archived: z.boolean(),
  note: z.string().max(500).optional(),
});

export const TaskListQuery = z.object({
  filter: z.enum(['mine', 'groups', 'all']).default('all'),
  caseId: z.string().max(100).optional(),
});

export const EscalationQuery = z.object({ status: z.enum(['open', 'acknowledged', 'closed']).optional() });
