/**
 * Issue #13, the last leftovers, in a real browser against a real server and database, with a
 * report-up item of the longest name (NL-004 人工繁育（驯养繁殖）“三有”保护野生动物许可申请) taken in
 * for 阿卜杜·热合曼 (ID ending in X, 13800138000) and 欧阳小明 (0750-1234567):
 *
 * 1. Step clocks for ISO limits: 镇窗口受理 (`svc:timeLimit="PT8H"`) has a one-working-day clock and
 *    the inbox says 剩余 1 个工作日 (it said 未计时: only `3WD` started a clock).
 * 2. Statistics at 390×844: 综合得分 on screen beside the name, the other columns reached by
 *    scrolling the table (the name column stays), the page itself never scrolls sideways.
 * 3. The heat map card's title shows the whole item name at 390 and 1366 (it was cut to 个体…).
 * 4. 办件查询 (public lookup) masks the applicant as 阿**·**曼 / 欧阳** and shows no ID or phone;
 *    its 当前环节 shows the step's time limit and 剩余 N 个工作日 from the step clock (no staff data);
 *    the clerks' inbox and case list mask names by the same rule (one function in
 *    common/identity/masking.ts; they showed 阿*****曼 / 欧**明).
 * 5. Deploy is one action: its confirmation shows the lint result with the diff and the change note.
 * 6. The complaint reply dialog (shared ReasonDialog) refuses an empty reply and sends one.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ApiClient, waitFor } from '../helpers/api';
import { signIn } from '../helpers/browser';
import { residentId } from '../helpers/people';
import { ROOT } from '../helpers/server';
import { useBrowser, useServer } from '../helpers/suite';

// browser globals of the page.evaluate callbacks (they run in Chromium; the test project has no DOM lib)
declare const document: any;
declare const window: any;

const SHOTS = path.join(ROOT, '.test-data', 'screenshots');
const PHONE = { width: 390, height: 844 };
const PC = { width: 1366, height: 768 };
const ITEM = 'NL-004';
const ITEM_NAME = '人工繁育（驯养繁殖）“三有”保护野生动物许可申请';

/** A valid resident ID of 信宜市 whose check character is X. */
function idEndingInX(birth: string): string {
  for (let seq = 1; seq < 1000; seq++) {
    const id = residentId(birth, seq);
    if (id.endsWith('X')) return id;
  }
  throw new Error('no ID ending in X');
}

describe('issue #13 leftovers: step clocks, phone statistics, heat map title, lookup masking, deploy, reply dialog', () => {
  const server = useServer('leftovers13', { BOARD_TICK_MS: '1000' });
  const chromium = useBrowser(server);
  const idX = idEndingInX('19860704');
  let caseA: string; // 阿卜杜·热合曼, 13800138000
  let caseB: string; // 欧阳小明, 0750-1234567

  const pageAs = async (username: string | null, viewport: { width: number; height: number }): Promise<Page> => {
    const page = await chromium.page(viewport, { isolated: true });
    if (username) await signIn(page, username, { url: `${server.url}/#/login` });
    return page;
  };
  /** The element's box against the window, and whether its text is cut (scrolls inside itself). */
  const box = (page: Page, selector: string) => page.locator(selector).first().evaluate((el: any) => {
    const b = el.getBoundingClientRect();
    return { left: Math.round(b.left), right: Math.round(b.right), width: Math.round(b.width), cut: el.scrollWidth > el.clientWidth + 1, text: el.innerText as string };
  });
  const pageScrollsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const clerk = await server.as('clerk');
    const item = (await clerk.get(`/api/items/${ITEM}`)).body;
    expect(item).toMatchObject({ name: ITEM_NAME, procedure: 'report-up-item' });
    const intake = async (name: string, idNumber: string, phone: string) => {
      const r = await clerk.post('/api/intake', {
        itemCode: ITEM,
        applicant: { kind: 'person', name, idType: 'resident-id', idNumber, phone, address: '信宜市丁堡镇中心街 8 号' },
        materials: item.materials.map((m: any) => ({ code: m.code, provided: true })),
      });
      expect(r.status).toBe(201);
      return r.body.case.caseNo as string;
    };
    caseA = await intake('阿卜杜·热合曼', idX, '13800138000');
    caseB = await intake('欧阳小明', residentId('19910311', 57), '0750-1234567');
  }, 120_000);

  it('1. 镇窗口受理 (PT8H) runs a one-working-day step clock; the inbox says 剩余 1 个工作日 at 1366 and on a phone', async () => {
    const clerk = await server.as('clerk');
    const stepOf = async () => {
      for (const filter of ['window', 'mine', 'groups']) {
        const rows = (await clerk.get(`/api/inbox?filter=${filter}`)).body as any[];
        const row = rows.find((r) => r.caseNo === caseA && r.elementId === 'town-accept');
        if (row) return { row, filter };
      }
      return undefined;
    };
    const { row, filter } = await waitFor(stepOf, '镇窗口受理 in the inbox', 30_000);
    expect(row.name).toBe('镇窗口受理');
    expect(row.deadline.clock).toMatchObject({ status: 'running', budget: { unit: 'working-days', days: 1 } });
    // received today: one working day after today, whatever today is (the first day is not counted)
    expect(row.deadline.remaining).toEqual({ unit: 'working-days', value: 1 });
    expect(new Date(row.deadline.dueAt).getTime()).toBeGreaterThan(Date.now());
    const clocks = (await clerk.get(`/api/service-cases/${caseA}/clocks`)).body as any[];
    expect(clocks.find((c) => c.kind === 'step' && c.taskId === row.id)).toMatchObject({ budget: { unit: 'working-days', days: 1 }, label: '镇窗口受理' });

    for (const viewport of [PC, PHONE]) {
      const page = await pageAs('clerk', viewport);
      await page.goto(`${server.url}/#/workbench/inbox?filter=${filter}`);
      const r = page.locator(`[data-testid="inbox-row"][data-case-no="${caseA}"][data-element-id="town-accept"]`);
      await r.waitFor({ timeout: 30_000 });
      await expect(r.getByTestId('inbox-remaining').innerText()).resolves.toBe('剩余 1 个工作日');
      await expect(r.getAttribute('data-signal')).resolves.toBe('normal');
      await expect(r.getByTestId('deadline-tag').innerText()).resolves.toBe('正常');
      expect(await r.innerText()).not.toContain('未计时');
      await expect(r.getByTestId('inbox-item').innerText()).resolves.toBe(ITEM_NAME);
      await expect(r.getByTestId('inbox-applicant-name').innerText()).resolves.toBe('阿**·**曼');
      await page.screenshot({ path: path.join(SHOTS, `leftovers-inbox-remaining-${viewport.width}.png`) });
      await page.close();
    }
    expect(chromium.errors).toEqual([]);
  }, 180_000);

  it('4. the public lookup masks the applicant (阿**·**曼, 欧阳**) and shows no ID or phone; the clerks\' case list masks names too', async () => {
    const anonymous = new ApiClient(server.url);
    const a = await anonymous.post('/api/public/case-lookup', { caseNo: caseA, phone: '13800138000' });
    expect(a.status).toBe(200);
    expect(a.body.applicantName).toBe('阿**·**曼');
    const b = await anonymous.post('/api/public/case-lookup', { caseNo: caseB, phone: '0750-1234567' });
    expect(b.status).toBe(200);
    expect(b.body.applicantName).toBe('欧阳**');
    // 当前环节 with its time limit from the step clock (it showed the step's name only): 镇窗口受理, one working day
    expect(a.body.currentSteps).toHaveLength(1);
    const step = a.body.currentSteps[0];
    expect(step).toMatchObject({ name: '镇窗口受理', deadline: { status: 'running', remaining: { unit: 'working-days', value: 1 }, overdue: false } });
    expect(new Date(step.deadline.dueAt).getTime()).toBeGreaterThan(Date.now());
    // nothing about staff: no holder, window, post, org unit or task id — the office is the centre's
    // public name and its level (the whole path of a 上报件 names each step's centre, 56c8e6f)
    expect(Object.keys(step).sort()).toEqual(['deadline', 'dueDate', 'level', 'name', 'office', 'since']);
    expect(step).toMatchObject({ level: 'town', office: expect.stringMatching(/[\u4e00-\u9fa5]/) });
    expect(step.office).not.toMatch(/^[a-z0-9-]+$/);
    expect(Object.keys(step.deadline).filter((k) => !['dueAt', 'status', 'budget', 'remaining', 'overdue', 'estimated', 'estimatedYears', 'estimateNote'].includes(k))).toEqual([]);
    for (const [r, name, id, phone] of [[a, '阿卜杜·热合曼', idX, '13800138000'], [b, '欧阳小明', residentId('19910311', 57), '1234567']] as const) {
      const text = JSON.stringify(r.body);
      expect(text).not.toContain(name);
      expect(text).not.toContain(id);
      expect(text).not.toContain(id.slice(-6));
      expect(text).not.toContain(phone);
    }

    // the clerks' 办件查询 list: name masked by the public rule (it was 阿*****曼 / 欧**明), ID and phone masked; the case page whole
    const clerk = await server.as('clerk');
    const list = (await clerk.get('/api/service-cases?limit=50')).body as any[];
    const rowA = list.find((c) => c.caseNo === caseA);
    expect(rowA.applicant).toMatchObject({ name: '阿**·**曼', idNumber: `4409**********${idX.slice(-4)}`, phone: '138****8000' });
    expect(list.find((c) => c.caseNo === caseB).applicant).toMatchObject({ name: '欧阳**', phone: '0750-*****67' });
    expect(JSON.stringify(list)).not.toContain('阿卜杜·热合曼');
    expect((await clerk.get(`/api/service-cases/${caseA}`)).body.applicant.name).toBe('阿卜杜·热合曼');

    // the same names on the clerk's screen at a counter PC
    const staff = await pageAs('clerk', PC);
    await staff.goto(`${server.url}/#/workbench/cases`);
    for (const [no, name] of [[caseA, '阿**·**曼'], [caseB, '欧阳**']] as const) {
      const cell = staff.locator(`[data-testid="case-row"][data-case-no="${no}"] [data-testid="case-row-applicant"]`);
      await cell.waitFor({ timeout: 20_000 });
      expect((await cell.innerText()).startsWith(`${name}（`)).toBe(true);
    }
    await staff.close();

    // in the browser, at phone width
    const page = await pageAs(null, PHONE);
    await page.goto(`${server.url}/#/public/lookup`);
    await page.getByTestId('lookup-caseno').fill(caseA);
    await page.getByTestId('lookup-by').getByText('手机号', { exact: true }).click();
    await page.getByTestId('lookup-phone').fill('13800138000');
    await page.getByTestId('lookup-submit').click();
    const result = page.getByTestId('lookup-result');
    await result.waitFor({ timeout: 15_000 });
    const shown = await result.innerText();
    expect(shown).toContain('阿**·**曼');
    expect(shown).not.toContain('阿卜杜');
    expect(shown).not.toContain('热合曼');
    expect(shown).not.toContain(idX.slice(-4));
    expect(shown).not.toContain('13800138000');
    await expect(page.getByTestId('lookup-current').innerText()).resolves.toBe('镇窗口受理');
    const due = page.getByTestId('lookup-step-deadline');
    await expect(due.getByTestId('lookup-step-remaining').innerText()).resolves.toBe('剩余 1 个工作日');
    expect(await due.innerText()).toMatch(/本环节办理时限：\d{4}年\d{1,2}月\d{1,2}日/);
    await expect(due.getAttribute('data-estimated')).resolves.toBe('false');
    expect(await pageScrollsSideways(page)).toBe(false);
    await page.screenshot({ path: path.join(SHOTS, 'leftovers-lookup-masked-390.png'), fullPage: true });
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 120_000);

  it('2. statistics at 390×844: 综合得分 on screen beside the name; 满意率 reached by scrolling the table, the name column staying', async () => {
    const page = await pageAs('manager', PHONE);
    await page.goto(`${server.url}/#/console/stats`);
    const ranking = page.locator('[data-testid="ranking-table-windows"]');
    await ranking.locator('[data-testid="ranking-score"]').first().waitFor({ timeout: 30_000 });
    const header = await box(page, '[data-testid="ranking-table-windows"] [data-testid="ranking-score-header"]');
    expect(header.text).toBe('综合得分');
    expect({ left: header.left >= 0, right: header.right <= PHONE.width, cut: header.cut }).toEqual({ left: true, right: true, cut: false });
    const score = await box(page, '[data-testid="ranking-table-windows"] tbody [data-testid="ranking-score"]');
    expect(score.right).toBeLessThanOrEqual(PHONE.width);
    expect(score.text).toMatch(/^(\d+\.\d\d|—)$/);
    expect(await pageScrollsSideways(page)).toBe(false);
    await page.screenshot({ path: path.join(SHOTS, 'leftovers-stats-ranking-390.png') });

    /** Scrolls the table's own box to its right end: the last column comes on screen, the first stays. */
    const scrollToEnd = async (table: string, lastHeader: string, firstCell: string) => {
      const scrolled = await page.locator(`${table} .ant-table-content`).first().evaluate((el: any) => {
        const wide = el.scrollWidth > el.clientWidth + 1;
        el.scrollLeft = el.scrollWidth;
        return wide;
      });
      expect(scrolled).toBe(true);
      await page.waitForTimeout(100); // one frame for the sticky column's shadow class
      const last = await page.locator(`${table} thead th`).filter({ hasText: lastHeader }).first().evaluate((el: any) => { const b = el.getBoundingClientRect(); return { left: b.left, right: b.right }; });
      expect(last.left).toBeGreaterThanOrEqual(0);
      expect(last.right).toBeLessThanOrEqual(PHONE.width + 1);
      const first = await box(page, `${table} tbody ${firstCell}`);
      expect(first.left).toBeGreaterThanOrEqual(0);
      expect(first.right).toBeLessThanOrEqual(PHONE.width);
      expect(await pageScrollsSideways(page)).toBe(false);
    };
    await scrollToEnd('[data-testid="ranking-table-windows"]', '满意率', '[data-testid="ranking-name"]');

    // the report by town: 13 columns, the name held at the left
    await page.getByRole('tab', { name: '按镇街' }).click();
    await page.locator('[data-testid="stats-table-town"] tbody [data-testid="stats-name"]').first().waitFor({ timeout: 30_000 });
    await scrollToEnd('[data-testid="stats-table-town"]', '满意率', '[data-testid="stats-name"]');
    await page.screenshot({ path: path.join(SHOTS, 'leftovers-stats-town-390.png') });
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 120_000);

  it('3. the heat map card names the whole item at 390 and 1366 (not 个体…/人工…)', async () => {
    for (const viewport of [PHONE, PC]) {
      const page = await pageAs('supervisor', viewport);
      await page.goto(`${server.url}/#/console/heatmap/${ITEM}`);
      await page.getByTestId('heat-card-title').waitFor({ timeout: 30_000 });
      const title = await box(page, '[data-testid="heat-card"] .ant-card-head-title');
      expect(title.text).toContain(ITEM_NAME);
      expect({ cut: title.cut, inside: title.left >= 0 && title.right <= viewport.width }).toEqual({ cut: false, inside: true });
      const ellipsis = await page.locator('[data-testid="heat-card"] .ant-card-head-title').evaluate((el: any) => window.getComputedStyle(el).textOverflow);
      expect(ellipsis).not.toBe('ellipsis');
      await page.getByTestId('heat-legend').waitFor();
      expect(await pageScrollsSideways(page)).toBe(false);
      await page.screenshot({ path: path.join(SHOTS, `leftovers-heatmap-title-${viewport.width}.png`) });
      await page.close();
    }
    expect(chromium.errors).toEqual([]);
  }, 120_000);

  it('5. deploying is one action: the confirmation shows the lint result (clean, or the warnings by element), the diff and the change note', async () => {
    const designer = await server.as('designer');
    const page = await pageAs('designer', PC);
    await page.goto(`${server.url}/#/designer`);
    const listed = page.locator('[data-testid="definition-row"][data-key="report-up-item"]');
    await listed.waitFor({ timeout: 15_000 });
    await listed.getByTestId('open-definition').click();
    const canvas = page.getByTestId('canvas');
    await canvas.locator('.djs-shape[data-element-id="town-review"]').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 20_000 });
    const before = (await designer.get('/api/definitions/report-up-item')).body.latestVersion;

    // a clean diagram: the confirmation says so, and one confirmation deploys with its note
    await canvas.locator('.djs-shape[data-element-id="town-review"]').click();
    await page.locator('#bio-properties-panel-svc-timeLimit').fill('P5D');
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('deploy').click();
    await expect(page.getByTestId('deploy-lint').getAttribute('data-warnings')).resolves.toBe('0');
    await expect(page.getByTestId('deploy-lint').innerText()).resolves.toContain('部署前检查通过');
    await page.locator('[data-testid="deploy-change"][data-element-id="town-review"]').waitFor({ timeout: 10_000 });
    const note = '镇级初审时限由 3 天改为 5 个工作日（依据市政管办 2026 年第 12 号通知）';
    await page.getByTestId('deploy-note').fill(note);
    await page.getByTestId('deploy-confirm').click();
    await page.waitForURL(new RegExp(`#/designer/modeler/report-up-item/${before + 1}$`), { timeout: 15_000 });
    const entry = (await designer.get('/api/definitions/report-up-item')).body;
    expect(entry.versions[0]).toMatchObject({ version: before + 1, changeNote: note });
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 20_000 });

    // a warning (an unnamed gateway) does not block the deploy, and the confirmation lists it
    await canvas.locator('.djs-shape[data-element-id="town-review-result"]').click();
    await page.locator('#bio-properties-panel-name').fill('');
    await page.locator('[data-testid="lint-status"][data-state="warnings"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('deploy').click();
    const lint = page.getByTestId('deploy-lint');
    await lint.waitFor({ timeout: 10_000 });
    expect(Number(await lint.getAttribute('data-warnings'))).toBeGreaterThanOrEqual(1);
    expect(await lint.innerText()).toMatch(/没有错误，\d+ 个警告/);
    await page.locator('[data-testid="deploy-lint-issue"][data-element-id="town-review-result"]').waitFor();
    await page.getByTestId('deploy-note').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'leftovers-deploy-lint-warnings-1366.png') });
    await page.getByTestId('deploy-cancel').click();
    await page.getByTestId('deploy-dialog').waitFor({ state: 'hidden' });
    expect((await designer.get('/api/definitions/report-up-item')).body.latestVersion).toBe(before + 1);

    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 180_000);

  it('6. the complaint reply dialog (shared ReasonDialog) refuses an empty reply, then sends one', async () => {
    const anonymous = new ApiClient(server.url);
    const filed = await anonymous.post('/api/public/complaints', { orgUnit: 'dingbao', target: { kind: 'case', caseNo: caseB }, content: '窗口办理拖延，三次电话未回复，要求说明原因', contactName: '欧阳小明', phone: '0750-1234567' });
    expect(filed.status).toBe(201);
    const reference = filed.body.reference as string;
    const page = await pageAs('supervisor', PC);
    await page.goto(`${server.url}/#/console/complaints`);
    const row = page.locator(`[data-testid="complaint-row"][data-id="${reference}"]`);
    await row.waitFor({ timeout: 20_000 });
    await row.getByTestId('complaint-reply').click();
    await page.getByTestId('complaint-reply-submit').click();
    await page.getByText('请填写答复内容').or(page.locator('.ant-form-item-explain-error')).first().waitFor({ timeout: 5_000 });
    const supervisor = await server.as('supervisor');
    const listed = async () => ((await supervisor.get('/api/complaints')).body as any[]).find((c) => c.reference === reference);
    expect((await listed()).status).toBe('received');
    await page.getByTestId('complaint-reply-text').fill('经核查，窗口人员未按时回电，已批评教育并当日办结，特此答复。');
    await page.getByTestId('complaint-reply-submit').click();
    await page.getByTestId('complaint-reply-submit').waitFor({ state: 'hidden', timeout: 10_000 });
    await waitFor(async () => (await listed())?.status === 'replied', 'the reply recorded', 10_000);
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 120_000);
});
