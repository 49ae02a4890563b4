/**
 * Electronic supervision through the HTTP API: working-day deadlines, deadline clocks as
 * ledgers (pause, resume, one extension), graded signals fired exactly once by Agenda jobs —
 * with a second worker process racing the first — and the escalation life cycle.
 */
import { MongoClient } from 'mongodb';
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { dbUri, startServer, startWorker, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('electronic supervision: clocks, signals, escalations', () => {
  const dbName = uniqueDbName('supervision');
  let server: RunningProcess;
  let worker: RunningProcess;
  let mongo: MongoClient;
  let clerk: ApiClient;
  let manager: ApiClient;
  let supervisor: ApiClient;
  let item: any;

  beforeAll(async () => {
    server = await startServer(dbName, { ALLOW_LIMIT_OVERRIDES: 'true' });
    worker = await startWorker(dbName);
    mongo = await MongoClient.connect(dbUri(dbName));
    clerk = await ApiClient.login(server.url, 'clerk');
    manager = await ApiClient.login(server.url, 'manager');
    supervisor = await ApiClient.login(server.url, 'supervisor');
    item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
  });
  afterAll(async () => {
    await mongo?.close();
    await worker?.kill();
    await server?.kill();
  });

  const intake = async (limits: Record<string, string>) => {
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: limits });
    expect(r.status).toBe(201);
    return r.body.case.caseNo as string;
  };
  const clock = async (caseNo: string, kind: string) => (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body.find((c: any) => c.kind === kind);

  it('counts working days by the State Council notice: the day of acceptance is not counted, 国庆 is skipped, make-up Sunday counts', async () => {
    // accepted Friday 2025-09-26; 9-28 (Sun) is a make-up working day; 10-1..10-8 holiday
    const r = (await clerk.get('/api/calendar/deadline?acceptedAt=2025-09-26T03:00:00Z&days=5')).body;
    expect(r).toMatchObject({ acceptedDay: '2025-09-26', dueDay: '2025-10-10', estimated: false });
    expect(new Date(r.dueAt).toISOString()).toBe('2025-10-10T09:30:00.000Z');
    const days = (await clerk.get('/api/calendar/days?from=2025-09-27&to=2025-09-28')).body;
    expect(days).toEqual([
      { day: '2025-09-27', kind: 'rest-day', working: false },
      { day: '2025-09-28', kind: 'make-up-workday', working: true, label: '国庆节调休上班' },
    ]);
    // a year with no table yet is estimated from the statutory holidays, and flagged
    const far = (await clerk.get('/api/calendar/deadline?acceptedAt=2031-03-02T03:00:00Z&days=5')).body;
    expect(far).toMatchObject({ estimated: true, estimatedYears: [2031], estimateNote: '预计，2031年放假安排尚未公布' });
  });

  it('lets the city office enter a year the package has no table for (versioned, audited), after which it counts exactly', async () => {
    const admin = await ApiClient.login(server.url, 'admin');
    const q = '/api/calendar/deadline?acceptedAt=2027-01-04T02:00:00Z&days=3';
    expect((await clerk.get(q)).body.estimated).toBe(true);
    const table = { holidays: ['2027-01-01', '2027-01-05'], makeUpWorkdays: [], version: 2, source: '国务院办公厅关于2027年部分节假日安排的通知（测试数据）', reason: '国务院通知发布，录入2027年安排' };
    expect((await clerk.request('PUT', '/api/calendar/years/2027', table)).status).toBe(403);
    const saved = await admin.request('PUT', '/api/calendar/years/2027', table);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ year: 2027, version: 2 });
    const exact = (await clerk.get(q)).body;
    // Mon 2027-01-04 accepted; 01-05 is (in this test table) a holiday: 01-06, 01-07, 01-08 → due Friday 01-08
    expect(exact).toMatchObject({ estimated: false, dueDay: '2027-01-08' });
    const stale = await admin.request('PUT', '/api/calendar/years/2027', { ...table, reason: '重复提交' });
    expect(stale.status).toBe(409);
    const years = (await admin.get('/api/calendar/years')).body;
    expect(years.overrides[0]).toMatchObject({ year: 2027, version: 2, change: { by: 'admin' } });
  });

  it('counts a real item in working days: its deadlines end at the centre\'s close of business (17:30 CST)', async () => {
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    const caseNo = r.body.case.caseNo;
    const statutory = await clock(caseNo, 'statutory');
    expect(statutory.budget).toEqual({ unit: 'working-days', days: item.statutoryLimitDays });
    expect(new Date(statutory.dueAt).toISOString()).toMatch(/T09:30:00\.000Z$/);
    const expected = (await clerk.get(`/api/calendar/deadline?acceptedAt=${encodeURIComponent(statutory.startedAt)}&days=${item.statutoryLimitDays}`)).body;
    expect(new Date(statutory.dueAt).toISOString()).toBe(new Date(expected.dueAt).toISOString());
    expect(new Date(statutory.signalsAt.breach).toISOString()).toBe(new Date(statutory.dueAt).toISOString());
  });

  it('starts statutory and promised clocks at acceptance; warning, reminder and breach each fire once; the breach opens an escalation', async () => {
    const caseNo = await intake({ promisedLimit: 'PT4S', statutoryLimit: 'PT1H' });
    const promised = await clock(caseNo, 'promised');
    const statutory = await clock(caseNo, 'statutory');
    expect(promised).toMatchObject({ status: 'running', budget: { unit: 'duration' } });
    expect(statutory.status).toBe('running');
    expect(new Date(promised.dueAt).getTime()).toBeLessThan(new Date(statutory.dueAt).getTime());
    const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.caseNo === caseNo), 'the breach escalation', 20_000);
    expect(esc).toMatchObject({ source: 'clock', limitKind: 'promised', status: 'open', responsible: 'clerk', orgUnit: 'dingbao', level: 1 });
    await waitFor(async () => (await clock(caseNo, 'promised')).fired.length === 3, 'three rungs fired');
    const signals = await mongo.db(dbName).collection('signals').find({ caseNo }).toArray();
    expect(signals.map((s) => s.rung).sort()).toEqual(['breach', 'reminder', 'warning']);
    const notes = (await clerk.get('/api/notifications')).body.filter((n: any) => n.caseNo === caseNo);
    expect(notes.filter((n: any) => n.kind === 'clock.warning')).toHaveLength(1);
    expect(notes.filter((n: any) => n.kind === 'clock.reminder')).toHaveLength(1);
    const supNotes = (await supervisor.get('/api/notifications')).body.filter((n: any) => n.caseNo === caseNo);
    expect(supNotes.filter((n: any) => n.kind === 'escalation.breach')).toHaveLength(1);
    // the statutory clock is still on time: the case is late on one limit, not the other
    expect((await clock(caseNo, 'statutory')).fired).toEqual([]);
  });

  it('a pause stops the clock (no signal while paused), resume moves the deadline by the paused time; one extension only', async () => {
    const caseNo = await intake({ promisedLimit: 'PT3S', statutoryLimit: 'PT1H' });
    const before = await clock(caseNo, 'promised');
    const noNotice = await clerk.post(`/api/service-cases/${caseNo}/clocks/pause`, { kind: 'hearing', reason: '组织听证' });
    expect(noNotice.status).toBe(400);
    expect(noNotice.contentType).toContain('application/problem+json');
    const paused = await clerk.post(`/api/service-cases/${caseNo}/clocks/pause`, { kind: 'hearing', reason: '组织听证', notice: '听证告知书〔2026〕12号' });
    expect(paused.status).toBe(200);
    expect(paused.body.find((c: any) => c.kind === 'promised')).toMatchObject({ status: 'paused' });
    // past the whole budget: a witness case with the same limit, taken in after the pause, rings its breach —
    // so the paused clock's own breach time has passed and the workers have run what came due
    const witness = await intake({ promisedLimit: 'PT3S', statutoryLimit: 'PT1H' });
    await waitFor(async () => (await clock(witness, 'promised')).fired.includes('breach'), 'the witness case’s breach', 20_000);
    expect(Date.now()).toBeGreaterThan(new Date(before.signalsAt.breach).getTime());
    expect(await mongo.db(dbName).collection('signals').countDocuments({ caseNo })).toBe(0);
    const resumed = (await clerk.post(`/api/service-cases/${caseNo}/clocks/resume`)).body.find((c: any) => c.kind === 'promised');
    expect(resumed.status).toBe('running');
    // the deadline moves by exactly the paused time, which was longer than the whole budget
    const pausedMs = new Date(resumed.pauses[0].to).getTime() - new Date(resumed.pauses[0].from).getTime();
    expect(pausedMs).toBeGreaterThanOrEqual(3000);
    expect(new Date(resumed.dueAt).getTime() - new Date(before.dueAt).getTime()).toBe(pausedMs);
    expect(resumed.pauses).toHaveLength(1);
    expect(resumed.pauses[0]).toMatchObject({ kind: 'hearing', notice: '听证告知书〔2026〕12号' });

    expect((await clerk.post(`/api/service-cases/${caseNo}/clocks/extend`, { clock: 'statutory', duration: 'PT1H', reason: '情况复杂' })).status).toBe(403);
    const ext = await manager.post(`/api/service-cases/${caseNo}/clocks/extend`, { clock: 'statutory', duration: 'PT1H', reason: '情况复杂，经中心主任批准延长' });
    expect(ext.status).toBe(200);
    const st = ext.body.find((c: any) => c.kind === 'statutory');
    expect(st.extension).toMatchObject({ approver: 'manager' });
    const again = await manager.post(`/api/service-cases/${caseNo}/clocks/extend`, { clock: 'statutory', duration: 'PT1H', reason: '再次延长' });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('ALREADY_EXTENDED');
    const audit = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body.map((e: any) => e.type);
    expect(audit).toEqual(expect.arrayContaining(['clock.started', 'clock.paused', 'clock.resumed', 'clock.extended']));
  });

  it('records completion as early against the statutory limit and late against the promised one', async () => {
    const caseNo = await intake({ promisedLimit: 'PT2S', statutoryLimit: 'P3D' });
    await waitFor(async () => (await clock(caseNo, 'promised')).fired.includes('breach'), 'promised breach', 20_000);
    const step = await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.steps.find((s: any) => s.status === 'open'), 'open step');
    await clerk.post(`/api/tasks/${step.taskId}/complete`, { decision: 'approve' });
    await waitFor(async () => (await clock(caseNo, 'statutory')).status === 'stopped', 'clocks stopped');
    expect((await clock(caseNo, 'statutory')).result).toBe('early');
    expect((await clock(caseNo, 'promised')).result).toBe('late');
  });

  it('follows an escalation: acknowledge → supervision notice with a reply clock → late reply re-escalates → reply → close', async () => {
    const caseNo = await intake({ promisedLimit: 'PT1S', statutoryLimit: 'PT1H' });
    const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.caseNo === caseNo), 'escalation', 20_000);
    expect((await clerk.post(`/api/escalations/${esc.id}/acknowledge`, {})).status).toBe(403);
    expect((await supervisor.post(`/api/escalations/${esc.id}/acknowledge`, { reason: '已核实' })).body.status).toBe('acknowledged');
    const n1 = await supervisor.post(`/api/escalations/${esc.id}/notice`, { text: '请于时限内办结并说明超期原因', replyWithin: 'PT2S' });
    expect(n1.body.status).toBe('notified');
    const reopened = await waitFor(async () => {
      const e = (await supervisor.get(`/api/escalations/${esc.id}`)).body;
      return e.status === 'open' && e.level === 2 ? e : undefined;
    }, 'automatic re-escalation when the reply is late', 20_000);
    // 'serious' is recorded when the promised clock is 50 % past its budget (PT1S → 1.5 s): it is real, not a status change
    expect(reopened.history.map((h: any) => h.status).filter((s: string) => s !== 'serious')).toEqual(['open', 'acknowledged', 'notified', 'open']);
    expect(reopened.severity).toBe('serious');
    await supervisor.post(`/api/escalations/${esc.id}/notice`, { text: '二次督办：请当日回复', replyWithin: 'PT1H' });
    const other = await ApiClient.login(server.url, 'dongzhen-w10-a');
    expect([403, 404]).toContain((await other.post(`/api/escalations/${esc.id}/reply`, { text: '不是我的' })).status); // another town's escalation (api/http/access.ts)
    const rep = await clerk.post(`/api/escalations/${esc.id}/reply`, { text: '申请人补充材料延误，已于今日办结' });
    expect(rep.body.status).toBe('replied');
    const closed = await supervisor.post(`/api/escalations/${esc.id}/close`, { reason: '情况属实，予以销号' });
    expect(closed.body.status).toBe('closed');
    const steps = closed.body.history.filter((h: any) => h.status !== 'serious');
    expect(steps.map((h: any) => `${h.status}:${h.by}`)).toEqual(['open:system', 'acknowledged:supervisor', 'notified:supervisor', 'open:system', 'notified:supervisor', 'replied:clerk', 'closed:supervisor']);
    for (const h of steps) expect(h.at).toBeTruthy();
    const verify = (await clerk.get(`/api/service-cases/${caseNo}/audit/verify`)).body;
    expect(verify.valid).toBe(true);
    const audit = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body.map((e: any) => e.type);
    expect(audit).toEqual(expect.arrayContaining(['escalation.opened', 'escalation.acknowledged', 'escalation.notified', 'escalation.replied', 'escalation.closed']));
    // the reply clock of the second notice stopped when the reply came
    const replyClocks = (await mongo.db(dbName).collection('clocks').find({ escalationId: esc.id }).toArray()).map((c) => c.status);
    expect(replyClocks).toEqual(['stopped', 'stopped']);
  });

  it('reports statistics per town with both limits, ranks the towns, and exports a spreadsheet file', async () => {
    const before = (await supervisor.get('/api/stats/town')).body.rows.find((r: any) => r.key === 'dingbao')?.received ?? 0;
    await intake({ promisedLimit: 'PT1H', statutoryLimit: 'PT2H' });
    await intake({ promisedLimit: 'PT1H', statutoryLimit: 'PT2H' });
    const byTown = await supervisor.get('/api/stats/town');
    expect(byTown.status).toBe(200);
    const dingbao = byTown.body.rows.find((r: any) => r.key === 'dingbao');
    expect(dingbao.received).toBe(before + 2);
    expect(dingbao.label).toBe('丁堡镇');
    expect(dingbao.promised.running).toBeGreaterThanOrEqual(2);
    const ranking = (await supervisor.get('/api/stats/rankings/towns')).body;
    expect(ranking.rows.length).toBe(19);
    expect(ranking.rows[0].components ?? ranking.rows[0].score).toBeDefined();
    const csv = await supervisor.get('/api/stats/town?format=csv');
    expect(csv.contentType).toContain('text/csv');
    expect(csv.body.split('\r\n')[0]).toMatch(/[\u4e00-\u9fa5]/); // Chinese headers
    const token = ((await (await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "supervisor", password: "demo123" }) })).json()) as any).token;
    const raw = Buffer.from(await (await fetch(`${server.url}/api/stats/town?format=csv`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM, so spreadsheet programs read the Chinese right
    // a town clerk cannot read the statistics; a town's manager sees only the own town
    expect((await clerk.get('/api/stats/town')).status).toBe(403);
    expect((await manager.get('/api/stats/town?orgUnit=dongzhen')).status).toBe(403);
    expect((await manager.get('/api/stats/rankings/towns')).status).toBe(403);
  });
});
