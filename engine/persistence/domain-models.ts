/**
 * Mongoose models of the network office system (网络办公系统): org units, windows and staff
 * duty, the service catalogue, service cases (办件) with their numbers, notices, fees, the
 * per-case audit chain, notifications and one-time-notice violations. Same rules as
 * `models.ts`: what MongoDB and FerretDB 2 both serve, claims by insert on a unique `_id`,
 * every query served by an index declared here.
 */
import { Schema, type Connection } from 'mongoose';

const opts = { versionKey: false, minimize: false } as const;
const mixed = Schema.Types.Mixed;

/** 机构: the city centre or a town/street centre. `_id` = pinyin id (`city`, `dingbao`, …). */
const orgUnitSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Two-letter code used in case numbers (XY, DZ, DB, …). */
    code: { type: String, required: true },
    /** Position in the brief's list (city first). */
    seq: { type: Number, default: 99 },
    name: { type: String, required: true },
    shortName: { type: String, required: true },
    level: { type: String, required: true, enum: ['city', 'town'] },
    parent: { type: String, default: null },
    address: String,
    phone: String,
    /** 开放时间: working-day sessions and "5+X" openings (engine/org/opening-hours.ts). */
    openingHours: { type: mixed, default: {} },
    /** Every change of the opening hours: version, at, by, reason, previous spec. */
    openingHistory: { type: [mixed], default: [] },
  },
  { ...opts, collection: 'org_units' },
);

/** 窗口: a service window of an org unit, with its A post (常驻) and B post (顶岗). */
const windowSchema = new Schema(
  {
    _id: { type: String, required: true },
    orgUnit: { type: String, required: true },
    no: { type: Number, required: true },
    name: { type: String, required: true },
    department: { type: String, required: true },
    departmentName: String,
    /** department 部门窗口 / comprehensive 综合窗口 (accepts for several departments) / service 服务窗口. */
    kind: { type: String, required: true },
    accepts: { type: [String], default: [] },
    postA: String,
    postB: String,
    status: { type: String, default: 'active' },
    filedAt: Date,
    filedBy: String,
  },
  { ...opts, collection: 'windows' },
);
windowSchema.index({ orgUnit: 1, department: 1 });

/** 备案: what was filed with the city office, by whom and when (append-only). */
const filingSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    subject: { type: String, required: true },
    orgUnit: String,
    filedBy: { type: String, required: true },
    filedAt: { type: Date, required: true },
    data: { type: mixed, default: {} },
  },
  { ...opts, collection: 'filings' },
);
filingSchema.index({ orgUnit: 1, filedAt: -1 });

/** 事项: one service item of the catalogue with its five disclosures (五公开). */
const serviceItemSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    department: { type: String, required: true },
    orgLevel: { type: String, required: true },
    defaultCategory: { type: String, required: true },
    procedure: { type: String, required: true },
    statutoryLimitDays: { type: Number, required: true },
    promisedLimitDays: { type: Number, required: true },
    materials: { type: [mixed], default: [] },
    fees: { type: mixed, required: true },
    legalBasis: { type: [String], default: [] },
    conditions: String,
    outcome: String,
    jointDepartments: { type: [String], default: [] },
    /** the item's current version (each save is a new one, kept in service_item_versions) */
    version: Number,
    updatedBy: String,
    updatedAt: Date,
  },
  { ...opts, collection: 'service_items' },
);
serviceItemSchema.index({ department: 1 });

/** 事项版本: one saved version of a catalogue item — who saved it, when, why, and what changed. */
const serviceItemVersionSchema = new Schema(
  {
    _id: { type: String, required: true },
    code: { type: String, required: true },
    version: { type: Number, required: true },
    item: { type: mixed, required: true },
    changes: { type: [mixed], default: [] },
    note: String,
    savedBy: { type: String, required: true },
    savedAt: { type: Date, required: true },
  },
  { ...opts, collection: 'service_item_versions' },
);
// one version number once per item (two saves racing for the same number: one wins)
serviceItemVersionSchema.index({ code: 1, version: -1 }, { unique: true });
// the catalogue's change log (审计): a window of time, newest first
serviceItemVersionSchema.index({ savedAt: -1 });

/** 信息发布: what a window publishes to its town (prices, weather, pest alerts). */
const infoPostSchema = new Schema(
  {
    _id: { type: String, required: true },
    orgUnit: { type: String, required: true },
    windowId: { type: String, required: true },
    kind: { type: String, required: true },
    title: { type: String, required: true },
    body: { type: String, required: true },
    publishAt: { type: Date, required: true },
    expireAt: { type: Date, required: true },
    publishedBy: { type: String, required: true },
  },
  { ...opts, collection: 'info_posts' },
);
infoPostSchema.index({ orgUnit: 1, publishAt: -1 });

/**
 * An acceptance decision under way (受理中): written before a case is claimed into `accepting`
 * (intake, examination decision, deemed acceptance, supplement complete) and removed when every
 * step of the decision is done. A process killed in between leaves it; the repair sweep
 * (`CaseService.repairInterrupted`) finishes an acceptance (each step idempotent) or undoes a
 * decision it cannot finish. Only decisions in flight are here, so the sweep reads a handful.
 */
const caseIntentSchema = new Schema(
  {
    _id: { type: String, required: true },
    op: { type: String, required: true, enum: ['intake', 'examine', 'deem', 'supplement'] },
    decision: { type: String, required: true, enum: ['accept', 'reject', 'supplement', 'examine'] },
    acceptedAt: Date,
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { ...opts, collection: 'case_intents' },
);
caseIntentSchema.index({ at: 1 });

/** A request answered under an Idempotency-Key (api/http/idempotency.ts): its body hash, state and stored answer. */
const idempotencyRecordSchema = new Schema(
  {
    _id: { type: String, required: true },
    requestHash: { type: String, required: true },
    /** in-flight: being answered (or its process died); retry: answered 5xx, a resend runs again; done: the answer is stored */
    state: { type: String, required: true, enum: ['in-flight', 'retry', 'done'] },
    at: { type: Date, required: true },
    subject: String,
    statusCode: Number,
    contentType: String,
    body: String,
    doneAt: Date,
  },
  { ...opts, collection: 'idempotency_records' },
);
idempotencyRecordSchema.index({ at: 1 });

/** 办件编号: a claimed case number. The insert is the claim; a failed intake marks it void. */
const caseNumberSchema = new Schema(
  {
    _id: { type: String, required: true },
    orgUnit: { type: String, required: true },
    day: { type: String, required: true },
    seq: { type: Number, required: true },
    status: { type: String, required: true, enum: ['claimed', 'used', 'void'] },
    claimedAt: { type: Date, required: true },
    claimedBy: String,
    voidReason: String,
  },
  { ...opts, collection: 'case_numbers' },
);
caseNumberSchema.index({ orgUnit: 1, day: 1, seq: -1 });
caseNumberSchema.index({ status: 1, claimedAt: 1 });

/** 办件: one application, from intake to its end. `_id` = the case number. */
const serviceCaseSchema = new Schema(
  {
    _id: { type: String, required: true },
    itemCode: { type: String, required: true },
    itemName: { type: String, required: true },
    department: String,
    orgUnit: { type: String, required: true },
    receivingWindow: { type: String, required: true },
    /** 首问负责人: the clerk who received the case and follows it to its end. */
    responsible: { type: String, required: true },
    /** immediate 即办 / supplement 补办 / report-up 上报 / joint 联办 / rejected 退回. */
    category: { type: String, required: true },
    /** under-examination (收件待审, 行政许可法 art. 32) / accepting / awaiting-supplement / in-progress / completed / rejected / void. */
    status: { type: String, required: true },
    /** Accepted by law because the five-day examination passed without a notification (视为受理). */
    deemedAccepted: Boolean,
    /** Demo/test step-limit overrides kept until an examined case is accepted. */
    limitOverrides: mixed,
    /**
     * The examination decision's command mark (CaseService.examine), written with its claim: who,
     * under which request id, with which input (hashed), the decision and a token its follow-ups are
     * keyed by — so its resend is answered as done and finishes what the first attempt left.
     */
    examination: mixed,
    outcome: String,
    /** The instance whose end ended the case (CaseService.finish: only its projection writes the end's events and notices). */
    endedByInstance: String,
    /**
     * The case's instance ended while the case was not yet in progress (its acceptance under way):
     * `{ instanceId, status }`, written by the projection's end (finish-case.ts), read by the
     * acceptance's write of 'in-progress', which then ends the case (issue 12).
     */
    instanceEnded: mixed,
    applicant: { type: mixed, required: true },
    /** Salted hashes used by the public lookup; the code itself is never stored. */
    queryCodeHash: { type: String, required: true },
    phoneHash: String,
    materials: { type: [mixed], default: [] },
    supplementRounds: { type: [mixed], default: [] },
    instanceId: String,
    definitionKey: String,
    receivedAt: { type: Date, required: true },
    acceptedAt: Date,
    endedAt: Date,
    rejectReason: String,
    fee: mixed,
    /** 代办记录: every hand-over between org units and windows. */
    proxyRecord: { type: [mixed], default: [] },
    /** Org units that handled a step (the receiving town, the city…): who may read the case. */
    involvedOrgUnits: { type: [String], default: [] },
    updatedAt: Date,
  },
  { ...opts, collection: 'service_cases' },
);
serviceCaseSchema.index({ orgUnit: 1, receivedAt: -1 });
serviceCaseSchema.index({ instanceId: 1 });
serviceCaseSchema.index({ involvedOrgUnits: 1 });
serviceCaseSchema.index({ status: 1, receivedAt: -1 });
// statistics over a period (stats-service.ts) by centre, window, person and item; the supervisors' list
serviceCaseSchema.index({ receivedAt: -1 });
serviceCaseSchema.index({ receivingWindow: 1, receivedAt: -1 });
serviceCaseSchema.index({ responsible: 1, receivedAt: -1 });
serviceCaseSchema.index({ itemCode: 1, receivedAt: -1 });

/** 文书: a notice issued to the applicant, immutable once issued. */
const noticeSchema = new Schema(
  {
    _id: { type: String, required: true },
    caseNo: { type: String, required: true },
    kind: { type: String, required: true },
    title: { type: String, required: true },
    html: { type: String, required: true },
    text: { type: String, required: true },
    sha256: { type: String, required: true },
    issuedAt: { type: Date, required: true },
    issuedBy: { type: String, required: true },
  },
  { ...opts, collection: 'notices' },
);
noticeSchema.index({ caseNo: 1, issuedAt: 1 });

/**
 * 审计: one append-only event of a case. `_id` = `${caseNo}:${seq}` (zero-padded), so the insert
 * claims the position; `hash` = SHA-256 over the canonical JSON of the event and `prevHash`.
 */
const auditEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    caseNo: { type: String, required: true },
    seq: { type: Number, required: true },
    type: { type: String, required: true },
    actor: { type: String, required: true },
    at: { type: String, required: true },
    /** Event data as canonical JSON text (hashed exactly as stored). */
    data: { type: String, required: true },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
    /** The dedupe key the event was appended under (outside the hash: bookkeeping, not content). */
    dedupeKey: String,
  },
  { ...opts, collection: 'audit_events' },
);
auditEventSchema.index({ caseNo: 1, seq: 1 });
/**
 * One event per dedupe key and case, enforced by the database: a repair that takes over the claim
 * of an append it believes dead cannot double the event if that append was only slow.
 */
export const AUDIT_DEDUPE_INDEX = 'caseNo_1_dedupeKey_1_unique';
auditEventSchema.index({ caseNo: 1, dedupeKey: 1 }, { unique: true, partialFilterExpression: { dedupeKey: { $exists: true } }, name: AUDIT_DEDUPE_INDEX });

/** Where a case's audit chain ends (a hint: appends probe past it by `_id`). */
const auditHeadSchema = new Schema({ _id: { type: String, required: true }, seq: { type: Number, required: true } }, { ...opts, collection: 'audit_heads' });

/** Makes an audit append from a replayed source (a projection run twice) happen once. */
/**
 * An audit append whose follow-ups (the provincial feed, the statistics rollups) may not have run:
 * one marker per append (`_id` a fresh token, so two appends in flight on one case never remove
 * each other's marker), written before the event, removed after its follow-ups succeeded. A
 * process killed in between — or a follow-up that failed — leaves it, and
 * `AuditLog.redispatchPending` runs the case's follow-ups again from `fromSeq` (they are idempotent).
 * Only in-flight appends are here, so the sweep reads a handful of documents, never the chain.
 * Markers written before per-append markers have `_id` = the case number and no `caseNo`.
 */
const auditPendingSchema = new Schema(
  { _id: { type: String, required: true }, caseNo: String, fromSeq: { type: Number, required: true }, token: { type: String, required: true }, at: { type: Date, required: true } },
  { ...opts, collection: 'audit_pending' },
);
auditPendingSchema.index({ at: 1 });

/** `seq` is set once the claimed event is written; a claim without it and older than a minute was left by a killed process and is taken over. */
const auditClaimSchema = new Schema({ _id: { type: String, required: true }, at: Date, seq: Number }, { ...opts, collection: 'audit_claims' });

/** In-app notifications (站内消息); an SMS channel can later deliver the same records. */
const notificationSchema = new Schema(
  {
    _id: { type: String, required: true },
    to: { type: String, required: true },
    kind: { type: String, required: true },
    title: { type: String, required: true },
    body: String,
    caseNo: String,
    taskId: String,
    createdAt: { type: Date, required: true },
    readAt: Date,
  },
  { ...opts, collection: 'notifications' },
);
notificationSchema.index({ to: 1, createdAt: -1 });

/** Counted against a window: e.g. a second one-time notification that could have been the first. */
const violationSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    windowId: { type: String, required: true },
    orgUnit: { type: String, required: true },
    caseNo: String,
    actor: { type: String, required: true },
    at: { type: Date, required: true },
    detail: { type: mixed, default: {} },
  },
  { ...opts, collection: 'violations' },
);
violationSchema.index({ windowId: 1, at: -1 });
violationSchema.index({ at: -1 });

/**
 * 时限: a deadline clock as a ledger (see `supervision/clock-ledger.ts`). `_id` =
 * `${caseNo}:statutory`, `${caseNo}:promised`, `step:${taskId}` or `reply:${escalationId}:${n}`.
 * `version` grows with every ledger change; signal jobs carry it, stale ones do nothing.
 */
const clockSchema = new Schema(
  {
    _id: { type: String, required: true },
    caseNo: String,
    /** statutory 法定 / promised 承诺 / step 环节 / reply 督办回复 */
    kind: { type: String, required: true },
    taskId: String,
    escalationId: String,
    label: String,
    orgUnit: String,
    windowId: String,
    /** Who answers for it (the responsible person, or the step's holder). */
    holder: String,
    budget: { type: mixed, required: true },
    /** The centre's close of business ('HH:MM' CST): working-day deadlines end then. */
    closeTime: String,
    startedAt: { type: Date, required: true },
    pauses: { type: [mixed], default: [] },
    extension: { type: mixed, default: null },
    status: { type: String, required: true, enum: ['running', 'paused', 'stopped'] },
    stoppedAt: Date,
    dueAt: Date,
    estimated: Boolean,
    /** Years whose holiday table was estimated for `dueAt` (no notice yet); recomputed when entered. */
    estimatedYears: { type: [Number], default: undefined },
    signalsAt: { type: mixed, default: {} },
    fired: { type: [String], default: [] },
    result: String,
    version: { type: Number, required: true },
    updatedAt: Date,
  },
  { ...opts, collection: 'clocks' },
);
// the case first, with the broad fields its queries add (indexes.test.ts)
clockSchema.index({ caseNo: 1, kind: 1, status: 1 });
clockSchema.index({ status: 1, dueAt: 1 });
// the clocks counted over an estimated year, recomputed when the city office enters its table
clockSchema.index({ estimated: 1, status: 1 });
clockSchema.index({ orgUnit: 1, status: 1, kind: 1 });
// statistics: the case clocks started in a period, of every centre or one
clockSchema.index({ kind: 1, startedAt: 1 });
clockSchema.index({ orgUnit: 1, kind: 1, startedAt: 1 });
// the live board: the clocks changed since its last read (stats/board.ts)
clockSchema.index({ updatedAt: 1 });

/** One fired signal of a clock; the insert on `${clockId}:${rung}` makes each fire exactly once. */
const signalSchema = new Schema(
  {
    _id: { type: String, required: true },
    clockId: { type: String, required: true },
    rung: { type: String, required: true },
    caseNo: String,
    orgUnit: String,
    at: { type: Date, required: true },
    dueAt: Date,
    /** Set while the signal's follow-ups run; a signal left pending by a killed process is finished by the repair sweep. */
    pending: Boolean,
    claimedAt: Date,
  },
  { ...opts, collection: 'signals' },
);
// the repair sweep's read of the signals in flight (pending is absent once a signal is done)
signalSchema.index({ pending: 1, claimedAt: 1 });
signalSchema.index({ orgUnit: 1, at: -1 });
signalSchema.index({ caseNo: 1 });

/** 投诉举报: a report or complaint from the public, handled by the town discipline commission (镇纪委). */
const complaintSchema = new Schema(
  {
    _id: { type: String, required: true },
    orgUnit: { type: String, required: true },
    day: { type: String, required: true },
    seq: { type: Number, required: true },
    /** case / window / person */
    targetKind: { type: String, required: true },
    caseNo: String,
    windowId: String,
    person: String,
    content: { type: String, required: true },
    contactName: String,
    phone: String,
    queryCodeHash: { type: String, required: true },
    /** received / replied / closed */
    status: { type: String, required: true },
    clockId: String,
    reply: mixed,
    createdAt: { type: Date, required: true },
    history: { type: [mixed], default: [] },
    /** The Idempotency-Key request that filed it (its resend is answered with it, the query code derived again). */
    requestId: String,
    /**
     * A complaint filed without an Idempotency-Key: its fingerprint (HMAC of what was sent) and the
     * 10-minute slot it was filed in, `<fingerprint>:<slot>` — unique, so the same text sent again
     * at once (a double click, a resend after a lost answer) is recognised and answered with the first.
     */
    fingerprintSlot: String,
  },
  { ...opts, collection: 'complaints' },
);
complaintSchema.index({ fingerprintSlot: 1 }, { unique: true, partialFilterExpression: { fingerprintSlot: { $exists: true } } });
complaintSchema.index({ orgUnit: 1, day: 1, seq: -1 });
complaintSchema.index({ orgUnit: 1, status: 1, createdAt: -1 });
complaintSchema.index({ createdAt: -1 });
complaintSchema.index({ status: 1, createdAt: -1 });

/** 好差评: one rating of a case at a stage (acceptance / completion / re-rating after follow-up). */
const ratingSchema = new Schema(
  {
    _id: { type: String, required: true },
    caseNo: { type: String, required: true },
    stage: { type: String, required: true },
    /** 5 very satisfied 非常满意 … 1 very dissatisfied 非常不满意 */
    level: { type: Number, required: true },
    comment: String,
    orgUnit: String,
    windowId: String,
    responsible: String,
    createdAt: { type: Date, required: true },
    /** The Idempotency-Key request that gave it (its resend is answered as done). */
    requestId: String,
  },
  { ...opts, collection: 'ratings' },
);
ratingSchema.index({ orgUnit: 1, createdAt: -1 });
ratingSchema.index({ caseNo: 1 });
ratingSchema.index({ createdAt: -1 });

export function createDomainModels(conn: Connection) {
  return {
    OrgUnit: conn.model('OrgUnit', orgUnitSchema),
    Window: conn.model('Window', windowSchema),
    Filing: conn.model('Filing', filingSchema),
    ServiceItem: conn.model('ServiceItem', serviceItemSchema),
    ServiceItemVersion: conn.model('ServiceItemVersion', serviceItemVersionSchema),
    InfoPost: conn.model('InfoPost', infoPostSchema),
    CaseNumber: conn.model('CaseNumber', caseNumberSchema),
    CaseIntent: conn.model('CaseIntent', caseIntentSchema),
    IdempotencyRecord: conn.model('IdempotencyRecord', idempotencyRecordSchema),
    ServiceCase: conn.model('ServiceCase', serviceCaseSchema),
    Notice: conn.model('Notice', noticeSchema),
    AuditEvent: conn.model('AuditEvent', auditEventSchema),
    AuditClaim: conn.model('AuditClaim', auditClaimSchema),
    AuditPending: conn.model('AuditPending', auditPendingSchema),
    AuditHead: conn.model('AuditHead', auditHeadSchema),
    Notification: conn.model('Notification', notificationSchema),
    Violation: conn.model('Violation', violationSchema),
    Clock: conn.model('Clock', clockSchema),
    Signal: conn.model('Signal', signalSchema),
    Complaint: conn.model('Complaint', complaintSchema),
    Rating: conn.model('Rating', ratingSchema),
  };
}
