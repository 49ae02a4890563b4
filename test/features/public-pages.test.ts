/**
 * The public pages in a real browser, anonymously, at phone width (390×844) and at 1366×768:
 * a member of the public finds an item's guide from the home page search (five disclosures and
 * the procedure diagram), looks a case up by number + phone, rates it, complains and reads the
 * reply by reference + query code; the town notice board; no horizontal overflow on a phone.
 * Cases are taken in through the API as the clerk — real server, real database, real Chromium.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, waitFor } from '../helpers/api';
import { launchBrowser, openPage } from '../helpers/browser';
import { applicant } from '../helpers/people';
import { ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

const SHOTS = path.join(ROOT, '.test-data', 'screenshots');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };

describe('public pages (办事指南 / 办件查询 / 好差评 / 投诉举报) in the browser', () => {
  let server: RunningProcess;
  let browser: Browser;
  let clerk: ApiClient;
  let items: any[];
  /** report-up case (低保), accepted, now at the town review; applicant phone 13912345678 */
  let reportUp: { caseNo: string; itemCode: string };
  /** immediate case, completed at the window; applicant phone 13700001111 */
  let immediate: { caseNo: string; itemCode: string; itemName: string };

  const openTask = (caseNo: string, elementId: string) =>
    waitFor(async () => {
      const c = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
      return c.steps?.find((s: any) => s.elementId === elementId && s.status === 'open' && s.kind === 'engine');
    }, `open step ${elementId} of ${caseNo}`);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer(uniqueDbName('public_pages'), { LOOKUP_PER_MINUTE: '8' });
    clerk = await ApiClient.login(server.url, 'clerk');
    items = (await clerk.get('/api/items')).body;
    const full = (it: any) => it.materials.map((m: any) => ({ code: m.code, provided: true }));

    const low = items.find((i) => i.code === 'SW-003');
    expect(low.procedure).toBe('report-up-item');
    const r1 = await clerk.post('/api/intake', { itemCode: low.code, applicant: applicant('王桂兰', '13912345678'), materials: full(low) });
    expect(r1.status).toBe(201);
    reportUp = { caseNo: r1.body.case.caseNo, itemCode: low.code };
    const accept = await openTask(reportUp.caseNo, 'town-accept');
    expect((await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve', opinion: '材料齐全，予以受理' })).status).toBe(200);
    await openTask(reportUp.caseNo, 'town-review');

    const imm = items.find((i) => i.procedure === 'immediate-item');
    const r2 = await clerk.post('/api/intake', { itemCode: imm.code, applicant: applicant('陈美玲', '13700001111'), materials: full(imm) });
    expect(r2.status).toBe(201);
    immediate = { caseNo: r2.body.case.caseNo, itemCode: imm.code, itemName: imm.name };
    const step = await openTask(immediate.caseNo, 'window-handle');
    expect((await clerk.post(`/api/tasks/${step.taskId}/complete`, { decision: 'approve', opinion: '当场办结' })).status).toBe(200);
    await waitFor(async () => (await clerk.get(`/api/service-cases/${immediate.caseNo}`)).body.status === 'completed', 'the immediate case to complete');

    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  async function newPage(viewport: { width: number; height: number }) {
    const errors: string[] = [];
    return { ...(await openPage(browser, errors, viewport, { isolated: true })), errors };
  }

  async function noHorizontalOverflow(page: Page, width: number, where: string) {
    const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    if (scrollWidth > width) throw new Error(`${where}: page is ${scrollWidth} px wide at a ${width} px viewport`);
  }

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: path.join(SHOTS, `public-${name}.png`), fullPage: true });
  }

  /** Home → search → item guide with the five disclosures and the diagram. */
  async function findGuide(page: Page, width: number, search: string, code: string, prefix: string) {
    await page.goto(`${server.url}/`);
    await page.getByTestId('public-home').waitFor();
    await page.locator('[data-testid="public-item"]').first().waitFor();
    await noHorizontalOverflow(page, width, 'home');
    await page.getByTestId('public-search').fill(search);
    const link = page.locator(`[data-testid="public-item-link"][data-code="${code}"]`);
    await link.waitFor();
    expect(await page.locator('[data-testid="public-item"]').count()).toBeLessThan(items.length);
    await shot(page, `${prefix}-home`);
    // by keyboard: the result is a real link
    await link.focus();
    await page.keyboard.press('Enter');

    const guide = page.locator(`[data-testid="item-guide"][data-code="${code}"]`);
    await guide.waitFor();
    const item = items.find((i) => i.code === code);
    await expect(page.getByTestId('guide-title').textContent()).resolves.toBe(item.name);
    for (const d of ['disclosure-name', 'disclosure-procedure', 'disclosure-materials', 'disclosure-time-limit', 'disclosure-fees']) {
      await page.getByTestId(d).waitFor();
    }
    // every material is listed, the time limits are in working days, the fees are stated
    const materials = await page.getByTestId('disclosure-materials').textContent();
    for (const m of item.materials) expect(materials).toContain(m.name);
    await expect(page.getByTestId('time-statutory').textContent()).resolves.toContain(`${item.statutoryLimitDays} 个工作日`);
    await expect(page.getByTestId('disclosure-fees').textContent()).resolves.toMatch(item.fees.free ? /不收费/ : /¥/);
    // the procedure: steps from the deployed diagram, and the diagram itself (read-only)
    await expect(page.getByTestId('procedure-steps').textContent()).resolves.toContain('受理');
    const diagram = page.locator('[data-testid="guide-diagram"][data-imported="true"]');
    await diagram.waitFor({ timeout: 20_000 });
    expect(await diagram.locator('[data-testid="flow-node"]').count()).toBeGreaterThan(2);
    // only what the applicant goes through: no timers, escalations or gateways
    expect(await diagram.textContent()).not.toMatch(/超时|督办/);
    await noHorizontalOverflow(page, width, 'guide');
    await shot(page, `${prefix}-guide`);
  }

  /** Lookup by number + phone → status, current step, steps done; then a rating. */
  async function lookUp(page: Page, width: number, caseNo: string, phone: string) {
    await page.getByTestId('lookup-caseno').fill(caseNo);
    await page.getByTestId('lookup-by').getByText('手机号', { exact: true }).click();
    await page.getByTestId('lookup-phone').fill(phone);
    await page.getByTestId('lookup-submit').click();
    const result = page.getByTestId('lookup-result');
    await result.waitFor();
    await noHorizontalOverflow(page, width, 'lookup');
    return result;
  }

  it('at phone width: finds the guide, looks the case up by number and phone, rates it, complains and reads the complaint', async () => {
    const { page, errors, close } = await newPage(PHONE);
    try {
      await findGuide(page, PHONE.width, '低保', reportUp.itemCode, 'phone');
      await expect(page.locator('[data-testid="guide-diagram"] [data-element-id="town-review"]').count()).resolves.toBe(1);

      // from the guide to the lookup
      await page.getByTestId('guide-lookup-link').click();
      await page.getByTestId('lookup-page').waitFor();
      await noHorizontalOverflow(page, PHONE.width, 'lookup form');

      // a wrong phone: a plain Chinese "not found"
      await page.getByTestId('lookup-caseno').fill(reportUp.caseNo);
      await page.getByTestId('lookup-by').getByText('手机号', { exact: true }).click();
      await page.getByTestId('lookup-phone').fill('13900000000');
      await page.getByTestId('lookup-submit').click();
      await expect(page.getByTestId('not-found').textContent()).resolves.toContain('没有找到该办件');

      const result = await lookUp(page, PHONE.width, reportUp.caseNo, '139 1234 5678');
      await expect(page.getByTestId('not-found').count()).resolves.toBe(0);
      await expect(result.getAttribute('data-status')).resolves.toBe('in-progress');
      await expect(page.getByTestId('lookup-status').textContent()).resolves.toBe('办理中');
      await expect(page.getByTestId('lookup-current').textContent()).resolves.toContain('初审');
      await expect(page.getByTestId('lookup-deadline').textContent()).resolves.toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
      expect(await page.getByTestId('lookup-step-done').count()).toBeGreaterThanOrEqual(1);
      // personal data stays masked
      const text = (await result.textContent()) ?? '';
      expect(text).not.toContain('王桂兰');
      expect(text).not.toContain('13912345678');
      await shot(page, 'phone-lookup');

      // 好差评: the acceptance is rated (completion is not open yet)
      await expect(page.getByRole('radio', { name: '办结服务' }).isDisabled()).resolves.toBe(true);
      await page.getByRole('radio', { name: '满意', exact: true }).check();
      await page.getByTestId('rating-comment').fill('窗口人员耐心解释');
      await page.getByTestId('rating-submit').click();
      await expect(page.getByTestId('rating-done').textContent()).resolves.toContain('满意');
      const ratings = (await clerk.get(`/api/service-cases/${reportUp.caseNo}/ratings`)).body;
      expect(ratings).toEqual([expect.objectContaining({ stage: 'acceptance', level: 4, comment: '窗口人员耐心解释' })]);
      await noHorizontalOverflow(page, PHONE.width, 'rating');

      // 投诉举报 about this case, from the lookup result
      await page.getByTestId('lookup-complain').click();
      await page.getByTestId('complaint-page').waitFor();
      await expect(page.getByTestId('complaint-caseno').inputValue()).resolves.toBe(reportUp.caseNo);
      await page.getByTestId('complaint-content').fill('初审环节等了很久没有人解释进度');
      // the page sends one Idempotency-Key per complaint: its resend after a lost answer files it once
      const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/public/complaints'));
      await page.getByTestId('complaint-submit').click();
      expect((await sent).headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
      const reference = (await page.getByTestId('complaint-reference').textContent())!;
      const code = (await page.getByTestId('complaint-code').textContent())!;
      expect(reference).toMatch(/^TS-DB-\d{8}-\d{4}$/);
      expect(code).toMatch(/^[2-9A-Z]{6}$/);
      await noHorizontalOverflow(page, PHONE.width, 'complaint receipt');
      await shot(page, 'phone-complaint');

      await page.getByTestId('complaint-go-lookup').click();
      await expect(page.getByTestId('complaint-lookup-ref').inputValue()).resolves.toBe(reference);
      await page.getByTestId('complaint-lookup-submit').click();
      await expect(page.getByTestId('complaint-status').textContent()).resolves.toBe('已受理');
      await expect(page.getByTestId('complaint-no-reply').isVisible()).resolves.toBe(true);
      await noHorizontalOverflow(page, PHONE.width, 'complaint lookup');

      // the town board on a phone
      await page.goto(`${server.url}/#/public/towns/dingbao`);
      await page.getByTestId('town-window').first().waitFor();
      await page.getByTestId('board-post').first().waitFor();
      await page.getByTestId('town-window-count').nth(11).waitFor({ timeout: 20_000 });
      await noHorizontalOverflow(page, PHONE.width, 'town board');
      await shot(page, 'phone-town');
      expect(errors).toEqual([]);
    } finally {
      await shot(page, 'phone-last').catch(() => undefined);
      await close();
    }
  });

  it('at 1366×768: guide, lookup of a completed case by number and phone, completion rating, complaint about a window answered by the discipline commission', async () => {
    const { page, errors, close } = await newPage(DESKTOP);
    try {
      await findGuide(page, DESKTOP.width, immediate.itemName.slice(0, 4), immediate.itemCode, 'desktop');
      await expect(page.getByTestId('materials-table').isVisible()).resolves.toBe(true);

      await page.goto(`${server.url}/#/public`);
      await page.getByTestId('home-lookup-link').click();
      await page.getByTestId('lookup-page').waitFor();
      const result = await lookUp(page, DESKTOP.width, immediate.caseNo, '13700001111');
      await expect(result.getAttribute('data-status')).resolves.toBe('completed');
      await expect(page.getByTestId('lookup-status').textContent()).resolves.toBe('已办结');
      await expect(page.getByTestId('lookup-step-done').first().textContent()).resolves.toContain('窗口当场办结');
      await expect(page.getByTestId('lookup-progress').textContent()).resolves.toContain('办结');
      expect(await result.textContent()).not.toContain('陈美玲');
      await page.getByRole('radio', { name: '非常满意', exact: true }).check();
      await page.getByTestId('rating-submit').click();
      await expect(page.getByTestId('rating-done').textContent()).resolves.toContain('非常满意');
      const ratings = (await clerk.get(`/api/service-cases/${immediate.caseNo}/ratings`)).body;
      expect(ratings).toEqual([expect.objectContaining({ stage: 'completion', level: 5 })]);
      await shot(page, 'desktop-lookup');

      // a complaint about a window, from the home page; contact left out
      await page.goto(`${server.url}/#/public`);
      await page.getByTestId('home-complaint-link').click();
      await page.getByTestId('complaint-form').waitFor();
      await page.getByLabel('被投诉单位').click();
      await page.getByLabel('被投诉单位').fill('丁堡');
      await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '丁堡镇' }).first().click();
      await page.getByRole('radio', { name: '某个窗口' }).check();
      await page.getByLabel('窗口', { exact: true }).click();
      await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '3 号窗口' }).first().click();
      await page.getByTestId('complaint-content').fill('窗口人员上班时间离岗，群众等候一小时');
      await page.getByTestId('complaint-submit').click();
      const reference = (await page.getByTestId('complaint-reference').textContent())!;
      const code = (await page.getByTestId('complaint-code').textContent())!;
      const jw = await ApiClient.login(server.url, 'dingbao-jw');
      const listed = (await jw.get('/api/complaints')).body.find((c: any) => c.reference === reference);
      expect(listed.target).toMatchObject({ kind: 'window', windowId: 'dingbao-w03' });
      expect((await jw.post(`/api/complaints/${reference}/reply`, { text: '经核查属实，已对当事人批评教育并通报' })).status).toBe(200);

      // read the reply by reference + query code, typed in a fresh form
      await page.goto(`${server.url}/#/public/complaints?tab=lookup`);
      await page.getByTestId('complaint-lookup-ref').fill(reference);
      await page.getByTestId('complaint-lookup-code').fill(code.toLowerCase());
      await page.getByTestId('complaint-lookup-submit').click();
      await expect(page.getByTestId('complaint-reply').textContent()).resolves.toContain('批评教育');
      await expect(page.getByTestId('complaint-status').textContent()).resolves.toBe('已答复');
      await shot(page, 'desktop-complaint');

      // the town board: the centre, its 12 windows with their items, the posts newest first
      await page.goto(`${server.url}/#/public/towns/dingbao`);
      await page.getByTestId('board-post').first().waitFor();
      await page.getByTestId('town-window').nth(11).waitFor();
      expect(await page.getByTestId('town-window').count()).toBe(12);
      const board = (await new ApiClient(server.url).get('/api/public/towns/dingbao/board')).body;
      expect(board.length).toBeGreaterThan(0);
      const shown = await page.getByTestId('board-post').allTextContents();
      expect(shown).toHaveLength(board.length);
      board.forEach((p: any, i: number) => expect(shown[i]).toContain(p.title)); // newest first, as served
      await expect(page.getByTestId('town-centre').textContent()).resolves.toContain('0668');
      // each window lists the items it takes in; the comprehensive window takes in every department's
      await page.getByTestId('town-window-count').nth(11).waitFor({ timeout: 20_000 });
      const counts = (await page.getByTestId('town-window-count').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count')))));
      expect(counts).toHaveLength(12);
      expect(Math.max(...counts)).toBeGreaterThanOrEqual(9);
      const comprehensive = page.locator('[data-testid="town-window"][data-window="dingbao-w10"]');
      await comprehensive.click();
      await page.getByRole('link', { name: immediate.itemName }).first().waitFor();
      await noHorizontalOverflow(page, DESKTOP.width, 'town board');
      await shot(page, 'desktop-town');
      // English on the same page
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByText('Notice board', { exact: true }).waitFor();
      await page.getByRole('button', { name: /^中\s?文$/ }).click();
      await page.getByText('公告栏', { exact: true }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await shot(page, 'desktop-last').catch(() => undefined);
      await close();
    }
  });

  it('serves only public items\' diagrams, and says so plainly when lookups are rate limited', async () => {
    const anon = new ApiClient(server.url);
    const xml = await anon.get(`/api/public/items/${reportUp.itemCode}/diagram`);
    expect(xml.status).toBe(200);
    expect(xml.contentType).toContain('application/xml');
    expect(xml.body).toContain('id="town-review"');
    expect((await anon.get('/api/public/items/NOPE-999/diagram')).status).toBe(404);
    expect((await anon.get('/api/public/items/..%2Fdefinitions/diagram')).status).toBe(400);
    const t0 = Date.now();
    const townItems = await anon.get('/api/public/towns/dingbao/items');
    console.log(`GET /api/public/towns/dingbao/items: ${townItems.body.length} items in ${Date.now() - t0} ms`);
    const t1 = Date.now();
    const windows = (await anon.get('/api/public/towns/dingbao/windows')).body;
    console.log(`GET /api/public/towns/dingbao/windows: ${Date.now() - t1} ms`);
    expect(windows).toHaveLength(12);
    expect(JSON.stringify(windows)).not.toMatch(/postA|username|displayName/);

    const { page, errors, close } = await newPage(PHONE);
    try {
      await page.goto(`${server.url}/#/public/lookup`);
      await page.getByTestId('lookup-caseno').fill(reportUp.caseNo);
      await page.getByTestId('lookup-by').getByText('手机号', { exact: true }).click();
      await page.getByTestId('lookup-phone').fill('13912345678');
      // use up this minute's lookups from the same address as the browser, then submit the right number and phone
      let status = 0;
      for (let i = 0; i < 12 && status !== 429; i++) status = (await anon.post('/api/public/case-lookup', { caseNo: reportUp.caseNo, queryCode: 'ZZZZZZ' })).status;
      expect(status).toBe(429);
      await page.getByTestId('lookup-submit').click();
      await expect(page.getByTestId('rate-limited').textContent()).resolves.toContain('查询过于频繁');
      await expect(page.getByTestId('lookup-result').count()).resolves.toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await shot(page, 'phone-rate-limited').catch(() => undefined);
      await close();
    }
  });
});
