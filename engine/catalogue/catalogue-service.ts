/**
 * The service catalogue (事项目录) and what the public reads: each item's five disclosures
 * (五公开 — name, procedure, required materials, time limit, fees), lists per town and per
 * department, and the information windows publish to their town (信息发布).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import type { Actor, Logger, UserTaskMeta } from '../domain/types';
import { isDuplicateKey, type Models } from '../persistence/models';
import { PROJECT_ROOT } from '../runtime/moddle';

export interface Material {
  code: string;
  name: string;
  form: string;
  copies: number;
  original: boolean;
  requirement: 'mandatory' | 'conditional';
  condition?: string;
  note?: string;
}

export interface FeeItem {
  name: string;
  amountFen: number;
  basis: string;
}

export type Fees = { free: true; basis?: string } | { free: false; items: FeeItem[] };

export interface ServiceItem {
  code: string;
  name: string;
  department: string;
  orgLevel: 'town' | 'city';
  defaultCategory: 'immediate' | 'report-up' | 'joint';
  procedure: string;
  statutoryLimitDays: number;
  promisedLimitDays: number;
  materials: Material[];
  fees: Fees;
  legalBasis: string[];
  conditions?: string;
  outcome?: string;
  jointDepartments?: string[];
}

const catalogueDir = path.join(PROJECT_ROOT, 'processes', 'catalogue');

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
  };
}

export class CatalogueService {
  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
  ) {}

  /** Loads the items and sample information posts of `processes/catalogue`. Idempotent. */
  async seed(items = loadItemCatalogue()): Promise<number> {
    let created = 0;
    for (const it of items) {
      try {
        await this.models.ServiceItem.create({ _id: it.code, ...it, updatedAt: new Date() });
        created++;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
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

  /** Creates or replaces an item (the city office maintains the catalogue). */
  async saveItem(item: ServiceItem, actor: Actor): Promise<ServiceItem> {
    if (!actor.roles.includes('admin') && !actor.roles.includes('designer')) throw new ForbiddenError('CATALOGUE_EDIT_DENIED', 'only the city office edits the catalogue');
    const codes = new Set<string>();
    for (const m of item.materials) {
      if (codes.has(m.code)) throw new ValidationError('DUPLICATE_MATERIAL', `material code ${m.code} appears twice`);
      codes.add(m.code);
    }
    await this.models.ServiceItem.replaceOne({ _id: item.code }, { _id: item.code, ...item, updatedAt: new Date() }, { upsert: true });
    return this.getItem(item.code);
  }

  /**
   * The five disclosures of one item (五公开): name, procedure (the steps of its deployed path
   * with their time limits), required materials, time limit and fees — for the public guide.
   */
  async guide(code: string) {
    const item = await this.getItem(code);
    const def = await this.models.Definition.findOne({ key: item.procedure }, { xml: 0, sourceContext: 0 }).sort({ version: -1 }).lean();
    const steps = ((def?.userTasks ?? []) as UserTaskMeta[])
      .filter((t) => t.elementId)
      .map((t) => ({ elementId: t.elementId, name: t.name, kind: t.stepKind, orgLevel: t.orgLevel, timeLimit: t.timeLimit }));
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
