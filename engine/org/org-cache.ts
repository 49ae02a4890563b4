/**
 * The org model as this process last read it (issue 11, item 3: an intake read the org units about
 * four times and the users three to four times). Org units, windows and staff change rarely and
 * only through engine/org (OrgService: filings, duty; OpeningHours: opening hours), so each process
 * keeps what it read for a short while:
 *
 * - **This process's own writes take effect at once**: every write in engine/org forgets what it
 *   changed (a duty change: the person and every window's receivers) right after it is written, so
 *   the next read here reads the database.
 * - **Another process's writes take effect within a bounded time**: a cached org unit or window is
 *   served for at most `ORG_UNIT_TTL_MS` (10 s: opening hours, names — the close of business a new
 *   clock counts to); a cached person, the windows with who is on duty there, and "who has role R in unit U" for
 *   at most `USER_TTL_MS` (3 s: a 离岗/到岗 or a role change reaches routing and notifications of every
 *   process within 3 s of being written). Measured from when the read was SENT, so a slow read
 *   does not stretch the bound.
 * - A person is cached without `passwordHash` (login reads it from the database every time), and
 *   sessions are never cached (session-service.ts: logout and expiry take effect at once).
 * - A miss (no such unit or person) is not cached: a record created meanwhile is found at once.
 *
 * Values are shared between callers: treat them as read-only. One cache per `Models` (per database
 * connection) in the process (`orgCacheOf`); tests give their own, with a controllable time.
 */
import type { Models } from '../persistence/models';
import { closeTimeOfSpec, openingSpecOf } from './opening-spec';

/** How long another process's change of an org unit (opening hours, names) may go unseen here, ms. */
export const ORG_UNIT_TTL_MS = 10_000;
/** How long another process's change of a person (duty, roles, window) may go unseen here, ms. */
export const USER_TTL_MS = 3_000;
/** Entries kept per kind before the oldest are dropped (the org model is a few hundred records). */
const MAX_ENTRIES = 5_000;

/** A person as cached: everything but the password hash. */
export interface CachedUser {
  _id: string;
  displayName?: string;
  roles?: string[];
  groups?: string[];
  orgUnit?: string | null;
  windowId?: string | null;
  post?: string | null;
  duty?: { status?: string; standIn?: string; [k: string]: unknown } | null;
}

export interface OrgCacheOptions {
  /** Monotonic milliseconds; default `performance.now`. */
  now?: () => number;
  unitTtlMs?: number;
  userTtlMs?: number;
}

interface Entry<T> {
  at: number;
  value: Promise<T>;
}

/** A keyed memo of reads whose results are served for `ttl` ms after the read was sent. */
class Memo<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttl: number,
    private readonly now: () => number,
    /** Values for which nothing is kept (a miss). */
    private readonly keep: (v: T) => boolean = () => true,
  ) {}

  get(key: string, read: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    const t = this.now();
    if (hit && t - hit.at < this.ttl) return hit.value;
    // Promise.resolve: a mongoose Query or Aggregate is a lazy thenable that runs again on every `then`
    const entry: Entry<T> = { at: t, value: Promise.resolve(read()) };
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, entry);
    // a failed read or a miss is not kept (only if the entry is still this one: a forget or a newer read replaced it)
    entry.value.then(
      (v) => {
        if (!this.keep(v) && this.entries.get(key) === entry) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  /** The fresh entry of `key`, if any (no read). */
  peek(key: string): Promise<T> | undefined {
    const hit = this.entries.get(key);
    return hit && this.now() - hit.at < this.ttl ? hit.value : undefined;
  }

  set(key: string, value: T, at: number): void {
    if (!this.keep(value)) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { at, value: Promise.resolve(value) });
  }

  forget(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}

const USER_FIELDS = { passwordHash: 0 } as const;

export class OrgCache {
  private readonly now: () => number;
  private readonly units: Memo<any | null>;
  /** Windows by id (number, name, department, posts — no duty): org-unit TTL. */
  private readonly windowsById: Memo<any | null>;
  private readonly users: Memo<CachedUser | null>;
  /** Windows matching a filter with the people on their posts (their duty): a user-TTL read. */
  private readonly windows: Memo<any[]>;
  /** Logins of the people matching a filter (e.g. a unit's managers). */
  private readonly people: Memo<string[]>;

  constructor(
    private readonly models: Models,
    options: OrgCacheOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    const unitTtl = options.unitTtlMs ?? ORG_UNIT_TTL_MS;
    const userTtl = options.userTtlMs ?? USER_TTL_MS;
    this.units = new Memo(unitTtl, this.now, (v) => v != null);
    this.windowsById = new Memo(unitTtl, this.now, (v) => v != null);
    this.users = new Memo(userTtl, this.now, (v) => v != null);
    this.windows = new Memo(userTtl, this.now);
    this.people = new Memo(userTtl, this.now);
  }

  /** An org unit without its opening history (one read by `_id` when not cached); null when there is none. */
  unit(id: string): Promise<any | null> {
    return this.units.get(id, () => this.models.OrgUnit.findById(id, { openingHistory: 0 }).lean().exec());
  }

  /** A window (one read by `_id` when not cached); null when there is none. Who is on duty there: `windowsWithPosts`. */
  window(id: string): Promise<any | null> {
    return this.windowsById.get(id, () => this.models.Window.findById(id).lean().exec());
  }

  /** The centre's close of business on working days ('HH:MM', the end of its last session), undefined for no such unit. */
  async closeTimeOf(id: string): Promise<string | undefined> {
    const ou = await this.unit(id);
    return ou ? closeTimeOfSpec(openingSpecOf(id, ou.openingHours)) : undefined;
  }

  /** A person, without the password hash (one read by `_id` when not cached); null when there is none. */
  user(username: string): Promise<CachedUser | null> {
    return this.users.get(username, () => this.models.User.findById(username, USER_FIELDS).lean().exec() as Promise<CachedUser | null>);
  }

  /** People by login: the cached ones, and the others in one read. Unknown logins are left out. */
  async usersById(usernames: string[]): Promise<Map<string, CachedUser>> {
    const out = new Map<string, CachedUser>();
    const missing: string[] = [];
    for (const u of new Set(usernames)) {
      const hit = this.users.peek(u);
      if (hit) {
        const v = await hit;
        if (v) out.set(u, v);
      } else missing.push(u);
    }
    if (missing.length) {
      const at = this.now();
      const docs = (await this.models.User.find({ _id: { $in: missing } }, USER_FIELDS).lean()) as CachedUser[];
      for (const d of docs) {
        out.set(String(d._id), d);
        this.users.set(String(d._id), d, at);
      }
    }
    return out;
  }

  /**
   * The logins of the people matching `filter` on the users collection (e.g. `{ orgUnit, roles: 'manager' }`),
   * read once per `USER_TTL_MS`.
   */
  loginsWhere(filter: Record<string, unknown>): Promise<string[]> {
    return this.people.get(JSON.stringify(filter), async () => (await this.models.User.find(filter as any, { _id: 1 }).lean()).map((u: any) => String(u._id)));
  }

  /** Windows with the people on their posts, as `read` returns them for `match` (cached per match, user TTL). */
  windowsWithPosts(match: Record<string, unknown>, read: () => Promise<any[]>): Promise<any[]> {
    return this.windows.get(JSON.stringify(match), read);
  }

  /** After a write of an org unit (its opening hours): the next read here reads the database. */
  forgetUnit(id?: string): void {
    this.units.forget(id);
  }

  /** After a write of a window (a new one, its posts). */
  forgetWindow(id?: string): void {
    this.windowsById.forget(id);
    this.windows.forget();
  }

  /** After a write of a person (duty, window, roles): the person, the windows' receivers, the role lists. */
  forgetUser(username?: string): void {
    this.users.forget(username);
    this.windows.forget();
    this.people.forget();
  }

  /** Everything (after a seed). */
  forgetAll(): void {
    this.units.forget();
    this.windowsById.forget();
    this.users.forget();
    this.windows.forget();
    this.people.forget();
  }
}

const caches = new WeakMap<object, OrgCache>();

/** The process's org cache for these models (one database connection). */
export function orgCacheOf(models: Models): OrgCache {
  let c = caches.get(models);
  if (!c) caches.set(models, (c = new OrgCache(models)));
  return c;
}
