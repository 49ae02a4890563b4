/**
 * Authentication over HTTP: the bearer token of a session (engine/org/session-service.ts) on
 * every /api request, then the route's access rule.
 */
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError, UnauthenticatedError, type Platform, type SessionActor } from '../../engine';
import { accessGuard } from './access';

import type { Role } from './access-table';

export type { Role };

declare module 'express-serve-static-core' {
  interface Request {
    actor?: SessionActor;
  }
}

export function bearerToken(req: Request): string | undefined {
  const h = req.get('authorization');
  const m = h && /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(h);
  return m ? m[1] : undefined;
}

/** Requires a valid session; sets `req.actor`; then the route's access rule decides (api/http/access.ts). */
export function authenticate(platform: Pick<Platform, 'sessions' | 'access' | 'processService'>) {
  const guard = accessGuard(platform.access, platform.processService);
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token) throw new UnauthenticatedError('UNAUTHENTICATED', 'log in first: send "Authorization: Bearer <token>" from POST /api/auth/login');
    req.actor = await platform.sessions.resolve(token);
    await guard(req, res, next);
  };
}

/** Requires one of `roles` (admin always passes). */
export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const actor = req.actor;
    if (!actor) throw new UnauthenticatedError('UNAUTHENTICATED', 'log in first');
    if (!actor.roles.includes('admin') && !roles.some((r) => actor.roles.includes(r))) {
      throw new ForbiddenError('ROLE_REQUIRED', `this needs one of the roles: ${roles.join(', ')}`);
    }
    next();
  };
}

export { DEMO_USERS, seedDemoUsers } from '../../engine';
