/** The OpenAPI 3.1 description served at /api/openapi.json; request schemas come from zod. */
import { z } from 'zod';
import { ArchiveBody, DeployJsonBody, LoginBody, StartCaseBody } from './schemas';
import { CompleteBody, DutyBody, IntakeBody, ItemBody } from './routes/network-office';
import { SendMessageBody } from './routes/messages';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const problem = { $ref: '#/components/responses/Problem' };
const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const std = { 400: problem, 401: problem, 403: problem, 404: problem };
/** Idempotency-Key (api/http/idempotency.ts): a retried request with the same key gets the first answer (Idempotent-Replayed: true). */
const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 8, maxLength: 200 }, description: 'optional; the same key and body answer once (replayed answers carry Idempotent-Replayed: true); the same key with another body is 422 IDEMPOTENCY_KEY_REUSED; while the first is still running 409 IDEMPOTENCY_IN_FLIGHT' };

let cached: object | undefined;

function actions() {
  const out: Record<string, object> = {};
  const list: [string, string][] = [
    ['claim', '签收: take the task'],
    ['return', '退回: back to the earlier step (reason)'],
    ['withdraw', '撤回: take back a step you just completed while the next is untouched (reason)'],
    ['transfer', '转办: to another window (windowId, reason)'],
    ['cosign', '加签: ask another window for its opinion (windowId, reason)'],
    ['cc', '抄送: copy for information (to, note)'],
    ['urge', '催办: press the holder (reason)'],
  ];
  for (const [name, summary] of list) out[`/api/tasks/{id}/${name}`] = { post: { summary, responses: { 200: { description: 'the task' }, ...std, 409: problem, 422: problem } } };
  return out;
}

export function openApiDocument(): object {
  return (cached ??= {
    openapi: '3.1.0',
    info: {
      title: '行政服务中心流程平台 API (Service-centre process platform)',
      version: '0.1.0',
      description: 'BPMN cases, tasks and timer escalations. Errors are application/problem+json (RFC 9457) with a stable `code`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'token from POST /api/auth/login' } },
      schemas: {
        LoginBody: schema(LoginBody),
        StartCaseBody: schema(StartCaseBody),
        CompleteTaskBody: schema(CompleteBody),
        IntakeBody: schema(IntakeBody),
        DutyBody: schema(DutyBody),
        ItemBody: schema(ItemBody),
        DeployJsonBody: schema(DeployJsonBody),
        ArchiveBody: schema(ArchiveBody),
        SendMessageBody: schema(SendMessageBody),
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string' } },
        },
      },
      responses: { Problem: { description: 'problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } } },
    },
    paths: {
      '/api/health': { get: { summary: 'Liveness and database reachability', security: [], responses: { 200: { description: 'ok' }, 503: { description: 'database down' } } } },
      '/api/auth/login': { post: { summary: 'Log in; returns a bearer token', security: [], requestBody: json('LoginBody'), responses: { 200: { description: 'token and user' }, 400: problem, 401: problem, 429: problem } } },
      '/api/auth/logout': { post: { summary: 'End the session', responses: { 204: { description: 'ended' } } } },
      '/api/me': { get: { summary: 'The logged-in user', responses: { 200: { description: 'user' }, 401: problem } } },
      '/api/definitions': {
        get: { summary: 'Deployed definitions with their versions', responses: { 200: { description: 'list' }, 401: problem } },
        post: {
          summary: 'Deploy a BPMN diagram as the next version of its process id (role designer); a change note (变更说明) is required: JSON `note`, or the X-Change-Note header (percent-encoded) with an XML body — 400 CHANGE_NOTE_REQUIRED without it; 409 DEFINITION_ARCHIVED on an archived key; 422 ITEM_RULE_VIOLATION when the new steps contradict a catalogue item on this path (details.items: each item with its violations — the deploy is refused, engine/catalogue/path-check.ts); 422 CALLED_PROCESS_NOT_FOUND when a call activity (调用活动) names a process (or, with camunda:calledElementBinding="version", a version) that is not deployed, naming the element and its name; 422 MESSAGE_START_TAKEN when a message start event\'s message already starts another deployed process (naming the element, the message and that process); the answer lists the items on the path (`items`)',
          parameters: [{ name: 'X-Change-Note', in: 'header', required: false, schema: { type: 'string', maxLength: 2000 }, description: '变更说明 of an application/xml deploy, UTF-8 percent-encoded' }],
          requestBody: { content: { 'application/xml': { schema: { type: 'string' } }, ...json('DeployJsonBody').content } },
          responses: { 201: { description: 'deployed' }, ...std, 409: problem, 413: problem, 422: problem },
        },
      },
      '/api/definitions/{key}': { get: { summary: 'One definition with its versions (each with its change note and `deployedByName`), archive state (`archivedByName`) and log of deploys, archives and restores (`actorName`)', responses: { 200: { description: 'definition' }, ...std } } },
      '/api/definitions/{key}/archived': {
        put: {
          summary: '归档 (archived: true) or restore (false) a definition (role designer): no new case starts on an archived one (409 DEFINITION_ARCHIVED); running cases finish on their version; who and when is logged',
          requestBody: json('ArchiveBody'),
          responses: { 200: { description: 'the definition with its archive state and log' }, ...std },
        },
      },
      '/api/definitions/{key}/versions': { get: { summary: 'Versions of a definition', responses: { 200: { description: 'versions' }, ...std } } },
      '/api/definitions/{key}/versions/{version}': { get: { summary: 'One version (metadata, user tasks)', responses: { 200: { description: 'version' }, ...std } } },
      '/api/definitions/{key}/versions/{version}/xml': { get: { summary: 'The BPMN XML of one version', responses: { 200: { description: 'xml', content: { 'application/xml': {} } }, ...std } } },
      '/api/definitions/{key}/xml': { get: { summary: 'The BPMN XML of the latest version', responses: { 200: { description: 'xml' }, ...std } } },
      '/api/decisions': {
        get: { summary: 'Deployed decisions (决策表, DMN decision tables) with their versions', responses: { 200: { description: 'list' }, 401: problem } },
        post: {
          summary: 'Deploy a DMN 1.3 document (as Camunda Modeler 5 exports it): each decision in it is stored as the next version of its id (role designer); a change note (变更说明) is required as for diagrams — JSON `note`, or X-Change-Note (percent-encoded) with an XML body. 422 with the decision, rule and column for an unsupported hit policy (DMN_HIT_POLICY_UNSUPPORTED; UNIQUE, FIRST, RULE ORDER, COLLECT with or without SUM/COUNT/MIN/MAX are supported) or a FEEL cell that does not parse or is not allowed (DMN_FEEL_INVALID: no for/some/every, no function definitions, only listed built-ins); 422 DMN_DOCTYPE_REFUSED for any DOCTYPE or entity; 400 DMN_MALFORMED for what is not DMN XML',
          parameters: [{ name: 'X-Change-Note', in: 'header', required: false, schema: { type: 'string', maxLength: 2000 }, description: '变更说明 of an application/xml deploy, UTF-8 percent-encoded' }],
          requestBody: { content: { 'application/xml': { schema: { type: 'string' } }, ...json('DeployJsonBody').content } },
          responses: { 201: { description: 'the versions deployed, one per decision' }, ...std, 409: problem, 413: problem, 422: problem },
        },
      },
      '/api/decisions/{key}': { get: { summary: 'One decision with its versions, newest first (hit policy, change note, who deployed)', responses: { 200: { description: 'decision' }, ...std } } },
      '/api/decisions/{key}/xml': { get: { summary: 'The DMN XML of the latest version', responses: { 200: { description: 'xml', content: { 'application/xml': {} } }, ...std } } },
      '/api/cases': { post: { summary: 'Start a case on the latest version of a definition (role clerk)', requestBody: json('StartCaseBody'), responses: { 201: { description: 'case' }, ...std } } },
      '/api/cases/{id}': { get: { summary: 'A case: status, variables, open and completed steps, history with times; `calledCases` — the instances its call activities (调用活动) started (element, instance id, called process and version, status), each with its own `calledCases` (a tree: up to 5 levels and 200 instances, `truncated: true` where it stops) — and, for an instance a call activity started, `parent` (the caller\'s instance and call activity, and the case\'s root instance); for an instance a message start event started, `startedByMessage` (message id and name) and, when it joined a case in progress, `rootInstanceId` (the case\'s instance)', responses: { 200: { description: 'case' }, ...std } } },
      '/api/tasks': {
        get: {
          summary: 'Open tasks: mine (assigned to me), groups (offered to my groups) or all',
          parameters: [
            { name: 'filter', in: 'query', schema: { enum: ['mine', 'groups', 'all'] } },
            { name: 'caseId', in: 'query', schema: { type: 'string' } },
          ],
          responses: { 200: { description: 'tasks' }, 400: problem, 401: problem },
        },
      },
      '/api/tasks/{id}/complete': { post: { parameters: [idempotencyKey], summary: '办理: complete an open task with decision (approve/reject/return/supplement/done; agree/disagree for co-sign), opinion and variables. A resend of a completion that committed (its answer lost, or a 503 after the write) is answered 200 with the case as it stands and Idempotent-Replayed: true — with an Idempotency-Key when the key is the same, without one when the same user sends the same input; otherwise 409 TASK_ALREADY_COMPLETED with details { completedBy, completedAt, byYou }', requestBody: json('CompleteTaskBody'), responses: { 200: { description: 'the case after (replayed: true on a resend of a completion that was done)' }, ...std, 409: problem } } },
      ...actions(),
      '/api/service-cases/{no}/examination': { post: { parameters: [idempotencyKey], summary: '审查决定 on a case taken in with `examine: true` (行政许可法第三十二条): { materials?, reject? } → refused, one-time notification of everything missing, or accepted; within five working days, else the case is deemed accepted from receipt (视为受理) with a violation and an escalation', responses: { 200: { description: 'the case' }, ...std, 409: problem } } },
      '/api/org/units/{id}/opening': {
        get: { summary: '开放时间 of a centre: working-day sessions, 5+X openings, one-off openings/closures, close of business, the next 14 days, change history', responses: { 200: { description: 'opening hours' }, ...std } },
        put: { summary: 'Admin or the centre head: replace the opening hours { workingDaySessions, extraOpenings, extraDays, closedDays, reason } (400 INVALID_OPENING_HOURS for overlaps; the counting calendar is not changed)', responses: { 200: { description: 'opening hours' }, ...std, 409: problem } },
      },
      '/api/public/towns/{id}/opening': { get: { summary: "Public: a centre's opening hours and the next 14 days", security: [], responses: { 200: { description: 'opening hours' }, 404: problem } } },
      '/api/forms': { get: { summary: '表单: task and intake forms (form-js schemas, Camunda Forms format) — id, name, latest version, updated at/by', responses: { 200: { description: 'forms' }, 401: problem } } },
      '/api/forms/{id}': {
        get: { summary: 'One form version (latest, or ?version=n) with its form-js schema', responses: { 200: { description: 'form' }, ...std } },
        put: { summary: 'Designer: save { name, schema, baseVersion? } as a new version; the schema must keep to the accepted form-js subset (422 FORM_SCHEMA_INVALID listing problems; 409 FORM_CHANGED when baseVersion is not the latest)', responses: { 200: { description: '{ id, version }' }, ...std, 409: problem, 422: problem } },
      },
      '/api/forms/{id}/versions': { get: { summary: 'Version history of a form', responses: { 200: { description: 'versions' }, ...std } } },
      '/api/tasks/{id}/form': { get: { summary: "The form a task is completed through (from camunda:formKey=\"form:<id>\"), with initial data such as decisionOptions; completion is checked against it (422 FORM_INVALID with details.issues)", responses: { 200: { description: '{ taskId, status, form }' }, ...std } } },
      '/api/public/items': { get: { summary: 'Public: the service catalogue', security: [], responses: { 200: { description: 'items' } } } },
      '/api/public/items/{code}': { get: { summary: 'Public: the five disclosures of one item (name, procedure, materials, time limit, fees)', security: [], responses: { 200: { description: 'guide' }, 404: problem } } },
      '/api/public/towns': { get: { summary: 'Public: the city centre and the 19 town centres', security: [], responses: { 200: { description: 'org units' } } } },
      '/api/public/towns/{id}/items': { get: { summary: 'Public: items a town takes in, each with its window', security: [], responses: { 200: { description: 'items' }, 404: problem } } },
      '/api/public/items/{code}/diagram': { get: { summary: "Public: the item's procedure as BPMN XML (latest deployed version of its path; only definitions a catalogue item names)", security: [], responses: { 200: { description: 'xml', content: { 'application/xml': {} } }, 400: problem, 404: problem } } },
      '/api/public/towns/{id}/windows': { get: { summary: "Public: a town's windows (number, name, department; no staff data)", security: [], responses: { 200: { description: 'windows' }, 404: problem } } },
      '/api/public/towns/{id}/board': { get: { summary: "Public: a town's notice board (what its windows publish, not expired)", security: [], responses: { 200: { description: 'posts' }, 404: problem } } },
      '/api/public/departments/{code}/items': { get: { summary: 'Public: items of one department', security: [], responses: { 200: { description: 'items' } } } },
      '/api/public/case-lookup': { post: { summary: 'Public: look a case up by number AND query code (or applicant phone); rate-limited', security: [], requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['caseNo'], properties: { caseNo: { type: 'string' }, queryCode: { type: 'string' }, phone: { type: 'string' } } } } } }, responses: { 200: { description: 'status, current steps (currentSteps: name, since, and from the step clock deadline.dueAt, deadline.remaining in working days or hours, deadline.estimated with estimateNote — nothing about staff), steps done with dates (stepsDone), deadlines (deadline.promised / deadline.statutory), notices; personal data masked' }, 400: problem, 404: problem, 429: problem } } },
      '/api/org/units': { get: { summary: 'Org units', responses: { 200: { description: 'units' }, 401: problem } } },
      '/api/org/units/{id}/windows': { get: { summary: 'Windows of an org unit with A/B posts, duty and current receiver (duty reasons, dates and stand-ins only for the unit itself, the city office and supervisors; others see present/away)', responses: { 200: { description: 'windows' }, ...std } } },
      '/api/org/windows': { post: { summary: 'Register (备案) a window with the city office (admin)', responses: { 201: { description: 'window' }, ...std } } },
      '/api/org/windows/{id}': { get: { summary: 'One window (duty details as in the list)', responses: { 200: { description: 'window' }, ...std } } },
      '/api/org/staff': { post: { summary: 'Register (备案) a staff member (admin)', responses: { 201: { description: 'staff' }, ...std, 422: problem } } },
      '/api/org/staff/{username}/duty': { put: { summary: 'Duty status (away with reason / present); moves untouched tasks to the B post and back. Oneself, or the manager of that person\'s centre; a stand-in of the same org unit', requestBody: json('DutyBody'), responses: { 200: { description: 'duty' }, ...std, 422: problem } } },
      '/api/org/filings': { get: { summary: 'What was filed with the city office: the caller\'s org unit (the city office and supervisors every unit, ?orgUnit=)', responses: { 200: { description: 'filings' }, 401: problem, 403: problem } } },
      '/api/items': {
        get: { summary: 'Catalogue items (full records)', responses: { 200: { description: 'items' } } },
        post: { summary: '新增事项 (admin, designer): a new item under a new code (an existing code: 409 ITEM_CODE_TAKEN); the catalogue rules as for an edit (422 ITEM_RULE_VIOLATION); saved as version 1 with its note (default 新增事项) in the change log', requestBody: json('ItemBody'), responses: { 201: { description: 'the item, Location /api/items/{code}' }, ...std, 409: problem, 422: problem } },
      },
      '/api/items/{code}': { get: { summary: 'One item; for admin and designer with `ruleWarnings`, the catalogue rules that warn without refusing (path-within-promise: the step limits on the path\'s longest way exceed the promise, engine/catalogue/item-rules.ts checkPromiseAgainstPath)', responses: { 200: { description: 'item' }, ...std } }, put: { summary: 'Create or change an item (admin, designer): checked by the catalogue rules (category against limits and path: 422 ITEM_RULE_VIOLATION with details.field, details.rule and the reason in Chinese); each save that changes something is a new version (optional note; baseVersion stale: 409 ITEM_VERSION_CONFLICT); the answer carries `ruleWarnings` as GET does (saved all the same)', requestBody: json('ItemBody'), responses: { 200: { description: 'item' }, ...std, 409: problem, 422: problem } } },
      '/api/item-changes': { get: { summary: "The catalogue's change log (审计): every item version saved in [from, to) (default the last 90 days, at most 366), newest first — who, when, note, what changed (admin, designer, supervisor)", parameters: [{ name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } }, { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } }], responses: { 200: { description: 'changes' }, ...std } } },
      '/api/items/{code}/versions': { get: { summary: "An item's versions, newest first: who saved each (savedByName), when, the change note and what changed", responses: { 200: { description: 'versions' }, ...std } } },
      '/api/items/{code}/versions/{version}': { get: { summary: "One version's full content", responses: { 200: { description: 'version' }, ...std } } },
      '/api/info-posts': { post: { summary: 'A window publishes to its town (prices, weather, pest alerts) with expiry', responses: { 201: { description: 'post' }, ...std } } },
      '/api/reject-reasons': { get: { summary: 'The kept list of return reasons', responses: { 200: { description: 'reasons' } } } },
      '/api/intake': { post: { parameters: [idempotencyKey], summary: '收件: take in an application at the clerk\'s window (accept, one-time notification, or refusal)', requestBody: json('IntakeBody'), responses: { 201: { description: 'the case and its query code (shown once)' }, ...std, 422: problem } } },
      '/api/service-cases': { get: { summary: 'Service cases the user may see (personal data masked)', responses: { 200: { description: 'cases' }, ...std } } },
      '/api/service-cases/{no}': { get: { summary: 'One case: steps, materials, notices, proxy record; people by display name (`responsibleName`, steps\' `assigneeName` / `completedByName`, `people` {login: 姓名})', responses: { 200: { description: 'case' }, ...std } } },
      '/api/service-cases/{no}/supplements': { post: { parameters: [idempotencyKey], summary: 'Materials the applicant brought after a one-time notification', responses: { 200: { description: 'case' }, ...std, 409: problem } } },
      '/api/service-cases/{no}/supplement-notices': { post: { parameters: [idempotencyKey], summary: 'A further notification — only for problems in materials handed in with the last supplement', responses: { 201: { description: 'case' }, ...std, 409: problem, 422: problem } } },
      '/api/service-cases/{no}/fee': { post: { summary: 'Record the fee once (一次收费), only as the catalogue lists it', responses: { 201: { description: 'fee' }, ...std, 409: problem, 422: problem } } },
      '/api/service-cases/{no}/notices': { get: { summary: 'Notices issued to the applicant', responses: { 200: { description: 'notices' }, ...std } } },
      '/api/service-cases/{no}/notices/{noticeId}': { get: { summary: 'One notice; Accept: text/html gives the printable document', responses: { 200: { description: 'notice' }, ...std } } },
      '/api/service-cases/{no}/proxy-record': { get: { summary: '代办记录: hand-overs between org units and windows', responses: { 200: { description: 'record' }, ...std } } },
      '/api/service-cases/{no}/audit': { get: { summary: 'The audit chain of a case; each event with its actor\'s display name (`actorName`)', responses: { 200: { description: 'events' }, ...std } } },
      '/api/service-cases/{no}/audit/verify': { get: { summary: 'Verify the hash chain; reports the first broken link', responses: { 200: { description: 'verification' }, ...std } } },
      '/api/inbox/counts': { get: { summary: 'How many steps each inbox holds (tab badges, home cards): `mine` {total, late 已超期, warned 即将到期 by the step clocks, capped when over 1,000}, `window`, `cc`, `groups`', responses: { 200: { description: 'counts' }, ...std } } },
      '/api/inbox': { get: { parameters: [{ name: 'filter', in: 'query', schema: { enum: ['mine', 'window', 'cc', 'groups', 'all'] } }, { name: 'limit', in: 'query', description: 'rows of the page, 1–200 (default 50)', schema: { type: 'integer', minimum: 1, maximum: 200 } }, { name: 'offset', in: 'query', description: 'rows skipped (default 0); the totals are in /api/inbox/counts', schema: { type: 'integer', minimum: 0 } }], summary: 'Inbox, one page: mine / window / groups / all sorted by deadline, cc (copies) newest first; each task with `deadline` {dueAt, signal normal|warned|late, estimated, remaining {unit working-days|hours|minutes, value} of a running step clock (剩余), clock} from its step clock, `case` {itemCode, itemName, receivedAt, applicant {name 王*燕, phone 138****8000, idNumber masked}} and the display names `assigneeName`, `claimedByName`, `completedByName`', responses: { 200: { description: 'tasks' }, ...std } } },
      '/api/tasks/{id}': { get: { summary: 'One task with its `deadline`, its case (item, masked applicant) and `people` {login: 姓名} of its holder, actions and copies, and `offer` {claim, complete, return, transfer, cosign, cc, withdraw, urge}: what the reader may do with it (api/routes/task-offer.ts) (holder, window, candidates, copied users, or anyone who may read its case)', responses: { 200: { description: 'task' }, ...std } } },
      '/api/service-cases/{no}/clocks': { get: { summary: 'Deadline clocks of a case (statutory, promised, steps) as ledgers: budget, pauses, extension, derived deadline and signal times', responses: { 200: { description: 'clocks' }, ...std } } },
      '/api/service-cases/{no}/clocks/pause': { post: { summary: 'Pause the running clocks (补正 / 听证 / 检验检测 / 专家评审 / 公示; a suspension needs its written notice)', responses: { 200: { description: 'clocks' }, ...std, 409: problem } } },
      '/api/service-cases/{no}/clocks/resume': { post: { summary: 'Resume paused clocks; the deadline moves by the paused time', responses: { 200: { description: 'clocks' }, ...std, 409: problem } } },
      '/api/service-cases/{no}/clocks/extend': { post: { summary: 'One approved extension per clock (manager)', responses: { 200: { description: 'clocks' }, ...std, 422: problem } } },
      '/api/service-cases/{no}/ratings': { get: { summary: 'Ratings (好差评) of a case', responses: { 200: { description: 'ratings' }, ...std } } },
      '/api/escalations/{id}': { get: { summary: 'One escalation with its history', responses: { 200: { description: 'escalation' }, ...std } } },
      '/api/escalations/{id}/acknowledge': { post: { summary: 'Supervisor acknowledges', responses: { 200: { description: 'escalation' }, ...std, 409: problem } } },
      '/api/escalations/{id}/notice': { post: { summary: '督办通知 with a reply deadline (a clock; a late reply re-escalates); the answer\'s notice carries replyDueAt and, counted over a year without its holiday notice, replyEstimated: true with replyEstimatedYears and replyEstimateNote (预计，2027年放假安排尚未公布)', responses: { 200: { description: 'escalation' }, ...std, 409: problem } } },
      '/api/escalations/{id}/reply': { post: { summary: 'The supervised unit replies', responses: { 200: { description: 'escalation' }, ...std, 409: problem } } },
      '/api/escalations/{id}/close': { post: { summary: 'Supervisor closes (销号)', responses: { 200: { description: 'escalation' }, ...std, 409: problem } } },
      '/api/escalations/{id}/reescalate': { post: { summary: 'Supervisor re-escalates one level up', responses: { 200: { description: 'escalation' }, ...std, 409: problem } } },
      '/api/complaints': { get: { summary: 'Complaints of the discipline commission’s town (all for supervisors), with `orgUnitName`, the target\'s `windowName` / `personName` and the reply\'s `byName`', responses: { 200: { description: 'complaints' }, ...std } } },
      '/api/complaints/{id}/reply': { post: { summary: 'The discipline commission replies (stops the complaint clock)', responses: { 200: { description: 'complaint' }, ...std, 409: problem } } },
      '/api/public/complaints': { post: { parameters: [idempotencyKey], summary: 'Public: complain about a case, window or person; returns reference and query code; rate-limited', security: [], responses: { 201: { description: 'reference' }, 400: problem, 429: problem } } },
      '/api/public/complaint-lookup': { post: { summary: 'Public: read the reply with reference and query code', security: [], responses: { 200: { description: 'status and reply' }, 404: problem, 429: problem } } },
      '/api/public/ratings': { post: { parameters: [idempotencyKey], summary: 'Public: rate a case (acceptance, completion, re-rating) with its query code; a poor rating opens a rectification', security: [], responses: { 201: { description: 'rating' }, 404: problem, 409: problem, 422: problem, 429: problem } } },
      '/api/calendar/deadline': { get: { summary: 'Working-day deadline (行政许可法 第八十二条) for an acceptance time and a limit; counted over a year without a holiday table it is estimated from the statutory holidays (estimated: true, estimatedYears, estimateNote 预计，YYYY年放假安排尚未公布)', responses: { 200: { description: 'deadline' }, 400: problem } } },
      '/api/calendar/days': { get: { summary: 'Kinds of days (workday, rest day, holiday, make-up workday) in a range; days of a year without a holiday table are estimated (estimated: true, header X-Calendar-Estimated-Years)', responses: { 200: { description: 'days' }, 400: problem } } },
      '/api/calendar/years': { get: { summary: 'Years with a holiday table, their source and version, this and next year when estimated (estimated), and the city office overrides', responses: { 200: { description: 'years' } } } },
      '/api/calendar/years/{year}': { put: { summary: 'City office adds or corrects a year (versioned, audited; admin); clocks counted over an estimate are recomputed (clocks.recomputed)', responses: { 200: { description: 'year' }, ...std, 409: problem } } },
      '/api/stats/{dimension}': { get: { summary: 'Statistics by town / window / department / item / person / year / month / day / all (by day: at most 366 days, 400 PERIOD_TOO_LONG beyond — ask by month; without `from` the last 366 days, said in `filter.from`); format=csv gives a CSV file, format=xlsx an Excel workbook (统计-<dimension>-<date>.xlsx, RFC 5987 filename*)', parameters: [{ name: 'format', in: 'query', schema: { enum: ['json', 'csv', 'xlsx'] } }], responses: { 200: { description: 'report (JSON), text/csv, or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, ...std } } },
      '/api/supervision/board': { get: { summary: '实时看板: per org unit (city + 19 towns) and window — open cases, open steps, cases warned / breached / seriously overdue now (by their clocks), open escalations; supervisors see all (orgUnit= narrows), a town manager his own unit', parameters: [{ name: 'orgUnit', in: 'query', schema: { type: 'string' } }], responses: { 200: { description: 'board { at, total, units[{ key, label, …counts, windows[] }] }' }, ...std } } },
      '/api/supervision/board/stream': { get: { summary: 'The board as server-sent events (text/event-stream): `event: board` with the whole board when it changed (checked every BOARD_TICK_MS, default 2 s), `: ping` comments otherwise; ends after 15 minutes (reconnect). Send the bearer header (read with fetch)', parameters: [{ name: 'orgUnit', in: 'query', schema: { type: 'string' } }], responses: { 200: { description: 'text/event-stream' }, ...std } } },
      '/api/supervision/heatmap': { get: { summary: '热力图 of an item (itemCode) or a definition (definitionKey): per user-task step its tasks, completed, open now, breaches (step clocks), average / p90 waiting in hours and working days, and heat levels 0–5 (heatWait, heatBreach); `definitionName` is the path pattern\'s name', parameters: [{ name: 'itemCode', in: 'query', schema: { type: 'string' } }, { name: 'definitionKey', in: 'query', schema: { type: 'string' } }, { name: 'from', in: 'query', description: 'first day of task creation (Beijing time), default 30 days before `to`', schema: { type: 'string', format: 'date' } }, { name: 'to', in: 'query', description: 'last day, default today; at most 366 days in all (400 PERIOD_TOO_LONG)', schema: { type: 'string', format: 'date' } }, { name: 'orgUnit', in: 'query', description: 'one centre (city office and supervisors); a town\'s centre always sees its own', schema: { type: 'string' } }], responses: { 200: { description: 'heat map: tasks created in the period plus every task open now' }, ...std } } },
      '/api/stats/rankings/towns': { get: { summary: 'Ranking of the 19 towns by the documented efficiency score; a town without data is not ranked (`rank: null`, `unranked: 无办件`, listed last); `format=csv|xlsx` with names (名称, 所属机构) and a 说明 sheet naming the scope', responses: { 200: { description: 'ranking' }, ...std } } },
      '/api/stats/rankings/windows': { get: { summary: 'Ranking of windows', responses: { 200: { description: 'ranking' }, ...std } } },
      '/api/outbox/stats': { get: { summary: 'Provincial feed: counts by delivery state', responses: { 200: { description: 'stats' }, ...std } } },
      '/api/outbox/events': { get: { summary: 'Provincial feed events by status', responses: { 200: { description: 'events' }, ...std } } },
      '/api/outbox/events/{id}': { get: { summary: 'One feed event with its attempts', responses: { 200: { description: 'event' }, ...std } } },
      '/api/outbox/events/{id}/retry': { post: { summary: 'Requeue a failed feed event (admin)', responses: { 200: { description: 'event' }, ...std, 409: problem } } },
      '/api/incidents': { get: { summary: '事件/故障 (incidents): service and send task jobs that failed their last attempt — topic, case, element, error, attempts, first/last failure; `status` open (default), resolved or all (supervisor, admin)', parameters: [{ name: 'status', in: 'query', schema: { enum: ['open', 'resolved', 'all'] } }], responses: { 200: { description: 'incidents' }, ...std } } },
      '/api/incidents/{id}': { get: { summary: 'One incident with its attempts\' errors and history (supervisor, admin)', responses: { 200: { description: 'incident' }, ...std } } },
      '/api/incidents/{id}/retry': { post: { summary: '重试: the job gets its attempts again and runs at once (admin); 409 INCIDENT_NOT_OPEN when it is not open', requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { note: { type: 'string', maxLength: 500 } } } } } }, responses: { 200: { description: 'incident' }, ...std, 409: problem } } },
      '/api/incidents/{id}/cancel': { post: { summary: '终止: cancel the case\'s process instance (its open steps are cancelled; Camunda\'s resolution of a failed external task) and close the incident (admin); a reason is required', requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } } } } }, responses: { 200: { description: 'incident' }, ...std, 409: problem } } },
      '/api/messages': {
        post: { summary: '消息: a message (name, businessKey = the case number, optional correlationKeys the receiving instance\'s variables must equal, variables delivered into it) for the instance waiting on a message catch of that name (intermediate catch event, receive task); 202 with status delivered (and instanceId) or pending (nobody waits yet: kept and delivered when the wait appears). `messageId` makes a resend idempotent (the stored message answered with replayed: true); the same id for another name or key is 409 MESSAGE_ID_REUSED. Nobody waiting and a deployed process starting on the name (消息开始事件): a new instance, `startedInstance: true` — of the case whose number the business key is when that case is in progress (`caseNo`), else of no case (`note` says so); a case not in progress keeps the message pending with a `note` (admin, designer, supervisor)', requestBody: { required: true, ...json('SendMessageBody') }, responses: { 202: { description: 'the message: id, status, instanceId' }, ...std, 409: problem, 422: problem } },
        get: { summary: 'Messages by status, newest first (pending: nobody waits for them yet; admin)', parameters: [{ name: 'status', in: 'query', schema: { enum: ['pending', 'delivering', 'delivered'] } }], responses: { 200: { description: 'messages' }, ...std } },
      },
      '/api/notifications': { get: { summary: 'In-app notifications of the user', responses: { 200: { description: 'notifications' } } } },
      '/api/escalations': { get: { summary: 'Escalations (BPMN deadline events and clock breaches) for supervision, with `responsibleName` and `people` {login: 姓名}; `format=xlsx`: the same list as 督办台账-<day>.xlsx (Chinese headers, names not codes, a 说明 sheet)', parameters: [{ name: 'status', in: 'query', schema: { enum: ['open', 'acknowledged', 'notified', 'replied', 'closed'] } }, { name: 'orgUnit', in: 'query', schema: { type: 'string' } }, { name: 'format', in: 'query', schema: { enum: ['json', 'xlsx'] } }], responses: { 200: { description: 'escalations' }, ...std } } },
    },
  });
}
