/**
 * Sessions (登录会话): user name + password (bcrypt) → an opaque bearer token. Only the token's
 * SHA-256 is stored, so a leaked sessions collection opens nothing; a login for a user who does
 * not exist compares against a dummy hash, so both failures take the same time.
 *
 * The HTTP layer (api/http/auth.ts) reads the token from the request and asks `resolve` who it
 * is; it never reads the users or sessions collections itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { UnauthenticatedError } from '../domain/errors';
import type { Actor, Clock } from '../domain/types';
import type { Models } from '../persistence/models';
import { orgCacheOf } from './org-cache';

/** The signed-in person as the API sees them. */
export interface SessionActor extends Actor {
  displayName: string;
  orgUnit?: string;
  windowId?: string;
}

/** What a login answers: the token (shown once), its expiry and the person. */
export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: { username: string; displayName: string; roles: string[]; groups: string[]; orgUnit?: string; windowId?: string; post?: string };
}

const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

/** A bcrypt hash compared when the user does not exist, so both cases take the same time. */
let dummyHash: string | undefined;
const getDummyHash = () => (dummyHash ??= bcrypt.hashSync(randomBytes(16).toString('hex'), 10));

export class SessionService {
  constructor(private readonly deps: { models: Models; clock: Clock }) {}

  async login(username: string, password: string, sessionHours: number): Promise<LoginResult> {
    const { models, clock } = this.deps;
    const user = await models.User.findById(username).lean();
    const ok = await bcrypt.compare(password, user?.passwordHash ?? getDummyHash());
    if (!user || !ok) throw new UnauthenticatedError('BAD_CREDENTIALS', 'wrong username or password');
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + sessionHours * 3600_000);
    await models.Session.create({ _id: hashToken(token), username, createdAt: now, expiresAt });
    return {
      token,
      expiresAt,
      user: { username: user._id, displayName: user.displayName, roles: user.roles, groups: user.groups, orgUnit: user.orgUnit ?? undefined, windowId: user.windowId ?? undefined, post: user.post ?? undefined },
    };
  }

  async logout(token: string): Promise<void> {
    await this.deps.models.Session.deleteOne({ _id: hashToken(token) });
  }

  /**
   * The person a bearer token belongs to; 401 `SESSION_EXPIRED` for an unknown or expired one. The
   * session is read every time (a logout or an expiry takes effect at once); the person through the
   * org cache (org-cache.ts: without the password hash; a change of roles or window made by another
   * process is seen within `USER_TTL_MS`, one made here at once).
   */
  async resolve(token: string): Promise<SessionActor> {
    const { models, clock } = this.deps;
    const session = await models.Session.findById(hashToken(token)).lean();
    if (!session || session.expiresAt.getTime() < clock.now().getTime()) throw new UnauthenticatedError('SESSION_EXPIRED', 'session is unknown or expired; log in again');
    const user: any = await orgCacheOf(models).user(session.username);
    if (!user) throw new UnauthenticatedError('SESSION_EXPIRED', 'user no longer exists; log in again');
    return { username: user._id, displayName: user.displayName, roles: user.roles, groups: user.groups, orgUnit: user.orgUnit ?? undefined, windowId: user.windowId ?? undefined };
  }

  /** True when the installation has no org units or no users yet (the first start seeds them). */
  async isEmpty(): Promise<boolean> {
    const { models } = this.deps;
    return (await models.OrgUnit.estimatedDocumentCount()) === 0 || (await models.User.estimatedDocumentCount()) === 0;
  }
}
