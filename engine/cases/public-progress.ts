/**
 * A case's progress as the public sees it (办件进度), for a case the lookup has already
 * authenticated by its number and query code or phone: the steps done (name, dates, the office
 * that did it, the decision in public words — no staff names, no opinions, no ids) and the case
 * deadlines, each marked when it is counted over a year whose holiday notice is not out yet
 * (预计，2027年放假安排尚未公布).
 *
 * The steps are the whole path's: the case's own instance and every instance it started — the
 * processes its call activities called (上报件: the city's 市中心审批; 联办件: each department's
 * review), the ones those called in turn (a city department asked by the city's approval), and
 * those a message started for the case — in the order they were done.
 */
import { estimateNote } from '../calendar/working-calendar';
import type { Models } from '../persistence/models';
import { caseMemberIds, MAX_CALL_TREE_DEPTH, MAX_CALL_TREE_NODES } from '../services/process/called-tree';

/** Levels of called instances read below the case's own (the case page's tree reads as deep). */
export const MAX_PUBLIC_CALL_DEPTH = MAX_CALL_TREE_DEPTH;
/** Most instances of one case read for the public. */
export const MAX_PUBLIC_INSTANCES = MAX_CALL_TREE_NODES;

/** The decisions a step records, in the words the public pages show (anything else is left out, not shown raw). */
export const PUBLIC_DECISIONS = new Set(['approve', 'reject', 'return', 'supplement', 'done', 'agree', 'disagree']);

export interface PublicStep {
  name: string;
  since: Date;
  completedAt?: Date;
  decision?: string;
  /** The centre (or town) whose step it was: 信宜市行政服务中心 for the city's approval of a 上报件. */
  office?: string;
  /** 镇级 / 市级 — `town` or `city`, from the step's org unit. */
  level?: 'town' | 'city';
}

export interface PublicDeadline {
  dueAt?: Date;
  status: string;
  estimated?: true;
  estimatedYears?: number[];
  estimateNote?: string;
}

export interface PublicProgress {
  stepsDone: PublicStep[];
  deadline: { promised?: PublicDeadline; statutory?: PublicDeadline };
}

/**
 * Every instance of a case: its own (`rootId`), then the members of its tree — the instances its
 * call activities started and theirs, and those a message started for it — as the staff case page
 * reads them (`caseMemberIds`, called-tree.ts: one read by `_id` per level, within its limits).
 */
export async function caseInstanceIds(models: Models, rootId: string): Promise<string[]> {
  const root = await models.Instance.findById(rootId, { calledInstances: 1, messageStartedInstances: 1 }).lean();
  return [rootId, ...(root ? await caseMemberIds(models, root) : [])];
}

/** The names and levels of the org units steps belong to (one read; the names are public: the centres' own). */
export async function officesOf(models: Models, orgUnits: (string | undefined | null)[]): Promise<Map<string, { name?: string; level?: 'town' | 'city' }>> {
  const ids = [...new Set(orgUnits.filter((u): u is string => !!u))];
  if (!ids.length) return new Map();
  const units = await models.OrgUnit.find({ _id: { $in: ids } }, { name: 1, level: 1 }).lean();
  return new Map(units.map((u: any) => [String(u._id), { name: u.name ?? undefined, level: u.level === 'city' || u.level === 'town' ? u.level : undefined }]));
}

/**
 * Reads by key: the case's instance id, its instances level by level ({@link caseInstanceIds}),
 * their completed steps, the offices' names, its two case clocks.
 */
export async function publicProgress(models: Models, caseNo: string, known?: { instanceIds?: string[] }): Promise<PublicProgress> {
  let ids = known?.instanceIds;
  if (!ids) {
    const kase = await models.ServiceCase.findById(caseNo, { instanceId: 1 }).lean();
    ids = kase?.instanceId ? await caseInstanceIds(models, String(kase.instanceId)) : [];
  }
  const done = ids.length
    ? await models.Task.find({ instanceId: ids.length > 1 ? { $in: ids } : ids[0], status: 'completed' }, { name: 1, createdAt: 1, completedAt: 1, kind: 1, outcome: 1, orgUnit: 1 }).lean()
    : [];
  const steps = done.filter((t) => (t.kind ?? 'engine') === 'engine');
  const offices = await officesOf(models, steps.map((t) => t.orgUnit));
  const stepsDone = steps
    .sort((a, b) => new Date(a.completedAt ?? a.createdAt).getTime() - new Date(b.completedAt ?? b.createdAt).getTime())
    .map((t) => {
      const decision = (t.outcome as any)?.decision;
      const office = t.orgUnit ? offices.get(String(t.orgUnit)) : undefined;
      return {
        name: t.name ?? '',
        since: t.createdAt,
        completedAt: t.completedAt ?? undefined,
        ...(typeof decision === 'string' && PUBLIC_DECISIONS.has(decision) ? { decision } : {}),
        ...(office?.name ? { office: office.name } : {}),
        ...(office?.level ? { level: office.level } : {}),
      };
    });
  const clocks = await models.Clock.find({ _id: { $in: [`${caseNo}:promised`, `${caseNo}:statutory`] } }, { dueAt: 1, status: 1, estimated: 1, estimatedYears: 1 }).lean();
  const byId = new Map(clocks.map((c: any) => [String(c._id), c]));
  const view = (c: any): PublicDeadline | undefined =>
    c ? { dueAt: c.dueAt ?? undefined, status: c.status, ...(c.estimated && c.status !== 'stopped' ? { estimated: true as const, estimatedYears: c.estimatedYears ?? [], estimateNote: estimateNote(c.estimatedYears ?? []) } : {}) } : undefined;
  return { stepsDone, deadline: { promised: view(byId.get(`${caseNo}:promised`)), statutory: view(byId.get(`${caseNo}:statutory`)) } };
}
