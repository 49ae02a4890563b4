/**
 * Mongoose models. Written to what MongoDB 6+ and FerretDB 2 on DocumentDB both serve
 * (DESIGN.md §2): no multi-document transactions, no change streams, no keys with `.` or `$`,
 * engine state kept as a JSON string. Claims by insert on a unique `_id` where they are the
 * natural model. Every query is served by an index declared here (or in domain-models.ts,
 * outbox.ts, `AGENDA_JOB_INDEXES`): engine/persistence/__tests__/indexes.test.ts explains them.
 */
import mongoose, { Schema, type Connection } from 'mongoose';
import { AUDIT_DEDUPE_INDEX, createDomainModels } from './domain-models';
import { ensureUniqueJobKeyIndex } from '../timers/unique-jobs';

const opts = { versionKey: false, minimize: false } as const;

/** An immutable deployed diagram version. `_id` = `${key}:${version}` — the insert claims the version. */
const definitionSchema = new Schema(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    version: { type: Number, required: true },
    name: { type: String, required: true },
    processId: { type: String, required: true },
    xml: { type: String, required: true },
    sha256: { type: String, required: true },
    deployedAt: { type: Date, required: true },
    deployedBy: { type: String, required: true },
    /** 变更说明: what this version changes and why, given by the designer at deploy. */
    changeNote: String,
    /**
     * 归档: set on every version of the key at once; no new case starts on an archived key (the
     * latest version's flag is read with its id at start, no extra round trip), running cases
     * finish on their version. Cleared by a restore.
     */
    archived: Boolean,
    archivedAt: Date,
    archivedBy: String,
    caseCategory: String,
    itemCode: String,
    orgLevel: String,
    /** bpmn-engine's serialized moddle context of this version, shared by every instance's state. */
    sourceContext: String,
    /** User task metadata by element id (stored as an array: element ids may hold any character). */
    userTasks: { type: [Schema.Types.Mixed], default: [] },
  },
  { ...opts, collection: 'definitions' },
);
definitionSchema.index({ key: 1, version: -1 });

/**
 * An immutable deployed decision version (决策表, DMN). `_id` = `${key}:${version}`, the key being
 * the decision's id; the XML is the whole DMN document it came in, `table` its checked decision
 * table (engine/runtime/dmn.ts), evaluated by business rule tasks without parsing again.
 */
const decisionSchema = new Schema(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    version: { type: Number, required: true },
    name: { type: String, required: true },
    hitPolicy: { type: String, required: true },
    xml: { type: String, required: true },
    sha256: { type: String, required: true },
    deployedAt: { type: Date, required: true },
    deployedBy: { type: String, required: true },
    /** 变更说明, required at deploy as for diagrams. */
    changeNote: { type: String, required: true },
    table: { type: Schema.Types.Mixed, required: true },
  },
  { ...opts, collection: 'decisions' },
);
decisionSchema.index({ key: 1, version: -1 });

/** Who deployed, archived or restored a definition, when, and the note given (流程定义操作记录). */
const definitionEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    action: { type: String, required: true, enum: ['deployed', 'archived', 'restored'] },
    version: Number,
    actor: { type: String, required: true },
    at: { type: Date, required: true },
    note: String,
  },
  { ...opts, collection: 'definition_events' },
);
definitionEventSchema.index({ key: 1, at: -1 });

/** A case (办件) = one process instance. `headRevision` may lag the revisions series. */
const instanceSchema = new Schema(
  {
    _id: { type: String, required: true },
    definitionId: { type: String, required: true },
    definitionKey: { type: String, required: true },
    definitionVersion: { type: Number, required: true },
    name: String,
    businessKey: String,
    status: { type: String, required: true },
    headRevision: { type: Number, required: true },
    variables: { type: Schema.Types.Mixed, default: {} },
    activeElements: { type: [String], default: [] },
    startedAt: { type: Date, required: true },
    startedBy: { type: String, required: true },
    /** The starter's org unit (DESIGN.md §6): whose the instance is before a service case names one. */
    orgUnit: String,
    endedAt: Date,
    updatedAt: Date,
    /** A called instance (child of a call activity): the caller's instance, element and execution, and the case's root instance. */
    parentInstanceId: String,
    parentElementId: String,
    parentExecutionId: String,
    rootInstanceId: String,
    /** The instances this one's call activities started: element, execution and child instance id. */
    calledInstances: { type: [Schema.Types.Mixed], default: undefined },
    /** 消息开始事件: the message (id, name) that started it; with `rootInstanceId` (no parent) when it joined a case in progress. */
    startedByMessage: Schema.Types.Mixed,
    /** On a case's root instance: the instances messages started for the case (instance id, message id and name). */
    messageStartedInstances: { type: [Schema.Types.Mixed], default: undefined },
  },
  { ...opts, collection: 'instances' },
);
instanceSchema.index({ status: 1, startedAt: -1 });
instanceSchema.index({ definitionKey: 1, startedAt: -1 });

/**
 * One revision of an instance's engine state. `_id` = `${instanceId}:${revision}`: inserting
 * revision n+1 is the optimistic-concurrency claim (DESIGN.md §3). Holds everything the
 * command changed, so one atomic insert records state, history and effects together.
 */
const revisionSchema = new Schema(
  {
    _id: { type: String, required: true },
    instanceId: { type: String, required: true },
    revision: { type: Number, required: true },
    command: { type: Schema.Types.Mixed, required: true },
    actor: { type: String, required: true },
    createdAt: { type: Date, required: true },
    /** bpmn-engine state as JSON text (nested arrays and odd keys break documents otherwise). */
    state: { type: String, required: true },
    engineVersion: { type: String, required: true },
    status: { type: String, required: true },
    /** History events produced by this command, JSON text. */
    events: { type: String, required: true },
    /** Open user tasks after this command, JSON text. */
    openTasks: { type: String, required: true },
    /** Escalations raised by this command, JSON text. */
    escalations: { type: String, required: true },
    variables: { type: String, required: true },
    /** Timers the engine waits on after this command, JSON text. */
    timers: { type: String, default: '[]' },
    /** Service/send tasks waiting on their job (作业) after this command, JSON text. */
    jobs: { type: String, default: '[]' },
    /** Element ids waiting after this command, JSON text. */
    activeElements: { type: String, default: '[]' },
    /** Call activities waiting on their called process after this command, JSON text. */
    calls: { type: String, default: '[]' },
    /** Message catches (消息) waiting after this command, JSON text (run-engine MessageWait). */
    messageWaits: { type: String, default: '[]' },
    /** Messages this command threw to other instances, JSON text (run-engine ThrownMessage). */
    thrownMessages: String,
    /** The error end event the process ended through (for a caller's call activity), JSON text. */
    endError: String,
    /** Engine error message when the command failed the instance. */
    error: String,
    /** False until the read models (tasks, instance, escalations) reflect this revision. */
    projected: { type: Boolean, required: true },
  },
  { ...opts, collection: 'revisions' },
);
revisionSchema.index({ instanceId: 1, revision: -1 });
revisionSchema.index({ projected: 1 });

/**
 * The link between a call activity and the instance it started (调用活动 → 被调用流程), `_id` = the
 * child instance id (derived from the caller's instance and the call's execution, so a repeated
 * start finds it). Written `starting` before the caller's revision that waits on the call; the
 * child is started after it (`running`); the child's projection marks it `ended` when the child
 * ends; the caller is completed (`returned`). A link whose call never came to wait is `gone`; a
 * child the caller no longer waits for (cancelled, interrupted) is `cancelled`. The repair sweep
 * picks up `starting` and `ended` links a crash left behind.
 */
const callLinkSchema = new Schema(
  {
    _id: { type: String, required: true },
    parentInstanceId: { type: String, required: true },
    rootInstanceId: { type: String, required: true },
    parentElementId: { type: String, required: true },
    parentElementName: String,
    parentExecutionId: { type: String, required: true },
    calledElement: { type: String, required: true },
    /** The called definition version resolved by the binding when the call was reached. */
    definitionId: { type: String, required: true },
    status: { type: String, required: true },
    /** The child's final engine status (completed, failed, cancelled). */
    childStatus: String,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...opts, collection: 'call_links' },
);
// the open links of a caller (call-links.ts followLinks): parent and status, so the status index is not read alone
callLinkSchema.index({ parentInstanceId: 1, status: 1 });
// a message's correlation: the running instances of a business key (the case number)
instanceSchema.index({ businessKey: 1, status: 1 });
callLinkSchema.index({ status: 1, updatedAt: 1 });

/** Read model of user tasks. `_id` = `${instanceId}:${executionId}`. */
const taskSchema = new Schema(
  {
    _id: { type: String, required: true },
    instanceId: { type: String, required: true },
    executionId: { type: String, required: true },
    elementId: { type: String, required: true },
    name: String,
    definitionKey: String,
    candidateGroups: { type: [String], default: [] },
    candidateUsers: { type: [String], default: [] },
    assignee: String,
    dueDate: Date,
    formKey: String,
    timeLimit: String,
    window: String,
    orgLevel: String,
    /** accept 受理 / review 审查 / approve 审批 / notify 告知 / await-applicant 等待补正 */
    stepKind: String,
    status: { type: String, required: true },
    createdAt: { type: Date, required: true },
    completedAt: Date,
    completedBy: String,
    revision: { type: Number, required: true },
    /** engine (a BPMN user task) or cosign (加签: a request to another window, outside the engine). */
    kind: { type: String, default: 'engine' },
    parentTaskId: String,
    caseNo: String,
    orgUnit: String,
    windowId: String,
    /** The post the task was routed to (A, or B while A is away). */
    post: String,
    claimedAt: Date,
    claimedBy: String,
    /** Set when a task moved to the B post because A went away; cleared when it moves back. */
    movedFrom: String,
    /** The decision and opinion recorded at completion. */
    outcome: Schema.Types.Mixed,
    /** Inbox actions (claim, transfer, cosign, cc, urge, return, withdraw), each with reason. */
    actions: { type: [Schema.Types.Mixed], default: [] },
    /** Usernames the task was copied to (抄送). */
    ccTo: { type: [String], default: [] },
  },
  { ...opts, collection: 'tasks' },
);
taskSchema.index({ status: 1, candidateGroups: 1 });
taskSchema.index({ status: 1, assignee: 1 });
// the selective field first, with the broad ones the queries add: DocumentDB's planner cannot tell a
// status from a case number and otherwise joins the whole `status` index in (indexes.test.ts)
taskSchema.index({ instanceId: 1, status: 1 });
taskSchema.index({ status: 1, windowId: 1 });
taskSchema.index({ ccTo: 1 });
taskSchema.index({ parentTaskId: 1, status: 1 });
taskSchema.index({ movedFrom: 1, status: 1 });
// a case's steps, all or by status (the case page, the projection's closed steps): with caseNo alone the
// planner joined it to movedFrom_1_status_1 (every completed step) — 150 ms at 100,000 cases, 5 ms on this one
taskSchema.index({ caseNo: 1, status: 1 });
// the heat map: a path's tasks created in a period, and its open ones (both bounded by work, not history)
taskSchema.index({ definitionKey: 1, createdAt: 1 });
taskSchema.index({ definitionKey: 1, status: 1 });

/** A deadline breach raised for supervision (督办). `_id` = `${instanceId}:${executionId}`. */
const escalationSchema = new Schema(
  {
    _id: { type: String, required: true },
    instanceId: String,
    definitionKey: String,
    escalationCode: String,
    escalationName: String,
    elementId: String,
    /** The step the deadline belonged to (the task the boundary timer is attached to). */
    taskElementId: String,
    taskName: String,
    raisedAt: { type: Date, required: true },
    status: { type: String, required: true },
    revision: Number,
    /** bpmn (an escalation event of the diagram) or clock (a deadline clock's breach). */
    source: { type: String, default: 'bpmn' },
    caseNo: String,
    clockId: String,
    /** Which limit broke: statutory 法定 / promised 承诺 / step 环节 / reply 督办回复. */
    limitKind: String,
    severity: String,
    orgUnit: String,
    windowId: String,
    responsible: String,
    dueAt: Date,
    /** 督办 level: 1 on opening, +1 at each re-escalation. */
    level: Number,
    notice: Schema.Types.Mixed,
    reply: Schema.Types.Mixed,
    history: { type: [Schema.Types.Mixed], default: [] },
  },
  { ...opts, collection: 'escalations' },
);
escalationSchema.index({ status: 1, raisedAt: -1 });
escalationSchema.index({ instanceId: 1 });
escalationSchema.index({ orgUnit: 1, status: 1 });
escalationSchema.index({ caseNo: 1 });
escalationSchema.index({ raisedAt: -1 });

/**
 * A marker per revision written and not yet projected (`_id` = `instanceId:revision`), inserted
 * before the revision: the repair sweep reads this small collection instead of the revisions.
 */
const projectionQueueSchema = new Schema(
  { _id: { type: String, required: true }, instanceId: { type: String, required: true }, at: { type: Date, required: true } },
  { ...opts, collection: 'projection_queue' },
);
projectionQueueSchema.index({ at: 1 });

const userSchema = new Schema(
  {
    _id: { type: String, required: true },
    displayName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    roles: { type: [String], default: [] },
    groups: { type: [String], default: [] },
    orgUnit: String,
    /** The window the person staffs and the post held there (A 常驻 / B 顶岗). */
    windowId: String,
    post: String,
    /** 在岗状态: present / away, with reason, period and the stand-in while away. */
    duty: { type: Schema.Types.Mixed, default: { status: 'present' } },
  },
  { ...opts, collection: 'users' },
);

/** Login sessions; `_id` is the SHA-256 of the bearer token (the token itself is never stored). */
const sessionSchema = new Schema(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { ...opts, collection: 'sessions' },
);

export function createModels(conn: Connection = mongoose.connection) {
  return {
    Definition: conn.model('Definition', definitionSchema),
    DefinitionEvent: conn.model('DefinitionEvent', definitionEventSchema),
    Decision: conn.model('Decision', decisionSchema),
    Instance: conn.model('Instance', instanceSchema),
    Revision: conn.model('Revision', revisionSchema),
    CallLink: conn.model('CallLink', callLinkSchema),
    Message: conn.model('Message', messageSchema),
    Task: conn.model('Task', taskSchema),
    Escalation: conn.model('Escalation', escalationSchema),
    User: conn.model('User', userSchema),
    Session: conn.model('Session', sessionSchema),
    ProjectionQueue: conn.model('ProjectionQueue', projectionQueueSchema),
    ...createDomainModels(conn),
  };
}
export type Models = ReturnType<typeof createModels>;

/**
 * Indexes on Agenda's collection beside the one Agenda creates itself (`findAndLockNextJobIndex`:
 * name, nextRunAt, priority, lockedAt, disabled): jobs are saved unique by `data.key` and
 * cancelled by `data.clockId` (supervision-service.ts, timers/agenda-timers.ts).
 */
/**
 * Agenda's lock index, as @agendajs/mongo-backend builds it with its default sort; created here
 * because the backend is told to build none (agenda-timers.ts: its lock query runs unsorted).
 */
export const AGENDA_LOCK_INDEX = { name: 'findAndLockNextJobIndex', key: { name: 1, nextRunAt: 1, priority: -1, lockedAt: 1, disabled: 1 } as Record<string, 1 | -1> } as const;
export const AGENDA_JOB_INDEXES: ReadonlyArray<Record<string, 1 | -1>> = [{ name: 1, 'data.key': 1 }, { name: 1, 'data.clockId': 1 }];
/**
 * Due jobs by time alone, the index the lock's due query names as its hint (timers/agenda-lock.ts).
 * On the lock index PostgreSQL ranges only the job name and tests nextRunAt on every entry: 84–130 ms
 * a poll at 100,000 stored cases (54,684 clock signals, 12 due), per job name, twice a second, in
 * every process; a range of this one reads the few due jobs: 11 ms (test/bench/explain.ts).
 */
export const AGENDA_DUE_INDEX = { name: 'nextRunAt_1', key: { nextRunAt: 1 } as Record<string, 1 | -1> } as const;

/**
 * A message (消息) sent to the instances of a business key (issue 15), `_id` = the sender's message
 * id (a resend with the same id finds it: idempotent). `pending` until an instance waiting on its
 * name (and correlation keys) takes it; `delivering` while one process holds it (the claim by a
 * conditional update); `delivered` with the instance and the revision that took it. A message
 * nobody waits for stays `pending` and is delivered when a wait appears (or by the repair sweep).
 */
const messageSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    businessKey: { type: String, required: true },
    /** Process variables the waiting instance must hold with these values, JSON text. */
    correlationKeys: { type: String, default: '{}' },
    /** Variables delivered with the message, JSON text. */
    variables: { type: String, default: '{}' },
    status: { type: String, required: true },
    instanceId: String,
    elementId: String,
    revision: Number,
    sentBy: { type: String, required: true },
    /** The instance that sent it (a throw event or send task), if any. */
    fromInstanceId: String,
    fromElementId: String,
    /** The revision of `fromInstanceId` that threw it (a `thrown` message waits for it to commit). */
    fromRevision: Number,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    deliveredAt: Date,
    /** Delivered by starting an instance (a message start event): `instanceId` is the instance it started. */
    startedInstance: Boolean,
    /** The case (办件) whose number the business key is, when the instance it started joined that case. */
    caseNo: String,
    /** Why it started an instance outside any case, or why it is kept pending (Chinese, for the console). */
    note: String,
  },
  { ...opts, collection: 'messages' },
);
messageSchema.index({ businessKey: 1, name: 1, status: 1 });
messageSchema.index({ status: 1, updatedAt: 1 });

/**
 * Creates every index explicitly and waits for it (the platform connects with `autoIndex: false`).
 * Every query the platform makes is served by one of them: engine/persistence/__tests__/indexes.test.ts.
 */
export async function ensureIndexes(models: Models, warn: (msg: string) => void = () => undefined): Promise<void> {
  for (const model of Object.values(models)) {
    try {
      await model.createIndexes();
    } catch (err) {
      // a database written before the audit chain's unique dedupe index may hold an event twice:
      // the platform still starts (the dedupe claims keep working), and says what to clean up
      if (model !== models.AuditEvent || !isDuplicateKey(err)) throw err;
      warn(`audit_events holds an event twice under one dedupe key, so the unique index ${AUDIT_DEDUPE_INDEX} was not created (${(err as Error).message}); appends still dedupe by their claims, but an append slower than the claim takeover (3 s) may then be written twice — remove the extra events' duplicates and restart`);
    }
  }
  const db = models.Task.db.db!;
  const jobs = db.collection('agendaJobs');
  for (const key of AGENDA_JOB_INDEXES) await jobs.createIndex(key);
  // one job per key even when two writers insert it at once (timers/unique-jobs.ts, issue 12)
  await ensureUniqueJobKeyIndex(jobs, warn);
  await jobs.createIndex(AGENDA_LOCK_INDEX.key, { name: AGENDA_LOCK_INDEX.name });
  await jobs.createIndex(AGENDA_DUE_INDEX.key, { name: AGENDA_DUE_INDEX.name });
  // Indexes an older version declared and a compound one replaced: left in place, the planner
  // would still join them in (a database copied from FerretDB 1.24 brings them along).
  for (const [collection, name] of OBSOLETE_INDEXES) {
    await db.collection(collection).dropIndex(name).catch((err: { codeName?: string; code?: number }) => {
      if (err?.codeName !== 'IndexNotFound' && err?.codeName !== 'NamespaceNotFound' && err?.code !== 27 && err?.code !== 26) throw err;
    });
  }
}

/** [collection, index name] of indexes replaced by compound ones (see the schemas). */
const OBSOLETE_INDEXES: ReadonlyArray<readonly [string, string]> = [
  ['tasks', 'instanceId_1'],
  ['tasks', 'parentTaskId_1'],
  ['tasks', 'definitionKey_1'],
  // read only by the old heat map (every breach ever); a rung is broad, the heat map reads by case now
  ['signals', 'rung_1'],
  ['clocks', 'caseNo_1'],
  ['tasks', 'caseNo_1'],
  ['clocks', 'orgUnit_1_status_1'],
  ['agendaJobs', 'data.key_1'],
  ['agendaJobs', 'data.clockId_1'],
  // a caller's open links are read by parentInstanceId+status (89b3a62); the planner joined the old
  // single-field index with status_1_updatedAt_1 instead of reading the compound one
  ['call_links', 'parentInstanceId_1'],
];

/** True for a duplicate-key error (E11000) from MongoDB or FerretDB. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
}
