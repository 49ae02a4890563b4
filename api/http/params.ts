/** Path and id parameters, validated the same way on every route. */
import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError } from '../../engine';

/** What any id of this API may contain (case numbers, task ids, window ids, …). */
export const idSchema = z.string().min(1).max(200).regex(/^[A-Za-z0-9:_.-]+$/, 'contains characters that no id has');

/** Path parameter `name` checked against `schema`. @throws ValidationError (400) naming the parameter */
export function pathParam(req: Request, name: string, schema: z.ZodType<string> = idSchema): string {
  const r = schema.safeParse(req.params[name]);
  if (!r.success) throw new ValidationError('INVALID_ID', `path parameter ${name}: ${r.error.issues[0].message}`);
  return r.data;
}
