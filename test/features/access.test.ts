/**
 * Access is a table (api/http/access.ts), and this test walks all of it: every route of the
 * served OpenAPI document, called as a clerk of the record's town, a clerk of another town, a
 * department clerk, the centre head of another town, a supervisor and anonymous — with real
 * cases of 丁堡镇 (dingbao) and 东镇街道 (dongzhen) taken in through the real intake API.
 * A route of the document without a rule fails here.
 */
import { ACCESS, type AccessRule } from '../../api/http/access-table';
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

type Caller = 'ownClerk' | 'otherClerk' | 'deptClerk' | 'otherHead' | 'supervisor' | 'anonymous';
interface Town {
  unit: string;
  caseNo: string;
  instanceId: string;
  taskId: string;
  applicantName: string;
  noticeId: string;
  escalationId?: string;
  windowId: string;
  /** who plays each part for this town's records */
  users: Record<Exclude<Caller, 'anonymous'>, string>;
}

const RECORD_UNITS = new Set<AccessRule['unit']>(['case', 'instance', 'task', 'escalation']);
/** Keys a record's answer has; none may appear in an answer to a foreign caller. */
const RECORD_FIELDS = /"(caseNo|applicant|variables|steps|materials|instanceId|caseId|history|notices|proxyRecord|candidateGroups|assignee|events|clocks)"\s*:/;

describe('access: every route of the OpenAPI document, as six callers, against two towns', () => {
  let server: RunningProcess;
  const sessions = new Map<string, ApiClient>();
  const roles = new Map<string, string[]>();
  const unitOf = new Map<string, string | undefined>();
  const as = async (username: string) => {
    if (!sessions.has(username)) {
      const c = await ApiClient.login(server.url, username);
      sessions.set(username, c);
      const me = (await c.get('/api/me')).body;
      roles.set(username, me.roles);
      unitOf.set(username, me.orgUnit);
    }
    return sessions.get(username)!;
  };
  let doc: any;
  const towns: Record<'dingbao' | 'dongzhen', Town> = {} as any;
  let calls = 0;

  async function takeIn(unit: 'dingbao' | 'dongzhen', clerkName: string, name: string): Promise<Town> {
    const clerk = await as(clerkName);
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'report-up-item');
    // one mandatory material missing on a second case gives a notice; the first is accepted with a short promised limit (an escalation)
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(name), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { promisedLimit: 'PT3S', statutoryLimit: 'PT1H' } });
    expect(r.status).toBe(201);
    const caseNo = r.body.case.caseNo;
    const step = await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.steps?.find((s: any) => s.status === 'open' && s.kind === 'engine'), `an open step of ${caseNo}`);
    const kase = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    const notices = kase.notices ?? [];
    return {
      unit, caseNo, instanceId: kase.instanceId, taskId: step.taskId, applicantName: name, noticeId: notices[0]?.id ?? notices[0]?._id ?? 'no-notice', windowId: kase.receivingWindow,
      users: {} as any,
    };
  }

  beforeAll(async () => {
    server = await startServer(uniqueDbName('access'), { ALLOW_LIMIT_OVERRIDES: 'true', LOOKUP_PER_MINUTE: '1000' });
    doc = (await new ApiClient(server.url).get('/api/openapi.json')).body;
    towns.dingbao = await takeIn('dingbao', 'clerk', '丁堡申请人甲');
    towns.dongzhen = await takeIn('dongzhen', 'dongzhen-w10-a', '东镇申请人乙');
    towns.dingbao.users = { ownClerk: 'clerk', otherClerk: 'dongzhen-w10-a', deptClerk: 'deptclerk', otherHead: 'dongzhen-manager', supervisor: 'supervisor' };
    towns.dongzhen.users = { ownClerk: 'dongzhen-w10-a', otherClerk: 'clerk', deptClerk: 'deptclerk', otherHead: 'manager', supervisor: 'supervisor' };
    const supervisor = await as('supervisor');
    for (const t of Object.values(towns)) {
      const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.caseNo === t.caseNo), `the escalation of ${t.caseNo}`, 30_000).catch(() => undefined);
      t.escalationId = esc?.id ?? esc?._id;
    }
  }, 120_000);
  afterAll(async () => {
    await server?.kill();
  });

  /** The operations of the served document. */
  const operations = () => Object.entries<any>(doc.paths).flatMap(([p, ops]) => ['get', 'post', 'put', 'patch', 'delete'].filter((m) => ops[m]).map((m) => `${m.toUpperCase()} ${p}`));

  it('has a rule for every route of the served OpenAPI document, and no rule without a route', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(80);
    expect(ops.filter((k) => !ACCESS[k])).toEqual([]);
    expect(Object.keys(ACCESS).filter((k) => k !== 'GET /api/openapi.json' && !ops.includes(k))).toEqual([]);
  });

  function pathFor(key: string, town: Town, caller: string): string {
    const [, p] = key.split(' ');
    const seg = (name: string, value: string) => (s: string) => s.replace(`{${name}}`, encodeURIComponent(value));
    let out = p;
    const id = p.startsWith('/api/cases/') ? town.instanceId
      : p.startsWith('/api/tasks/') ? town.taskId
      : p.startsWith('/api/escalations/') ? (town.escalationId ?? 'no-escalation')
      : p.startsWith('/api/forms/') ? 'intake'
      : p.startsWith('/api/org/windows/') ? town.windowId
      : p.startsWith('/api/outbox/') ? 'no-such-event'
      : p.startsWith('/api/complaints/') ? 'TS-DB-20260101-0001'
      : town.unit;
    for (const f of [seg('no', town.caseNo), seg('id', id), seg('noticeId', town.noticeId), seg('key', 'report-up-item'), seg('version', '1'), seg('code', 'SW-001'), seg('username', caller), seg('dimension', 'town'), seg('year', '2026')]) out = f(out);
    return out;
  }

  async function call(client: ApiClient, method: string, url: string) {
    calls++;
    if (url.endsWith('/stream')) {
      // server-sent events: the status and headers are the answer; the stream is cut at once
      const ctl = new AbortController();
      const res = await fetch(client.baseUrl + url, { headers: (client as any).token ? { authorization: `Bearer ${(client as any).token}` } : {}, signal: ctl.signal });
      const status = res.status;
      const text = status === 200 ? '' : await res.text();
      ctl.abort();
      return { status, text, code: status === 200 ? undefined : JSON.parse(text).code };
    }
    const r = await client.request(method, url, method === 'GET' ? undefined : {});
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    return { status: r.status, text, code: (r.body as any)?.code as string | undefined };
  }

  const hasRole = (username: string, rule: AccessRule) =>
    rule.who === 'public' || rule.who === 'anyone' || (roles.get(username) ?? []).some((r) => r === 'admin' || (rule.who as readonly string[]).includes(r));
  /** Does `caller` belong to the records' org unit (or see across)? */
  const sameUnit = (caller: Caller, town: Town) => caller === 'supervisor' || caller === 'ownClerk' || (caller === 'deptClerk' && town.unit === 'dingbao');

  it('answers each caller as the table says: 401 anonymous, 403 without the role, 403/404 with nothing of a foreign record', async () => {
    const failures: string[] = [];
    const order: Caller[] = ['anonymous', 'otherClerk', 'otherHead', 'deptClerk', 'supervisor', 'ownClerk'];
    for (const key of operations()) {
      const rule = ACCESS[key];
      if (!rule) { failures.push(`${key}: no rule`); continue; }
      const [method] = key.split(' ');
      const scoped = RECORD_UNITS.has(rule.unit);
      for (const town of scoped ? Object.values(towns) : [towns.dingbao]) {
        if (rule.unit === 'escalation' && !town.escalationId) { failures.push(`${key}: no escalation of ${town.unit} to walk with`); continue; }
        for (const caller of order) {
          const username = caller === 'anonymous' ? undefined : town.users[caller];
          // logging out ends the session: a fresh one for that call
          const client = !username ? new ApiClient(server.url) : key === 'POST /api/auth/logout' ? await ApiClient.login(server.url, username) : await as(username);
          if (username && !roles.has(username)) await as(username);
          const url = pathFor(key, town, username ?? 'nobody');
          const r = await call(client, method, url);
          const where = `${key} as ${caller}${username ? ` (${username})` : ''} on ${town.unit}: ${r.status} ${r.code ?? ''}`;
          if (r.status >= 500) { failures.push(`${where}: server error`); continue; }
          if (!username) {
            if (rule.who === 'public' ? r.status === 401 : r.status !== 401) failures.push(`${where}: expected ${rule.who === 'public' ? 'an answer without login' : '401'}`);
            if (rule.who !== 'public' && RECORD_FIELDS.test(r.text)) failures.push(`${where}: record fields in the body`);
            continue;
          }
          if (r.status === 401) { failures.push(`${where}: logged in, yet 401`); continue; }
          // whatever the route, nothing of another town's case reaches a caller outside it (lists included)
          if (caller !== 'supervisor') {
            for (const other of Object.values(towns)) {
              if (other.unit === unitOf.get(username)) continue;
              if ((r.text.includes(other.caseNo) && !url.includes(other.caseNo)) || r.text.includes(other.applicantName)) failures.push(`${where}: shows ${other.unit}'s case ${other.caseNo}`);
            }
          }
          if (!hasRole(username, rule)) {
            if (r.status !== 403 || r.code !== 'ROLE_REQUIRED') failures.push(`${where}: expected 403 ROLE_REQUIRED`);
            continue;
          }
          if (r.status === 403 && r.code === 'ROLE_REQUIRED') { failures.push(`${where}: the table allows the role`); continue; }
          if (scoped && !sameUnit(caller, town)) {
            if (r.status !== 403 && r.status !== 404) failures.push(`${where}: a foreign record must be 403/404`);
            if (RECORD_FIELDS.test(r.text) || r.text.includes(town.applicantName)) failures.push(`${where}: record fields in the body of a refusal`);
            continue;
          }
          if (scoped && r.status === 404 && (r.code === 'CASE_NOT_FOUND' || r.code === 'TASK_NOT_FOUND' || r.code === 'ESCALATION_NOT_FOUND')) failures.push(`${where}: the record's own town is refused`);
          // the owner town's clerk and the supervisor read the real records
          if (scoped && method === 'GET' && (caller === 'ownClerk' || caller === 'supervisor') && r.status !== 200 && !(rule.unit === 'escalation' && caller === 'ownClerk')) {
            failures.push(`${where}: expected 200 for the record's own town`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    // six callers, each route once, the record routes once per town
    expect(calls).toBeGreaterThan(6 * operations().length);
    process.stdout.write(`access walk: ${operations().length} operations, ${calls} calls\n`);
  }, 600_000);

  it('never offers, shows or lets another town act on a task of the shared group town-window', async () => {
    const clerk = await as('clerk');
    const other = await as('dongzhen-w10-a');
    // a bare process instance (no service case), started by a dingbao clerk
    const started = await clerk.post('/api/cases', { definitionKey: 'report-up-item', variables: { applicantName: '张三' } });
    expect(started.status).toBe(201);
    const task = await waitFor(async () => (await clerk.get(`/api/tasks?caseId=${started.body.id}`)).body.find((t: any) => t.candidateGroups?.includes('town-window')), 'the town-window step');
    for (const filter of ['all', 'groups']) {
      expect((await other.get(`/api/tasks?filter=${filter}`)).body.map((t: any) => t.id)).not.toContain(task.id);
      expect((await other.get(`/api/inbox?filter=${filter}`)).body.map((t: any) => t.id)).not.toContain(task.id);
    }
    expect((await other.get(`/api/tasks?caseId=${started.body.id}`)).body).toEqual([]);
    for (const [method, url] of [['GET', `/api/cases/${started.body.id}`], ['GET', `/api/tasks/${task.id}`], ['POST', `/api/tasks/${task.id}/claim`], ['POST', `/api/tasks/${task.id}/complete`]]) {
      const r = await other.request(method, url, method === 'POST' ? { decision: 'approve' } : undefined);
      expect([url, r.status]).toEqual([url, 404]);
      expect(JSON.stringify(r.body)).not.toMatch(RECORD_FIELDS);
    }
    // the same town still works it
    expect((await clerk.get(`/api/cases/${started.body.id}`)).status).toBe(200);
    expect((await (await as('clerkb')).get(`/api/cases/${started.body.id}`)).status).toBe(200);
    expect((await (await as('clerkb')).get(`/api/tasks/${task.id}`)).status).toBe(200);
    expect((await (await as('clerkb')).get('/api/tasks?filter=groups')).body.map((t: any) => t.id)).toContain(task.id);
  });
});
