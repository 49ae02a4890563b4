/**
 * Limits that hold: rate limits key on the real peer (X-Forwarded-For is ignored unless the
 * operator names the proxy with TRUST_PROXY), login attempts are limited per user and per
 * address, and every response carries the standard security headers with a CSP.
 */
import { spawnSync } from 'node:child_process';
import { ApiClient, DEMO_PASSWORD } from '../helpers/api';
import { ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

/** api/config.ts's loadConfig run in a child (jest cannot load the engine's ES modules). */
function trustProxyOf(value?: string): string {
  const code = `import('./api/config.ts').then((m) => { try { console.log(JSON.stringify((m.loadConfig ?? m.default.loadConfig)(${JSON.stringify(value === undefined ? {} : { TRUST_PROXY: value })}).trustProxy)); } catch (e) { console.log('error: ' + e.message); } })`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return r.stdout.trim().split('\n').pop() ?? r.stderr;
}

describe('TRUST_PROXY configuration', () => {
  it('is off unless named, and takes addresses, CIDR ranges and the named ranges', () => {
    expect(JSON.parse(trustProxyOf())).toEqual([]);
    expect(JSON.parse(trustProxyOf('127.0.0.1, 10.0.0.0/8,::1,loopback'))).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'loopback']);
    expect(trustProxyOf('true')).toMatch(/TRUST_PROXY.*"true" is not an address/);
    expect(trustProxyOf('10.0.0.0/33')).toMatch(/TRUST_PROXY/);
  });
});

describe('limits that hold', () => {
  let server: RunningProcess;
  const LOOKUPS = 5;

  beforeAll(async () => {
    server = await startServer(uniqueDbName('limits'), { LOOKUP_PER_MINUTE: String(LOOKUPS) });
  });
  afterAll(async () => {
    await server?.kill();
  });

  it('limits the public case lookup per real peer, whatever X-Forwarded-For says', async () => {
    const anon = new ApiClient(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < LOOKUPS + 5; i++) {
      const r = await anon.post('/api/public/case-lookup', { caseNo: 'DB-20261128-0001', queryCode: `wrong${i}` }, { 'x-forwarded-for': `203.0.113.${i + 1}`, 'x-real-ip': `198.51.100.${i + 1}` });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.contentType).toMatch(/^application\/problem\+json/);
        expect(r.body.code).toBe('RATE_LIMITED');
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, LOOKUPS).every((s) => s === 404 || s === 400)).toBe(true);
    expect(statuses.slice(LOOKUPS)).toEqual(Array(5).fill(429));
  });

  it('limits failed logins per user: the eleventh attempt in 15 minutes is refused, even with the right password', async () => {
    const anon = new ApiClient(server.url);
    for (let i = 0; i < 10; i++) {
      const r = await anon.post('/api/auth/login', { username: 'manager', password: `wrong-${i}` }, { 'x-forwarded-for': `203.0.113.${i + 1}` });
      expect(r.status).toBe(401);
    }
    const locked = await anon.post('/api/auth/login', { username: 'Manager ', password: DEMO_PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.detail).toMatch(/failed logins for this user/);
    // another user from the same address still logs in
    expect((await anon.post('/api/auth/login', { username: 'clerk', password: DEMO_PASSWORD })).status).toBe(200);
  });

  it('limits login attempts per address: 30 a minute, whatever the user names', async () => {
    const anon = new ApiClient(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await anon.post('/api/auth/login', { username: `nobody${i}`, password: 'x' }, { 'x-forwarded-for': `198.51.100.${i}` })).status);
    // 12 attempts above, 25 here: the last ones are over 30
    expect(statuses.filter((s) => s === 429).length).toBe(7);
    expect((await anon.post('/api/auth/login', { username: 'designer', password: DEMO_PASSWORD })).status).toBe(429);
  });

  it('sends the standard security headers with a CSP on the API and the browser app', async () => {
    for (const url of ['/api/health', '/api/public/towns', '/', '/workbench']) {
      const r = await fetch(server.url + url);
      const h = Object.fromEntries(r.headers);
      expect(h['content-security-policy']).toMatch(/default-src 'self'/);
      expect(h['content-security-policy']).toMatch(/script-src 'self';/);
      expect(h['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(h['content-security-policy']).toMatch(/object-src 'none'/);
      expect(h['x-content-type-options']).toBe('nosniff');
      expect(h['x-frame-options']).toBe('DENY');
      expect(h['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(h['referrer-policy']).toBe('no-referrer');
      expect(h['cross-origin-opener-policy']).toBe('same-origin');
      expect(h['x-powered-by']).toBeUndefined();
    }
  });
});
