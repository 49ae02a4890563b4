/**
 * A small fixed-window rate limiter per client address, in memory. Enough for one process in
 * front of the login; several API processes behind a proxy should limit at the proxy too.
 */
import type { NextFunction, Request, Response } from 'express';
import { sendProblem } from './error-handler';

export function rateLimit(opts: { windowMs: number; max: number }) {
  const hits = new Map<string, { count: number; resetAt: number }>();
  return (req: Request, res: Response, next: NextFunction) => {
    const now = Date.now();
    const key = req.ip ?? 'unknown';
    let h = hits.get(key);
    if (!h || h.resetAt <= now) {
      h = { count: 0, resetAt: now + opts.windowMs };
      hits.set(key, h);
      if (hits.size > 10_000) for (const [k, v] of hits) if (v.resetAt <= now) hits.delete(k);
    }
    if (++h.count > opts.max) {
      res.setHeader('Retry-After', String(Math.ceil((h.resetAt - now) / 1000)));
      return sendProblem(res, 429, 'RATE_LIMITED', 'too many attempts; wait a minute and try again');
    }
    next();
  };
}
