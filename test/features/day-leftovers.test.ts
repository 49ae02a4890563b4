/**
 * Issue 13, the leftovers of "a clerk, designer, supervisor and citizen get through their day",
 * in a real browser against a real server and database, with realistic people: applicants
 * 阿依古丽·买买提 (mobile 13800138000, ID ending in X) and 张丽华 (landline 0871-65123456), the
 * catalogue's longest town item name, and a designer's new item with a long name.
 *
 * 1. The case page's and the heat map's diagram: labels ≥ 12 px at 1366×768 and 390×844 (fitted
 *    by width with a minimum zoom; the box scrolls what is wider, the current step in view), the
 *    timer chains (超时督办 / 已移交督办) hidden, each step's timer a quiet clock.
 * 2. The board and 办件查询 (and the inbox) at 390×844: cards, nothing scrolls sideways; the
 *    tables at 1366×768 unchanged.
 * 4. The inbox says （预计） when a deadline falls in a year without its holiday notice.
 * 5. The reply deadline of a supervision notice says 预计 and why, in the API and the drawer.
 * 6. Deploying a path that contradicts a catalogue item on it is refused, naming item and rule.
 * 7. 新增事项 in the 事项目录 editor: the same rules, version 1 with its note, the change log.
 * 8. The inbox's button reads 办理 (no space between the two characters).
 * 3. The form editor: no English left in its labels, tooltips and placeholders.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, waitFor } from '../helpers/api';
import { chromiumAvailable, launchBrowser } from '../helpers/browser';
import { residentId } from '../helpers/people';
import { ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';
import { DESKTOP, PHONE, settle, staffLogin } from '../screenshots/pages';

/* browser globals inside page.evaluate (the test tsconfig has no DOM library) */
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, getComputedStyle: any, NodeFilter: any;

const SHOTS = path.join(ROOT, '.screenshots');
const SIZES = [DESKTOP, PHONE];
const ESTIMATE = /^预计，\d{4}(、\d{4})*年放假安排尚未公布$/;

/** A valid resident ID of 信宜市 that ends in X. */
function idEndingInX(): string {
  for (let seq = 1; seq < 1000; seq++) {
    const id = residentId('19900307', seq);
    if (id.endsWith('X')) return id;
  }
  throw new Error('no ID ending in X');
}

describe('the day of a clerk, a designer and a supervisor: issue 13 leftovers', () => {
  let server: RunningProcess;
  let browser: Browser;
  let clerk: ApiClient;
  let supervisor: ApiClient;
  let designer: ApiClient;
  let items: any[];
  let longCase: string; // SZ-002 whose step is limited to 400 working days: its deadline is in a year without a notice
  let reportCase: string; // a report-up case (a wide diagram with a timer chain on every step)
  let reportItem: any;
  const idX = idEndingInX();
  const errors: string[] = [];

  async function newPage(size: { width: number; height: number }) {
    const context = await browser.newContext({ viewport: size, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${e.message}`.slice(0, 500)));
    return { page, close: () => context.close() };
  }
  const scrollWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);
  const intake = async (itemCode: string, name: string, idNumber: string, phone: string, limits?: Record<string, string>) => {
    const item = items.find((i) => i.code === itemCode);
    const r = await clerk.post('/api/intake', {
      itemCode,
      applicant: { kind: 'person', name, idType: 'resident-id', idNumber, phone, address: '信宜市丁堡镇中心街 8 号' },
      materials: item.materials.map((m: any) => ({ code: m.code, provided: true })),
      ...(limits ? { limitOverrides: limits } : {}),
    });
    expect(r.status).toBe(201);
    return r.body.case.caseNo as string;
  };

  beforeAll(async () => {
    if (!chromiumAvailable()) throw new Error('Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium; .ci/run does it)');
    server = await startServer(uniqueDbName('day_leftovers'), { ALLOW_LIMIT_OVERRIDES: 'true' });
    clerk = await ApiClient.login(server.url, 'clerk');
    supervisor = await ApiClient.login(server.url, 'supervisor');
    designer = await ApiClient.login(server.url, 'designer');
    items = (await clerk.get('/api/items')).body;
    // the window's own step of the immediate path limited to 400 working days: whatever today is,
    // its deadline lies in a year whose holiday notice is not out yet (counted by the estimate)
    const xml = readFileSync(path.join(ROOT, 'processes', 'diagrams', 'immediate-item.bpmn'), 'utf8').replace('svc:timeLimit="PT8H"', 'svc:timeLimit="400WD"');
    const dep = await designer.post('/api/definitions', { xml, note: '测试：窗口办结时限改为400个工作日' });
    expect(dep.status).toBe(201);
    expect(dep.body.items.map((i: any) => i.code)).toContain('SZ-002');
    longCase = await intake('SZ-002', '阿依古丽·买买提', idX, '13800138000');
    reportItem = items.find((i) => i.procedure === 'report-up-item');
    reportCase = await intake(reportItem.code, '张丽华', residentId('19790212', 118), '0871-65123456');
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  it.each(SIZES)('the inbox marks a deadline in a year without its holiday notice （预计） and its button reads 办理 (%o)', async (size) => {
    const row = ((await clerk.get('/api/inbox?filter=window')).body as any[]).find((r) => r.caseNo === longCase);
    expect(row.deadline).toMatchObject({ estimated: true });
    expect(row.deadline.estimateNote).toMatch(ESTIMATE);
    const { page, close } = await newPage(size);
    try {
      await staffLogin(page, server.url, 'clerk');
      await page.goto(`${server.url}/#/workbench/inbox?filter=window`);
      const r = page.locator(`[data-testid="inbox-row"][data-case-no="${longCase}"]`);
      await r.waitFor();
      await settle(page);
      await expect(r.getByTestId('inbox-due').innerText()).resolves.toMatch(/（预计）/);
      await expect(r.getByTestId('deadline-tag').getAttribute('title')).resolves.toMatch(ESTIMATE);
      await expect(r.getByTestId('open-task').innerText()).resolves.toBe('办理');
      await expect(r.getByTestId('inbox-applicant-name').innerText()).resolves.toBe('阿***·**提');
      const text = await page.getByTestId('inbox-page').innerText();
      expect(text).not.toContain(idX);
      expect(text).not.toContain('13800138000');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(size.width);
      const box = (await r.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(size.width);
      await page.screenshot({ path: path.join(SHOTS, `day-inbox-estimated-${size.width}.png`) });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  /** The diagram's labels as drawn: the smallest on-screen size, the visible words, the box. */
  async function diagramLabels(page: Page, testId: string) {
    return page.getByTestId(testId).evaluate((box: any) => {
      let smallest = Infinity;
      const words: string[] = [];
      for (const el of box.querySelectorAll('svg text')) {
        const rect = el.getBoundingClientRect();
        if (!rect.width || !(el.textContent ?? '').trim()) continue; // hidden (display: none)
        const size = parseFloat(getComputedStyle(el).fontSize) * el.getScreenCTM().a;
        smallest = Math.min(smallest, size);
        words.push(el.textContent.trim());
      }
      const r = box.getBoundingClientRect();
      return { smallest, words: words.join(' '), right: r.right, left: r.left, scrollLeft: box.scrollLeft, clientWidth: box.clientWidth };
    });
  }

  it.each(SIZES)('the case page\'s diagram: labels ≥ 12 px, no 超时督办 / 已移交督办, inside the screen, the current step in view (%o)', async (size) => {
    const { page, close } = await newPage(size);
    try {
      await staffLogin(page, server.url, 'clerk');
      await page.goto(`${server.url}/#/workbench/cases/${reportCase}`);
      await page.locator('[data-testid="case-diagram"][data-imported="true"]').waitFor();
      await settle(page);
      const d = await diagramLabels(page, 'case-diagram');
      expect(d.smallest).toBeGreaterThanOrEqual(11.9);
      expect(d.words).toContain('市中心审批');
      expect(d.words).not.toMatch(/超时督办|已移交督办|受理超时|审批超时/);
      expect(d.right).toBeLessThanOrEqual(size.width);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(size.width);
      // the open step with its deadline badge is inside the visible part of the box
      const badge = (await page.getByTestId('diagram-deadline').first().boundingBox())!;
      expect(badge.x).toBeGreaterThanOrEqual(d.left - 1);
      expect(badge.x).toBeLessThan(d.right);
      // the step's timer is still there, as a quiet clock
      await expect(page.locator('[data-testid="case-diagram"] .djs-element.diagram-quiet').count()).resolves.toBeGreaterThan(0);
      await page.getByTestId('case-diagram').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, `day-case-diagram-${size.width}.png`) });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it.each(SIZES)('the heat map\'s diagram: labels ≥ 12 px, no timer chains, inside the screen (%o)', async (size) => {
    const { page, close } = await newPage(size);
    try {
      await staffLogin(page, server.url, 'supervisor');
      await page.goto(`${server.url}/#/console/heatmap/${reportItem.code}`);
      await page.locator('[data-testid="heat-diagram"][data-imported="true"]').waitFor();
      await settle(page);
      const d = await diagramLabels(page, 'heat-diagram');
      expect(d.smallest).toBeGreaterThanOrEqual(11.9);
      expect(d.words).not.toMatch(/超时督办|已移交督办/);
      expect(d.right).toBeLessThanOrEqual(size.width);
      await page.getByTestId('heat-diagram').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, `day-heatmap-${size.width}.png`) });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it.each(SIZES)('the board and 办件查询 fit the screen: cards on a phone, the tables at a counter PC (%o)', async (size) => {
    const phone = size.width < 768;
    let { page, close } = await newPage(size);
    try {
      await staffLogin(page, server.url, 'supervisor');
      await page.goto(`${server.url}/#/console`);
      await page.locator('[data-testid="board-unit"]').nth(19).waitFor();
      await settle(page);
      await expect(page.locator('[data-testid="board-unit"]').count()).resolves.toBe(20);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(size.width);
      const dingbao = page.locator('[data-testid="board-unit"][data-unit="dingbao"]');
      const b = (await dingbao.boundingBox())!;
      expect(b.x + b.width).toBeLessThanOrEqual(size.width);
      // the live state on one line (it wrapped as 实 / 时)
      const live = (await page.getByTestId('board-live').boundingBox())!;
      expect(live.height).toBeLessThan(30);
      await page.locator('[data-testid="board-drill"][data-unit="dingbao"]').click();
      await page.getByTestId('board-windows').first().waitFor();
      await expect(page.getByTestId('board-windows').first().innerText()).resolves.toContain('综合受理窗口');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(size.width);
      if (phone) await expect(page.locator('.board-cards').count()).resolves.toBe(1);
      else await expect(page.locator('[data-testid="board-units"].ant-table-wrapper, [data-testid="board-units"] .ant-table').count()).resolves.toBeGreaterThan(0);
      await page.screenshot({ path: path.join(SHOTS, `day-board-${size.width}.png`), fullPage: true });

      await close();
      ({ page, close } = await newPage(size));
      await staffLogin(page, server.url, 'clerk');
      await page.goto(`${server.url}/#/workbench/cases`);
      const row = page.locator(`[data-testid="case-row"][data-case-no="${reportCase}"], tr[data-row-key="${reportCase}"]`);
      await row.first().waitFor();
      await settle(page);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(size.width);
      const table = page.locator('[data-testid="cases-page"] .ant-table-content, [data-testid="cases-page"] .ant-table-body');
      if (!phone) {
        await expect(table.first().evaluate((el: any) => el.scrollWidth - el.clientWidth)).resolves.toBeLessThanOrEqual(1);
      } else {
        const r = (await row.first().boundingBox())!;
        expect(r.x + r.width).toBeLessThanOrEqual(size.width);
        await expect(row.first().innerText()).resolves.toContain(reportItem.name);
      }
      // the centre's own list masks the applicant as the inbox does (张*华, the case page names them); the ID too
      const text = await page.getByTestId('cases-page').innerText();
      expect(text).toMatch(/张\*华（4409\*+1180）/);
      expect(text).not.toContain('张丽华');
      expect(text).not.toContain(idX);
      await page.screenshot({ path: path.join(SHOTS, `day-cases-${size.width}.png`), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('a supervision notice\'s reply deadline in a year without its holiday notice says 预计 and why (API and drawer)', async () => {
    const lateCase = await intake('SZ-002', '张丽华', residentId('19790212', 119), '0871-65123456', { windowHandleLimit: 'PT1S' });
    const esc = await waitFor(async () => ((await supervisor.get('/api/escalations')).body as any[]).find((e) => e.caseNo === lateCase), 'the escalation of the overdue step', 30_000, 500);
    const issued = await supervisor.post(`/api/escalations/${esc.id}/notice`, { text: '请于期限内说明超期原因并整改', replyWithin: '400WD' });
    expect(issued.status).toBe(200);
    expect(issued.body.notice).toMatchObject({ replyEstimated: true });
    expect(issued.body.notice.replyDueAt).toBeTruthy();
    expect(issued.body.notice.replyEstimateNote).toMatch(ESTIMATE);
    const got = (await supervisor.get(`/api/escalations/${esc.id}`)).body;
    expect(got.notice).toMatchObject({ replyEstimated: true, replyEstimateNote: issued.body.notice.replyEstimateNote });

    const { page, close } = await newPage(DESKTOP);
    try {
      await staffLogin(page, server.url, 'supervisor');
      await page.goto(`${server.url}/#/console/escalations`);
      await page.locator(`[data-testid="escalation-row"][data-id="${esc.id}"] [data-testid="escalation-open"]`).click();
      const due = page.getByTestId('escalation-reply-due');
      await due.waitFor();
      await expect(due.getAttribute('data-estimated')).resolves.toBe('true');
      await expect(due.innerText()).resolves.toMatch(/（预计）$/);
      await expect(page.getByTestId('escalation-reply-estimate').innerText()).resolves.toMatch(ESTIMATE);
      await page.screenshot({ path: path.join(SHOTS, 'day-escalation-reply-estimated-1366.png') });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
    // on a phone: the escalations as cards (the table's headers broke a character a line), the drawer the screen's width
    const phone = await newPage(PHONE);
    try {
      await staffLogin(phone.page, server.url, 'supervisor');
      await phone.page.goto(`${server.url}/#/console/escalations`);
      const card = phone.page.locator(`[data-testid="escalation-row"][data-id="${esc.id}"]`);
      await card.waitFor();
      expect(await scrollWidth(phone.page)).toBeLessThanOrEqual(PHONE.width);
      await expect(card.innerText()).resolves.toContain(lateCase);
      await card.getByTestId('escalation-open').click();
      const due = phone.page.getByTestId('escalation-reply-due');
      await due.waitFor();
      await phone.page.waitForTimeout(600); // the drawer slides in
      const box = (await due.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      // the history by names, not codes (it said bpmn-timer)
      await expect(phone.page.getByTestId('escalation-history').innerText()).resolves.not.toMatch(/bpmn-timer|[a-z]+-[a-z]+/);
      await phone.page.screenshot({ path: path.join(SHOTS, 'day-escalation-reply-estimated-390.png') });
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }
  }, 90_000);

  it('deploying a path that contradicts a catalogue item on it is refused, naming the item and the rule; a consistent one names the items', async () => {
    const latest = (await designer.get('/api/definitions/report-up-item')).body.latestVersion;
    expect(latest).toBeGreaterThan(0);
    const xml = readFileSync(path.join(ROOT, 'processes', 'diagrams', 'report-up-item.bpmn'), 'utf8');
    // the city's approval (a call activity to the city's own process) made a call to the town's 即办 path:
    // every 上报件 on this path would lose its city approval
    const broken = xml.replace('calledElement="city-report-up-approval"', 'calledElement="immediate-item"');
    expect(broken).not.toBe(xml);
    const r = await designer.post('/api/definitions', { xml: broken, note: '市中心审批改由镇审批' });
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.body.code).toBe('ITEM_RULE_VIOLATION');
    const onPath = items.filter((i) => i.procedure === 'report-up-item' && i.defaultCategory === 'report-up');
    expect(onPath.length).toBeGreaterThan(0);
    expect(r.body.details.items.map((i: any) => i.code).sort()).toEqual(onPath.map((i) => i.code).sort());
    expect(r.body.details.items[0].violations[0]).toMatchObject({ field: 'procedure', rule: 'report-up-city-step' });
    expect(r.body.detail).toContain(onPath[0].name);
    expect(r.body.detail).toContain('没有市级步骤');
    // nothing deployed
    expect((await designer.get('/api/definitions/report-up-item')).body.latestVersion).toBe(latest);
    // so is a new version of the city's own process whose approval became a town step: the 上报件 calling it are named
    const cityXml = readFileSync(path.join(ROOT, 'processes', 'diagrams', 'city-report-up-approval.bpmn'), 'utf8');
    const cityLatest = (await designer.get('/api/definitions/city-report-up-approval')).body.latestVersion;
    const cityBroken = cityXml.replace(/(<bpmn:userTask id="city-approval"[^>]*?)svc:orgLevel="city"/, '$1svc:orgLevel="town"');
    expect(cityBroken).not.toBe(cityXml);
    const cityRefused = await designer.post('/api/definitions', { xml: cityBroken, note: '市中心审批改由镇审批' });
    expect([cityRefused.status, cityRefused.body.code]).toEqual([422, 'ITEM_RULE_VIOLATION']);
    expect(cityRefused.body.details.items.map((i: any) => i.code).sort()).toEqual(onPath.map((i) => i.code).sort());
    expect((await designer.get('/api/definitions/city-report-up-approval')).body.latestVersion).toBe(cityLatest);
    // a change that keeps the items consistent deploys, and says which items use the path
    const renamed = xml.replace('name="报市中心审批"', 'name="报市行政服务中心审批"');
    expect(renamed).not.toBe(xml);
    const ok = await designer.post('/api/definitions', { xml: renamed, note: '步骤名称改为全称' });
    expect(ok.status).toBe(201);
    expect(ok.body.items.map((i: any) => i.code)).toEqual(expect.arrayContaining(onPath.map((i) => i.code)));
    // no change note: still the note's own answer first
    expect((await designer.post('/api/definitions', { xml: broken, note: '' })).status).toBe(400);

    // in the browser: the confirmation names the items on the path, the refusal is said inside it
    const { page, close } = await newPage(DESKTOP);
    try {
      await staffLogin(page, server.url, 'designer');
      await page.goto(`${server.url}/#/designer/modeler/new`);
      await page.locator('[data-testid="lint-status"]').waitFor({ timeout: 20_000 });
      await page.getByTestId('open-file-input').setInputFiles({ name: 'report-up-item.bpmn', mimeType: 'application/xml', buffer: Buffer.from(broken) });
      await page.getByTestId('canvas').locator('.djs-shape[data-element-id="report-to-city"]').waitFor({ timeout: 15_000 });
      await page.locator('[data-testid="deploy"]:not([disabled])').waitFor({ timeout: 20_000 });
      await page.getByTestId('deploy').click();
      await page.getByTestId('deploy-dialog').waitFor();
      await expect(page.getByTestId('deploy-items').innerText()).resolves.toContain(onPath[0].name);
      // the diff names the changed attribute in Chinese (the called process)
      await expect(page.getByTestId('deploy-dialog').innerText()).resolves.toMatch(/被调用流程：\s*city-report-up-approval\s*→\s*immediate-item/);
      await page.getByTestId('deploy-note').fill('市中心审批改由镇审批');
      await page.getByTestId('deploy-confirm').click();
      const refusal = page.getByTestId('deploy-error');
      await refusal.waitFor();
      const said = await refusal.innerText();
      expect(said).toContain(`未部署：新版本与使用该路径的 ${onPath.length} 个事项不一致`);
      expect(said).toMatch(/没有市级步骤/);
      for (const i of onPath) expect(said).toContain(`${i.name}（${i.code}）`);
      // one line per broken rule, not one paragraph per item
      await expect(refusal.locator('li').count()).resolves.toBe(1);
      await page.screenshot({ path: path.join(SHOTS, 'day-deploy-refused-1366.png') });
      expect((await designer.get('/api/definitions/report-up-item')).body.latestVersion).toBe(latest + 1);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);

  /** Chooses the option of an antd Select that contains `text` (typed into it when it searches). */
  async function pick(page: Page, testId: string, text: string) {
    await page.getByTestId(testId).click();
    const options = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option');
    await options.first().waitFor();
    const wanted = options.filter({ hasText: text }).first();
    if (!(await wanted.count())) throw new Error(`${testId}: no option with ${text} among ${(await options.allInnerTexts()).join(' | ')}`);
    await wanted.click();
  }

  it('新增事项: a designer adds an item in the browser — same rules, version 1 with its note, in the change log', async () => {
    // the API first: only the city office, a new code only, invalid input is a problem
    expect((await clerk.post('/api/items', { code: 'GT-091' })).status).toBe(403);
    const bad = await designer.post('/api/items', { code: 'gt91', name: '' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    const gt = items.find((i) => i.code === 'GT-001');
    const { version: _v, updatedAt: _u, updatedBy: _b, ...copy } = gt;
    const taken = await designer.post('/api/items', { ...copy });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('ITEM_CODE_TAKEN');
    expect(taken.body.detail).toContain(gt.name);

    const NAME = '农村宅基地和集体建设用地使用权及房屋所有权首次登记（含不动产权证书补发换发）';
    const { page, close } = await newPage(DESKTOP);
    try {
      await staffLogin(page, server.url, 'designer');
      await page.goto(`${server.url}/#/designer/catalogue`);
      await page.getByTestId('new-item').click();
      await page.getByTestId('item-editor').waitFor();
      await expect(page.getByTestId('item-title').innerText()).resolves.toBe('新增事项');
      await page.getByTestId('item-code').fill('gt-090');
      await page.getByTestId('item-name').fill(NAME);
      await pick(page, 'item-department', '');
      await pick(page, 'item-procedure', 'supplement-item');
      // 即办件 with ten promised days: refused by the rules, each reason beside its field
      await page.getByTestId('item-category').getByText('即办件').click();
      await page.getByTestId('item-note').fill('新增宅基地首次登记事项');
      await page.getByTestId('save-item').click();
      await page.getByTestId('rule-violations').waitFor();
      await expect(page.getByTestId('rule-violations').innerText()).resolves.toContain('即办件');
      expect((await designer.get('/api/items/GT-090')).status).toBe(404);
      // as a 承诺件 it is consistent
      await page.getByTestId('item-category').getByText('承诺件').click();
      await page.getByTestId('save-item').click();
      await page.waitForURL(/#\/designer\/catalogue\/GT-090$/);
      await page.locator('[data-testid="item-version"]').waitFor();
      // the title fills in once the saved item is read back (under load, after the version tag)
      await page.getByTestId('item-title').filter({ hasText: NAME }).waitFor({ timeout: 15_000 });
      await expect(page.getByTestId('item-title').innerText()).resolves.toBe(NAME);
      await expect(page.getByTestId('item-version').innerText()).resolves.toMatch(/1/);
      const entry = page.locator('[data-testid="version-entry"][data-version="1"]');
      await entry.waitFor();
      await expect(entry.innerText()).resolves.toMatch(/张敏[\s\S]*新增宅基地首次登记事项/);
      await page.screenshot({ path: path.join(SHOTS, 'day-new-item-1366.png') });

      const item = (await designer.get('/api/items/GT-090')).body;
      expect(item).toMatchObject({ code: 'GT-090', name: NAME, defaultCategory: 'promised', procedure: 'supplement-item', version: 1, updatedBy: 'designer' });
      const log = (await designer.get('/api/item-changes')).body as any[];
      expect(log.find((e) => e.code === 'GT-090')).toMatchObject({ version: 1, savedByName: '张敏', note: '新增宅基地首次登记事项' });
      // the public guide lists it
      expect((await new ApiClient(server.url).get('/api/public/items/GT-090')).status).toBe(200);

      // the same code again: refused beside the code field, nothing overwritten
      await page.goto(`${server.url}/#/designer/catalogue/new`);
      await page.getByTestId('item-code').fill('GT-090');
      await page.getByTestId('item-name').fill('重复编码的事项');
      await pick(page, 'item-department', '');
      await pick(page, 'item-procedure', 'supplement-item');
      await page.getByTestId('save-item').click();
      await page.getByText(`事项编码GT-090已被“${NAME}”使用`).first().waitFor();
      expect((await designer.get('/api/items/GT-090')).body.name).toBe(NAME);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);

  it('the form editor shows no English in its labels, tooltips and placeholders', async () => {
    const { page, close } = await newPage(DESKTOP);
    try {
      await staffLogin(page, server.url, 'designer');
      await page.goto(`${server.url}/#/designer/forms/accept`);
      await page.locator('[data-testid="form-editor"][data-ready="true"]').waitFor({ timeout: 20_000 });
      await page.locator('.fjs-editor-container .fjs-form-field').first().waitFor();
      const english = async () => page.locator('[data-testid="form-editor"]').evaluate((root: any) => {
        const found = new Set<string>();
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const v = (n.nodeValue ?? '').trim();
          if (/[A-Za-z]{3,}/.test(v) && !n.parentElement?.closest('input, textarea, code, .fjs-powered-by, [contenteditable]')) found.add(v);
        }
        for (const el of root.querySelectorAll('[title], [placeholder], [aria-label]')) {
          for (const a of ['title', 'placeholder', 'aria-label']) {
            const v = (el.getAttribute(a) ?? '').trim();
            if (/[A-Za-z]{3,}/.test(v) && !el.closest('.fjs-powered-by')) found.add(`${a}=${v}`);
          }
        }
        return [...found];
      });
      const seen = new Set<string>(await english());
      // a field selected: its properties panel, every group opened
      for (const sel of ['.fjs-editor-container .fjs-form-field-radio', '.fjs-editor-container .fjs-form-field-textarea', '.fjs-editor-container .fjs-form-field-dynamiclist', '.fjs-editor-container .fjs-form-field-number']) {
        const f = page.locator(sel).first();
        if (!(await f.count())) continue;
        await f.click({ position: { x: 5, y: 5 }, timeout: 5000 }).catch(() => undefined);
        await page.waitForTimeout(300);
        const closed = page.locator('.fjs-properties-panel .bio-properties-panel-group-header:not(.open)');
        for (let i = 0; i < 12 && (await closed.count()); i++) await closed.first().click({ timeout: 2000 }).catch(() => undefined);
        await page.waitForTimeout(300);
        for (const s of await english()) seen.add(s);
      }
      // keys and ids the designer typed are data, not words of the library; FEEL, HTML, JSON are names
      const left = [...seen]
        .map((s) => s.replace(/^(title|placeholder|aria-label)=/, ''))
        .filter((s) => !/^(form-accept|Form_\w+|[a-z][A-Za-z0-9_-]*)$/.test(s))
        .filter((s) => /[A-Za-z]{3,}/.test(s.replace(/\b(FEEL|HTML|JSON|URL|iFrame|bpmn\.io)\b/g, '')));
      await page.screenshot({ path: path.join(SHOTS, 'day-form-editor-1366.png') });
      expect(left).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);
});
