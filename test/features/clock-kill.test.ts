/**
 * A clock is one insert and its signal jobs one batch (issue 11, item 3) — and a process killed
 * between the two loses no signal and doubles none (中断修复). A real server is SIGKILLed right
 * after the first clock of an intake is inserted (`clock.after-insert`, engine/domain/fault.ts),
 * before any of its jobs exist; a second server's repair finishes the intake. Then every running
 * clock of the case has exactly one job per signal still to come — of its version, at its time —
 * no job key is written twice, and each clock's start is in the audit chain once.
 * Real servers, engine, FerretDB, HTTP.
 *
 * A complaint's clock has no case to repair it (issue 12): the kill at `clock.after-insert` leaves it
 * without jobs, nobody sends the complaint again, and the supervision's sweep of clocks without their
 * jobs (`repairClockJobs`, run by `cases.repair`) must write them — each of its four signals then
 * rings once, its escalation opens once, and the complaint's own follow-ups are finished.
 */
import { MongoClient } from 'mongodb';
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { dbUri, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

const REPAIR = { CASE_REPAIR_AFTER_MS: '1000', CASE_REPAIR_EVERY: '2 seconds', ALLOW_LIMIT_OVERRIDES: 'true' };

describe('a process killed between a clock and its signal jobs', () => {
  let mongo: MongoClient | undefined;
  const servers: RunningProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
    await mongo?.close();
  });

  it('leaves a clock without jobs, and after the repair every clock has its jobs exactly once', async () => {
    const dbName = uniqueDbName('kill-clock');
    const doomed = await startServer(dbName, { ...REPAIR, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: 'clock.after-insert' });
    const clerk = await ApiClient.login(doomed.url, 'clerk');
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'report-up-item');
    await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('司马·静怡', '13800138000'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) }).catch(() => undefined);
    await Promise.race([doomed.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not reach clock.after-insert')), 30_000))]);
    expect(doomed.child.signalCode).toBe('SIGKILL');

    mongo = await MongoClient.connect(dbUri(dbName));
    const d = mongo.db(dbName);
    const kase = await d.collection('service_cases').findOne({});
    const caseNo = kase!._id as unknown as string;
    // the kill came after the first clock's insert and before its jobs
    const left = await d.collection('clocks').find({ caseNo }).toArray();
    expect(left).toHaveLength(1);
    expect(left[0].dueAt).toBeTruthy(); // the clock is whole: its deadline was written with it
    expect(await d.collection('agendaJobs').countDocuments({ 'data.clockId': left[0]._id })).toBe(0);

    const second = await startServer(dbName, REPAIR);
    servers.push(second);
    const jobsOf = (clockId: unknown) => d.collection('agendaJobs').find({ name: 'supervision.clock.signal', 'data.clockId': clockId }).toArray();
    await waitFor(async () => (await d.collection('case_intents').countDocuments({})) === 0 && (await jobsOf(left[0]._id)).length > 0, 'the repair to finish the intake and the clock', 60_000);
    await waitFor(async () => (await d.collection('service_cases').findOne({ _id: caseNo as any }))?.status === 'in-progress', 'the case in progress', 30_000);

    const clocks = await d.collection('clocks').find({ caseNo, status: 'running' }).toArray();
    expect(clocks.map((c) => c.kind).sort()).toEqual(expect.arrayContaining(['promised', 'statutory', 'step']));
    for (const c of clocks) {
      const want = Object.entries(c.signalsAt as Record<string, Date>)
        .filter(([rung]) => !(c.fired ?? []).includes(rung))
        .map(([rung, at]) => ({ key: `${c._id}:${rung}:${c.version}`, at: new Date(at).toISOString() }))
        .sort((a, b) => a.key.localeCompare(b.key));
      const have = (await jobsOf(c._id)).map((j) => ({ key: j.data.key, at: new Date(j.nextRunAt).toISOString() })).sort((a, b) => a.key.localeCompare(b.key));
      expect({ clock: c._id, jobs: have }).toEqual({ clock: c._id, jobs: want });
    }
    // no job key twice, of any job (signals and BPMN timers)
    const dup = await d.collection('agendaJobs').aggregate([{ $group: { _id: { name: '$name', key: '$data.key' }, n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }]).toArray();
    expect(dup).toEqual([]);
    // each clock's start once in the chain, and the chain whole
    const started = await d.collection('audit_events').find({ caseNo, type: 'clock.started' }).toArray();
    const perClock = new Map<string, number>();
    for (const e of started) {
      const id = JSON.parse(typeof e.data === 'string' ? e.data : JSON.stringify(e.data)).clockId as string;
      perClock.set(id, (perClock.get(id) ?? 0) + 1);
    }
    for (const c of clocks) expect({ clock: c._id, started: perClock.get(String(c._id)) }).toEqual({ clock: c._id, started: 1 });
    const reader = await ApiClient.login(second.url, 'clerk');
    expect((await reader.get(`/api/service-cases/${caseNo}/audit/verify`)).body.valid).toBe(true);
  }, 180_000);

  it("rings a complaint's clock killed before its jobs once after the restart, with no resend", async () => {
    const dbName = uniqueDbName('kill-complaint-clock');
    // 20 s to reply: warning after ~13 s, reminder 18 s, breach 20 s, serious 30 s
    const limit = { COMPLAINT_LIMIT: 'PT20S' };
    const doomed = await startServer(dbName, { ...REPAIR, ...limit, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: 'clock.after-insert' });
    await new ApiClient(doomed.url).post('/api/public/complaints', { orgUnit: 'dingbao', target: { kind: 'window', windowId: 'dingbao-w03' }, content: '窗口人员上班时间离岗，群众等候一小时', contactName: '欧阳·晓彤', phone: '13800138000' }).catch(() => undefined);
    await Promise.race([doomed.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not reach clock.after-insert')), 30_000))]);
    expect(doomed.child.signalCode).toBe('SIGKILL');

    const m = await MongoClient.connect(dbUri(dbName));
    try {
      const d = m.db(dbName);
      const complaints = await d.collection('complaints').find({}).toArray();
      expect(complaints).toHaveLength(1);
      const reference = complaints[0]._id as unknown as string;
      const clockId = `complaint:${reference}`;
      // the clock is there, whole, running; no job of it; the complaint's follow-ups never ran
      const left = await d.collection('clocks').findOne({ _id: clockId as any });
      expect(left).toMatchObject({ kind: 'complaint', status: 'running', version: 1 });
      expect(Object.keys(left!.signalsAt).sort()).toEqual(['breach', 'reminder', 'serious', 'warning']);
      expect(await d.collection('agendaJobs').countDocuments({ 'data.clockId': clockId })).toBe(0);
      expect(complaints[0].clockId).toBeUndefined();

      const second = await startServer(dbName, { ...REPAIR, ...limit });
      servers.push(second);
      const signals = () => d.collection('signals').find({ clockId }).toArray();
      await waitFor(async () => (await signals()).filter((x) => !x.pending).length === 4, 'the four signals of the complaint clock', 120_000);

      // each rung once: four signals, each fired once on the clock, one escalation opened and made serious once
      expect((await signals()).map((x) => x.rung).sort()).toEqual(['breach', 'reminder', 'serious', 'warning']);
      const clock = await d.collection('clocks').findOne({ _id: clockId as any });
      expect([...clock!.fired].sort()).toEqual(['breach', 'reminder', 'serious', 'warning']);
      const escalation = await d.collection('escalations').findOne({ _id: `clock:${clockId}` as any });
      expect(escalation).toMatchObject({ source: 'clock', limitKind: 'complaint', severity: 'serious', escalationName: '投诉答复时限超期' });
      expect(escalation!.history.map((h: any) => h.status)).toEqual(['open', 'serious']);
      // the supervisor told of the breach and of the serious breach, once each
      const toSupervisor = await d.collection('notifications').find({ to: 'supervisor', kind: { $in: ['escalation.breach', 'escalation.serious'] } }).toArray();
      expect(toSupervisor.map((n) => n.kind).sort()).toEqual(['escalation.breach', 'escalation.serious']);
      // nothing left to ring, no job key twice
      await waitFor(async () => (await d.collection('agendaJobs').countDocuments({ 'data.clockId': clockId })) === 0, 'the complaint clock jobs to have run', 30_000);
      const dup = await d.collection('agendaJobs').aggregate([{ $match: { 'data.key': { $exists: true } } }, { $group: { _id: { name: '$name', key: '$data.key' }, n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }]).toArray();
      expect(dup).toEqual([]);

      // the complaint's follow-ups, finished by the sweep: its clock named, the town's discipline commission told once
      expect((await d.collection('complaints').findOne({ _id: reference as any }))!.clockId).toBe(clockId);
      expect(await d.collection('notifications').countDocuments({ to: 'dingbao-jw', kind: 'complaint.received' })).toBe(1);
      // and the reply stops the clock
      const jw = await ApiClient.login(second.url, 'dingbao-jw');
      expect((await jw.post(`/api/complaints/${reference}/reply`, { text: '经核查属实，已对当事人批评教育' })).status).toBe(200);
      expect((await d.collection('clocks').findOne({ _id: clockId as any }))!.status).toBe('stopped');
      expect(await d.collection('signals').countDocuments({ clockId })).toBe(4);
    } finally {
      await m.close();
    }
  }, 300_000);
});
