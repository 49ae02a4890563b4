/**
 * The org model (组织机构): the city centre and the 19 town centres, their windows (窗口) with
 * an A post (A岗, the regular) and a B post (B岗, the stand-in), duty status (在岗/离岗), and
 * the routing of a case's steps to the right window and person:
 *
 * - a window's new tasks go to its A post; while A is away they go to B (A/B 岗工作制);
 * - when A leaves with open tasks, the ones nobody has touched (claimed) move to B, and move
 *   back when A returns if B still has not touched them;
 * - a window is never without a receiver: the last present person cannot be marked away
 *   without naming a stand-in.
 *
 * Windows and staff are registered (备案) with the city office: every change is a filing.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BusinessRuleError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import type { Actor, Logger } from '../domain/types';
import { isDuplicateKey, type Models } from '../persistence/models';
import { PROJECT_ROOT } from '../runtime/moddle';
import { CITY_UNIT, seesAcross } from './scope';
import { orgCacheOf, USER_TTL_MS, type OrgCache } from './org-cache';
import type { AuditLog } from '../cases/audit';

export type Post = 'A' | 'B';

export interface DutyStatus {
  status: 'present' | 'away';
  reason?: string;
  from?: Date;
  until?: Date;
  standIn?: string;
  since?: Date;
}

export interface RouteTarget {
  orgUnit?: string;
  windowId?: string;
  assignee?: string;
  post?: Post | 'responsible' | 'stand-in';
}

/** What the process engine asks when it opens a user task of a case. */
export interface TaskRouter {
  route(variables: Record<string, unknown>, step: { window?: string; orgLevel?: string; elementId: string }): Promise<RouteTarget | undefined>;
}

interface CatalogueWindow {
  id: string;
  no: number;
  name: string;
  department: string;
  departmentName?: string;
  kind: string;
  accepts: string[];
  staff: { A: { username: string; displayName: string }; B: { username: string; displayName: string } };
}
interface CatalogueOrgUnit {
  id: string;
  code: string;
  name: string;
  shortName: string;
  level: 'city' | 'town';
  parent: string | null;
  address?: string;
  phone?: string;
  openingHours?: unknown;
  windows: CatalogueWindow[];
}

export function loadOrgCatalogue(file = path.join(PROJECT_ROOT, 'processes', 'catalogue', 'org-units.json')): CatalogueOrgUnit[] {
  return JSON.parse(readFileSync(file, 'utf8'));
}

const isPresent = (u: { duty?: DutyStatus } | null | undefined) => !!u && (u.duty?.status ?? 'present') === 'present';

/** The receiver of a window read with its posts (`windowsWithPosts`): A, else B, else the stand-in A named. */
function receiverAt(w: { postA?: string; postB?: string; _postA?: { duty?: DutyStatus }[]; _postB?: { duty?: DutyStatus }[] }): { username?: string; post?: Post | 'stand-in' } {
  const a = w._postA?.[0];
  const b = w._postB?.[0];
  if (isPresent(a)) return { username: w.postA!, post: 'A' };
  if (isPresent(b)) return { username: w.postB!, post: 'B' };
  const standIn = a?.duty?.standIn ?? b?.duty?.standIn;
  return standIn ? { username: standIn, post: 'stand-in' } : {};
}

export class OrgService {
  /**
   * The org model as this process last read it (org-cache.ts): the router's reads of windows and
   * people, the centre's close of business. Every write below forgets what it changed at once;
   * another process's writes are seen within `USER_TTL_MS` (people, duty) / `ORG_UNIT_TTL_MS`.
   */
  readonly cache: OrgCache;

  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    /** Default: the process's cache for these models (`orgCacheOf`); tests pass their own. */
    cache?: OrgCache,
  ) {
    this.cache = cache ?? orgCacheOf(models);
  }

  /**
   * Creates the city, the 19 towns, their windows and A/B staff from `processes/catalogue`,
   * each as a filing by `system`. Idempotent: what exists is left as it is.
   * @returns how many documents were created
   */
  async seed(passwordHash: string, catalogue = loadOrgCatalogue()): Promise<number> {
    const { OrgUnit, Window, User, Filing } = this.models;
    let created = 0;
    const insert = async (model: any, doc: any) => {
      try {
        await model.create(doc);
        created++;
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    };
    const now = new Date();
    for (const [seq, ou] of catalogue.entries()) {
      await insert(OrgUnit, { _id: ou.id, seq, code: ou.code, name: ou.name, shortName: ou.shortName, level: ou.level, parent: ou.parent, address: ou.address, phone: ou.phone, openingHours: ou.openingHours ?? {} });
      // The centre's manager (中心主任) and, in towns, the discipline commission (镇纪委).
      const heads = [{ username: `${ou.id}-manager`, displayName: `${ou.shortName}行政服务中心主任`, roles: ['manager'] }];
      if (ou.level === 'town') heads.push({ username: `${ou.id}-jw`, displayName: `${ou.shortName}纪委`, roles: ['discipline'] });
      for (const h of heads) {
        const ok = await insert(User, { _id: h.username, displayName: h.displayName, passwordHash, roles: h.roles, groups: [], orgUnit: ou.id, duty: { status: 'present' } });
        if (ok) await insert(Filing, { _id: `seed:staff:${h.username}`, kind: 'staff.registered', subject: h.username, orgUnit: ou.id, filedBy: 'system', filedAt: now, data: { roles: h.roles } });
      }
      for (const w of ou.windows) {
        const isNew = await insert(Window, {
          _id: w.id,
          orgUnit: ou.id,
          no: w.no,
          name: w.name,
          department: w.department,
          departmentName: w.departmentName,
          kind: w.kind,
          accepts: w.accepts,
          postA: w.staff.A.username,
          postB: w.staff.B.username,
          filedAt: now,
          filedBy: 'system',
        });
        if (isNew) await insert(Filing, { _id: `seed:window:${w.id}`, kind: 'window.registered', subject: w.id, orgUnit: ou.id, filedBy: 'system', filedAt: now, data: { name: w.name, department: w.department } });
        for (const post of ['A', 'B'] as const) {
          const s = w.staff[post];
          const existing = await User.findById(s.username, { windowId: 1 }).lean();
          if (existing) {
            // A demo user created before the org model: attach it to its window once.
            if (!existing.windowId) await User.updateOne({ _id: s.username }, { $set: { windowId: w.id, post, orgUnit: ou.id } });
            continue;
          }
          const ok = await insert(User, {
            _id: s.username,
            displayName: s.displayName,
            passwordHash,
            roles: ['clerk'],
            groups: ou.level === 'city' ? ['city-approval'] : ['town-window'],
            orgUnit: ou.id,
            windowId: w.id,
            post,
            duty: { status: 'present' },
          });
          if (ok) await insert(Filing, { _id: `seed:staff:${s.username}`, kind: 'staff.registered', subject: s.username, orgUnit: ou.id, filedBy: 'system', filedAt: now, data: { windowId: w.id, post } });
        }
      }
    }
    if (created) {
      this.cache.forgetAll();
      this.logger.info({ created }, 'org model seeded');
    }
    return created;
  }

  async listOrgUnits() {
    const units = await this.models.OrgUnit.find({}).lean();
    // The brief's order (city first, then the towns as the plan lists them).
    return units.sort((a: any, b: any) => (a.seq ?? 99) - (b.seq ?? 99)).map((u) => ({ id: u._id, code: u.code, name: u.name, shortName: u.shortName, level: u.level, parent: u.parent ?? null, address: u.address, phone: u.phone, openingHours: u.openingHours }));
  }

  /**
   * An org unit (without its opening history: OpeningHours reads that), through the org cache — as
   * fresh as `ORG_UNIT_TTL_MS`, at once after this process's own change. Treat it as read-only.
   * @throws NotFoundError ORG_UNIT_NOT_FOUND
   */
  async getOrgUnit(id: string) {
    const u = await this.cache.unit(id);
    if (!u) throw new NotFoundError('ORG_UNIT_NOT_FOUND', `org unit ${id} does not exist`);
    return u;
  }

  /**
   * Does `viewer` see the operational data of `orgUnit` (DESIGN.md §6)? Its own people, the city
   * office over its towns, supervisors and admins across; no viewer = the platform itself.
   */
  sees(viewer: Actor | undefined, orgUnit: string | undefined): boolean {
    return !viewer || seesAcross(viewer) || (!!viewer.orgUnit && (viewer.orgUnit === CITY_UNIT || viewer.orgUnit === orgUnit));
  }

  /**
   * Windows of an org unit with who is on each post and who receives new tasks now. The window
   * directory (numbers, names, posts, receiver) is every logged-in user's — the targets of
   * transfers and co-signs across org units; the duty details (why, until when, who stands in)
   * are the org unit's own: another town's viewer gets only present / away.
   */
  async listWindows(orgUnit: string, viewer?: Actor) {
    await this.getOrgUnit(orgUnit);
    const windows = await this.models.Window.find({ orgUnit }).sort({ no: 1 }).lean();
    const names = windows.flatMap((w) => [w.postA, w.postB]).filter(Boolean) as string[];
    const users = await this.models.User.find({ _id: { $in: names } }, { displayName: 1, duty: 1 }).lean();
    const byName = new Map(users.map((u) => [u._id as string, u]));
    const full = this.sees(viewer, orgUnit);
    return windows.map((w) => this.windowView(w, byName, full));
  }

  /**
   * Display names (姓名) of the given logins, for the people a record the caller may read names:
   * assignees, responsible clerks, actors of an audit trail, deployers. Only the name leaves
   * (no org unit, duty or roles); `system` is 系统; an unknown login keeps its login.
   */
  async displayNames(usernames: Iterable<string | null | undefined>): Promise<Map<string, string>> {
    const wanted = [...new Set([...usernames].filter((u): u is string => typeof u === 'string' && u.length > 0))];
    const out = new Map<string, string>();
    if (wanted.includes('system')) out.set('system', '系统');
    const ask = wanted.filter((u) => u !== 'system');
    if (!ask.length) return out;
    // through the org cache: the people of a case are the same few from one request to the next
    for (const [id, u] of await this.cache.usersById(ask)) if (u.displayName) out.set(id, String(u.displayName));
    return out;
  }

  /**
   * Names to print for codes (exports' 说明 sheet): an org unit's short name, a window's name, a
   * department's name (from a window of it). An unknown code gets no entry.
   */
  async labelsOf(q: { orgUnit?: string; windowId?: string; department?: string }): Promise<{ orgUnit?: string; window?: string; department?: string }> {
    const { OrgUnit, Window } = this.models;
    const unit: any = q.orgUnit ? await OrgUnit.findById(q.orgUnit, { name: 1, shortName: 1 }).lean() : null;
    const w: any = q.windowId ? await Window.findById(q.windowId, { name: 1 }).lean() : null;
    const dept: any = q.department ? await Window.findOne({ department: q.department, departmentName: { $exists: true } }, { departmentName: 1 }).lean() : null;
    return { orgUnit: unit ? String(unit.shortName ?? unit.name) : undefined, window: w ? String(w.name) : undefined, department: dept?.departmentName ? String(dept.departmentName) : undefined };
  }

  /**
   * Short names of org units and names of windows, by id (what lists of complaints show beside
   * the ids): one read of the org units, one of the windows when there are any.
   */
  async placeNames(orgUnits: string[], windowIds: string[]): Promise<{ units: Map<string, string>; windows: Map<string, string> }> {
    const { OrgUnit, Window } = this.models;
    const units = new Map((await OrgUnit.find({ _id: { $in: orgUnits } }, { name: 1, shortName: 1 }).lean()).map((u: any) => [String(u._id), String(u.shortName ?? u.name)]));
    const windows = new Map((windowIds.length ? await Window.find({ _id: { $in: windowIds } }, { name: 1, no: 1 }).lean() : []).map((w: any) => [String(w._id), String(w.name)]));
    return { units, windows };
  }

  /** Files (备案) a year of the working calendar the city office added or corrected, as version `version`, with its reason. */
  async fileCalendarYear(year: number, version: number, reason: string, actor: Actor, at: Date): Promise<void> {
    await this.models.Filing.create({ _id: `calendar:${year}:v${version}`, kind: 'calendar.year', subject: String(year), orgUnit: 'city', filedBy: actor.username, filedAt: at, data: { version, reason } });
  }

  /** One window, as `listWindows` shows it to `viewer`. */
  async getWindow(id: string, viewer?: Actor) {
    const w = await this.models.Window.findById(id).lean();
    if (!w) throw new NotFoundError('WINDOW_NOT_FOUND', `window ${id} does not exist`);
    const users = await this.models.User.find({ _id: { $in: [w.postA, w.postB].filter(Boolean) as string[] } }, { displayName: 1, duty: 1 }).lean();
    return this.windowView(w, new Map(users.map((u) => [u._id as string, u])), this.sees(viewer, w.orgUnit as string));
  }

  private windowView(w: any, users: Map<string, any>, full = true) {
    const person = (username?: string) => {
      if (!username) return null;
      const u = users.get(username);
      const duty = u?.duty ?? { status: 'present' };
      return { username, displayName: u?.displayName, duty: full ? duty : { status: duty.status ?? 'present' } };
    };
    const a = person(w.postA);
    const b = person(w.postB);
    const standIn = (username?: string) => (username ? users.get(username)?.duty?.standIn : undefined);
    const receiver = a && isPresent({ duty: a.duty }) ? a.username : b && isPresent({ duty: b.duty }) ? b.username : (standIn(w.postA) ?? standIn(w.postB) ?? null);
    return { id: w._id, orgUnit: w.orgUnit, no: w.no, name: w.name, department: w.department, departmentName: w.departmentName, kind: w.kind, accepts: w.accepts, status: w.status, postA: a, postB: b, receiver, filedAt: w.filedAt, filedBy: w.filedBy };
  }

  /** Registers (备案) a new window with the city office. */
  async registerWindow(input: { orgUnit: string; name: string; department: string; departmentName?: string; kind: 'department' | 'comprehensive' | 'service'; accepts?: string[]; postA: string; postB: string }, actor: Actor) {
    this.requireCityOffice(actor);
    await this.getOrgUnit(input.orgUnit);
    if (input.postA === input.postB) throw new ValidationError('SAME_PERSON_ON_BOTH_POSTS', 'the A post and the B post must be two different people');
    for (const u of [input.postA, input.postB]) if (!(await this.models.User.exists({ _id: u }))) throw new ValidationError('STAFF_NOT_FOUND', `staff ${u} is not registered; register the person first`);
    const last = await this.models.Window.findOne({ orgUnit: input.orgUnit }).sort({ no: -1 }).lean();
    const no = (last?.no ?? 0) + 1;
    const id = `${input.orgUnit}-w${String(no).padStart(2, '0')}`;
    const now = new Date();
    await this.models.Window.create({ _id: id, orgUnit: input.orgUnit, no, name: input.name, department: input.department, departmentName: input.departmentName, kind: input.kind, accepts: input.accepts ?? [input.department], postA: input.postA, postB: input.postB, filedAt: now, filedBy: actor.username });
    await this.models.User.updateOne({ _id: input.postA }, { $set: { windowId: id, post: 'A', orgUnit: input.orgUnit } });
    await this.models.User.updateOne({ _id: input.postB }, { $set: { windowId: id, post: 'B', orgUnit: input.orgUnit } });
    // the new window routes at once here (its people and the windows' receivers read again)
    this.cache.forgetWindow(id);
    this.cache.forgetUser(input.postA);
    this.cache.forgetUser(input.postB);
    await this.file('window.registered', id, input.orgUnit, actor, { ...input });
    return this.getWindow(id);
  }

  /** Registers (备案) a staff member of an org unit. */
  async registerStaff(input: { username: string; displayName: string; orgUnit: string; passwordHash: string; roles: string[] }, actor: Actor) {
    this.requireCityOffice(actor);
    await this.getOrgUnit(input.orgUnit);
    try {
      await this.models.User.create({ _id: input.username, displayName: input.displayName, passwordHash: input.passwordHash, roles: input.roles, groups: [], orgUnit: input.orgUnit, duty: { status: 'present' } });
    } catch (err) {
      if (isDuplicateKey(err)) throw new BusinessRuleError('STAFF_EXISTS', `username ${input.username} is already registered`);
      throw err;
    }
    this.cache.forgetUser(input.username); // a new manager or supervisor is told of signals at once
    await this.file('staff.registered', input.username, input.orgUnit, actor, { displayName: input.displayName, roles: input.roles });
    return { username: input.username, displayName: input.displayName, orgUnit: input.orgUnit, roles: input.roles };
  }

  /**
   * What was filed (备案) with the city office, newest first: staff and windows registered, duty
   * changes with their reasons. A town's people see their own org unit's filings; the city office,
   * supervisors and admins every unit's (DESIGN.md §6). Asking for another org unit is 403.
   */
  async listFilings(viewer: Actor, orgUnit?: string) {
    const wide = seesAcross(viewer) || viewer.orgUnit === CITY_UNIT;
    if (!wide && orgUnit && orgUnit !== viewer.orgUnit) throw new ForbiddenError('OTHER_ORG_UNIT', 'you may only see the filings of your own org unit');
    if (!wide && !viewer.orgUnit) return [];
    const unit = wide ? orgUnit : viewer.orgUnit;
    const docs = await this.models.Filing.find(unit ? { orgUnit: unit } : {}).sort({ filedAt: -1 }).limit(500).lean();
    return docs.map((f) => ({ id: f._id, kind: f.kind, subject: f.subject, orgUnit: f.orgUnit, filedBy: f.filedBy, filedAt: f.filedAt, data: f.data }));
  }

  private async file(kind: string, subject: string, orgUnit: string | undefined, actor: Actor, data: Record<string, unknown>) {
    await this.models.Filing.create({ _id: randomUUID(), kind, subject, orgUnit, filedBy: actor.username, filedAt: new Date(), data });
  }

  private requireCityOffice(actor: Actor) {
    if (!actor.roles.includes('admin')) throw new ForbiddenError('CITY_OFFICE_ONLY', 'only the city office (admin) registers windows and staff');
  }

  // ---------------------------------------------------------------- duty

  /**
   * Marks `username` away or back (离岗 / 到岗). Going away moves the person's untouched open
   * tasks to the window's other post (or the named stand-in); coming back moves the ones still
   * untouched back. Refuses to leave a window without anyone present unless a stand-in is named.
   */
  async setDuty(username: string, input: { status: 'present' | 'away'; reason?: string; until?: Date; standIn?: string }, actor: Actor) {
    const user = await this.models.User.findById(username).lean();
    if (!user) throw new NotFoundError('STAFF_NOT_FOUND', `staff ${username} does not exist`);
    const self = actor.username === username;
    // a centre manager changes the duty of his own centre's staff only (DESIGN.md §6)
    const manager = actor.roles.includes('admin') || (actor.roles.includes('manager') && !!actor.orgUnit && actor.orgUnit === user.orgUnit);
    if (!self && !manager) throw new ForbiddenError('NOT_YOUR_DUTY', 'you can change only your own duty status (or be the manager of that person\'s centre)');
    const windowId = user.windowId as string | undefined;
    const now = new Date();
    if (input.status === 'away') {
      if (!input.reason?.trim()) throw new ValidationError('REASON_REQUIRED', 'say why the person is away (reason)');
      if (input.standIn) {
        const s = await this.models.User.findById(input.standIn).lean();
        if (!s) throw new ValidationError('STAND_IN_NOT_FOUND', `stand-in ${input.standIn} does not exist`);
        if (!isPresent(s)) throw new BusinessRuleError('STAND_IN_AWAY', `stand-in ${input.standIn} is away too`);
        if (input.standIn === username) throw new ValidationError('STAND_IN_IS_SELF', 'the stand-in must be someone else');
        // the stand-in receives the person's tasks: someone of the same org unit, never another town
        if (s.orgUnit !== user.orgUnit) throw new ValidationError('STAND_IN_OTHER_UNIT', `stand-in ${input.standIn} is not of ${user.orgUnit ?? 'the same org unit'}`);
      }
      let receiver: string | undefined = input.standIn;
      if (windowId) {
        const w = await this.models.Window.findById(windowId).lean();
        const other = w ? (w.postA === username ? w.postB : w.postA) : undefined;
        const otherUser = other ? await this.models.User.findById(other).lean() : null;
        if (!receiver && isPresent(otherUser)) receiver = other!;
        if (!receiver) {
          throw new BusinessRuleError('LAST_RECEIVER', `${username} is the last person present at window ${windowId}; name a stand-in (standIn) before going away, so the window is never without a receiver`);
        }
      }
      const duty: DutyStatus = { status: 'away', reason: input.reason, from: now, until: input.until, standIn: receiver, since: now };
      await this.models.User.updateOne({ _id: username }, { $set: { duty } });
      // routing here stops at once to send new steps to the person away (other processes: within USER_TTL_MS)
      this.cache.forgetUser(username);
      const moved = receiver ? await this.moveTasks({ assignee: username, windowId }, receiver, username, `A/B 岗顶岗：${input.reason}`, actor) : 0;
      if (receiver) this.moveLateArrivals(username, now, receiver, `A/B 岗顶岗：${input.reason}`, actor);
      await this.file('duty.away', username, user.orgUnit ?? undefined, actor, { reason: input.reason, until: input.until, standIn: receiver, movedTasks: moved });
      return { username, duty, movedTasks: moved };
    }
    const duty: DutyStatus = { status: 'present', since: now };
    await this.models.User.updateOne({ _id: username }, { $set: { duty } });
    this.cache.forgetUser(username);
    // Tasks moved away from this person that the stand-in has not touched come back.
    const back = await this.models.Task.find({ status: 'open', movedFrom: username, claimedAt: null }).lean();
    let n = 0;
    for (const t of back) {
      const r = await this.models.Task.updateOne(
        { _id: t._id, status: 'open', movedFrom: username, claimedAt: null },
        { $set: { assignee: username }, $unset: { movedFrom: 1 }, $push: { actions: { type: 'moved-back', from: t.assignee, to: username, at: now, actor: actor.username, reason: '原岗人员到岗，未处理件回转' } } },
      );
      if (r.modifiedCount) {
        n++;
        if (t.caseNo) await this.audit.append(t.caseNo, 'task.moved', actor.username, { taskId: t._id, from: t.assignee, to: username, reason: 'A岗返岗回转' });
      }
    }
    await this.file('duty.present', username, user.orgUnit ?? undefined, actor, { movedBack: n });
    return { username, duty, movedTasks: n };
  }

  /**
   * Another process may route a step to the person for up to `USER_TTL_MS` after they went away
   * (its org cache still says present): once that bound has passed, the person's untouched open
   * steps that arrived meanwhile move to the receiver too — if the person is still away since
   * `since`. Best effort in this process (a kill loses it; the clerk's stand-in can still take them).
   */
  private moveLateArrivals(username: string, since: Date, to: string, reason: string, actor: Actor): void {
    const timer = setTimeout(() => {
      void (async () => {
        const u: any = await this.models.User.findById(username, { duty: 1 }).lean();
        if (u?.duty?.status !== 'away' || new Date(u.duty.since).getTime() !== since.getTime()) return;
        const n = await this.moveTasks({ assignee: username }, u.duty.standIn ?? to, username, reason, actor);
        if (n) this.logger.info({ movedTasks: n }, 'steps routed to a person who had just gone away moved to the receiver');
      })().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'moving the steps that arrived after a person went away failed'));
    }, USER_TTL_MS + 1000);
    timer.unref?.();
  }

  private async moveTasks(filter: { assignee: string; windowId?: string }, to: string, from: string, reason: string, actor: Actor): Promise<number> {
    const tasks = await this.models.Task.find({ status: 'open', assignee: filter.assignee, claimedAt: null }).lean();
    const now = new Date();
    let n = 0;
    for (const t of tasks) {
      const r = await this.models.Task.updateOne(
        { _id: t._id, status: 'open', assignee: from, claimedAt: null },
        { $set: { assignee: to, movedFrom: from, post: 'B' }, $push: { actions: { type: 'moved', from, to, at: now, actor: actor.username, reason } } },
      );
      if (r.modifiedCount) {
        n++;
        if (t.caseNo) await this.audit.append(t.caseNo, 'task.moved', actor.username, { taskId: t._id, from, to, reason });
      }
    }
    return n;
  }

  // ---------------------------------------------------------------- routing

  /** The window of `orgUnit` for `department`: its own window, else a comprehensive window accepting it. */
  async windowFor(orgUnit: string, department: string) {
    const own = await this.models.Window.findOne({ orgUnit, department, status: 'active' }).sort({ no: 1 }).lean();
    if (own) return own;
    const comp = await this.models.Window.findOne({ orgUnit, kind: 'comprehensive', accepts: department }).sort({ no: 1 }).lean();
    if (comp) return comp;
    return this.models.Window.findOne({ orgUnit, kind: 'comprehensive' }).sort({ no: 1 }).lean();
  }

  /** Who receives a new task at `windowId` now: A, else B, else the stand-in A named. One read (the window with its two posts). */
  async receiverOf(windowId: string): Promise<{ username?: string; post?: Post | 'stand-in' }> {
    const [w] = await this.cachedWindowsWithPosts({ _id: windowId });
    return w ? receiverAt(w) : {};
  }

  /**
   * Windows matching `match` with the people on their A and B posts (`_postA`, `_postB`), in one
   * round trip: the router's read for every step it routes.
   */
  private windowsWithPosts(match: Record<string, unknown>): Promise<any[]> {
    const users = this.models.User.collection.collectionName;
    return this.models.Window.aggregate([
      { $match: match },
      { $lookup: { from: users, localField: 'postA', foreignField: '_id', as: '_postA' } },
      { $lookup: { from: users, localField: 'postB', foreignField: '_id', as: '_postB' } },
      { $project: { 'no': 1, 'department': 1, 'status': 1, 'kind': 1, 'accepts': 1, 'postA': 1, 'postB': 1, '_postA.duty': 1, '_postB.duty': 1 } },
    ]).exec();
  }

  /**
   * `windowsWithPosts` as this process read it within `USER_TTL_MS` (it carries the posts' duty):
   * none of the router's reads for a step routed like one a moment ago.
   */
  private cachedWindowsWithPosts(match: Record<string, unknown>): Promise<any[]> {
    return this.cache.windowsWithPosts(match, () => this.windowsWithPosts(match));
  }

  /**
   * The routing the engine uses for cases taken in through intake (they carry `orgUnit`). Reads
   * the org model through the cache (org-cache.ts): a duty change made here routes the next step
   * by it at once; one made by another process within `USER_TTL_MS` (3 s).
   */
  router(): TaskRouter {
    return {
      route: async (vars, step) => {
        const caseOrg = typeof vars.orgUnit === 'string' ? vars.orgUnit : undefined;
        if (!caseOrg || !step.window) return undefined;
        const orgUnit = step.orgLevel === 'city' ? 'city' : caseOrg;
        if (step.window === 'receiving') {
          const windowId = String(vars.receivingWindow ?? '');
          const responsible = typeof vars.responsible === 'string' ? vars.responsible : undefined;
          if (responsible) {
            const u = await this.cache.user(responsible);
            if (isPresent(u as { duty?: DutyStatus } | null)) return { orgUnit: caseOrg, windowId, assignee: responsible, post: 'responsible' };
          }
          const r = await this.receiverOf(windowId);
          return { orgUnit: caseOrg, windowId, assignee: r.username, post: r.post };
        }
        const department = step.window === 'item-department' ? String(vars.department ?? '') : step.window;
        // windowFor's choice (own window, else a comprehensive one accepting it, else any
        // comprehensive one) made from one read of the candidates with their posts
        const candidates = [...(await this.cachedWindowsWithPosts({ orgUnit, $or: [{ department, status: 'active' }, { kind: 'comprehensive' }] }))].sort((x, y) => (x.no ?? 0) - (y.no ?? 0));
        const w =
          candidates.find((x) => x.department === department && x.status === 'active') ??
          candidates.find((x) => x.kind === 'comprehensive' && ((x.accepts ?? []) as string[]).includes(department)) ??
          candidates.find((x) => x.kind === 'comprehensive');
        if (!w) return { orgUnit };
        const r = receiverAt(w);
        return { orgUnit, windowId: w._id as string, assignee: r.username, post: r.post };
      },
    };
  }
}
