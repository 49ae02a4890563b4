/**
 * Authentication: username + password (bcrypt) → an opaque bearer token. Only the token's
 * SHA-256 is stored, so a leaked sessions collection opens nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError, UnauthenticatedError, type Actor, type Models } from '../../engine';
import { accessGuard } from './access';

export type Role = 'admin' | 'designer' | 'clerk' | 'supervisor' | 'manager' | 'discipline';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor & { displayName: string; orgUnit?: string };
  }
}

const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

/** A bcrypt hash compared when the user does not exist, so both cases take the same time. */
let dummyHash: string | undefined;
const getDummyHash = () => (dummyHash ??= bcrypt.hashSync(randomBytes(16).toString('hex'), 10));

export async function login(models: Models, username: string, password: string, sessionHours: number) {
  const user = await models.User.findById(username).lean();
  const ok = await bcrypt.compare(password, user?.passwordHash ?? getDummyHash());
  if (!user || !ok) throw new UnauthenticatedError('BAD_CREDENTIALS', 'wrong username or password');
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  await models.Session.create({ _id: hashToken(token), username, createdAt: now, expiresAt: new Date(now.getTime() + sessionHours * 3600_000) });
  return {
    token,
    expiresAt: new Date(now.getTime() + sessionHours * 3600_000),
    user: { username: user._id, displayName: user.displayName, roles: user.roles, groups: user.groups, orgUnit: user.orgUnit ?? undefined, windowId: user.windowId ?? undefined, post: user.post ?? undefined },
  };
}

export async function logout(models: Models, token: string) {
  await models.Session.deleteOne({ _id: hashToken(token) });
}

export function bearerToken(req: Request): string | undefined {
  const h = req.get('authorization');
  const m = h && /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(h);
  return m ? m[1] : undefined;
}

/** Requires a valid session; sets `req.actor`; then the route's access rule decides (api/http/access.ts). */
export function authenticate(models: Models) {
  const guard = accessGuard(models);
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token) throw new UnauthenticatedError('UNAUTHENTICATED', 'log in first: send "Authorization: Bearer <token>" from POST /api/auth/login');
    const session = await models.Session.findById(hashToken(token)).lean();
    if (!session || session.expiresAt.getTime() < Date.now()) throw new UnauthenticatedError('SESSION_EXPIRED', 'session is unknown or expired; log in again');
    const user = await models.User.findById(session.username).lean();
    if (!user) throw new UnauthenticatedError('SESSION_EXPIRED', 'user no longer exists; log in again');
    req.actor = { username: user._id, displayName: user.displayName, roles: user.roles, groups: user.groups, orgUnit: user.orgUnit ?? undefined, windowId: user.windowId ?? undefined };
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
