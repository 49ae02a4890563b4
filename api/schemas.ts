/** Request schemas (zod), parsed once at the boundary; also the source of the OpenAPI schemas. */
import { z } from 'zod';

export const LoginBody = z.object({
  username: z.string().min(1, 'username is required').max(64),
  password: z.string().min(1, 'password is required').max(200),
});

export const Variables = z
  .record(z.string().max(64), z.unknown())
  .default({})
  .describe('process variables: names of letters, digits and _ ; JSON values');

export const StartCaseBody = z.object({
  definitionKey: z.string().min(1).max(200).regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a process id'),
  businessKey: z.string().max(100).optional(),
  variables: Variables,
});

export const CompleteTaskBody = z.object({ variables: Variables });

export const DeployJsonBody = z.object({ xml: z.string().min(1, 'xml is required') });

export const TaskListQuery = z.object({
  filter: z.enum(['mine', 'groups', 'all']).default('all'),
  caseId: z.string().max(100).optional(),
});

export const EscalationQuery = z.object({ status: z.enum(['open', 'acknowledged', 'closed']).optional() });
