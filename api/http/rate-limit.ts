/**
 * A small fixed-window rate limiter, in memory. Enough for one process in front of the login;
 * several API processes behind a proxy should limit at the proxy too.
 *
 * The key is the client address (`req.ip`: the socket peer, unless the operator named a
 * trusted proxy with TRUST_PROXY, api/config.ts) or what `key` returns, e.g. the user name of a
 * login. With `countWhen`, only answers whose status it accepts count (failed logins), and a
 * client past the limit is refused before the handler runs.
 */
import type { NextFunction, Request, Response } from 'express';
import { sendProblem } from './error-handler';

export interface RateLimitOptions {
  windowMs: number;
  max: number;
  /** The key of a request; undefined skips the limit for it. Default: the client address. */
  key?: (req: Request) => string | undefined;
  /** Count only answers with these statuses (e.g. 401 for failed logins). Default: every request. */
  countWhen?: (status: number) => boolean;
  /** The `detail` of the 429. */
  detail?: string;
}

/** Most keys kept per limiter; expired windows are dropped past it. */
const MAX_KEYS = 10_000;

export function rateLimit(opts: RateLimitOptions) {
  const hits = new Map<string, { count: number; resetAt: number }>();
  const keyOf = opts.key ?? ((req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown');
  const windowOf = (key: string, now: number) => {
    let h = hits.get(key);
    if (!h || h.resetAt <= now) {
      h = { count: 0, resetAt: now + opts.windowMs };
      hits.set(key, h);
      if (hits.size > MAX_KEYS) for (const [k, v] of hits) if (v.resetAt <= now) hits.delete(k);
    }
    return h;
  };
  return (req: Request, res: Response, next: NextFunction) => {
    const key = keyOf(req);
    if (key === undefined) return next();
    const now = Date.now();
    const h = windowOf(key, now);
    const refuse = () => {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil((h.resetAt - now) / 1000))));
      return sendProblem(res, 429, 'RATE_LIMITED', opts.detail ?? 'too many attempts; wait a minute and try again', { limit: opts.max, windowSeconds: Math.round(opts.windowMs / 1000) });
    };
    if (opts.countWhen) {
      if (h.count >= opts.max) return refuse();
      res.on('finish', () => {
        if (opts.countWhen!(res.statusCode)) windowOf(key, Date.now()).count++;
      });
      return next();
    }
    if (++h.count > opts.max) return refuse();
    next();
  };
}
