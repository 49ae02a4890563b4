/**
 * The outbound feed against the real test FerretDB and a real loopback HTTP server standing in
 * for the provincial supervision platform (省级电子监察平台). Two Outbox instances on two separate
 * mongoose connections play two worker processes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose, { type Connection } from 'mongoose';
import { dbUri, uniqueDbName } from '../../../test/helpers/server';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors';
import { checkEndpoint, idempotencyKeyFor, loadFeedConfig, Outbox, type DeliveryOptions, type OutboxEventInput } from '..';

interface Received {
  path: string;
  idempotencyKey?: string;
  authorization?: string;
  contentType?: string;
  body: { id: string; type: string; caseNo?: string; orgUnit?: string; occurredAt: string; data: Record<string, unknown> };
}

const received: Received[] = [];
const seenPerId = new Map<string, number>();
let server: http.Server;
let base = '';

/** The stand-in provincial endpoint. */
function startEndpoint(): Promise<void> {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const path = req.url ?? '';
      received.push({
        path,
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      const n = (seenPerId.get(`${path}|${body.id}`) ?? 0) + 1;
      seenPerId.set(`${path}|${body.id}`, n);
      const answer = (code: number, delayMs = 0, text = '') =>
        setTimeout(() => res.writeHead(code, { 'content-type': 'application/json' }).end(text || JSON.stringify({ ok: code < 300 })), delayMs);
      if (path === '/flaky') return answer(n <= 2 ? 503 : 200); // fails the first 2 attempts of each event
      if (path === '/reject') return answer(400, 0, '{"error":"schema: field orgUnit unknown"}');
      if (path === '/always-503') return answer(503);
      if (path === '/hang') return; // never answers
      if (path === '/slow-once') return answer(n === 1 ? 503 : 200, 15); // race window for the concurrency test
      return answer(200);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
}

const dbName = uniqueDbName('outbox');
let conn1: Connection;
let conn2: Connection;
let outbox: Outbox;
let outbox2: Outbox;

const delivery = (path: string, extra: Partial<DeliveryOptions> = {}): DeliveryOptions => ({ endpoint: `${base}${path}`, timeoutMs: 2000, batch: 50, ...extra });
const event = (n: number, over: Partial<OutboxEventInput> = {}): OutboxEventInput => ({
  type: 'case.accepted',
  caseNo: `XY-20251027-${String(n).padStart(4, '0')}`,
  orgUnit: 'dingbao',
  occurredAt: new Date(Date.UTC(2025, 9, 27, 1, 0, n)),
  data: { itemCode: 'GT-001', window: 'db-w01', promisedDays: 5 },
  dedupeKey: `case.accepted:XY-20251027-${String(n).padStart(4, '0')}`,
  ...over,
});

beforeAll(async () => {
  await startEndpoint();
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  conn1 = mongoose.createConnection(dbUri(dbName), { autoIndex: false });
  conn2 = mongoose.createConnection(dbUri(dbName), { autoIndex: false });
  await Promise.all([conn1.asPromise(), conn2.asPromise()]);
  outbox = new Outbox(conn1, { baseBackoffMs: 100, workerId: 'w1' });
  outbox2 = new Outbox(conn2, { baseBackoffMs: 100, workerId: 'w2' });
  await outbox.ensureIndexes();
});

beforeEach(async () => {
  await conn1.db!.collection('outbox').deleteMany({});
  await conn1.db!.collection('outbox_leases').deleteMany({});
  received.length = 0;
  seenPerId.clear();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await conn1?.db?.dropDatabase().catch(() => undefined);
  await conn1?.close();
  await conn2?.close();
});

describe('append', () => {
  it('is idempotent by dedupeKey and derives a stable UUID Idempotency-Key', async () => {
    const first = await outbox.append(event(1));
    const again = await outbox2.append(event(1, { data: { itemCode: 'changed' } }));
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.idempotencyKey).toBe(first.idempotencyKey);
    expect(first.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.idempotencyKey).toBe(idempotencyKeyFor('case.accepted:XY-20251027-0001'));
    expect(await conn1.db!.collection('outbox').countDocuments()).toBe(1);
    const stored = await outbox.get(first.id);
    expect(stored).toMatchObject({ id: 'case.accepted:XY-20251027-0001', status: 'pending', attempts: 0, data: { itemCode: 'GT-001' } });
    expect((await outbox.stats()).pending).toBe(1);
  });

  it('refuses personal data (keys at any depth, ID and mobile numbers as values) and stores nothing', async () => {
    const bad: Record<string, unknown>[] = [
      { applicant: { name: '张三' } },
      { idNumber: 'x' },
      { phone: 'x' },
      { items: [{ material: 'ok' }, { contact: { Phone: 'x' } }] },
      { note: '440983199003070024' }, // a resident ID number with a valid check digit
      { contact: '13812345678' },
    ];
    for (const data of bad) {
      const err = await outbox.append(event(2, { data })).catch((e) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.code).toBe('OUTBOX_PERSONAL_DATA');
      expect(err.message).not.toMatch(/张三|440983199003070024|13812345678/);
    }
    // Not personal: counts, codes, a case number, an 18-digit string whose check digit is wrong.
    await expect(outbox.append(event(3, { data: { applicantCount: 2, serial: '44098319900307002X' } }))).resolves.toMatchObject({ created: true });
    expect(await conn1.db!.collection('outbox').countDocuments()).toBe(1);
    await expect(outbox.append(event(4, { data: { 'a.b': 1 } }))).rejects.toThrow(ValidationError);
    await expect(outbox.append(event(5, { occurredAt: new Date('nope') }))).rejects.toThrow(ValidationError);
    await expect(outbox.append(event(6, { dedupeKey: 'has space/and slash' }))).rejects.toThrow(ValidationError);
    await expect(outbox.append(event(7, { type: '' }))).rejects.toThrow(ValidationError);
  });
});

describe('delivery', () => {
  it('retries 503s with exponential backoff, then delivers, with one Idempotency-Key on every attempt', async () => {
    const { id, idempotencyKey } = await outbox.append(event(1));
    const t0 = new Date();
    const opts = delivery('/flaky', { token: 'feed-token-123' });

    expect(await outbox.deliverDue(t0, opts)).toMatchObject({ picked: 1, retrying: 1, delivered: 0 });
    let ev = await outbox.get(id);
    expect(ev).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503, lastError: expect.stringContaining('HTTP 503') });
    const wait1 = ev.nextAttemptAt.getTime() - t0.getTime();
    expect(wait1).toBeGreaterThanOrEqual(100); // base
    expect(wait1).toBeLessThan(100 + 1000);

    // Not due before its backoff has passed: nothing is sent.
    expect(await outbox.deliverDue(new Date(ev.nextAttemptAt.getTime() - 1), opts)).toMatchObject({ picked: 0 });
    expect(received).toHaveLength(1);

    const t1 = ev.nextAttemptAt;
    expect(await outbox.deliverDue(t1, opts)).toMatchObject({ retrying: 1 });
    ev = await outbox.get(id);
    expect(ev).toMatchObject({ status: 'pending', attempts: 2 });
    const wait2 = ev.nextAttemptAt.getTime() - t1.getTime();
    expect(wait2).toBeGreaterThanOrEqual(200); // doubled
    expect(wait2).toBeLessThan(200 + 1000);

    expect(await outbox.deliverDue(ev.nextAttemptAt, opts)).toMatchObject({ delivered: 1 });
    ev = await outbox.get(id);
    expect(ev).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200 });
    expect(ev.deliveredAt).toBeInstanceOf(Date);
    expect(ev.lastError).toBeUndefined();
    expect(ev.attemptsLog.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    for (const a of ev.attemptsLog) expect(a.durationMs).toBeGreaterThanOrEqual(0);

    // What the provincial endpoint saw.
    expect(received).toHaveLength(3);
    for (const r of received) {
      expect(r.idempotencyKey).toBe(idempotencyKey);
      expect(r.authorization).toBe('Bearer feed-token-123');
      expect(r.contentType).toBe('application/json');
      expect(r.body).toEqual({
        id,
        type: 'case.accepted',
        caseNo: 'XY-20251027-0001',
        orgUnit: 'dingbao',
        occurredAt: '2025-10-27T01:00:01.000Z',
        data: { itemCode: 'GT-001', window: 'db-w01', promisedDays: 5 },
      });
    }
    expect(await outbox.stats()).toMatchObject({ pending: 0, delivered: 1, failed: 0, total: 1 });
    expect(await outbox.deliverDue(new Date(Date.now() + 3_600_000), opts)).toMatchObject({ picked: 0 });
  });

  it('sends due events oldest occurredAt first', async () => {
    await outbox.append(event(3));
    await outbox.append(event(1));
    await outbox.append(event(2));
    expect(await outbox.deliverDue(new Date(), delivery('/ok'))).toMatchObject({ picked: 3, delivered: 3 });
    expect(received.map((r) => r.body.caseNo)).toEqual(['XY-20251027-0001', 'XY-20251027-0002', 'XY-20251027-0003']);
    expect(received.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('dead-letters a 400, and retry() puts it back in the queue', async () => {
    const { id } = await outbox.append(event(1));
    expect(await outbox.deliverDue(new Date(), delivery('/reject'))).toMatchObject({ failed: 1 });
    let ev = await outbox.get(id);
    expect(ev).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 400 });
    expect(ev.lastError).toContain('HTTP 400');
    expect(ev.lastError).toContain('orgUnit unknown');
    expect(await outbox.list({ status: 'failed' })).toHaveLength(1);
    expect(await outbox.stats()).toMatchObject({ pending: 0, failed: 1 });
    // A dead letter is not picked again.
    expect(await outbox.deliverDue(new Date(Date.now() + 3_600_000), delivery('/ok'))).toMatchObject({ picked: 0 });

    ev = await outbox.retry(id);
    expect(ev).toMatchObject({ status: 'pending', attempts: 1, requeues: 1 });
    expect(await outbox.stats()).toMatchObject({ pending: 1, failed: 0 });
    await expect(outbox.retry(id)).rejects.toThrow(ConflictError);
    await expect(outbox.retry('no-such-event')).rejects.toThrow(NotFoundError);

    expect(await outbox.deliverDue(new Date(), delivery('/ok'))).toMatchObject({ delivered: 1 });
    ev = await outbox.get(id);
    expect(ev).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(ev.attemptsLog.map((a) => a.statusCode)).toEqual([400, 200]);
    expect(await outbox.list({ status: 'delivered' })).toHaveLength(1);
  });

  it('gives up after maxAttempts retryable failures; retry() grants a fresh budget', async () => {
    const limited = new Outbox(conn1, { baseBackoffMs: 10, maxAttempts: 3, workerId: 'w3' });
    const { id } = await limited.append(event(1));
    let now = new Date();
    for (let i = 0; i < 3; i++) {
      await limited.deliverDue(now, delivery('/always-503'));
      now = new Date(now.getTime() + 60_000);
    }
    let ev = await limited.get(id);
    expect(ev).toMatchObject({ status: 'failed', attempts: 3 });
    expect(ev.lastError).toMatch(/gave up after 3 attempts/);
    await limited.retry(id, now);
    await limited.deliverDue(now, delivery('/always-503'));
    ev = await limited.get(id);
    expect(ev).toMatchObject({ status: 'pending', attempts: 4 }); // attempt 1 of the new budget
  });

  it('counts a timeout as a retryable failure', async () => {
    const { id } = await outbox.append(event(1));
    const started = Date.now();
    const r = await outbox.deliverDue(new Date(), delivery('/hang', { timeoutMs: 200 }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({ retrying: 1, stoppedEarly: true });
    const ev = await outbox.get(id);
    expect(ev).toMatchObject({ status: 'pending', attempts: 1, lastError: 'timeout after 200 ms' });
    expect(ev.lastStatus).toBeUndefined();
    expect(ev.attemptsLog[0].error).toBe('timeout after 200 ms');
    expect(ev.attemptsLog[0].durationMs).toBeGreaterThanOrEqual(150);
    expect(received.filter((x) => x.path === '/hang')).toHaveLength(1);
  });

  it('counts a refused connection as retryable and stops the batch (endpoint unreachable)', async () => {
    await outbox.append(event(1));
    await outbox.append(event(2));
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await outbox.deliverDue(new Date(), { endpoint: `http://127.0.0.1:${port}/feed`, timeoutMs: 2000, batch: 10 });
    expect(r).toMatchObject({ picked: 2, retrying: 1, stoppedEarly: true });
    const [a, b] = await outbox.list();
    expect(a).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('network error') });
    expect(b).toMatchObject({ status: 'pending', attempts: 0 }); // not burnt
  });
});

describe('two workers at once', () => {
  it('never POST the same attempt twice', async () => {
    const N = 20;
    for (let i = 1; i <= N; i++) await outbox.append(event(i));
    let now = new Date();
    const totals = { w1: 0, w2: 0, skipped: 0 };
    for (let round = 0; round < 10 && (await outbox.stats()).delivered < N; round++) {
      const [a, b] = await Promise.all([outbox.deliverDue(now, delivery('/slow-once')), outbox2.deliverDue(now, delivery('/slow-once'))]);
      totals.w1 += a.delivered + a.retrying;
      totals.w2 += b.delivered + b.retrying;
      totals.skipped += a.skipped + b.skipped;
      now = new Date(now.getTime() + 60_000);
    }
    expect(await outbox.stats()).toMatchObject({ delivered: N, pending: 0, failed: 0 });
    // Every event: exactly attempt 1 (503) and attempt 2 (200), each sent once.
    for (let i = 1; i <= N; i++) {
      const ev = await outbox.get(event(i).dedupeKey);
      expect(ev.attempts).toBe(2);
      expect(ev.attemptsLog.map((x) => [x.attempt, x.statusCode])).toEqual([
        [1, 503],
        [2, 200],
      ]);
      expect(seenPerId.get(`/slow-once|${ev.id}`)).toBe(2);
    }
    expect(received).toHaveLength(2 * N);
    if (process.env.OUTBOX_TEST_VERBOSE) console.log('two workers:', totals);
    expect(totals.w1 + totals.w2).toBe(2 * N);
    expect(await conn1.db!.collection('outbox_leases').countDocuments()).toBe(2 * N);
  });

  it('skips an attempt another worker holds, and recovers one whose worker died', async () => {
    const { id } = await outbox.append(event(1));
    const now = new Date();
    // Another live worker claimed attempt 1 a moment ago: hands off.
    await conn1.db!.collection<any>('outbox_leases').insertOne({ _id: `${id}:1`, eventId: id, attempt: 1, kind: 'send', worker: 'other', claimedAt: now, expiresAt: new Date(now.getTime() + 60_000) });
    expect(await outbox.deliverDue(now, delivery('/ok'))).toMatchObject({ picked: 1, skipped: 1, delivered: 0 });
    expect(received).toHaveLength(0);

    // Later that lease has expired with attempt 1 never recorded: its worker died.
    const later = new Date(now.getTime() + 120_000);
    const [r1, r2] = await Promise.all([outbox.deliverDue(later, delivery('/ok')), outbox2.deliverDue(later, delivery('/ok'))]);
    expect(r1.recovered + r2.recovered).toBe(1);
    expect(received).toHaveLength(0);
    let ev = await outbox.get(id);
    expect(ev).toMatchObject({ status: 'pending', attempts: 1 });
    expect(ev.attemptsLog[0]).toMatchObject({ attempt: 1, worker: 'other', error: expect.stringContaining('abandoned') });

    await outbox.deliverDue(later, delivery('/ok'));
    ev = await outbox.get(id);
    expect(ev).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(received).toHaveLength(1);
    // Settled leases can be pruned; the abandoned-claim marker and both attempts are settled.
    expect(await outbox.pruneLeases(new Date(later.getTime() + 1))).toBe(3);
  });

  it('prunes delivered events past retention, never pending or failed ones', async () => {
    const now = new Date();
    // Appended at `now` (the default stamp is the append's own clock, a millisecond later on a busy
    // machine, and then not yet due at `now`).
    const ok = await outbox.append({ ...event(1), dedupeKey: 'prune:ok' }, now);
    const bad = await outbox.append({ ...event(2), dedupeKey: 'prune:bad' }, now);
    await outbox.deliverDue(now, delivery('/ok'));
    expect((await outbox.get(ok.id)).status).toBe('delivered');
    await conn1.db!.collection<any>('outbox').updateOne({ _id: bad.id }, { $set: { status: 'failed' } });
    const pending = await outbox.append({ ...event(3), dedupeKey: 'prune:pending' }, new Date(now.getTime() + 3_600_000));
    await conn1.db!.collection<any>('outbox').updateOne({ _id: pending.id }, { $set: { nextAttemptAt: new Date(now.getTime() + 3_600_000) } });
    // not yet past retention
    expect(await outbox.pruneDelivered(new Date(now.getTime() - 1000))).toBe(0);
    const later = new Date(Date.now() + 1000);
    expect(await outbox.pruneDelivered(later)).toBe(1);
    await expect(outbox.get(ok.id)).rejects.toThrow();
    expect((await outbox.get(bad.id)).status).toBe('failed');
    expect((await outbox.get(pending.id)).status).toBe('pending');
    expect(await conn1.db!.collection('outbox_leases').countDocuments({ eventId: ok.id })).toBe(0);
    // appended again after the prune: the same Idempotency-Key, so the receiver drops the repeat
    expect((await outbox.append({ ...event(1), dedupeKey: 'prune:ok' })).idempotencyKey).toBe(ok.idempotencyKey);
  });
});

describe('endpoint rules', () => {
  it('accepts loopback and configured hosts over http(s), refuses the rest', () => {
    expect(checkEndpoint('http://127.0.0.1:8080/feed').hostname).toBe('127.0.0.1');
    expect(checkEndpoint('http://localhost/feed').hostname).toBe('localhost');
    expect(checkEndpoint('http://[::1]:9/feed').hostname).toBe('[::1]');
    expect(checkEndpoint('https://jc.gdzwfw.gov.cn/api/feed', ['jc.gdzwfw.gov.cn'], { token: 't' }).protocol).toBe('https:');
    const refused = (u: string, hosts: string[] = [], token?: string) => {
      let err: unknown;
      try {
        checkEndpoint(u, hosts, { token });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).code;
    };
    expect(refused('ftp://127.0.0.1/feed')).toBe('OUTBOX_ENDPOINT_SCHEME');
    expect(refused('file:///etc/passwd')).toBe('OUTBOX_ENDPOINT_SCHEME');
    expect(refused('javascript:alert(1)')).toBe('OUTBOX_ENDPOINT_SCHEME');
    expect(refused('/relative/path')).toBe('OUTBOX_ENDPOINT_INVALID');
    expect(refused('https://evil.example.org/feed')).toBe('OUTBOX_ENDPOINT_HOST');
    expect(refused('https://127.0.0.1.nip.io/feed')).toBe('OUTBOX_ENDPOINT_HOST');
    expect(refused('http://user:pw@127.0.0.1/feed')).toBe('OUTBOX_ENDPOINT_CREDENTIALS');
    expect(refused('http://jc.gdzwfw.gov.cn/feed', ['jc.gdzwfw.gov.cn'], 'secret')).toBe('OUTBOX_ENDPOINT_INSECURE');
  });

  it('deliverDue refuses a bad endpoint before sending anything', async () => {
    await outbox.append(event(1));
    await expect(outbox.deliverDue(new Date(), { endpoint: 'https://evil.example.org/x', timeoutMs: 100, batch: 1 })).rejects.toThrow(ValidationError);
    expect((await outbox.get(event(1).dedupeKey)).attempts).toBe(0);
  });

  it('reads the feed configuration from the environment', () => {
    expect(loadFeedConfig({}).delivery).toBeUndefined();
    const c = loadFeedConfig({ PROVINCE_FEED_URL: 'https://jc.gdzwfw.gov.cn/feed', PROVINCE_FEED_ALLOWED_HOSTS: 'JC.gdzwfw.gov.cn, other.gov.cn', PROVINCE_FEED_TOKEN: 'abc', PROVINCE_FEED_BATCH: '20' });
    expect(c.outbox.allowedHosts).toEqual(['jc.gdzwfw.gov.cn', 'other.gov.cn']);
    expect(c.delivery).toEqual({ endpoint: 'https://jc.gdzwfw.gov.cn/feed', timeoutMs: 10_000, batch: 20, token: 'abc' });
    expect(() => loadFeedConfig({ PROVINCE_FEED_URL: 'https://jc.gdzwfw.gov.cn/feed' })).toThrow(/PROVINCE_FEED_URL/);
  });
});
