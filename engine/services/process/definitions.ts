/**
 * Process definitions (流程定义): deploy a diagram as the next immutable version of its key, list
 * and read versions, archive and restore (归档 / 恢复), and the checks a deploy makes of the
 * processes its call activities call and the decisions its business rule tasks use. Also the
 * definition reads the commands share (the cached version by id, its decision tables, the call
 * activities, task metadata and escalation sources stored with it).
 */
import { createHash, randomUUID } from 'node:crypto';
import { BusinessRuleError, ConflictError, NotFoundError, ValidationError } from '../../domain/errors';
import type { Actor, DefinitionSummary, UserTaskMeta } from '../../domain/types';
import { isDuplicateKey } from '../../persistence/models';
import type { LoadedDecision } from '../../runtime/engine-factory';
import type { DecisionTable } from '../../runtime/dmn';
import type { WaitingCall } from '../../runtime/run-engine';
import { businessRuleTaskLabel, validateDefinition, type CallActivityMeta, type DecisionTaskMeta } from '../../runtime/validate-definition';
import type { ProcessContext } from './context';

/** Longest 变更说明 kept with a version. */
export const MAX_CHANGE_NOTE = 500;

/**
 * A deploy says what it changes (变更说明): required, trimmed, at most MAX_CHANGE_NOTE characters.
 * @throws ValidationError CHANGE_NOTE_REQUIRED / CHANGE_NOTE_TOO_LONG
 */
export function checkChangeNote(note: unknown): string {
  const text = typeof note === 'string' ? note.trim() : '';
  if (!text) throw new ValidationError('CHANGE_NOTE_REQUIRED', 'a deploy needs a change note (变更说明): say what this version changes and why');
  if (text.length > MAX_CHANGE_NOTE) throw new ValidationError('CHANGE_NOTE_TOO_LONG', `the change note has ${text.length} characters; the limit is ${MAX_CHANGE_NOTE}`, { limit: MAX_CHANGE_NOTE });
  return text;
}

/** A boundary escalation's source: the timer and the task it is attached to. */
export interface EscalationSource {
  elementId: string;
  taskElementId: string;
  taskName?: string;
}

/**
 * Validates and stores `xml` as the next immutable version of its process id (the key).
 * @throws ValidationError / BusinessRuleError from `validateDefinition`
 */
export async function deploy(ctx: ProcessContext, xml: string, actor: Actor, changeNote?: string): Promise<DefinitionSummary> {
  const note = checkChangeNote(changeNote);
  const v = await validateDefinition(xml);
  await checkDecisionsExist(ctx, v.decisionTasks);
  const callActivities = await checkCalledProcesses(ctx, v.callActivities, v.processId);
  await checkMessageStartsFree(ctx, v.messageStartEvents, v.processId);
  const { Definition } = ctx.deps.models;
  const latest = await Definition.findOne({ key: v.processId }).sort({ version: -1 }).lean();
  if (latest?.archived) {
    throw new ConflictError('DEFINITION_ARCHIVED', `definition ${v.processId} is archived (by ${latest.archivedBy}); restore it before deploying a new version`, { key: v.processId });
  }
  let version = (latest?.version ?? 0) + 1;
  const sha256 = createHash('sha256').update(xml).digest('hex');
  for (let attempt = 0; attempt < 20; attempt++, version++) {
    const doc = {
      _id: `${v.processId}:${version}`,
      key: v.processId,
      version,
      name: v.name,
      processId: v.processId,
      xml,
      sha256,
      deployedAt: ctx.deps.clock.now(),
      deployedBy: actor.username,
      changeNote: note,
      caseCategory: v.caseCategory,
      itemCode: v.itemCode,
      orgLevel: v.orgLevel,
      userTasks: [...v.userTasks, { escalationSources: v.escalationSources, escalations: v.escalations, jobTasks: v.jobTasks, decisionTasks: v.decisionTasks, callActivities, messageStarts: v.messageStarts, thrownMessages: v.thrownMessages }],
    };
    try {
      await Definition.create(doc);
      ctx.deps.logger.info({ key: doc.key, version }, 'definition deployed');
      // an archive that raced this deploy covers the new version too
      const archived = await Definition.findOne({ key: doc.key, archived: true }, { archivedAt: 1, archivedBy: 1 }).lean();
      if (archived) await Definition.updateOne({ _id: doc._id }, { $set: { archived: true, archivedAt: archived.archivedAt, archivedBy: archived.archivedBy } });
      await ctx.deps.models.DefinitionEvent.create({ _id: randomUUID(), key: doc.key, action: 'deployed', version, actor: actor.username, at: doc.deployedAt, note });
      return summary(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  throw new ConflictError('DEPLOY_CONTENDED', `could not claim a version number for ${v.processId}`);
}

function summary(d: any): DefinitionSummary {
  return {
    id: d._id,
    key: d.key,
    version: d.version,
    name: d.name,
    processId: d.processId,
    deployedAt: d.deployedAt,
    deployedBy: d.deployedBy,
    changeNote: d.changeNote ?? undefined,
    sha256: d.sha256,
    caseCategory: d.caseCategory ?? undefined,
    itemCode: d.itemCode ?? undefined,
    orgLevel: d.orgLevel ?? undefined,
  };
}

/** Display names (姓名) of deployers and archivers, by login (`system` is 系统). */
async function peopleNames(ctx: ProcessContext, usernames: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(usernames.filter((u): u is string => !!u && u !== 'system'))];
  const users = wanted.length ? await ctx.deps.models.User.find({ _id: { $in: wanted } }, { displayName: 1 }).lean() : [];
  const out = new Map<string, string>(users.filter((u) => u.displayName).map((u) => [String(u._id), String(u.displayName)]));
  out.set('system', '系统');
  return out;
}

/** Every key with its versions, newest first; deployers and archivers with their display names. */
export async function listDefinitions(ctx: ProcessContext) {
  const docs = await ctx.deps.models.Definition.find({}, { xml: 0, sourceContext: 0 }).sort({ key: 1, version: -1 }).lean();
  const names = await peopleNames(ctx, docs.flatMap((d) => [d.deployedBy, d.archivedBy]));
  const byKey = new Map<string, any>();
  for (const d of docs) {
    let entry = byKey.get(d.key);
    if (!entry) {
      entry = {
        key: d.key,
        name: d.name,
        latestVersion: d.version,
        caseCategory: d.caseCategory ?? undefined,
        archived: !!d.archived,
        ...(d.archived ? { archivedAt: d.archivedAt, archivedBy: d.archivedBy, archivedByName: names.get(d.archivedBy ?? '') } : {}),
        // the message names the latest version throws (the designer's lint: a catch nobody sends to)
        thrownMessages: ((d.userTasks ?? []) as any[]).find((t) => t && Array.isArray(t.thrownMessages))?.thrownMessages ?? [],
        // the message names its latest version starts on (the designer's lint: svc/message-start-unique)
        messageStarts: messageStartsOf(d),
        versions: [],
      };
      byKey.set(d.key, entry);
    }
    entry.versions.push({ version: d.version, name: d.name, deployedAt: d.deployedAt, deployedBy: d.deployedBy, deployedByName: names.get(d.deployedBy), changeNote: d.changeNote ?? undefined, sha256: d.sha256 });
  }
  return [...byKey.values()];
}

/**
 * 归档 / 恢复: archives every version of `key` (no new case starts on it; running cases go on
 * on their version, whose document is untouched but for the flag) or restores it. Records who
 * did it, when and why in `definition_events`. Archiving what is archived (or restoring what is
 * not) changes nothing and records nothing.
 * @throws NotFoundError when the key has no version
 */
export async function setArchived(ctx: ProcessContext, key: string, archived: boolean, actor: Actor, note?: string) {
  const { Definition, DefinitionEvent } = ctx.deps.models;
  if (!(await Definition.exists({ key }))) throw new NotFoundError('DEFINITION_NOT_FOUND', `definition ${key} does not exist`);
  const text = note?.trim() ? note.trim().slice(0, MAX_CHANGE_NOTE) : undefined;
  const now = ctx.deps.clock.now();
  const changed = archived
    ? await Definition.updateMany({ key, archived: { $ne: true } }, { $set: { archived: true, archivedAt: now, archivedBy: actor.username } })
    : await Definition.updateMany({ key, archived: true }, { $unset: { archived: 1, archivedAt: 1, archivedBy: 1 } });
  if (changed.modifiedCount > 0) {
    await DefinitionEvent.create({ _id: randomUUID(), key, action: archived ? 'archived' : 'restored', actor: actor.username, at: now, ...(text ? { note: text } : {}) });
    ctx.deps.logger.info({ key, archived, actor: actor.username }, archived ? 'definition archived' : 'definition restored');
  }
  return definitionEntry(ctx, key);
}

/** One key as `listDefinitions` shows it, with its log of deploys, archives and restores (newest first). */
export async function definitionEntry(ctx: ProcessContext, key: string) {
  const docs = await ctx.deps.models.Definition.find({ key }, { xml: 0, sourceContext: 0, userTasks: 0 }).sort({ key: 1, version: -1 }).lean();
  if (docs.length === 0) throw new NotFoundError('DEFINITION_NOT_FOUND', `definition ${key} does not exist`);
  const d = docs[0];
  const log = await ctx.deps.models.DefinitionEvent.find({ key }, { _id: 0, key: 0 }).sort({ at: -1 }).limit(200).lean();
  const names = await peopleNames(ctx, [...docs.flatMap((x) => [x.deployedBy, x.archivedBy]), ...log.map((e: any) => e.actor)]);
  return {
    key,
    name: d.name,
    latestVersion: d.version,
    caseCategory: d.caseCategory ?? undefined,
    archived: !!d.archived,
    ...(d.archived ? { archivedAt: d.archivedAt, archivedBy: d.archivedBy, archivedByName: names.get(d.archivedBy ?? '') } : {}),
    versions: docs.map((x) => ({ version: x.version, name: x.name, deployedAt: x.deployedAt, deployedBy: x.deployedBy, deployedByName: names.get(x.deployedBy), changeNote: x.changeNote ?? undefined, sha256: x.sha256 })),
    log: log.map((e: any) => ({ ...e, actorName: names.get(e.actor) })),
  };
}

/** One version (latest when `version` is omitted), including its XML. @throws NotFoundError */
export async function getDefinition(ctx: ProcessContext, key: string, version?: number) {
  const { Definition } = ctx.deps.models;
  const d = version ? await Definition.findById(`${key}:${version}`).lean() : await Definition.findOne({ key }).sort({ version: -1 }).lean();
  if (!d) throw new NotFoundError('DEFINITION_NOT_FOUND', version ? `definition ${key} version ${version} does not exist` : `definition ${key} does not exist`);
  return { ...summary(d), xml: d.xml as string, userTasks: taskMetas(d) };
}

/**
 * A business rule task's decision must be deployed (the version named, with binding version).
 * @throws BusinessRuleError DECISION_NOT_FOUND naming the element and the decision id
 */
async function checkDecisionsExist(ctx: ProcessContext, tasks: DecisionTaskMeta[]): Promise<void> {
  for (const t of tasks) {
    const found = await ctx.deps.models.Decision.exists(t.binding === 'version' ? { key: t.decisionRef, version: t.version } : { key: t.decisionRef });
    if (!found) {
      // in Chinese, naming the task by its name (as the designer's lint: svc/business-rule-decision)
      const which = t.binding === 'version' ? `决策表「${t.decisionRef}」第 ${t.version} 版` : `决策表「${t.decisionRef}」`;
      throw new BusinessRuleError('DECISION_NOT_FOUND', `${businessRuleTaskLabel({ id: t.elementId, name: t.name })}引用的${which}尚未部署：请先部署决策表（POST /api/decisions），再部署流程图`, { elementId: t.elementId, ...(t.name ? { elementName: t.name } : {}), decisionRef: t.decisionRef, ...(t.version ? { version: t.version } : {}) });
    }
  }
}

/** The message names a definition version's message start events start on. */
export function messageStartsOf(d: any): string[] {
  return ((d?.userTasks ?? []) as any[]).find((t) => t && Array.isArray(t.messageStarts))?.messageStarts ?? [];
}

/**
 * A message starts one process (消息开始事件): a message start event's name may not be the message
 * start of another deployed key — its latest version, archived or not (a restore would bring the
 * clash back). Otherwise the message would start whichever key came first. Camunda 7 refuses such
 * a deployment as well. One read of the versions naming these messages (definitions are few).
 * @throws BusinessRuleError MESSAGE_START_TAKEN naming the element, the message and the other process
 */
async function checkMessageStartsFree(ctx: ProcessContext, starts: { elementId: string; name?: string; messageName: string }[], ownKey: string): Promise<void> {
  if (!starts.length) return;
  const { Definition } = ctx.deps.models;
  const names = starts.map((s) => s.messageName);
  const naming: any[] = await Definition.find({ 'userTasks.messageStarts': { $in: names }, key: { $ne: ownKey } }, { key: 1, version: 1 }).lean();
  for (const key of [...new Set(naming.map((d) => String(d.key)))].sort()) {
    const latest: any = await Definition.findOne({ key }, { key: 1, version: 1, name: 1, archived: 1, userTasks: 1 }).sort({ version: -1 }).lean();
    const taken = messageStartsOf(latest);
    const clash = starts.find((s) => taken.includes(s.messageName));
    if (!clash) continue;
    const element = `${clash.elementId}${clash.name ? `（${clash.name}）` : ''}`;
    throw new BusinessRuleError(
      'MESSAGE_START_TAKEN',
      `消息开始事件 ${element} 的消息「${clash.messageName}」已是已部署流程「${latest.name ?? key}」（${key}，第 ${latest.version} 版${latest.archived ? '，已归档' : ''}）的消息开始事件：同一消息只能启动一个流程，请改用其他消息名称，或先修改该流程`,
      { elementId: clash.elementId, ...(clash.name ? { elementName: clash.name } : {}), messageName: clash.messageName, otherProcess: key, otherVersion: latest.version, ...(latest.archived ? { otherArchived: true } : {}) },
    );
  }
}

/**
 * A call activity's called process must be deployed (the version named, with binding version);
 * a process may call itself (its first version is this deploy). Binding `deployment` is pinned
 * here to the called process's latest version now (Camunda: the version deployed with the caller).
 * @returns the call activities as stored with the definition
 * @throws BusinessRuleError CALLED_PROCESS_NOT_FOUND naming the element, its name and the process id
 */
async function checkCalledProcesses(ctx: ProcessContext, calls: CallActivityMeta[], ownId: string): Promise<CallActivityMeta[]> {
  const out: CallActivityMeta[] = [];
  for (const c of calls) {
    if (c.calledElement === ownId && c.binding !== 'version') {
      out.push(c);
      continue;
    }
    const { Definition } = ctx.deps.models;
    const found: any = c.binding === 'version' ? await Definition.findOne({ key: c.calledElement, version: c.version }, { version: 1 }).lean() : await Definition.findOne({ key: c.calledElement }, { version: 1 }).sort({ version: -1 }).lean();
    if (!found) {
      const which = c.binding === 'version' ? `process "${c.calledElement}" version ${c.version}` : `process "${c.calledElement}"`;
      throw new BusinessRuleError('CALLED_PROCESS_NOT_FOUND', `${c.elementId}${c.name ? ` (${c.name})` : ''}: ${which} is not deployed; deploy the called process before the diagram that calls it`, { elementId: c.elementId, ...(c.name ? { elementName: c.name } : {}), calledElement: c.calledElement, ...(c.version ? { version: c.version } : {}) });
    }
    out.push(c.binding === 'deployment' ? { ...c, version: found.version as number } : c);
  }
  return out;
}

export function callActivities(def: any): CallActivityMeta[] {
  return (def.userTasks ?? []).find((t: any) => t.callActivities)?.callActivities ?? [];
}

/**
 * The definition version a call starts, by its binding: the latest version now, the version
 * named, or (deployment) the version pinned when the caller was deployed.
 * @throws BusinessRuleError CALLED_PROCESS_NOT_FOUND when it is not deployed (any more)
 */
export async function resolveCalled(ctx: ProcessContext, meta: CallActivityMeta | undefined, call: WaitingCall): Promise<string> {
  const { Definition } = ctx.deps.models;
  const key = meta?.calledElement ?? call.calledElement;
  const version = meta && meta.binding !== 'latest' ? meta.version : undefined;
  const d: any = version ? await Definition.findById(`${key}:${version}`, { _id: 1 }).lean() : await Definition.findOne({ key }, { _id: 1 }).sort({ version: -1 }).lean();
  if (!d) {
    throw new BusinessRuleError('CALLED_PROCESS_NOT_FOUND', `${call.elementId}${call.name ? ` (${call.name})` : ''}: process "${key}"${version ? ` version ${version}` : ''} is not deployed`, { elementId: call.elementId, calledElement: key, ...(version ? { version } : {}) });
  }
  return String(d._id);
}

/**
 * The decision tables of a definition's business rule tasks for one command, by element id
 * (the latest version, or the version bound). No read for a definition without them.
 * @throws BusinessRuleError DECISION_NOT_FOUND when one is gone
 */
export async function loadDecisions(ctx: ProcessContext, def: any): Promise<Map<string, LoadedDecision> | undefined> {
  const tasks: DecisionTaskMeta[] = (def.userTasks ?? []).find((t: any) => t.decisionTasks)?.decisionTasks ?? [];
  if (!tasks.length) return undefined;
  const out = new Map<string, LoadedDecision>();
  for (const t of tasks) {
    const { Decision } = ctx.deps.models;
    const doc: any = t.binding === 'version' ? await Decision.findOne({ key: t.decisionRef, version: t.version }, { table: 1 }).lean() : await Decision.findOne({ key: t.decisionRef }, { table: 1 }).sort({ version: -1 }).lean();
    if (!doc) throw new BusinessRuleError('DECISION_NOT_FOUND', `${t.elementId}: decision "${t.decisionRef}"${t.version ? ` version ${t.version}` : ''} is not deployed`, { elementId: t.elementId, decisionRef: t.decisionRef });
    out.set(t.elementId, { table: doc.table as DecisionTable, resultVariable: t.resultVariable, mapDecisionResult: t.mapDecisionResult });
  }
  return out;
}

export function taskMetas(d: any): UserTaskMeta[] {
  return (d.userTasks ?? []).filter((t: any) => t.elementId);
}

export function escalationSources(d: any): EscalationSource[] {
  return (d.userTasks ?? []).find((t: any) => t.escalationSources)?.escalationSources ?? [];
}

export async function loadDefinitionById(ctx: ProcessContext, id: string) {
  let d = ctx.definitionCache.get(id);
  if (!d) {
    d = await ctx.deps.models.Definition.findById(id).lean();
    if (!d) throw new NotFoundError('DEFINITION_NOT_FOUND', `definition ${id} does not exist`);
    ctx.definitionCache.set(id, d);
  }
  return d;
}
