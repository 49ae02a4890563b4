/**
 * The outbound feed to the provincial supervision platform, end to end: a real server process
 * publishes case events to a loopback endpoint (standing in for the province) with retries and
 * idempotency keys; operators see the delivery state. No applicant data leaves.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('provincial supervision feed (省级电子监察平台推送)', () => {
  let province: Server;
  let server: RunningProcess;
  const received: { key: string; body: any }[] = [];
  let failFirst = 2;

  beforeAll(async () => {
    province = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        if (failFirst-- > 0) {
          res.writeHead(503).end('busy');
          return;
        }
        received.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(raw) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => province.listen(0, '127.0.0.1', r));
    const port = (province.address() as AddressInfo).port;
    server = await startServer(uniqueDbName('feed'), { PROVINCE_FEED_URL: `http://127.0.0.1:${port}/feed`, PROVINCE_FEED_BACKOFF_MS: '100', ALLOW_LIMIT_OVERRIDES: 'true' });
  });
  afterAll(async () => {
    await server?.kill();
    await new Promise((r) => province.close(r));
  });

  it('delivers case events with retries and idempotency keys, without personal data, and shows the delivery state', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const supervisor = await ApiClient.login(server.url, 'supervisor');
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    const person = applicant('吴国华', '13922223333');
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: person, materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { promisedLimit: 'PT2S', statutoryLimit: 'PT1H' } });
    const caseNo = r.body.case.caseNo;
    const accepted = await waitFor(async () => received.find((e) => e.body.type === 'case.accepted' && e.body.caseNo === caseNo), 'case.accepted at the province', 20_000);
    expect(accepted.body).toMatchObject({ caseNo, orgUnit: 'dingbao', data: { itemCode: item.code } });
    expect(accepted.key).toMatch(/^[0-9a-f-]{36}$/);
    const breach = await waitFor(async () => received.find((e) => e.body.type === 'clock.breach' && e.body.caseNo === caseNo), 'the breach at the province', 20_000);
    expect(breach.body.data.clockId).toBe(`${caseNo}:promised`);
    const everything = JSON.stringify(received);
    expect(everything).not.toContain(person.idNumber);
    expect(everything).not.toContain('13922223333');
    expect(everything).not.toContain('吴国华');
    const stats = (await supervisor.get('/api/outbox/stats')).body;
    expect(stats.enabled).toBe(true);
    expect(stats.delivered).toBeGreaterThanOrEqual(2);
    const events = (await supervisor.get('/api/outbox/events?status=delivered&limit=500')).body;
    const first = events.find((e: any) => e.type === 'case.accepted' && e.caseNo === caseNo) ?? events[0];
    expect(first.attemptsLog?.length ?? first.attempts).toBeGreaterThanOrEqual(1);
    expect((await clerk.get('/api/outbox/stats')).status).toBe(403);
  });
});
