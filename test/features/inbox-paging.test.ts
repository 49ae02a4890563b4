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
import type { Browser } from 'playwright-core';
import { ApiClient } from '../helpers/api';
import { launchBrowser, openPage, signIn } from '../helpers/browser';
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
  let browser: Browser | undefined;

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
    await browser?.close();
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

  it('browser, 1366×768: the tab shows how many, the table one page of 50, the pager the rest; the home page counts them all', async () => {
    browser = await launchBrowser();
    const errors: string[] = [];
    const { page } = await openPage(browser, errors, { width: 1366, height: 768 });
    await signIn(page, 'clerk', { url: server.url + '/#/login' });
    const total = (await clerk.get('/api/inbox/counts')).body.mine.total as number;
    await page.goto(server.url + '/#/workbench/inbox?filter=mine');
    await page.getByTestId('inbox-count-mine').waitFor();
    expect(await page.getByTestId('inbox-count-mine').innerText()).toContain(String(total));
    await page.getByTestId('inbox-row').first().waitFor();
    expect(await page.getByTestId('inbox-row').count()).toBe(50);
    expect(await page.locator('.ant-table-pagination').innerText()).toContain(`共 ${total} 件`);
    await page.locator('.ant-pagination-item-2').click();
    await page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('[data-testid="inbox-row"]').length === n, total - 50);
    expect(page.url()).toContain('page=2');
    const second = await page.getByTestId('inbox-case-no').allInnerTexts();
    expect(second.length).toBe(total - 50);
    // the home page's 我的待办 counts every step, not the first page
    await page.goto(server.url + '/#/workbench');
    await page.getByTestId('count-todo').waitFor();
    await page.waitForFunction((n) => (globalThis as any).document.querySelector('[data-testid="count-todo"] .ant-statistic-content-value')?.textContent === String(n), total);
    expect(errors).toEqual([]);
  }, 120_000);

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
