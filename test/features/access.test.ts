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

  /**
   * Routes whose org-unit check lives in the handler (`list`, `handler`, `unit` rules): each is
   * called here as a caller of the other town against real records of dingbao and dongzhen, and
   * as the records' own town. A new route with such a rule fails the coverage test until it has
   * an entry here.
   */
  const handlerChecks: Record<string, () => Promise<string[]>> = {};
  const body = (r: { body: unknown }) => (typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  /** Refused with 403/404, problem+json, nothing of the record. */
  const refused = (where: string, r: { status: number; body: any; contentType?: string }, secrets: string[] = []) => {
    const out: string[] = [];
    if (r.status !== 403 && r.status !== 404) out.push(`${where}: ${r.status}, expected 403/404`);
    if (!String(r.contentType ?? '').includes('application/problem+json')) out.push(`${where}: not problem+json`);
    if (RECORD_FIELDS.test(body(r))) out.push(`${where}: record fields in the refusal`);
    for (const x of secrets) if (body(r).includes(x)) out.push(`${where}: shows ${x}`);
    return out;
  };
  const ok = (where: string, r: { status: number }, expected = 200) => (r.status === expected ? [] : [`${where}: ${r.status}, expected ${expected}`]);
  const absent = (where: string, r: { body: unknown }, ...xs: string[]) => xs.filter((x) => body(r).includes(x)).map((x) => `${where}: shows ${x}`);
  const present = (where: string, r: { body: unknown }, ...xs: string[]) => xs.filter((x) => !body(r).includes(x)).map((x) => `${where}: lacks ${x}`);
  /** Duty reasons filed by one A post of each town (real duty changes, with a reason only the town may read). */
  const REASON = { dingbao: '丁堡镇内部事由-甲', dongzhen: '东镇街道内部事由-乙' };
  const complaints: Record<'dingbao' | 'dongzhen', { reference: string; content: string }> = {} as any;

  function defineHandlerChecks() {
    const D = towns.dingbao;
    const Z = towns.dongzhen;
    const everyUnit = (where: string, items: any[], unit: string, key = 'orgUnit') => {
      const others = items.filter((x) => x && x[key] !== undefined && x[key] !== unit).map((x) => String(x[key]));
      return others.length ? [`${where}: ${others.length} items of other org units (${[...new Set(others)].join(', ')})`] : [];
    };
    Object.assign(handlerChecks, {
      'GET /api/tasks': async () => {
        const own = await (await as('clerk')).get(`/api/tasks?caseId=${D.instanceId}`);
        const foreign = await (await as('dongzhen-w10-a')).get(`/api/tasks?caseId=${D.instanceId}`);
        const all = await (await as('dongzhen-w10-a')).get('/api/tasks?filter=all');
        return [...present('own town\'s task list', own, D.taskId), ...ok('foreign task list', foreign), ...(Array.isArray(foreign.body) && foreign.body.length ? ['foreign task list of a dingbao case is not empty'] : []), ...absent('foreign filter=all', all, D.taskId, D.caseNo)];
      },
      'GET /api/inbox': async () => {
        const out: string[] = [];
        let own = '';
        for (const f of ['mine', 'window', 'groups', 'all']) {
          own += body(await (await as('clerk')).get(`/api/inbox?filter=${f}`));
          out.push(...absent(`foreign inbox ${f}`, await (await as('dongzhen-w10-a')).get(`/api/inbox?filter=${f}`), D.taskId, D.caseNo));
        }
        if (!own.includes(D.taskId)) out.push('own town\'s inbox lacks its task');
        return out;
      },
      // the badges count what each caller's own pages list, nothing more (a foreign task is never in them: above)
      'GET /api/inbox/counts': async () => {
        const out: string[] = [];
        for (const who of ['clerk', 'dongzhen-w10-a']) {
          const api = await as(who);
          const c = (await api.get('/api/inbox/counts')).body;
          for (const f of ['mine', 'window', 'groups', 'cc'] as const) {
            const listed = ((await api.get(`/api/inbox?filter=${f}&limit=200`)).body as unknown[]).length;
            const counted = f === 'mine' ? c.mine?.total : c[f];
            if (counted !== listed) out.push(`${who} inbox counts ${f}: ${counted}, its inbox lists ${listed}`);
          }
        }
        return out;
      },
      'GET /api/service-cases': async () => [
        ...absent('foreign case list ?orgUnit=dingbao', await (await as('dongzhen-w10-a')).get('/api/service-cases?orgUnit=dingbao'), D.caseNo, D.applicantName),
        ...absent('foreign head case list', await (await as('dongzhen-manager')).get('/api/service-cases'), D.caseNo),
        ...present('own case list', await (await as('clerk')).get('/api/service-cases'), D.caseNo),
        ...present('supervisor case list', await (await as('supervisor')).get('/api/service-cases?orgUnit=dingbao'), D.caseNo),
      ],
      'GET /api/notifications': async () => {
        const r = await (await as('dongzhen-w10-a')).get('/api/notifications');
        return [...ok('notifications', r), ...absent('foreign notifications', r, D.caseNo)];
      },
      'GET /api/escalations': async () => {
        const out: string[] = [];
        if (!D.escalationId || !Z.escalationId) return ['no escalations of both towns to check with'];
        const foreign = await (await as('dongzhen-manager')).get('/api/escalations?orgUnit=dingbao');
        out.push(...ok('foreign head escalations', foreign), ...absent('foreign head escalations', foreign, D.escalationId, D.caseNo));
        out.push(...present('own head escalations', await (await as('manager')).get('/api/escalations'), D.escalationId));
        // the city office over its towns
        out.push(...present('the city office\'s head', await (await as('city-manager')).get('/api/escalations?orgUnit=dingbao'), D.escalationId));
        return out;
      },
      'GET /api/complaints': async () => {
        const foreign = await (await as('dongzhen-jw')).get('/api/complaints');
        const own = await (await as('dingbao-jw')).get('/api/complaints');
        return [
          ...ok('foreign commission complaints', foreign), ...absent('foreign commission complaints', foreign, complaints.dingbao.reference, complaints.dingbao.content),
          ...present('foreign commission complaints', foreign, complaints.dongzhen.reference),
          ...present('own commission complaints', own, complaints.dingbao.reference), ...absent('own commission complaints', own, complaints.dongzhen.reference),
          ...refused('a clerk lists complaints', await (await as('clerk')).get('/api/complaints')),
        ];
      },
      'POST /api/complaints/{id}/reply': async () => {
        const ref = complaints.dingbao.reference;
        const foreign = await (await as('dongzhen-jw')).post(`/api/complaints/${ref}/reply`, { text: '越权答复' });
        const own = await (await as('dingbao-jw')).post(`/api/complaints/${ref}/reply`, { text: '已核查，答复如下' });
        return [...refused('foreign commission replies', foreign, [complaints.dingbao.content]), ...ok('own commission replies', own)];
      },
      'GET /api/stats/{dimension}': async () => {
        const head = await as('dongzhen-manager');
        const asked = await head.get('/api/stats/town?orgUnit=dingbao');
        const own = await head.get('/api/stats/window');
        return [...refused('foreign head stats ?orgUnit=dingbao', asked), ...ok('own stats', own), ...everyUnit('own stats rows', own.body?.rows ?? [], 'dongzhen'), ...absent('own stats', own, 'dingbao-w')];
      },
      'GET /api/stats/rankings/windows': async () => {
        const head = await as('dongzhen-manager');
        const asked = await head.get('/api/stats/rankings/windows?orgUnit=dingbao');
        const own = await head.get('/api/stats/rankings/windows');
        return [...refused('foreign head window ranking ?orgUnit=dingbao', asked), ...ok('own window ranking', own), ...absent('own window ranking', own, 'dingbao-w')];
      },
      'GET /api/supervision/heatmap': async () => {
        const head = await as('dongzhen-manager');
        const sup = await as('supervisor');
        const q = '/api/supervision/heatmap?definitionKey=report-up-item';
        const asked = await head.get(`${q}&orgUnit=dingbao`);
        const own = await head.get(q);
        const supOwn = await sup.get(`${q}&orgUnit=dongzhen`);
        const supAll = await sup.get(q);
        const out = [...refused('foreign head heat map ?orgUnit=dingbao', asked), ...ok('own heat map', own), ...ok('supervisor heat map', supAll)];
        if (own.body?.orgUnit !== 'dongzhen') out.push(`own heat map not limited to dongzhen (${own.body?.orgUnit})`);
        // a town's centre counts its own tasks only: the same totals as the supervisor's view of that town, fewer than all
        if (JSON.stringify(own.body?.totals) !== JSON.stringify(supOwn.body?.totals)) out.push(`own heat map totals ${JSON.stringify(own.body?.totals)} ≠ the town's ${JSON.stringify(supOwn.body?.totals)}`);
        if (!(supAll.body?.totals?.tasks > own.body?.totals?.tasks)) out.push('the supervisor\'s heat map does not count more than one town');
        return out;
      },
      'GET /api/supervision/board': async () => {
        const r = await (await as('dongzhen-manager')).get('/api/supervision/board?orgUnit=dingbao');
        return [...ok('foreign head board', r), ...everyUnit('foreign head board units', r.body?.units ?? [], 'dongzhen'), ...absent('foreign head board', r, D.caseNo)];
      },
      'GET /api/supervision/board/stream': async () => {
        const client = await as('dongzhen-manager');
        const ctl = new AbortController();
        const res = await fetch(`${client.baseUrl}/api/supervision/board/stream?orgUnit=dingbao`, { headers: { authorization: `Bearer ${(client as any).token}` }, signal: ctl.signal });
        let text = '';
        const reader = res.body!.getReader();
        const until = Date.now() + 15_000;
        while (!/event: board\ndata: .*\n/.test(text) && Date.now() < until) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        ctl.abort();
        const data = /event: board\nid: \d+\ndata: (.*)\n/.exec(text)?.[1];
        if (!data) return [`foreign head board stream: no board event (${res.status})`];
        return [...everyUnit('foreign head board stream units', JSON.parse(data).units ?? [], 'dongzhen'), ...absent('foreign head board stream', { body: data }, D.caseNo)];
      },
      'GET /api/org/filings': async () => {
        const foreign = await (await as('dongzhen-w10-a')).get('/api/org/filings');
        const asked = await (await as('dongzhen-w10-a')).get('/api/org/filings?orgUnit=dingbao');
        const own = await (await as('clerk')).get('/api/org/filings');
        const city = await (await as('cityclerk')).get('/api/org/filings?orgUnit=dingbao');
        return [
          ...ok('foreign filings', foreign), ...everyUnit('foreign clerk filings', foreign.body ?? [], 'dongzhen'), ...absent('foreign clerk filings', foreign, REASON.dingbao), ...present('own-town filings of dongzhen', foreign, REASON.dongzhen),
          ...refused('foreign clerk asks for dingbao filings', asked, [REASON.dingbao]),
          ...present('own filings', own, REASON.dingbao), ...everyUnit('own filings', own.body ?? [], 'dingbao'),
          ...present('the city office over its towns', city, REASON.dingbao),
          ...present('supervisor filings', await (await as('supervisor')).get('/api/org/filings?orgUnit=dingbao'), REASON.dingbao),
        ];
      },
      'GET /api/org/units/{id}/windows': async () => {
        const foreign = await (await as('dongzhen-w10-a')).get('/api/org/units/dingbao/windows');
        const own = await (await as('clerk')).get('/api/org/units/dingbao/windows');
        return [
          ...ok('foreign window directory', foreign), ...present('foreign window directory', foreign, 'dingbao-w03', 'dingbao-w03-a', '"away"'), ...absent('foreign window directory', foreign, REASON.dingbao, '"standIn"'),
          ...present('own window directory', own, REASON.dingbao, '"standIn"'),
          ...present('the city office over its towns', await (await as('cityclerk')).get('/api/org/units/dingbao/windows'), REASON.dingbao),
        ];
      },
      'GET /api/org/windows/{id}': async () => {
        const foreign = await (await as('dongzhen-w10-a')).get('/api/org/windows/dingbao-w03');
        const own = await (await as('clerkb')).get('/api/org/windows/dingbao-w03');
        return [...ok('foreign window', foreign), ...absent('foreign window', foreign, REASON.dingbao, '"standIn"'), ...present('own window', own, REASON.dingbao)];
      },
      'PUT /api/org/staff/{username}/duty': async () => {
        const foreign = await (await as('dongzhen-manager')).put('/api/org/staff/dingbao-w04-a/duty', { status: 'away', reason: '越权调岗' });
        const still = (await (await as('clerk')).get('/api/org/windows/dingbao-w04')).body;
        const strangerStandIn = await (await as('dingbao-w05-a')).put('/api/org/staff/dingbao-w05-a/duty', { status: 'away', reason: '外出', standIn: 'dongzhen-w05-a' });
        const own = await (await as('manager')).put('/api/org/staff/dingbao-w04-a/duty', { status: 'away', reason: '中心安排外出' });
        return [
          ...refused('a foreign centre head changes dingbao duty', foreign), ...(still.postA?.duty?.status === 'away' ? ['the foreign duty change was written'] : []),
          ...(strangerStandIn.status === 400 && strangerStandIn.body?.code === 'STAND_IN_OTHER_UNIT' ? [] : [`a stand-in of another town: ${strangerStandIn.status} ${strangerStandIn.body?.code}`]),
          ...ok('own centre head changes duty', own),
        ];
      },
      'PUT /api/org/units/{id}/opening': async () => {
        const spec = { workingDaySessions: [{ start: '08:30', end: '12:00' }, { start: '14:00', end: '17:30' }], reason: '越权调整' };
        const foreign = await (await as('dongzhen-manager')).put('/api/org/units/dingbao/opening', spec);
        const own = await (await as('manager')).put('/api/org/units/dingbao/opening', { ...spec, reason: '夏季作息' });
        return [...refused('a foreign centre head sets dingbao opening hours', foreign), ...ok('own centre head', own)];
      },
      'GET /api/org/units/{id}/opening': async () => {
        // after the PUT check above: the own head changed dingbao's hours with the reason 夏季作息
        const foreign = await (await as('dongzhen-w10-a')).get('/api/org/units/dingbao/opening');
        const own = await (await as('clerkb')).get('/api/org/units/dingbao/opening');
        return [...ok('foreign opening hours', foreign), ...present('foreign opening hours', foreign, '"workingDaySessions"'), ...absent('foreign opening hours', foreign, '夏季作息', '"by"'), ...present('own opening hours', own, '夏季作息')];
      },
      'POST /api/info-posts': async () => {
        const post = { windowId: D.windowId, kind: 'notice', title: '停电通知', body: '明日上午停电', expireAt: new Date(Date.now() + 86_400_000).toISOString() };
        const foreign = await (await as('dongzhen-w10-a')).post('/api/info-posts', post);
        const own = await (await as('clerk')).post('/api/info-posts', post);
        return [...refused('a foreign clerk posts for a dingbao window', foreign), ...ok('own window posts', own, 201)];
      },
      'POST /api/public/case-lookup': async () => refused('lookup of a dingbao case with a wrong code', await new ApiClient(server.url).post('/api/public/case-lookup', { caseNo: D.caseNo, queryCode: 'WRONG1' }), [D.applicantName]),
      'POST /api/public/complaint-lookup': async () => refused('lookup of a dingbao complaint with a wrong code', await new ApiClient(server.url).post('/api/public/complaint-lookup', { reference: complaints.dingbao.reference, queryCode: 'WRONG1' }), [complaints.dingbao.content]),
      'POST /api/public/ratings': async () => refused('a rating of a dingbao case with a wrong code', await new ApiClient(server.url).post('/api/public/ratings', { caseNo: D.caseNo, queryCode: 'WRONG1', stage: 'acceptance', level: 1 }), [D.applicantName]),
    });
  }

  it('has a cross-town check for every route whose org unit the handler checks (list, handler, unit rules)', () => {
    defineHandlerChecks();
    const needing = Object.entries(ACCESS).filter(([, r]) => r.unit === 'list' || r.unit === 'handler' || r.unit === 'unit').map(([k]) => k);
    expect(needing.filter((k) => !handlerChecks[k])).toEqual([]);
    expect(Object.keys(handlerChecks).filter((k) => !needing.includes(k))).toEqual([]);
  });

  it('the handlers check the org unit: another town gets 403/404 or none of the records, the own town gets them', async () => {
    defineHandlerChecks();
    // real records of both towns: a duty change with a reason (filed), a complaint to each town's commission
    for (const [unit, reason] of Object.entries(REASON)) {
      const r = await (await as(`${unit}-w03-a`)).put(`/api/org/staff/${unit}-w03-a/duty`, { status: 'away', reason });
      expect([unit, r.status]).toEqual([unit, 200]);
      const content = `${unit === 'dingbao' ? '丁堡' : '东镇'}窗口办事拖延，请核查处理`;
      const c = await new ApiClient(server.url).post('/api/public/complaints', { orgUnit: unit, target: { kind: 'window', windowId: `${unit}-w03` }, content });
      expect(c.status).toBe(201);
      complaints[unit as 'dingbao'] = { reference: c.body.reference, content };
    }
    const failures: string[] = [];
    for (const [key, check] of Object.entries(handlerChecks)) {
      try {
        failures.push(...(await check()).map((f) => `${key}: ${f}`));
      } catch (err) {
        failures.push(`${key}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  }, 180_000);

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
