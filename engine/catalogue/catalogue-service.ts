/**
 * The service catalogue (事项目录) and what the public reads: each item's five disclosures
 * (五公开 — name, procedure, required materials, time limit, fees), lists per town and per
 * department, and the information windows publish to their town (信息发布).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BusinessRuleError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import type { Actor, Logger, UserTaskMeta } from '../domain/types';
import { isDuplicateKey, type Models } from '../persistence/models';
import { PROJECT_ROOT } from '../runtime/moddle';
import { validateDefinition, type CallActivityMeta } from '../runtime/validate-definition';
import { CATEGORY_NAMES, ORG_LEVEL_NAMES, type ItemChange, type ItemChangeEntryOf, type ItemVersionOf, type ServiceItemOf } from '../../common/catalogue';
import { callsPerJointDepartment, checkItemRules, checkPromiseAgainstPath, describeViolations, ITEM_FIELD_LABELS, type ItemRuleViolation, type PathInfo, type PathStep } from './item-rules';
import { PathLimitCounter, type DiagramLoader } from './path-limits';

// the item's shape is the catalogue's contract with the browser (common/catalogue.ts)
export type { FeeItem, Fees, ItemChange, Material } from '../../common/catalogue';
/** A service item as stored (dates as Date). */
export type ServiceItem = ServiceItemOf<Date>;
/**
 * A step of a path with, for the rules, whether it runs once per joint department of the item
 * (item-rules.ts PathStep), and, for a step of a called process, the path's own call activity
 * that brings it (`calledBy`, its element id in the item's diagram) — the guide places it there.
 */
export type PathStepMeta = UserTaskMeta & Pick<PathStep, 'perJointDepartment'> & { calledBy?: string };

/** What the catalogue rules say of one item: the refusals (as a save would meet them) and the warnings. */
export interface ItemRuleCheck {
  code: string;
  name: string;
  violations: ItemRuleViolation[];
  warnings: ItemRuleViolation[];
}

/** The fields a version snapshot keeps (everything a designer edits). */
const ITEM_FIELDS = ['name', 'department', 'orgLevel', 'defaultCategory', 'procedure', 'statutoryLimitDays', 'promisedLimitDays', 'materials', 'fees', 'legalBasis', 'conditions', 'outcome', 'jointDepartments'] as const;

function snapshot(it: Partial<ServiceItem>) {
  const out: Record<string, unknown> = {};
  for (const f of ITEM_FIELDS) {
    const v = (it as any)[f];
    if (f === 'materials' || f === 'legalBasis' || f === 'jointDepartments') out[f] = v ?? [];
    else if (f === 'conditions' || f === 'outcome') out[f] = v ?? null;
    else out[f] = v;
  }
  return out;
}

/** Stable JSON (key order) for comparing two values. */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).filter((k) => (v as any)[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canon((v as any)[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

const short = (s: unknown, n = 40) => {
  const t = String(s ?? '');
  return t.length > n ? `${t.slice(0, n)}…` : t;
};
const feesText = (f: any) => (!f ? '—' : f.free ? '不收费' : (f.items ?? []).map((i: any) => `${i.name} ${(i.amountFen / 100).toFixed(2)}元`).join('、'));

/** What changed between two snapshots, field by field, in Chinese. */
export function diffItems(before: Record<string, any> | null, after: Record<string, any>): ItemChange[] {
  if (!before) return [{ field: '*', label: '事项', summary: `新建事项“${after.name}”` }];
  const out: ItemChange[] = [];
  for (const f of ITEM_FIELDS) {
    if (canon(before[f]) === canon(after[f])) continue;
    const label = ITEM_FIELD_LABELS[f] ?? f;
    const b = before[f];
    const a = after[f];
    let summary: string;
    if (f === 'statutoryLimitDays' || f === 'promisedLimitDays') summary = `${label}：${b} → ${a}个工作日`;
    else if (f === 'defaultCategory') summary = `${label}：${CATEGORY_NAMES[b] ?? b} → ${CATEGORY_NAMES[a] ?? a}`;
    else if (f === 'orgLevel') summary = `${label}：${ORG_LEVEL_NAMES[b] ?? b} → ${ORG_LEVEL_NAMES[a] ?? a}`;
    else if (f === 'fees') summary = `${label}：${feesText(b)} → ${feesText(a)}`;
    else if (f === 'materials') {
      const bm = new Map<string, any>((b ?? []).map((m: any) => [m.code, m]));
      const am = new Map<string, any>((a ?? []).map((m: any) => [m.code, m]));
      const parts: string[] = [];
      for (const [c, m] of am) if (!bm.has(c)) parts.push(`新增材料“${m.name}”`);
      for (const [c, m] of bm) if (!am.has(c)) parts.push(`删除材料“${m.name}”`);
      for (const [c, m] of am) if (bm.has(c) && canon(bm.get(c)) !== canon(m)) parts.push(`修改材料“${m.name}”`);
      if (!parts.length) parts.push('调整材料顺序');
      summary = `${label}：${parts.join('；')}`;
    } else if (Array.isArray(a) || Array.isArray(b)) {
      const bs = new Set<string>(b ?? []);
      const as = new Set<string>(a ?? []);
      const parts = [...[...as].filter((x) => !bs.has(x)).map((x) => `新增“${short(x)}”`), ...[...bs].filter((x) => !as.has(x)).map((x) => `删除“${short(x)}”`)];
      summary = `${label}：${parts.join('；') || '调整顺序'}`;
    } else summary = `${label}：“${short(b)}” → “${short(a)}”`;
    out.push({ field: f, label, summary });
  }
  return out;
}

const catalogueDir = path.join(PROJECT_ROOT, 'processes', 'catalogue');

/**
 * The catalogue file: `processes/catalogue/items.json`, or the file given (the host passes
 * `CATALOGUE_FILE`: `CATALOGUE_FILE=/path/items.json npm run seed` imports another catalogue,
 * checked by the same rules).
 */
export function loadItemCatalogue(file = path.join(catalogueDir, 'items.json')): ServiceItem[] {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export function toItem(d: any): ServiceItem {
  return {
    code: d._id,
    name: d.name,
    department: d.department,
    orgLevel: d.orgLevel,
    defaultCategory: d.defaultCategory,
    procedure: d.procedure,
    statutoryLimitDays: d.statutoryLimitDays,
    promisedLimitDays: d.promisedLimitDays,
    materials: d.materials ?? [],
    fees: d.fees,
    legalBasis: d.legalBasis ?? [],
    conditions: d.conditions ?? undefined,
    outcome: d.outcome ?? undefined,
    jointDepartments: d.jointDepartments ?? [],
    version: d.version ?? undefined,
    updatedBy: d.updatedBy ?? undefined,
    updatedAt: d.updatedAt ?? undefined,
  };
}

/** Thrown when an item breaks a catalogue rule: 422 ITEM_RULE_VIOLATION with each field, rule and reason. */
export function itemRuleError(item: { code: string; name: string }, violations: ItemRuleViolation[]) {
  const first = violations[0];
  return new BusinessRuleError('ITEM_RULE_VIOLATION', describeViolations(item, violations), { itemCode: item.code, field: first.field, rule: first.rule, violations });
}

export class CatalogueService {
  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads the items and sample information posts of `processes/catalogue`. Idempotent. Every item
   * is checked against the catalogue rules first (item-rules.ts): one that contradicts its limits
   * or path refuses the whole load (422 ITEM_RULE_VIOLATION naming each item, field and rule).
   * An item the platform seeded and no one has edited since follows the shipped file (a new
   * version by `system`); a designer's version is never replaced.
   */
  async seed(items = loadItemCatalogue()): Promise<number> {
    const refused: { code: string; name: string; violations: ItemRuleViolation[] }[] = [];
    for (const it of items) {
      const v = checkItemRules(it, await this.pathInfo(it.procedure, true));
      if (v.length) refused.push({ code: it.code, name: it.name, violations: v });
    }
    if (refused.length) {
      throw new BusinessRuleError(
        'ITEM_RULE_VIOLATION',
        `目录载入被拒绝：${refused.map((r) => describeViolations(r, r.violations)).join(' ')}`,
        { items: refused, itemCode: refused[0].code, field: refused[0].violations[0].field, rule: refused[0].violations[0].rule, violations: refused[0].violations },
      );
    }
    // 环节时限之和超过承诺时限: told, not refused (item-rules.ts checkPromiseAgainstPath)
    const counter = this.limitCounter(true);
    for (const it of items) {
      const warnings = await this.ruleWarnings(it, { shipped: true, counter });
      if (warnings.length) this.logger.warn({ code: it.code, rules: warnings.map((w) => w.rule) }, warnings.map((w) => w.message).join(' '));
    }
    let created = 0;
    for (const it of items) {
      const now = new Date();
      try {
        await this.models.ServiceItem.create({ _id: it.code, ...it, version: 1, updatedBy: 'system', updatedAt: now });
        await this.models.ServiceItemVersion.create({ _id: `${it.code}@1`, code: it.code, version: 1, item: snapshot(it), changes: diffItems(null, snapshot(it)), note: '平台预置目录', savedBy: 'system', savedAt: now }).catch((err) => {
          if (!isDuplicateKey(err)) throw err;
        });
        created++;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const cur = await this.models.ServiceItem.findById(it.code).lean();
        if (cur && (!cur.updatedBy || cur.updatedBy === 'system') && canon(snapshot(toItem(cur))) !== canon(snapshot(it))) {
          await this.saveItem({ ...it }, { username: 'system', groups: [], roles: ['system'] }, { note: '随平台目录更新（目录规则校正）' }).catch((e) => this.logger.warn({ code: it.code, err: (e as Error).message }, 'shipped item not applied'));
        }
      }
    }
    const postsFile = path.join(catalogueDir, 'info-posts.json');
    let posts: any[] = [];
    try {
      posts = JSON.parse(readFileSync(postsFile, 'utf8'));
    } catch {
      posts = [];
    }
    const day = 86_400_000;
    for (const [i, p] of posts.entries()) {
      const publishAt = new Date(Date.now() - (p.publishDaysAgo ?? 0) * day);
      try {
        await this.models.InfoPost.create({
          _id: `seed-${i + 1}`,
          orgUnit: p.orgUnit,
          windowId: `${p.orgUnit}-w${String(p.windowNo ?? 7).padStart(2, '0')}`,
          kind: p.kind,
          title: p.title,
          body: p.body,
          publishAt,
          expireAt: new Date(publishAt.getTime() + (p.validDays ?? 30) * day),
          publishedBy: 'system',
        });
        created++;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    if (created) this.logger.info({ created }, 'catalogue seeded');
    return created;
  }

  /** @throws NotFoundError */
  async getItem(code: string): Promise<ServiceItem> {
    const d = await this.models.ServiceItem.findById(code).lean();
    if (!d) throw new NotFoundError('ITEM_NOT_FOUND', `service item ${code} does not exist`);
    return toItem(d);
  }

  async listItems(filter: { department?: string; orgLevel?: string } = {}): Promise<ServiceItem[]> {
    const q: Record<string, unknown> = {};
    if (filter.department) q.department = filter.department;
    if (filter.orgLevel) q.orgLevel = filter.orgLevel;
    const docs = await this.models.ServiceItem.find(q).sort({ _id: 1 }).lean();
    return docs.map(toItem);
  }

  /**
   * The steps of a path for the rules: the latest deployed version of `key`; when loading the
   * catalogue before the diagrams are deployed (`shipped`), the file in processes/diagrams. The
   * steps of the processes its call activities call (调用活动: the city's part of a 上报件) are the
   * path's too, in place (see {@link stepsOf}).
   */
  async pathInfo(key: string, shipped = false): Promise<PathInfo | null> {
    const def = await this.models.Definition.findOne({ key }, { name: 1, userTasks: 1, archived: 1 }).sort({ version: -1 }).lean();
    if (def) return { key, name: def.name ?? undefined, archived: !!def.archived, steps: await this.stepsOf(key, (def.userTasks ?? []) as any[], { shipped }) };
    const v = await this.shippedDefinition(key, shipped);
    if (!v) return null;
    return { key, name: v.name, steps: await this.stepsOf(key, [...v.userTasks, { callActivities: v.callActivities }], { shipped }) };
  }

  /** A diagram of processes/diagrams read as deploy reads it (only when `shipped`), or null. */
  private async shippedDefinition(key: string, shipped: boolean) {
    if (!shipped || !/^[A-Za-z][\w-]{0,80}$/.test(key)) return null;
    let xml: string;
    try {
      xml = readFileSync(path.join(PROJECT_ROOT, 'processes', 'diagrams', `${key}.bpmn`), 'utf8');
    } catch {
      return null;
    }
    return validateDefinition(xml);
  }

  /**
   * A definition's steps (its stored `userTasks`, whose one entry without `elementId` carries the
   * call activities) with, at each call activity's place, the steps of the process it calls: the
   * version its binding names (latest, or the one pinned by version or deployment), a shipped file
   * when not deployed and `shipped`, or `opts.replace` for that key (a version about to be deployed,
   * engine/catalogue/path-check.ts). Calls nest at most three deep; a process calling itself adds nothing.
   * The steps of a process called once per joint department of the item (联办件: department-review)
   * are marked `perJointDepartment` where they go to the item's department (item-rules.ts).
   */
  async stepsOf(key: string, userTasks: any[], opts: { shipped?: boolean; replace?: { key: string; steps: PathStepMeta[] }; depth?: number } = {}): Promise<PathStepMeta[]> {
    const own = userTasks.filter((t) => t && typeof t.elementId === 'string') as PathStepMeta[];
    const calls: CallActivityMeta[] = userTasks.find((t) => t && Array.isArray(t.callActivities))?.callActivities ?? [];
    const depth = opts.depth ?? 0;
    if (!calls.length || depth >= 3) return own;
    const out = [...own];
    // from the last place to the first, so that earlier places keep their index
    for (const c of [...calls].sort((a, b) => (b.stepIndex ?? own.length) - (a.stepIndex ?? own.length))) {
      if (c.calledElement === key) continue;
      let steps: PathStepMeta[] = [];
      if (opts.replace?.key === c.calledElement) steps = opts.replace.steps;
      else {
        const q = c.binding !== 'latest' && c.version ? { key: c.calledElement, version: c.version } : { key: c.calledElement };
        const called = await this.models.Definition.findOne(q, { userTasks: 1 }).sort({ version: -1 }).lean();
        if (called) steps = await this.stepsOf(c.calledElement, (called.userTasks ?? []) as any[], { ...opts, depth: depth + 1 });
        else {
          const v = await this.shippedDefinition(c.calledElement, !!opts.shipped);
          if (v) steps = await this.stepsOf(c.calledElement, [...v.userTasks, { callActivities: v.callActivities }], { ...opts, depth: depth + 1 });
        }
      }
      // 联办件: a process called once per joint department of the item (department-review) — its
      // steps at the item's department (svc:window="item-department") are each department's own
      if (callsPerJointDepartment(c)) steps = steps.map((s) => (s.window === 'item-department' ? { ...s, perJointDepartment: true } : s));
      // placed at this call activity of the path's own diagram (a nested call's steps too)
      steps = steps.map((s) => ({ ...s, calledBy: c.elementId }));
      out.splice(Math.min(c.stepIndex ?? out.length, out.length), 0, ...steps);
    }
    return out;
  }

  /** Whether the process a call activity names is deployed (with binding version: that version). */
  async calledDeployed(c: CallActivityMeta): Promise<boolean> {
    const q = c.binding === 'version' && c.version ? { key: c.calledElement, version: c.version } : { key: c.calledElement };
    return (await this.models.Definition.exists(q)) !== null;
  }

  /**
   * The keys whose latest version calls `key` by its latest version (binding latest): a new
   * version of `key` changes their paths' steps too.
   */
  async callersOf(key: string): Promise<{ key: string; userTasks: any[] }[]> {
    // a small configuration collection: the definitions naming `key` in their call activities
    const docs = await this.models.Definition.find({ 'userTasks.callActivities.calledElement': key }, { key: 1, version: 1, userTasks: 1 }).lean();
    const latest = new Map<string, number>();
    for (const d of await this.models.Definition.aggregate([{ $match: { key: { $in: [...new Set(docs.map((d: any) => d.key))] } } }, { $group: { _id: '$key', version: { $max: '$version' } } }])) latest.set(d._id, d.version);
    return docs
      .filter((d: any) => latest.get(d.key) === d.version && d.key !== key)
      .filter((d: any) => ((d.userTasks ?? []).find((t: any) => t && Array.isArray(t.callActivities))?.callActivities ?? []).some((c: CallActivityMeta) => c.calledElement === key && c.binding === 'latest'))
      .map((d: any) => ({ key: d.key, userTasks: d.userTasks ?? [] }));
  }

  /** The rules an item breaks (empty: consistent); the path is read as deployed. */
  async check(item: ServiceItem): Promise<ItemRuleViolation[]> {
    return checkItemRules(item, await this.pathInfo(item.procedure));
  }

  /** The diagrams the step-limit count reads: the stored version (latest, or the one asked), else the shipped file when `shipped`. */
  private diagramLoader(shipped: boolean): DiagramLoader {
    return async (key, version) => {
      const d = await this.models.Definition.findOne(version ? { key, version } : { key }, { xml: 1, sha256: 1, version: 1 }).sort({ version: -1 }).lean();
      if (d) return { xml: String(d.xml), cacheKey: `${key}@${d.version}:${d.sha256}` };
      if (!shipped || !/^[A-Za-z][\w-]{0,80}$/.test(key)) return null;
      try {
        return { xml: readFileSync(path.join(PROJECT_ROOT, 'processes', 'diagrams', `${key}.bpmn`), 'utf8'), cacheKey: `shipped:${key}` };
      } catch {
        return null;
      }
    };
  }

  private readonly counters = new Map<boolean, PathLimitCounter>();

  /**
   * The counter of paths' longest ways by their step limits (path-limits.ts). It reads which
   * version is latest on every count and keeps each version's parsed diagram (versions never change).
   */
  limitCounter(shipped = false): PathLimitCounter {
    let c = this.counters.get(shipped);
    if (!c) {
      c = new PathLimitCounter(this.diagramLoader(shipped));
      this.counters.set(shipped, c);
    }
    return c;
  }

  /**
   * The catalogue's warnings for an item (they do not refuse a save): its path's step limits on the
   * longest way against its promise (环节时限之和超过承诺时限, item-rules.ts checkPromiseAgainstPath).
   */
  async ruleWarnings(item: Pick<ServiceItem, 'code' | 'name' | 'orgLevel' | 'defaultCategory' | 'procedure' | 'statutoryLimitDays' | 'promisedLimitDays' | 'jointDepartments'>, opts: { shipped?: boolean; counter?: PathLimitCounter } = {}): Promise<ItemRuleViolation[]> {
    const def = await this.models.Definition.findOne({ key: item.procedure }, { name: 1 }).sort({ version: -1 }).lean();
    const shipped = !def && opts.shipped ? await this.shippedDefinition(item.procedure, true).catch(() => null) : null;
    if (!def && !shipped) return [];
    const counter = opts.counter ?? this.limitCounter(!!opts.shipped);
    const limit = await counter.longest(item.procedure, { jointDepartments: (item.jointDepartments ?? []).filter(Boolean).length });
    return checkPromiseAgainstPath(item, { key: item.procedure, name: (def?.name ?? shipped?.name) || undefined }, limit);
  }

  /** An item (saved, or a draft the editor holds) against every catalogue rule: what a save would refuse, and the warnings. */
  async ruleCheck(item: ServiceItem): Promise<ItemRuleCheck> {
    return { code: item.code, name: item.name, violations: await this.check(item), warnings: await this.ruleWarnings(item) };
  }

  /** The warnings of every item of the catalogue (the editor's list marks them); one count per path. */
  async ruleWarningsAll(): Promise<{ code: string; name: string; warnings: ItemRuleViolation[] }[]> {
    const counter = this.limitCounter();
    const out = [];
    for (const it of await this.listItems()) {
      const warnings = await this.ruleWarnings(it, { counter });
      if (warnings.length) out.push({ code: it.code, name: it.name, warnings });
    }
    return out;
  }

  /**
   * Creates or changes an item (the city office's designers maintain the catalogue). Checks the
   * catalogue rules (422 ITEM_RULE_VIOLATION); each save that changes something is a new version
   * (service_item_versions: who, when, the change note, what changed); `baseVersion`, when given,
   * must be the current version (409 ITEM_VERSION_CONFLICT: someone saved meanwhile).
   */
  async saveItem(item: ServiceItem, actor: Actor, opts: { note?: string; baseVersion?: number } = {}): Promise<ServiceItem> {
    if (!actor.roles.includes('admin') && !actor.roles.includes('designer') && !actor.roles.includes('system')) throw new ForbiddenError('CATALOGUE_EDIT_DENIED', 'only the city office edits the catalogue');
    const codes = new Set<string>();
    for (const m of item.materials) {
      if (codes.has(m.code)) throw new ValidationError('DUPLICATE_MATERIAL', `material code ${m.code} appears twice`);
      codes.add(m.code);
    }
    const violations = await this.check(item);
    if (violations.length) throw itemRuleError(item, violations);
    const cur = await this.models.ServiceItem.findById(item.code).lean();
    const curVersion = cur ? (cur.version ?? 0) : 0;
    if (opts.baseVersion !== undefined && opts.baseVersion !== curVersion) {
      throw new ConflictError('ITEM_VERSION_CONFLICT', `事项已被他人修改（当前为第${curVersion}版，您编辑的是第${opts.baseVersion}版），请刷新后重新修改。`, { currentVersion: curVersion, baseVersion: opts.baseVersion });
    }
    const next = snapshot(item);
    const before = cur ? snapshot(toItem(cur)) : null;
    const changes = diffItems(before, next);
    if (cur && !changes.length) return toItem(cur);
    const now = new Date();
    let base = curVersion;
    if (cur && base === 0) {
      // an item stored before versions were kept: its state becomes version 1
      await this.models.ServiceItemVersion.create({ _id: `${item.code}@1`, code: item.code, version: 1, item: before, changes: [], note: '启用版本记录前的内容', savedBy: cur.updatedBy ?? 'system', savedAt: cur.updatedAt ?? now }).catch((err) => {
        if (!isDuplicateKey(err)) throw err;
      });
      base = 1;
    }
    const version = base + 1;
    try {
      await this.models.ServiceItemVersion.create({ _id: `${item.code}@${version}`, code: item.code, version, item: next, changes, note: opts.note?.trim() || undefined, savedBy: actor.username, savedAt: now });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError('ITEM_VERSION_CONFLICT', `事项已被他人修改（第${version}版已存在），请刷新后重新修改。`, { currentVersion: version });
      throw err;
    }
    const doc = { _id: item.code, ...next, conditions: item.conditions, outcome: item.outcome, version, updatedBy: actor.username, updatedAt: now };
    if (cur) {
      const r = await this.models.ServiceItem.replaceOne({ _id: item.code, version: cur.version ?? { $exists: false } } as any, doc);
      if (!r.matchedCount) {
        await this.models.ServiceItemVersion.deleteOne({ _id: `${item.code}@${version}` });
        throw new ConflictError('ITEM_VERSION_CONFLICT', '事项已被他人修改，请刷新后重新修改。', {});
      }
    } else {
      try {
        await this.models.ServiceItem.create(doc);
      } catch (err) {
        await this.models.ServiceItemVersion.deleteOne({ _id: `${item.code}@${version}` });
        if (isDuplicateKey(err)) throw new ConflictError('ITEM_VERSION_CONFLICT', '事项已被他人同时创建，请刷新后重新修改。', {});
        throw err;
      }
    }
    this.logger.info({ code: item.code, version, by: actor.username, fields: changes.map((c) => c.field) }, 'catalogue item saved');
    return this.getItem(item.code);
  }

  /** An item's versions, newest first: who saved each, when, the note, what changed. */
  async versions(code: string): Promise<ItemVersionOf<Date>[]> {
    await this.getItem(code);
    const docs = await this.models.ServiceItemVersion.find({ code }, { item: 0 }).sort({ version: -1 }).limit(500).lean();
    const users = await this.models.User.find({ _id: { $in: [...new Set(docs.map((d) => d.savedBy))] } }, { displayName: 1 }).lean();
    const names = new Map(users.map((u) => [u._id as string, u.displayName as string]));
    return docs.map((d) => ({
      version: d.version,
      savedBy: d.savedBy,
      savedByName: d.savedBy === 'system' ? '系统（平台预置）' : (names.get(d.savedBy) ?? d.savedBy),
      savedAt: d.savedAt,
      note: d.note ?? null,
      changes: d.changes ?? [],
    }));
  }

  /**
   * The catalogue's change log (审计: who changed what): every saved version in a window of time
   * (`from` ≤ savedAt < `to`, at most 366 days), newest first, each with its item's name.
   */
  async changes(window: { from: Date; to: Date }): Promise<ItemChangeEntryOf<Date>[]> {
    if (!(window.from < window.to)) throw new ValidationError('INVALID_RANGE', 'from must be before to');
    if (window.to.getTime() - window.from.getTime() > 366 * 86_400_000) throw new ValidationError('RANGE_TOO_LONG', 'at most 366 days at once');
    const docs = await this.models.ServiceItemVersion.find({ savedAt: { $gte: window.from, $lt: window.to } }, { 'item.name': 1, code: 1, version: 1, savedBy: 1, savedAt: 1, note: 1, changes: 1 }).sort({ savedAt: -1 }).limit(1000).lean();
    const users = await this.models.User.find({ _id: { $in: [...new Set(docs.map((d) => d.savedBy))] } }, { displayName: 1 }).lean();
    const names = new Map(users.map((u) => [u._id as string, u.displayName as string]));
    return docs.map((d) => ({
      code: d.code,
      itemName: ((d as { item?: { name?: string } }).item)?.name ?? d.code,
      version: d.version,
      savedBy: d.savedBy,
      savedByName: d.savedBy === 'system' ? '系统（平台预置）' : (names.get(d.savedBy) ?? d.savedBy),
      savedAt: d.savedAt,
      note: d.note ?? null,
      changes: d.changes ?? [],
    }));
  }

  /** One version's full content. */
  async version(code: string, version: number) {
    const d = await this.models.ServiceItemVersion.findOne({ code, version }).lean();
    if (!d) throw new NotFoundError('ITEM_VERSION_NOT_FOUND', `service item ${code} has no version ${version}`);
    return { code, version: d.version, savedBy: d.savedBy, savedAt: d.savedAt, note: d.note ?? null, changes: d.changes ?? [], item: { code, ...(d.item as object) } };
  }

  /**
   * The five disclosures of one item (五公开): name, procedure (the steps of its deployed path
   * with their time limits), required materials, time limit and fees — for the public guide.
   */
  async guide(code: string) {
    const item = await this.getItem(code);
    const def = await this.models.Definition.findOne({ key: item.procedure }, { xml: 0, sourceContext: 0 }).sort({ version: -1 }).lean();
    // the steps of a called process (the city's part of a 上报件) in their place
    const steps = (def ? await this.stepsOf(item.procedure, (def.userTasks ?? []) as any[]) : [])
      .map((t) => ({
        elementId: t.elementId,
        name: t.name,
        kind: t.stepKind,
        orgLevel: t.orgLevel,
        timeLimit: t.timeLimit,
        // a step of a called process: the call activity of the item's diagram it belongs to, and whether
        // each joint department of the item does it (联办件: the departments' reviews, side by side)
        ...(t.calledBy ? { calledBy: t.calledBy } : {}),
        ...(t.perJointDepartment ? { perJointDepartment: true } : {}),
      }));
    return {
      code: item.code,
      department: item.department,
      orgLevel: item.orgLevel,
      category: item.defaultCategory,
      disclosures: {
        name: item.name,
        procedure: {
          definitionKey: item.procedure,
          definitionVersion: def?.version,
          steps,
          conditions: item.conditions,
          outcome: item.outcome,
          legalBasis: item.legalBasis,
          jointDepartments: item.jointDepartments,
        },
        materials: item.materials.map((m) => ({ code: m.code, name: m.name, form: m.form, copies: m.copies, original: m.original, requirement: m.requirement, condition: m.condition, note: m.note })),
        timeLimit: { statutoryWorkingDays: item.statutoryLimitDays, promisedWorkingDays: item.promisedLimitDays, sameDay: item.promisedLimitDays === 0 },
        fees: item.fees,
      },
    };
  }

  // ---------------------------------------------------------------- information posts

  async publish(input: { windowId: string; kind: string; title: string; body: string; publishAt?: Date; expireAt: Date }, actor: Actor) {
    const w = await this.models.Window.findById(input.windowId).lean();
    if (!w) throw new NotFoundError('WINDOW_NOT_FOUND', `window ${input.windowId} does not exist`);
    if (!actor.roles.includes('admin') && actor.windowId !== w._id) throw new ForbiddenError('NOT_YOUR_WINDOW', 'you can publish only for your own window');
    const publishAt = input.publishAt ?? new Date();
    if (input.expireAt.getTime() <= publishAt.getTime()) throw new ValidationError('EXPIRES_BEFORE_PUBLISH', 'expireAt must be after publishAt');
    const _id = randomUUID();
    await this.models.InfoPost.create({ _id, orgUnit: w.orgUnit, windowId: w._id, kind: input.kind, title: input.title, body: input.body, publishAt, expireAt: input.expireAt, publishedBy: actor.username });
    return { id: _id, orgUnit: w.orgUnit, windowId: w._id, windowName: w.name, kind: input.kind, title: input.title, body: input.body, publishAt, expireAt: input.expireAt };
  }

  /** What is on a town's public notice board now (published, not expired), newest first. */
  async board(orgUnit: string, now = new Date()) {
    const posts = await this.models.InfoPost.find({ orgUnit, publishAt: { $lte: now }, expireAt: { $gt: now } }).sort({ publishAt: -1 }).limit(200).lean();
    const windows = await this.models.Window.find({ _id: { $in: posts.map((p) => p.windowId) } }, { name: 1 }).lean();
    const names = new Map(windows.map((w) => [w._id as string, w.name]));
    return posts.map((p) => ({ id: p._id, windowId: p.windowId, windowName: names.get(p.windowId), kind: p.kind, title: p.title, body: p.body, publishAt: p.publishAt, expireAt: p.expireAt }));
  }
}
