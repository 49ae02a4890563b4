/**
 * Bounds on the shape of parsed JSON bodies, checked before any handler sees them: a body
 * nested deeper than MAX_JSON_DEPTH, or with more than MAX_JSON_NODES values, is refused with
 * 400 BODY_TOO_DEEP / BODY_TOO_COMPLEX naming the limit. Size is bounded by the JSON parser
 * (MAX_JSON_BYTES, 413 BODY_TOO_LARGE). The walk is iterative, so no depth overflows the stack
 * here, and nothing deeper than the limit reaches the database, the engine or a recursive check.
 */
import type { NextFunction, Request, Response } from 'express';
import { sendProblem } from './error-handler';
import { jsonShape as shapeOf } from '../../engine';

/** Largest JSON body, as the body parser's limit string. */
export const MAX_JSON_BYTES = '512kb';
/** Deepest nesting of objects and arrays in a JSON body (the top-level value is level 1). */
export const MAX_JSON_DEPTH = 32;
/** Most values (objects, arrays, scalars) in one JSON body. */
export const MAX_JSON_NODES = 20_000;

export type { JsonShape } from '../../engine';

/** Depth and value count of `value`, walked iteratively; stops early once either passes its limit. */
export function jsonShape(value: unknown, limits: { depth: number; nodes: number } = { depth: MAX_JSON_DEPTH, nodes: MAX_JSON_NODES }) {
  return shapeOf(value, limits);
}

/** Express middleware: after express.json, refuses bodies past the depth and value-count limits. */
export function boundJsonBody() {
  return (req: Request, res: Response, next: NextFunction) => {
    const body = req.body;
    if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return next();
    const shape = jsonShape(body);
    if (shape.depth > MAX_JSON_DEPTH) {
      return sendProblem(res, 400, 'BODY_TOO_DEEP', `request body is nested deeper than ${MAX_JSON_DEPTH} levels; the limit is ${MAX_JSON_DEPTH}`, { limit: MAX_JSON_DEPTH });
    }
    if (shape.nodes > MAX_JSON_NODES) {
      return sendProblem(res, 400, 'BODY_TOO_COMPLEX', `request body has more than ${MAX_JSON_NODES} values; the limit is ${MAX_JSON_NODES}`, { limit: MAX_JSON_NODES });
    }
    next();
  };
}
