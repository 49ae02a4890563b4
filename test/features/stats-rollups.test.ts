/**
 * The statistics day rollups (engine/stats/rollups.ts) against the full scan, on cases made the
 * way people make them — intake, supplements, a refusal, completions, a breach, a rating and a
 * complaint — through the real server: every dimension must give the same rows both ways.
 */
import { cstDay } from '../../common/cst';
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { MongoClient } from 'mongodb';
import { dbUri, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

const strip = (report: any) => ({ rows: report.rows, total: report.total });

describe('statistics day rollups give the same answers as the scan', () => {
  let server: RunningProcess;
  let clerk: ApiClient;
  let supervisor: ApiClient;

  beforeAll(async () => {
    server = await startServer(uniqueDbName('rollups'), { ALLOW_LIMIT_OVERRIDES: 'true', COMPLAINT_LIMIT: 'PT2S', LOOKUP_PER_MINUTE: '200' });
    clerk = await ApiClient.login(server.url, 'clerk');
    supervisor = await ApiClient.login(server.url, 'supervisor');
    const items = (await clerk.get('/api/items')).body;
    const immediate = items.find((i: any) => i.procedure === 'immediate-item');
    const all = (it: any) => it.materials.map((m: any) => ({ code: m.code, provided: true }));
    const take = async (body: any) => {
      const r = await clerk.post('/api/intake', { applicant: applicant(), ...body });
      expect(r.status).toBe(201);
      return r.body;
    };
    const step = (caseNo: string) => waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.steps?.find((s: any) => s.status === 'open' && s.kind === 'engine'), 'open step');

    // two completed on the spot, one of them rated and complained about
    for (let i = 0; i < 2; i++) {
      const { case: c, queryCode } = await take({ itemCode: immediate.code, materials: all(immediate) });
      const s = await step(c.caseNo);
      expect((await clerk.post(`/api/tasks/${s.taskId}/complete`, { decision: 'approve', opinion: '当场办结' })).status).toBe(200);
      await waitFor(async () => (await clerk.get(`/api/service-cases/${c.caseNo}`)).body.status === 'completed', 'completed');
      if (i === 0) {
        const anon = new ApiClient(server.url);
        expect((await anon.post('/api/public/ratings', { caseNo: c.caseNo, queryCode, stage: 'completion', level: 4, comment: '效率高' })).status).toBe(201);
        expect((await anon.post('/api/public/complaints', { orgUnit: 'dingbao', target: { kind: 'case', caseNo: c.caseNo }, content: '等候时间较长，叫号不清楚' })).status).toBeLessThan(300);
      }
    }
    // one waiting for materials, one refused, one breaching its promised limit (escalation)
    const waiting = await take({ itemCode: immediate.code, materials: [] });
    // a second notification asking for what the first could have named: refused, and a violation (违规) of the window
    const again = await clerk.post(`/api/service-cases/${waiting.case.caseNo}/supplement-notices`, { materials: [{ code: immediate.materials[0].code, reason: '复印件不清晰' }] });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('ONE_TIME_NOTICE_VIOLATION');
    await take({ itemCode: immediate.code, materials: all(immediate), reject: { reason: '不属于本机关职权范围' } });
    // (its window step also outruns the diagram's boundary timer and its step clock: one escalation for both)
    const late = await take({ itemCode: immediate.code, materials: all(immediate), limitOverrides: { promisedLimit: 'PT2S', windowHandleLimit: 'PT2S' } });
    await waitFor(async () => (await supervisor.get('/api/escalations')).body.filter((e: any) => e.caseNo === late.case.caseNo).length >= 2, 'breaches', 20_000);
    // complaints that name no case — about a window, about a person — and the escalation of one left unanswered
    const anon = new ApiClient(server.url);
    const loose = await anon.post('/api/public/complaints', { orgUnit: 'dingbao', target: { kind: 'window', windowId: 'dingbao-w03' }, content: '窗口人员上班时间离岗' });
    expect(loose.status).toBe(201);
    expect((await anon.post('/api/public/complaints', { orgUnit: 'dingbao', target: { kind: 'person', person: 'dingbao-w03-a' }, content: '答复不耐烦' })).status).toBe(201);
    // every complaint's clock (PT2S here) breaches: three escalations that name no case
    await waitFor(async () => (await supervisor.get('/api/escalations')).body.filter((e: any) => e.limitKind === 'complaint').length >= 3 && loose.body.reference, 'the complaint escalations', 20_000);
    // the escalation reaches the case's audit trail (and so the rollups) just after it opens
    await waitFor(async () => {
      const a = (await supervisor.get(`/api/service-cases/${late.case.caseNo}/audit`)).body;
      return (a.events ?? a).some((e: any) => e.type === 'escalation.opened');
    }, 'escalation in the audit trail');
  });
  afterAll(async () => {
    await server?.kill();
  });

  it.each(['town', 'window', 'department', 'item', 'person', 'day', 'month', 'year', 'all'])('by %s', async (dim) => {
    const fast = (await supervisor.get(`/api/stats/${dim}`)).body;
    if (!fast.meta) throw new Error(server.logs.filter((l) => l.includes("error")).slice(-3).join("\n")); // the server log says why
    const scan = (await supervisor.get(`/api/stats/${dim}?source=scan`)).body;
    expect(fast.meta.source).toBe('rollup');
    expect(scan.meta.source).toBe('scan');
    expect(strip(fast)).toEqual(strip(scan));
    if (dim === 'town') {
      const dingbao = fast.rows.find((r: any) => r.key === 'dingbao');
      // escalations: the promised breach, the window step (timer and clock joined), and the three complaints' (they name no case); complaints: one about a case, two loose
      expect(dingbao).toMatchObject({ received: 5, completed: 2, rejected: 1, open: 2, escalations: 5, complaints: 3, violations: 1 });
      expect(dingbao.promised.overdueNow).toBe(1);
      expect(dingbao.ratings.levels[4]).toBe(1);
    }
  });

  it('over a period of whole days and for one centre, and falls back to the scan for a window filter', async () => {
    const today = cstDay(Date.now());
    const q = `from=${today}&to=${today}&orgUnit=dingbao`;
    const fast = (await supervisor.get(`/api/stats/window?${q}`)).body;
    expect(fast.meta.source).toBe('rollup');
    expect(strip(fast)).toEqual(strip((await supervisor.get(`/api/stats/window?${q}&source=scan`)).body));
    expect((await supervisor.get('/api/stats/item?windowId=dingbao-w10')).body.meta.source).toBe('scan');
    // a whole month is read from the month bucket; a period ending mid-month from month and day buckets
    const month = today.slice(0, 7);
    const lastOfMonth = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);
    for (const period of [`from=${month}-01&to=${lastOfMonth}`, `to=${today}`, `from=${month}-01`]) {
      for (const dim of ['town', 'person', 'month']) {
        const f = (await supervisor.get(`/api/stats/${dim}?${period}`)).body;
        expect(f.meta.source).toBe('rollup');
        expect(strip(f)).toEqual(strip((await supervisor.get(`/api/stats/${dim}?${period}&source=scan`)).body));
        expect(f.total.received).toBe(5);
      }
    }
    // a report by day covers at most 366 days (a longer period is asked by month): 400, problem+json naming why
    const long = await supervisor.get('/api/stats/day?from=2024-01-01&to=2025-06-30');
    expect(long.status).toBe(400);
    expect(long.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(long.body.code).toBe('PERIOD_TOO_LONG');
    expect(long.body.detail).toMatch(/366/);
    // without a period, the last 366 days up to today
    const days = (await supervisor.get('/api/stats/day')).body;
    expect(cstDay(new Date(days.filter.from).getTime() + 366 * 86_400_000 - 1)).toBe(today);
    expect(days.total.received).toBe(5);
    // the ranking reads the rollups too, and agrees
    const ranking = (await supervisor.get('/api/stats/rankings/towns')).body;
    expect(ranking.rows.find((r: any) => r.key === 'dingbao' || r.orgUnit === 'dingbao')).toBeDefined();
  });
});

describe('the worker keeps the rollups fresh without a report asking (stats.rollups.refresh)', () => {
  it('recomputes a changed bucket in the background', async () => {
    const dbName = uniqueDbName('rollrefresh');
    const server = await startServer(dbName, { STATS_REFRESH_EVERY: '1 second' });
    const mongo = await MongoClient.connect(dbUri(dbName));
    try {
      const clerk = await ApiClient.login(server.url, 'clerk');
      const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
      const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
      expect(r.status).toBe(201);
      const db = mongo.db(dbName);
      const today = cstDay(Date.now());
      const id = `dingbao|${today}`;
      await waitFor(async () => (await db.collection('stats_dirty').countDocuments({})) === 0 && (await db.collection('stats_buckets').findOne({ _id: id as any })), 'the background refresh', 20_000);
      const bucket = await db.collection<any>('stats_buckets').findOne({ _id: id });
      expect(Number(String(bucket.all).split('\t')[1])).toBe(1); // received
      const facts = await db.collection<any>('stats_bucket_facts').findOne({ _id: id });
      expect(facts.facts).toHaveLength(1);
      expect(facts.facts[0].startsWith(`${r.body.case.caseNo}\t`)).toBe(true);
    } finally {
      await mongo.close();
      await server.kill();
    }
  });
});
