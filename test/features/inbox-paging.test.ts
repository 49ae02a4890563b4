/**
 * Issue #11 — an inbox costs one page, not everything a clerk holds. At 100,000 stored cases the
 * bench's clerks held ~360 open steps each and every inbox call read, enriched (clocks, cases,
 * names) and sent all of them (p99 334 ms). Now `GET /api/inbox` answers one page (`limit`,
 * default 50, at most 200; `offset`) and `GET /api/inbox/counts` the sizes of the inboxes (tabs,
 * home page) without reading the steps.
 *
 * Real server, real database: 56 cases taken in by 王晓燕 (`clerk`) of 丁堡镇, applicants with
 * ordinary mobile numbers and an ID ending in X; 东镇街道's clerk asks the same endpoints.
 */
import { ApiClient } from '../helpers/api';
import { residentId } from '../helpers/people';
import { startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

const CASES = 56;
const ID_X = (() => {
  for (let seq = 100; seq < 1000; seq++) {
    const id = residentId('19900101', seq);
    if (id.endsWith('X')) return id;
  }
  throw new Error('no ID ending in X');
})();

describe('inbox pages and counts (issue #11)', () => {
  let server: RunningProcess;
  let clerk: ApiClient;
  let foreign: ApiClient;
  const taken: string[] = [];

  beforeAll(async () => {
    server = await startServer(uniqueDbName('inbox-paging'));
    clerk = await ApiClient.login(server.url, 'clerk');
    foreign = await ApiClient.login(server.url, 'dongzhen-w10-a');
    const item = (await clerk.get('/api/items/SZ-002')).body;
    for (let i = 0; i < CASES; i++) {
      // the last one's ID ends in X (a check digit of 10)
      const id = i === CASES - 1 ? ID_X : residentId('19880506', 100 + i);
      const r = await clerk.post('/api/intake', {
        itemCode: item.code,
        applicant: { kind: 'person', name: i % 2 ? '阿依古丽·买买提' : '张丽华', idType: 'resident-id', idNumber: id, phone: `1380013${String(8000 + i).slice(-4)}`, address: '信宜市丁堡镇中心街 8 号' },
        materials: item.materials.map((m: any) => ({ code: m.code, provided: true })),
      });
      expect(r.status).toBe(201);
      taken.push(r.body.case.caseNo);
    }
  }, 240_000);
  afterAll(async () => {
    await server?.kill();
  });

  it('pages the clerk\'s own steps by deadline: 50, then the rest, none twice, none left out; the counts say how many', async () => {
    const counts = (await clerk.get('/api/inbox/counts')).body;
    expect(counts.mine.total).toBeGreaterThanOrEqual(CASES);
    expect(counts.mine.late + counts.mine.warned).toBeLessThanOrEqual(counts.mine.total);
    const first = (await clerk.get('/api/inbox?filter=mine')).body as any[];
    expect(first).toHaveLength(50);
    const rest = (await clerk.get('/api/inbox?filter=mine&offset=50&limit=200')).body as any[];
    expect(first.length + rest.length).toBe(counts.mine.total);
    const ids = [...first, ...rest].map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    const caseNos = new Set([...first, ...rest].map((t) => t.caseNo));
    for (const no of taken) expect(caseNos).toContain(no);
    // by deadline across the page boundary (no deadline last)
    const due = [...first, ...rest].map((t) => (t.dueDate ? new Date(t.dueDate).getTime() : Infinity));
    for (let i = 1; i < due.length; i++) expect(due[i]).toBeGreaterThanOrEqual(due[i - 1]);
    // every row still enriched: masked applicant, deadline
    expect(rest.at(-1).case.applicant.phone).toMatch(/^138\*\*\*\*\d{4}$/);
    expect(JSON.stringify([...first, ...rest])).not.toMatch(/1380013\d{4}/);
    expect(first[0].deadline).toBeTruthy();
    // the window's page and count agree too
    const win = (await clerk.get('/api/inbox?filter=window&limit=200')).body as any[];
    expect(win.length).toBe(Math.min(200, counts.window));
  });

  it('a clerk of another town counts and pages none of them', async () => {
    const c = (await foreign.get('/api/inbox/counts')).body;
    for (const f of ['mine', 'window', 'groups', 'cc']) {
      const rows = (await foreign.get(`/api/inbox?filter=${f}&limit=200`)).body as any[];
      for (const no of taken) expect(rows.map((r) => r.caseNo)).not.toContain(no);
      expect(f === 'mine' ? c.mine.total : c[f]).toBe(rows.length);
    }
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=abc', 'limit'],
    ['offset=-1', 'offset'],
    ['filter=everything', 'filter'],
  ])('refuses %s with a problem naming %s', async (query, field) => {
    const r = await clerk.get(`/api/inbox?${query}`);
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(r.body)).toContain(field);
  });
});
