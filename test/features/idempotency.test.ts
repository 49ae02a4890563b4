/**
 * Idempotency-Key on the window's POSTs: a clerk's browser that times out and resends the intake
 * takes the applicant in once. Real server, FerretDB, HTTP; the database is counted directly.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { ApiClient } from '../helpers/api';
import { applicant } from '../helpers/people';
import { dbUri, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('Idempotency-Key (重发不重复收件)', () => {
  const dbName = uniqueDbName('idem');
  let server: RunningProcess;
  let clerk: ApiClient;
  let mongo: MongoClient;
  let item: any;
  const cases = () => mongo.db(dbName).collection('service_cases').countDocuments({});

  beforeAll(async () => {
    server = await startServer(dbName);
    clerk = await ApiClient.login(server.url, 'clerk');
    mongo = await MongoClient.connect(dbUri(dbName));
    item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
  });
  afterAll(async () => {
    await mongo?.close();
    await server?.kill();
  });

  const body = (name: string) => ({ itemCode: item.code, applicant: applicant(name), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });

  it('answers a resent intake with the first answer, and takes the applicant in once', async () => {
    const key = randomUUID();
    const b = body('韩立新');
    const before = await cases();
    const first = await clerk.post('/api/intake', b, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const again = await clerk.post('/api/intake', b, { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.case.caseNo).toBe(first.body.case.caseNo);
    expect(again.body.queryCode).toBe(first.body.queryCode);
    expect(await cases()).toBe(before + 1);
    // without a key every request is its own
    expect((await clerk.post('/api/intake', body('韩立新'))).status).toBe(201);
    expect(await cases()).toBe(before + 2);
  });

  it('refuses the same key for a different application, and a malformed key', async () => {
    const key = randomUUID();
    expect((await clerk.post('/api/intake', body('秦雪梅'), { 'Idempotency-Key': key })).status).toBe(201);
    const before = await cases();
    const other = await clerk.post('/api/intake', body('秦雪松'), { 'Idempotency-Key': key });
    expect(other.status).toBe(422);
    expect(other.contentType).toContain('application/problem+json');
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const bad = await clerk.post('/api/intake', body('秦雪松'), { 'Idempotency-Key': 'short' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('IDEMPOTENCY_KEY_INVALID');
    expect(await cases()).toBe(before);
  });

  it('runs two identical requests sent at once one time', async () => {
    const key = randomUUID();
    const b = body('尹志强');
    const before = await cases();
    const [x, y] = await Promise.all([clerk.post('/api/intake', b, { 'Idempotency-Key': key }), clerk.post('/api/intake', b, { 'Idempotency-Key': key })]);
    const statuses = [x.status, y.status].sort();
    expect(statuses[0]).toBe(201);
    expect([201, 409]).toContain(statuses[1]);
    const loser = x.status === 409 ? x : y.status === 409 ? y : undefined;
    if (loser) {
      expect(loser.body.code).toBe('IDEMPOTENCY_IN_FLIGHT');
      expect(loser.headers['retry-after']).toBe('2');
    }
    expect(await cases()).toBe(before + 1);
  });

  it('replays a refusal too, and keys belong to their clerk', async () => {
    const key = randomUUID();
    const invalid = { ...body('龚文'), applicant: { ...applicant('龚文'), idNumber: '110101199003071235' } };
    const first = await clerk.post('/api/intake', invalid, { 'Idempotency-Key': key });
    expect(first.status).toBe(400);
    const again = await clerk.post('/api/intake', invalid, { 'Idempotency-Key': key });
    expect(again.status).toBe(400);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.code).toBe(first.body.code);
    // another clerk's identical key is another request
    const other = await ApiClient.login(server.url, 'dongzhen-w10-a');
    const mine = await other.post('/api/intake', invalid, { 'Idempotency-Key': key });
    expect(mine.headers['idempotent-replayed']).toBeUndefined();
  });

  it('takes a public complaint in once when it is resent', async () => {
    const key = randomUUID();
    const complaint = { orgUnit: 'dingbao', target: { kind: 'window', windowId: 'dingbao-w01' }, content: '窗口人员态度冷淡，排队一小时无人受理', phone: '13800138000' };
    const first = await new ApiClient(server.url).post('/api/public/complaints', complaint, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const again = await new ApiClient(server.url).post('/api/public/complaints', complaint, { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect(again.body.reference).toBe(first.body.reference);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await mongo.db(dbName).collection('complaints').countDocuments({})).toBe(1);
  });

  it('takes a public complaint in once when it is resent without a key: a double click, a retry after a lost answer', async () => {
    const complaints = mongo.db(dbName).collection('complaints');
    const before = await complaints.countDocuments({});
    // a citizen named with ·, a landline with its area code
    const complaint = { orgUnit: 'dingbao', target: { kind: 'person', person: '国土窗口B岗' }, content: '办理不动产登记时被要求提供与事项无关的证明材料', contactName: '阿依古丽·买买提', phone: '0512-58881234' };
    // three identical posts at once (a double and a triple click): one complaint, every answer names it with the same query code
    const answers = await Promise.all([0, 1, 2].map(() => new ApiClient(server.url).post('/api/public/complaints', complaint)));
    for (const a of answers) expect(a.status).toBe(201);
    const refs = new Set(answers.map((a) => a.body.reference));
    expect(refs.size).toBe(1);
    expect(new Set(answers.map((a) => a.body.queryCode)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(2);
    // a later resend (the first answer was lost): the same complaint again, and its code opens it
    const later = await new ApiClient(server.url).post('/api/public/complaints', complaint);
    expect(later.status).toBe(201);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.body).toMatchObject({ reference: answers[0].body.reference, queryCode: answers[0].body.queryCode });
    const seen = await new ApiClient(server.url).post('/api/public/complaint-lookup', { reference: later.body.reference, queryCode: later.body.queryCode });
    expect(seen.status).toBe(200);
    expect(await complaints.countDocuments({})).toBe(before + 1);
    // one clock and one received event for it, not three
    expect(await mongo.db(dbName).collection('clocks').countDocuments({ _id: `complaint:${later.body.reference}` } as any)).toBe(1);
    // anything else said is another complaint: other text, or the same text from another phone
    const other = await new ApiClient(server.url).post('/api/public/complaints', { ...complaint, content: `${complaint.content}，且态度恶劣` });
    const otherPhone = await new ApiClient(server.url).post('/api/public/complaints', { ...complaint, phone: '13800138000' });
    for (const r of [other, otherPhone]) {
      expect(r.status).toBe(201);
      expect(r.headers['idempotent-replayed']).toBeUndefined();
      expect(r.body.reference).not.toBe(later.body.reference);
    }
    expect(await complaints.countDocuments({})).toBe(before + 3);
    // neither the phone nor the text is what is indexed: the fingerprint is an HMAC
    const stored = await complaints.findOne({ _id: later.body.reference } as any);
    expect(stored!.fingerprintSlot).toMatch(/^[\w-]{43}:\d+$/);
    expect(stored!.fingerprintSlot).not.toContain('58881234');
    // the same words again after the resend window (10 minutes): a new complaint (moved back in the database: the server runs on the system clock)
    const [fp, slot] = String(stored!.fingerprintSlot).split(':');
    await complaints.updateOne({ _id: later.body.reference } as any, { $set: { createdAt: new Date(Date.now() - 11 * 60_000), fingerprintSlot: `${fp}:${Number(slot) - 2}` } });
    const nextDay = await new ApiClient(server.url).post('/api/public/complaints', complaint);
    expect(nextDay.status).toBe(201);
    expect(nextDay.headers['idempotent-replayed']).toBeUndefined();
    expect(nextDay.body.reference).not.toBe(later.body.reference);
  });
});
