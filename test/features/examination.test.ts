/**
 * 行政许可法 第三十二条 — an application taken in for examination must be decided (refused,
 * notified once of everything missing, or accepted) within five working days; otherwise it
 * counts as accepted from the day the materials were received. Real server, engine, FerretDB;
 * the five days are shortened to seconds with ALLOW_LIMIT_OVERRIDES.
 */
import { MongoClient } from 'mongodb';
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { dbUri, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('examination within five working days (行政许可法第三十二条)', () => {
  const dbName = uniqueDbName('art32');
  let server: RunningProcess;
  let clerk: ApiClient;
  let supervisor: ApiClient;
  let mongo: MongoClient;
  let item: any;

  beforeAll(async () => {
    server = await startServer(dbName, { ALLOW_LIMIT_OVERRIDES: 'true' });
    clerk = await ApiClient.login(server.url, 'clerk');
    supervisor = await ApiClient.login(server.url, 'supervisor');
    mongo = await MongoClient.connect(dbUri(dbName));
    item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item' && i.materials.length >= 2);
  });
  afterAll(async () => {
    await mongo?.close();
    await server?.kill();
  });

  it('a clerk who does not decide in time: the case is accepted from receipt, the window gets a violation, supervisors an escalation', async () => {
    const r = await clerk.post('/api/intake', {
      itemCode: item.code, applicant: applicant('周丽华'), examine: true,
      materials: [{ code: item.materials[0].code, provided: true }], limitOverrides: { examinationLimit: 'PT3S' },
    });
    expect(r.status).toBe(201);
    const caseNo = r.body.case.caseNo;
    expect(r.body.case.status).toBe('under-examination');
    expect((await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body.map((c: any) => c.kind)).toEqual(['examination']);

    const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.caseNo === caseNo), 'the examination breach', 20_000);
    expect(esc.limitKind).toBe('examination');
    const c = await waitFor(async () => {
      const k = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
      // accepted, with its acceptance notice issued (the notice follows the status by a moment)
      return k.status === 'in-progress' && k.notices?.some((n: any) => n.kind === 'acceptance') ? k : undefined;
    }, 'deemed acceptance');
    expect(c.deemedAccepted).toBe(true);
    expect(c.acceptedAt).toBe(c.receivedAt); // accepted from the day of receipt, not from the breach
    expect(c.notices.map((n: any) => n.kind)).toContain('acceptance');
    const audit = (await clerk.get(`/api/service-cases/${caseNo}/audit`)).body;
    const deemed = (audit.events ?? audit).find((e: any) => e.type === 'case.deemed-accepted');
    expect(deemed.data.law).toContain('第三十二条');
    // the statutory and promised clocks run from receipt
    const clocks = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body;
    expect(clocks.find((k: any) => k.kind === 'statutory').startedAt).toBe(c.receivedAt);
    expect(clocks.find((k: any) => k.kind === 'examination').status).toBe('stopped');
    expect(await mongo.db(dbName).collection('violations').countDocuments({ caseNo, kind: 'examination-overdue' })).toBe(1);
    // a late decision is refused: the law decided already
    const late = await clerk.post(`/api/service-cases/${caseNo}/examination`, {});
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('NOT_UNDER_EXAMINATION');
  });

  it('a clerk who decides in time: one notification of everything missing, the clock stopped on time, no escalation', async () => {
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('吴建平'), examine: true, materials: [] });
    const caseNo = r.body.case.caseNo;
    const bad = await clerk.post(`/api/service-cases/${caseNo}/examination`, { materials: [{ code: 'NOPE', provided: true }] });
    expect(bad.status).toBe(400);
    expect((await clerk.get(`/api/service-cases/${caseNo}`)).body.status).toBe('under-examination');
    const other = await ApiClient.login(server.url, 'dongzhen-w10-a');
    expect((await other.post(`/api/service-cases/${caseNo}/examination`, {})).status).toBeGreaterThanOrEqual(403);

    const decided = await clerk.post(`/api/service-cases/${caseNo}/examination`, { materials: [{ code: item.materials[0].code, provided: true }] });
    expect(decided.status).toBe(200);
    expect(decided.body.status).toBe('awaiting-supplement');
    expect(decided.body.notices.map((n: any) => n.kind)).toEqual(['one-time']);
    expect(decided.body.supplementRounds[0].materials.map((m: any) => m.code)).toEqual(item.materials.slice(1).filter((m: any) => m.requirement === 'mandatory').map((m: any) => m.code));
    const clock = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body.find((k: any) => k.kind === 'examination');
    expect(clock).toMatchObject({ status: 'stopped', result: 'early' });
    expect((await clerk.post(`/api/service-cases/${caseNo}/examination`, {})).status).toBe(409);
    expect((await supervisor.get('/api/escalations')).body.some((e: any) => e.caseNo === caseNo)).toBe(false);
  });
});
