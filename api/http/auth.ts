/**
 * Authentication: username + password (bcrypt) → an opaque bearer token. Only the token's
 * SHA-256 is stored, so a leaked sessions collection opens nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError, UnauthenticatedError, type Actor, type Models } from '../../engine';

export type Role = 'admin' | 'designer' | 'clerk' | 'supervisor';

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
    user: { username: user._id, displayName: user.displayName, roles: user.roles, groups: user.groups, orgUnit: user.orgUnit ?? undefined },
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

/** Requires a valid session; sets `req.actor`. */
export function authenticate(models: Models) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token) throw new UnauthenticatedError('UNAUTHENTICATED', 'log in first: send "Authorization: Bearer <token>" from POST /api/auth/login');
    const session = await models.Session.findById(hashToken(token)).lean();
    if (!session || session.expiresAt.getTime() < Date.now()) throw new UnauthenticatedError('SESSION_EXPIRED', 'session is unknown or expired; log in again');
    const user = await models.User.findById(session.username).lean();
    if (!user) throw new UnauthenticatedError('SESSION_EXPIRED', 'user no longer exists; log in again');
    req.actor = { username: user._id, displayName: user.displayName, roles: user.roles, groups: user.groups, orgUnit: user.orgUnit ?? undefined };
    next();
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

/** Demo users (演示账号) seeded into an empty user table; README lists them. */
export const DEMO_USERS = [
  { _id: 'admin', displayName: '系统管理员', roles: ['admin'], groups: [], orgUnit: 'city' },
  { _id: 'designer', displayName: '市政管办 流程设计员', roles: ['designer'], groups: [], orgUnit: 'city' },
  { _id: 'clerk', displayName: '丁堡镇 综合窗口 A岗', roles: ['clerk'], groups: ['town-window'], orgUnit: 'dingbao' },
  { _id: 'clerkb', displayName: '丁堡镇 综合窗口 B岗', roles: ['clerk'], groups: ['town-window'], orgUnit: 'dingbao' },
  { _id: 'cityclerk', displayName: '市行政服务中心 审批窗口', roles: ['clerk'], groups: ['city-approval'], orgUnit: 'city' },
  { _id: 'deptclerk', displayName: '丁堡镇 联办部门窗口', roles: ['clerk'], groups: ['dept-land', 'dept-planning', 'dept-environment'], orgUnit: 'dingbao' },
  { _id: 'supervisor', displayName: '市监察局 督查员', roles: ['supervisor'], groups: [], orgUnit: 'city' },
];

export async function seedDemoUsers(models: Models, password: string): Promise<number> {
  if ((await models.User.estimatedDocumentCount()) > 0) return 0;
  const passwordHash = await bcrypt.hash(password, 10);
  let n = 0;
  for (const u of DEMO_USERS) {
    try {
      await models.User.create({ ...u, passwordHash });
      n++;
    } catch {
      /* another process seeded it first */
    }
  }
  return n;
}
