/**
 * Issue 13, defects 6 and 8, in a real browser against a real server and database:
 *
 * - Public first: `/` is the citizens' home (guide search, lookup, complaint) with a clear
 *   工作人员登录 link; staff sign in at `/staff`; the old `#/login` and deep links still work.
 * - The guide's procedure at 390×844 and 1366×768 for realistic long item names (NL-004, 24
 *   characters; CJ-003 with its return and refusal branches; CJ-001 with three approvals at the
 *   same time): fits the width, labels ≥ 12 px, no internal timers, escalations or gateways,
 *   a decision's other ways shown as alternatives ("或") and not as further steps, term labels
 *   of the disclosures on one line.
 * - Task forms (form-js) in Chinese: 新增 instead of "Add new", 请选择 instead of "Select",
 *   with an applicant whose name has a · (阿依古丽·买买提); the bpmn.io mark stays visible as
 *   its licence requires.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, waitFor } from '../helpers/api';
import { launchBrowser, openPage, signIn } from '../helpers/browser';
import { applicant } from '../helpers/people';
import { ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';
import { DESKTOP, PHONE, settle, staffLogin } from '../screenshots/pages';

/* browser globals inside page.evaluate (the test tsconfig has no DOM library) */
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, NodeFilter: any, getComputedStyle: any;

const SHOTS = path.join(ROOT, '.screenshots');
const SIZES = [PHONE, DESKTOP];

describe('public first, a readable procedure, Chinese task forms (issue 13: defects 6 and 8)', () => {
  let server: RunningProcess;
  let browser: Browser;
  let clerk: ApiClient;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer(uniqueDbName('public_first'));
    clerk = await ApiClient.login(server.url, 'clerk');
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  const newPage = (viewport: { width: number; height: number }) => openPage(browser, errors, viewport, { isolated: true });
  const scrollWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

  it.each(SIZES)('`/` is the public home in Chinese with a 工作人员登录 link; staff sign in at /staff (%o)', async (size) => {
    const { page, close } = await newPage(size);
    try {
      await page.goto(`${server.url}/`);
      await page.getByTestId('public-home').waitFor();
      await page.locator('[data-testid="public-item"]').first().waitFor();
      await expect(page.getByTestId('login-username').count()).resolves.toBe(0);
      // search, lookup and complaint are all on the home page
      await page.getByTestId('public-search').waitFor();
      await page.getByTestId('home-lookup-link').waitFor();
      await page.getByTestId('home-complaint-link').waitFor();
      expect(await scrollWidth(page)).toBeLessThanOrEqual(size.width);
      const link = page.getByTestId('staff-login-link');
      await expect(link.textContent()).resolves.toContain('工作人员登录');
      const box = (await link.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(size.width);
      expect(box.y).toBeLessThan(80); // in the header, seen without scrolling
      await page.screenshot({ path: path.join(SHOTS, `defect6-home-${size.width}.png`) });

      await link.click();
      await page.getByTestId('login-username').waitFor();
      expect(new URL(page.url()).hash).toBe('#/staff');
      await signIn(page, 'clerk');
      expect(new URL(page.url()).hash).toMatch(/^#\/workbench/);
      // the staff header fits too: the user's name and the buttons on one line, inside the screen
      for (const id of ['current-user', 'switch-language', 'logout']) {
        const b = (await page.getByTestId(id).boundingBox())!;
        expect(b.x + b.width).toBeLessThanOrEqual(size.width);
        expect(b.y + b.height).toBeLessThanOrEqual(56);
      }
      await expect(page.getByTestId('current-user').textContent()).resolves.toBe('王晓燕');

      // signed in, the public home offers the way back to work
      await page.goto(`${server.url}/`);
      await page.getByTestId('public-home').waitFor();
      await expect(page.getByTestId('staff-login-link').textContent()).resolves.toContain('进入工作台');
      await page.getByTestId('staff-login-link').click();
      await page.getByTestId('current-user').waitFor();
    } finally {
      await close();
    }
  });

  it('the path /staff, the old #/login and a deep link into the workbench lead to the login and back to the page', async () => {
    const { page, close } = await newPage(DESKTOP);
    try {
      await page.goto(`${server.url}/staff`);
      await page.getByTestId('login-username').waitFor();
      expect(new URL(page.url()).hash).toBe('#/staff');
      // a two-character button reads 登录, not antd's 登 录
      await expect(page.getByTestId('login-submit').textContent()).resolves.toBe('登录');

      await page.goto(`${server.url}/#/login`);
      await page.getByTestId('login-username').waitFor();
      expect(new URL(page.url()).hash).toBe('#/staff');

      await page.goto(`${server.url}/#/workbench/inbox?filter=mine`);
      await page.getByTestId('login-username').waitFor();
      await signIn(page, 'clerk');
      expect(new URL(page.url()).hash).toBe('#/workbench/inbox?filter=mine');

      await page.getByTestId('logout').click();
      await page.getByTestId('login-username').waitFor();
      expect(new URL(page.url()).hash).toBe('#/staff');
      // from the login back to the public home
      await page.getByTestId('to-public').click();
      await page.getByTestId('public-home').waitFor();
    } finally {
      await close();
    }
  });

  /** Every text in the element is at least `min` px and the element is no wider than the viewport, nor scrolls inside. */
  async function readable(page: Page, selector: string, width: number) {
    const r = await page.locator(selector).evaluate((el) => {
      let smallest = Infinity;
      let smallestText = '';
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.nodeValue?.trim()) continue;
        const size = parseFloat(getComputedStyle(n.parentElement!).fontSize);
        if (size < smallest) { smallest = size; smallestText = n.nodeValue.trim(); }
      }
      const box = el.getBoundingClientRect();
      return { smallest, smallestText, right: box.right, scroll: el.scrollWidth - el.clientWidth };
    });
    expect(r.smallest).toBeGreaterThanOrEqual(12);
    expect(r.right).toBeLessThanOrEqual(width);
    expect(r.scroll).toBeLessThanOrEqual(1);
    return r;
  }

  /** Each element's text is on one line (no term broken between two characters). */
  async function oneLine(page: Page, selector: string) {
    const broken = await page.locator(selector).evaluateAll((els) =>
      els
        .filter((el) => (el.textContent ?? '').trim())
        .filter((el) => {
          const range = document.createRange();
          range.selectNodeContents(el);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          return tops.size > 1;
        })
        .map((el) => el.textContent),
    );
    expect(broken).toEqual([]);
  }

  it.each(SIZES)('the guide of a long-named item with return and refusal branches: fits, ≥ 12 px, alternatives as 或, no timers (%o)', async (size) => {
    const { page, close } = await newPage(size);
    try {
      for (const code of ['NL-004', 'CJ-003']) {
        await page.goto(`${server.url}/#/public/items/${code}`);
        await settle(page, '[data-testid="guide-diagram"]');
        const item = (await clerk.get(`/api/items/${code}`)).body;
        await expect(page.getByTestId('guide-title').textContent()).resolves.toBe(item.name);
        expect(await scrollWidth(page)).toBeLessThanOrEqual(size.width);
        await readable(page, '[data-testid="guide-diagram"]', size.width);
        await readable(page, '[data-testid="procedure-steps"]', size.width);
        const shown = `${await page.getByTestId('guide-diagram').textContent()} ${await page.getByTestId('procedure-steps').textContent()}`;
        expect(shown).not.toMatch(/超时督办|已移交督办|办理超时|审批超时/);
        expect(shown).not.toMatch(/初审结论|市审批结果|是否符合|审批结论/); // gateways
        // step names and term labels stay whole
        await oneLine(page, '[data-testid="procedure-step-name"], [data-testid="flow-node"]');
        await oneLine(page, '[data-testid="disclosure-name"] .ant-descriptions-item-label');
        await page.screenshot({ path: path.join(SHOTS, `defect6-guide-${code}-${size.width}.png`), fullPage: true });
      }

      // CJ-003 (rejection path): 受理 → 符合性审查 → 部门审批 → 告知结果; 退回通知书 only as an alternative
      const stages = await page.getByTestId('procedure-stage').allTextContents();
      expect(stages.map((s) => s.split(/[或：]/)[0])).toEqual([
        expect.stringContaining('窗口受理'),
        expect.stringContaining('政策与规划符合性审查'),
        expect.stringContaining('部门审批'),
        expect.stringContaining('告知申请人办理结果'),
      ]);
      const alternatives = await page.getByTestId('procedure-alt').allTextContents();
      expect(alternatives).toEqual(expect.arrayContaining([
        expect.stringMatching(/^或不符合政策或规划：出具退回通知书 → 结束：退回$/),
        expect.stringMatching(/^或退回：回到「窗口受理」$/),
        expect.stringMatching(/^或不予许可：出具退回通知书 → 结束：退回$/),
      ]));
      await expect(page.getByTestId('procedure-end').textContent()).resolves.toContain('办结');
      expect(await page.locator('[data-testid="guide-diagram"] [data-testid="flow-alt"]').count()).toBe(4);

      // CJ-001 (joint): the departments' reviews are one stage (the joint path calls the department review once per
      // department of the item, issue 15), with the refusal as its alternative
      await page.goto(`${server.url}/#/public/items/CJ-001`);
      await settle(page, '[data-testid="guide-diagram"]');
      const jointStages = await page.getByTestId('procedure-stage').allTextContents();
      expect(jointStages.map((s) => s.split(/[或：]/)[0])).toEqual([
        expect.stringContaining('牵头窗口受理'),
        expect.stringContaining('各部门并联审查'),
        expect.stringContaining('牵头窗口告知联办结果'),
      ]);
      expect(jointStages.join(' ')).toContain('告知申请人不予许可');
      await readable(page, '[data-testid="guide-diagram"]', size.width);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(size.width);
      await page.screenshot({ path: path.join(SHOTS, `defect6-guide-CJ-001-${size.width}.png`), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('the form editor (designer) shows its palette and properties in Chinese, the designer\'s labels as typed', async () => {
    const { page, close } = await newPage(DESKTOP);
    try {
      await staffLogin(page, server.url, 'designer');
      await page.goto(`${server.url}/#/designer/forms/town-review`);
      await page.locator('[data-testid="form-editor"][data-ready="true"]').waitFor({ timeout: 20_000 });
      const palette = page.locator('.fjs-palette');
      await palette.waitFor();
      await page.locator('.fjs-editor-container .fjs-form-field').first().waitFor();
      // a field selected: its properties
      await page.locator('.fjs-editor-container .fjs-form-field-textarea, .fjs-editor-container .fjs-form-field-radio').first().click();
      await page.locator('.fjs-properties-panel').getByText('常规', { exact: true }).first().waitFor();
      const paletteText = (await palette.textContent()) ?? '';
      for (const zh of ['组件', '输入', '单行文本', '多行文本', '下拉选择', '动态列表']) expect(paletteText).toContain(zh);
      expect(paletteText).not.toMatch(/Components|Text field|Selection|Dynamic list/);
      await expect(page.locator('.fjs-palette input').first().getAttribute('placeholder')).resolves.toBe('搜索组件');
      const panel = (await page.locator('.fjs-properties-panel').textContent()) ?? '';
      expect(panel).not.toMatch(/\bGeneral\b|\bKey\b|\bValidation\b|\bRequired\b/);
      // the designer's own labels are left alone
      await expect(page.locator('.fjs-editor-container').textContent()).resolves.toContain('办理结论');
      await page.screenshot({ path: path.join(SHOTS, 'form-editor-zh-1366.png') });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('a task form (告知办理结果) says 新增 and 请选择, not "Add new" and "Select"; the bpmn.io mark stays', async () => {
    const admin = await ApiClient.login(server.url, 'admin');
    const item = (await admin.get('/api/items/JS-003')).body;
    const windows = (await admin.get('/api/org/units/dingbao/windows')).body;
    const reviewer = await ApiClient.login(server.url, windows.find((w: any) => w.department === item.department).postA.username);
    const r = await clerk.post('/api/intake', {
      itemCode: item.code,
      applicant: applicant('阿依古丽·买买提', '13800138000'),
      materials: item.materials.map((m: any) => ({ code: m.code, provided: true })),
    });
    expect(r.status).toBe(201);
    const caseNo = r.body.case.caseNo;
    const step = (id: string) => waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.steps?.find((s: any) => s.elementId === id && s.status === 'open'), `step ${id}`);
    const accept = await step('accept');
    expect((await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve', opinion: '材料齐全，予以受理' })).status).toBe(200);
    const review = await step('review');
    expect((await reviewer.post(`/api/tasks/${review.taskId}/complete`, { decision: 'approve', opinion: '审查同意' })).status).toBe(200);
    const notify = await step('notify-result');

    for (const size of SIZES) {
      const { page, close } = await newPage(size);
      try {
        await staffLogin(page, server.url, 'clerk');
        await page.goto(`${server.url}/#/workbench/tasks/${notify.taskId}`);
        const form = page.locator('.fjs-form').first();
        await form.waitFor();
        await settle(page);
        await expect(page.locator('.fjs-repeat-render-add').first().textContent()).resolves.toMatch(/^\s*新增\s*$/);
        await expect(page.locator('.fjs-select-display').first().textContent()).resolves.toBe('请选择');
        const text = (await page.locator('.form-view').first().textContent()) ?? '';
        expect(text).not.toMatch(/Add new|\bSelect\b|\bSearch\b|Collapse/);
        // the select's own words after use: choose, then the chosen value
        await page.locator('.fjs-select-display').first().click();
        await page.locator('.fjs-dropdownlist-item').first().click();
        await expect(page.locator('.fjs-select-display').first().textContent()).resolves.not.toBe('Select');
        // adding a list row keeps the Chinese
        await page.locator('.fjs-repeat-render-add').first().click();
        await expect(page.locator('.fjs-repeat-render-add').first().textContent()).resolves.toMatch(/新增/);
        const removeLabel = await page.locator('.fjs-repeat-row-remove').first().getAttribute('aria-label').catch(() => null);
        if (removeLabel) expect(removeLabel).toMatch(/^删除第 \d+ 项$/);
        // the applicant's name with · is shown whole
        await expect(page.locator('body').textContent()).resolves.toMatch(/阿依古丽·买买提|阿\*+|阿·/);
        // the form-js licence: the bpmn.io mark must stay visible
        await expect(page.locator('.fjs-powered-by').first().isVisible()).resolves.toBe(true);
        expect(await scrollWidth(page)).toBeLessThanOrEqual(size.width + 1);
        await page.screenshot({ path: path.join(SHOTS, `defect8-task-form-${size.width}.png`), fullPage: true });
      } finally {
        await close();
      }
    }
    expect(errors).toEqual([]);
  });
});
