/**
 * Issue 13, what was left of a clerk's, a supervisor's and a citizen's day, in Chromium against a
 * real server, engine and database. Realistic input: 阿卜杜·热合曼 (ID ending in X, 13800138000),
 * 欧阳小明 (0512-58881234), the report-up items GS-001 个体工商户登记（代办）and NL-004
 * 人工繁育（驯养繁殖）“三有”保护野生动物许可申请 (the longest item name).
 *
 * 1. A town clerk opening the city's step of a 上报件 (市中心审批) was offered 办理 on the case page and
 *    签收 on the step's page — which the server refuses (403 CANNOT_CLAIM): a dead end. Now
 *    `GET /api/tasks/{id}` says what the reader may do (`offer`), the page offers only that and says
 *    in Chinese whose step it is (由 信宜市行政服务中心 · … 办理，当前办理人 …); the case page links it as 查看.
 *    The city's clerk holding it still gets 办理.
 * 2. The case history showed the raw code `case.decision-undone` and "：interrupted" (a process
 *    killed in the middle of an examination decision, repaired): now 决定未生效（系统中断） with the
 *    reason in Chinese (every event type's label: audit-labels.test.ts).
 * 3. The public lookup of a 上报件 at the city's step showed 本环节承诺办结时限 later than the case's
 *    承诺办结期限 without a word: the step's limit is now 本环节办理时限, a step limit past the promise
 *    says the promise holds, and a 上报件 says that the city's approval counts within the promise.
 * 4. Call activities within call activities (the city's approval asking a city department first):
 *    the case page lists the called processes as a tree (indented, each linked), a called process
 *    shows the way down to it (面包屑, each linked), and its open step is current in its diagram.
 * 5. A supervisor had no way to take the escalations (督办台账) away as a file: 导出Excel on the
 *    escalations page gives 督办台账-<day>.xlsx with Chinese headers, names for centres, windows and
 *    people, the limit and status in Chinese — no codes (dingbao, step, open).
 * 6. Phone widths: the case page's step list at 390×844 (seven columns broke a character a line and
 *    ran off the screen) is two columns; complaints filed with 0512-58881234 and 13800138000 are
 *    accepted, masked in the supervisor's list, and readable whole there at 390 (cards, the reply
 *    button on screen — the table hid everything right of 机构) and 1366 (the text was cut to 窗口办理拖延…).
 */
import { mkdirSync } from 'node:fs';
import ExcelJS from 'exceljs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ApiClient, fixture, waitFor } from '../helpers/api';
import { signIn } from '../helpers/browser';
import { residentId } from '../helpers/people';
import { launchBrowser, openPage } from '../helpers/browser';
import { ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';
import { useBrowser, useServer } from '../helpers/suite';

// browser globals of the page.evaluate callbacks (they run in Chromium; the test project has no DOM lib)
declare const document: any;
declare const window: any;

const SHOTS = path.join(ROOT, '.test-data', 'screenshots');
const PHONE = { width: 390, height: 844 };
const PC = { width: 1366, height: 768 };

/** A valid resident ID of 信宜市 whose check character is X. */
function idEndingInX(birth: string): string {
  for (let seq = 1; seq < 1000; seq++) {
    const id = residentId(birth, seq);
    if (id.endsWith('X')) return id;
  }
  throw new Error('no ID ending in X');
}

describe('issue 13: whose step it is, the lookup of a 上报件, call activities within call activities', () => {
  const server = useServer('daywalk13', { BOARD_TICK_MS: '1000', ALLOW_LIMIT_OVERRIDES: 'true' });
  const chromium = useBrowser(server);
  const idX = idEndingInX('19860704');
  let gs: { caseNo: string; queryCode: string };
  let cityTask: any;

  const pageAs = async (username: string | null, viewport: { width: number; height: number }): Promise<Page> => {
    const page = await chromium.page(viewport, { isolated: true });
    if (username) await signIn(page, username, { url: `${server.url}/#/login` });
    return page;
  };
  const pageScrollsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

  /** Takes in a report-up item for 阿卜杜·热合曼 and completes the town's two steps: the city's step is open. */
  const toTheCity = async (itemCode: string, name = '阿卜杜·热合曼', phone = '13800138000') => {
    const clerk = await server.as('clerk');
    const item = (await clerk.get(`/api/items/${itemCode}`)).body;
    const r = await clerk.post('/api/intake', {
      itemCode,
      applicant: { kind: 'person', name, idType: 'resident-id', idNumber: idX, phone, address: '信宜市丁堡镇中心街 8 号' },
      materials: item.materials.map((m: any) => ({ code: m.code, provided: true })),
    });
    expect(r.status).toBe(201);
    const caseNo = r.body.case.caseNo as string;
    for (const elementId of ['town-accept', 'town-review']) {
      const step = await waitFor(async () => ((await clerk.get(`/api/service-cases/${caseNo}`)).body.steps as any[]).find((s) => s.elementId === elementId && s.status === 'open'), elementId, 30_000);
      const who = await server.as(step.assignee ?? 'clerk');
      if (!step.assignee) expect((await who.post(`/api/tasks/${step.taskId}/claim`, {})).status).toBe(200);
      const done = await who.post(`/api/tasks/${step.taskId}/complete`, { decision: 'approve', opinion: '材料齐全，同意上报', variables: {} });
      expect(done.status).toBe(200);
    }
    return { caseNo, queryCode: r.body.queryCode as string };
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    gs = await toTheCity('GS-001');
    const clerk = await server.as('clerk');
    const city = await waitFor(async () => ((await clerk.get(`/api/service-cases/${gs.caseNo}`)).body.steps as any[]).find((s) => s.elementId === 'city-approval' && s.status === 'open'), 'the city step', 30_000);
    cityTask = city;
  }, 180_000);

  it('1. a town clerk reading the city\'s step is offered neither 办理 nor 签收 and told whose step it is; the city\'s clerk gets 办理', async () => {
    const clerk = await server.as('clerk');
    const read = (await clerk.get(`/api/tasks/${cityTask.taskId}`)).body;
    expect(read.offer).toEqual({ claim: false, complete: false, return: false, transfer: false, cosign: false, cc: false, withdraw: false, urge: false });
    // what the offer says is what the server does: the claim it no longer offers is refused
    expect((await clerk.post(`/api/tasks/${cityTask.taskId}/claim`, {})).status).toBe(403);
    // the city's clerk: claim (or, holding it already, complete)
    const cityClerk = await server.as(cityTask.assignee ?? 'cityclerk');
    const theirs = (await cityClerk.get(`/api/tasks/${cityTask.taskId}`)).body.offer;
    expect(theirs.complete || theirs.claim).toBe(true);
    // the manager of the town may urge the city's holder (催办), when it has one
    if (cityTask.assignee) expect((await (await server.as('manager')).get(`/api/tasks/${cityTask.taskId}`)).body.offer.urge).toBe(true);

    for (const viewport of [PC, PHONE]) {
      const page = await pageAs('clerk', viewport);
      await page.goto(`${server.url}/#/workbench/cases/${gs.caseNo}`);
      await page.getByTestId('case-page').waitFor({ timeout: 20_000 });
      await page.getByRole('tab', { name: '环节' }).click();
      const row = page.locator('[data-testid="case-step-row"][data-element-id="city-approval"]');
      await row.waitFor({ timeout: 15_000 });
      const link = row.getByTestId('step-open-link');
      await expect(link.innerText()).resolves.toBe('查看');
      await expect(link.getAttribute('data-mine')).resolves.toBe('false');
      await expect(row.getByTestId('step-whose').innerText()).resolves.toMatch(/^由信宜市行政服务中心 · .+窗口办理$/);
      // the clerk's own open steps would say 办理: none is open here, the town's are done
      await link.click();
      const note = page.getByTestId('task-not-offered');
      await note.waitFor({ timeout: 15_000 });
      const whose = await page.getByTestId('task-whose').innerText();
      expect(whose).toMatch(/^此环节由信宜市行政服务中心 · .+窗口办理，/);
      expect(whose).toMatch(cityTask.assignee ? /当前办理人：[\u4e00-\u9fff·]{2,}。$/ : /尚待该处签收。$/);
      expect(await note.innerText()).toContain('不能签收或办理此环节');
      expect(await page.getByTestId('task-claim').count()).toBe(0);
      expect(await page.getByTestId('complete-task').count()).toBe(0);
      // the only thing left to do: 催办, the clerk being the case's 首问负责人 — when the city's step has a holder to press
      if (cityTask.assignee) {
        await page.getByTestId('task-more').hover();
        await page.getByTestId('action-urge').waitFor({ timeout: 5_000 });
        for (const other of ['claim', 'return', 'transfer', 'cosign', 'cc', 'withdraw']) expect(await page.getByTestId(`action-${other}`).count()).toBe(0);
        expect(await note.innerText()).toContain('可在“更多”中催办');
      } else expect(await page.getByTestId('task-more').count()).toBe(0);
      // no empty 办理单 that looks like a decision
      expect(await page.locator('body').innerText()).not.toContain('使用基本办理单');
      await page.getByTestId('task-back-to-case').click();
      await page.getByTestId('case-page').waitFor({ timeout: 15_000 });
      expect(await pageScrollsSideways(page)).toBe(false);
      await page.goto(`${server.url}/#/workbench/tasks/${encodeURIComponent(cityTask.taskId)}`);
      await page.getByTestId('task-not-offered').waitFor({ timeout: 15_000 });
      await page.screenshot({ path: path.join(SHOTS, `daywalk-city-step-as-town-clerk-${viewport.width}.png`), fullPage: true });
      await page.close();
    }

    // the city's clerk holding the step: 办理 (after 签收 when it waits for one)
    const city = await pageAs(cityTask.assignee ?? 'cityclerk', PC);
    await city.goto(`${server.url}/#/workbench/tasks/${encodeURIComponent(cityTask.taskId)}`);
    await city.getByTestId('task-page').waitFor({ timeout: 15_000 });
    if (!cityTask.assignee) await city.getByTestId('task-claim').click();
    await city.getByTestId('complete-task').waitFor({ timeout: 15_000 });
    expect(await city.getByTestId('task-not-offered').count()).toBe(0);
    await city.close();
    expect(chromium.errors).toEqual([]);
  }, 180_000);

  it('3. the public lookup of a 上报件 at the city\'s step: the step\'s limit is not called a promise, one past the promise says the promise holds', async () => {
    const anonymous = new ApiClient(server.url);
    const view = (await anonymous.post('/api/public/case-lookup', { caseNo: gs.caseNo, queryCode: gs.queryCode })).body;
    const step = view.currentSteps.find((s: any) => s.name === '市中心审批');
    expect(step).toBeTruthy();
    const stepDue = new Date(step.deadline.dueAt).getTime();
    const promisedDue = new Date(view.deadline.promised.dueAt).getTime();
    // GS-001 promises 2 working days; the city's step alone has 5 (the contradiction the citizen read)
    expect(stepDue).toBeGreaterThan(promisedDue);

    for (const viewport of [PHONE, PC]) {
      const page = await pageAs(null, viewport);
      await page.goto(`${server.url}/#/public/lookup`);
      await page.getByTestId('lookup-caseno').fill(gs.caseNo);
      await page.getByTestId('lookup-code').fill(gs.queryCode);
      await page.getByTestId('lookup-submit').click();
      const result = page.getByTestId('lookup-result');
      await result.waitFor({ timeout: 15_000 });
      const due = page.locator('[data-testid="lookup-step-deadline"][data-step="市中心审批"]');
      const text = await due.innerText();
      expect(text).toMatch(/本环节办理时限：\d{4}年\d{1,2}月\d{1,2}日/);
      expect(text).not.toContain('承诺办结时限');
      await expect(due.getByTestId('lookup-step-beyond').innerText()).resolves.toMatch(/^本环节时限晚于承诺办结期限：中心仍须在 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} 前办结本件/);
      await expect(page.getByTestId('lookup-promise-note').innerText()).resolves.toContain('市级审批的时间计入承诺办结期限');
      expect(await pageScrollsSideways(page)).toBe(false);
      await page.screenshot({ path: path.join(SHOTS, `daywalk-lookup-report-up-${viewport.width}.png`), fullPage: true });
      await page.close();
    }
    expect(chromium.errors).toEqual([]);
  }, 120_000);

  it('4. a call activity within a call activity: the case page nests the called processes, each linked, with the way down and the open step current', async () => {
    const designer = await server.as('designer');
    expect((await designer.deployXml(fixture('nested-dept-opinion.bpmn'), '新增市级业务部门意见流程')).status).toBe(201);
    expect((await designer.deployXml(fixture('nested-city-approval.bpmn'), '市中心审批前先征求市级业务部门意见')).status).toBe(201);
    const nl = await toTheCity('NL-004', '欧阳小明', '0512-58881234');
    const clerk = await server.as('clerk');
    const rootId = (await clerk.get(`/api/service-cases/${nl.caseNo}`)).body.instanceId as string;
    // root → 市中心审批 (v2) → 市级业务部门意见, its step open
    const cityId = await waitFor(async () => (await clerk.get(`/api/cases/${rootId}`)).body.calledCases?.[0]?.instanceId as string | undefined, 'the city process', 30_000);
    const deptId = await waitFor(async () => (await clerk.get(`/api/cases/${cityId}`)).body.calledCases?.[0]?.instanceId as string | undefined, 'the department process', 30_000);
    await waitFor(async () => ((await clerk.get(`/api/cases/${deptId}`)).body.openTasks as any[]).find((t) => t.elementId === 'dept-opinion'), 'the department step', 30_000);

    const page = await pageAs('clerk', PC);
    await page.goto(`${server.url}/#/workbench/cases/${nl.caseNo}`);
    const tree = page.getByTestId('called-cases');
    await tree.waitFor({ timeout: 20_000 });
    const links = tree.getByTestId('called-case-link');
    await expect(links.count()).resolves.toBe(2);
    await expect(links.nth(0).getAttribute('data-depth')).resolves.toBe('1');
    await expect(links.nth(0).innerText()).resolves.toBe('报市中心审批 → 市中心审批（先征求市级部门意见）（办理中）');
    await expect(links.nth(1).getAttribute('data-depth')).resolves.toBe('2');
    await expect(links.nth(1).innerText()).resolves.toBe('征求市级部门意见 → 市级业务部门意见（由市中心审批调用）（办理中）');
    // the second is indented under the first
    const [x0, x1] = await Promise.all([0, 1].map((i) => links.nth(i).evaluate((el: any) => el.getBoundingClientRect().left as number)));
    expect(x1).toBeGreaterThan(x0! + 8);
    // the town's call activity is current: its process (through the one it called) is not done
    await page.locator('[data-testid="case-diagram"] .djs-element[data-element-id="report-to-city"].current, [data-testid="case-diagram"] .djs-element[data-element-id="report-to-city"].warned, [data-testid="case-diagram"] .djs-element[data-element-id="report-to-city"].late').first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SHOTS, 'daywalk-nested-case-1366.png'), fullPage: true });

    // down to the department's process: the way down, each linked; its open step current
    await links.nth(1).click();
    const crumbs = page.getByTestId('called-breadcrumb').getByTestId('called-crumb');
    await page.getByTestId('called-breadcrumb').waitFor({ timeout: 20_000 });
    await expect(crumbs.count()).resolves.toBe(3);
    await expect(page.getByTestId('called-breadcrumb').innerText()).resolves.toMatch(/报市中心审批 → 市中心审批（先征求市级部门意见）\s*\/\s*征求市级部门意见 → 市级业务部门意见（由市中心审批调用）$/);
    await expect(crumbs.nth(2).getAttribute('data-current')).resolves.toBe('true');
    await expect(page.getByTestId('called-banner').innerText()).resolves.toContain('这是调用活动「征求市级部门意见」启动的被调用流程「市级业务部门意见（由市中心审批调用）」');
    await page.locator('[data-testid="case-diagram"] .djs-element[data-element-id="dept-opinion"].current').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SHOTS, 'daywalk-nested-dept-1366.png'), fullPage: true });
    // up one level through the middle crumb: the city's process, its call activity current
    await crumbs.nth(1).click();
    await page.locator(`[data-testid="case-diagram-card"][data-instance="${cityId}"]`).waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="case-diagram"] .djs-element[data-element-id="ask-dept"].current').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('called-breadcrumb').getByTestId('called-crumb').count()).resolves.toBe(2);
    // and to the case's own process
    await page.getByTestId('called-breadcrumb').getByTestId('called-crumb').first().click();
    await page.locator(`[data-testid="case-diagram-card"][data-instance="${rootId}"]`).waitFor({ timeout: 20_000 });
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 240_000);

  it('5. a supervisor exports the escalations (督办台账) as Excel: Chinese headers, names, no codes', async () => {
    const clerk = await server.as('clerk');
    const item = (await clerk.get('/api/items/NL-004')).body;
    const r = await clerk.post('/api/intake', {
      itemCode: 'NL-004', limitOverrides: { townAcceptLimit: 'PT1S' },
      applicant: { kind: 'person', name: '欧阳小明', idType: 'resident-id', idNumber: residentId('19910311', 57), phone: '0512-58881234' },
      materials: item.materials.map((m: any) => ({ code: m.code, provided: true })),
    });
    expect(r.status).toBe(201);
    const caseNo = r.body.case.caseNo as string;
    const supervisor = await server.as('supervisor');
    await waitFor(async () => ((await supervisor.get('/api/escalations')).body as any[]).find((e) => e.caseNo === caseNo && e.limitKind === 'step'), 'the step breach escalated', 60_000);

    const res = await fetch(`${server.url}/api/escalations?format=xlsx`, { headers: { authorization: `Bearer ${(supervisor as any).token as string}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    expect(decodeURIComponent(res.headers.get('content-disposition')!.split("UTF-8''")[1]!)).toMatch(/^督办台账-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
    const sheet = wb.getWorksheet('督办台账')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(['办件编号', '督办事由', '时限类别', '所属机构', '窗口', '责任人', '程度', '督办级别', '状态', '期限', '发起时间', '督办通知', '回复截止', '回复', '回复时间']);
    const rows = (sheet.getSheetValues() as unknown[][]).slice(2).filter(Boolean).map((v) => Object.fromEntries(header.map((h, i) => [h, v[i + 1] ?? ''])));
    // the step clock's breach (a BPMN 超时督办 of the same step may be listed beside it)
    const mine = rows.find((x) => x['办件编号'] === caseNo && x['时限类别'] === '环节时限')!;
    expect(String(mine['督办事由'])).toMatch(/^(超时督办|环节时限超期) · 镇窗口受理$/);
    expect(mine).toMatchObject({ 时限类别: '环节时限', 所属机构: '丁堡镇', 程度: '超期', 督办级别: '1级', 状态: '待处理' });
    expect(String(mine['窗口'])).toMatch(/窗口$/);
    expect(String(mine['责任人'])).toMatch(/^[\u4e00-\u9fff·]{2,}$/);
    expect(String(mine['期限'])).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    // no codes: nothing but case numbers has a Latin letter (dingbao, step, open, deadline.breach …)
    for (const row of rows) for (const [k, v] of Object.entries(row)) if (k !== '办件编号') expect([k, String(v)]).toEqual([k, expect.not.stringMatching(/[A-Za-z]/)]);
    expect(wb.getWorksheet('说明')).toBeTruthy();

    // in the browser: one button, a Chinese file name
    const page = await pageAs('supervisor', PC);
    await page.goto(`${server.url}/#/console/escalations`);
    await page.locator(`[data-testid="escalation-row"]`).first().waitFor({ timeout: 20_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('escalations-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^督办台账-\d{4}-\d{2}-\d{2}\.xlsx$/);
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 180_000);

  it('6. phone widths: the case\'s steps, and complaints filed with a mobile and a landline read on a supervisor\'s phone (masked, whole text, reply at hand)', async () => {
    // the case page's step list at 390: two columns (the seven broke a character a line and ran off the screen)
    const clerkPage = await pageAs('clerk', PHONE);
    await clerkPage.goto(`${server.url}/#/workbench/cases/${gs.caseNo}`);
    await clerkPage.getByTestId('case-page').waitFor({ timeout: 20_000 });
    await clerkPage.getByRole('tab', { name: '环节' }).click();
    const review = clerkPage.locator('[data-testid="case-step-row"][data-element-id="town-review"]');
    await review.waitFor({ timeout: 15_000 });
    await expect(review.getByTestId('step-phone-detail').innerText()).resolves.toMatch(/^[\u4e00-\u9fff·]{2,} · \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} · 办结时间 .+ · 同意 材料齐全，同意上报$/);
    const city = clerkPage.locator('[data-testid="case-step-row"][data-element-id="city-approval"]');
    await expect(city.getByTestId('step-open-link').innerText()).resolves.toBe('查看');
    const right = await clerkPage.locator('[data-testid="case-steps"]').evaluate((el: any) => el.getBoundingClientRect().right as number);
    expect(right).toBeLessThanOrEqual(PHONE.width);
    expect(await pageScrollsSideways(clerkPage)).toBe(false);
    await clerkPage.screenshot({ path: path.join(SHOTS, 'daywalk-case-steps-390.png'), fullPage: true });
    await clerkPage.close();

    // a citizen complains from a phone with a landline, another from a PC with a mobile: both accepted
    const filed: string[] = [];
    for (const [viewport, phone, text] of [[PHONE, '0512-58881234', '窗口工作人员午休时间提前离岗，群众等候四十分钟无人接待，希望中心加强管理'], [PC, '13800138000', '上报件到市中心后一周没有消息，电话咨询也说不清进度']] as const) {
      const page = await pageAs(null, viewport);
      await page.goto(`${server.url}/#/public/complaints?orgUnit=dingbao&caseNo=${gs.caseNo}`);
      await page.getByTestId('complaint-content').fill(text);
      await page.getByTestId('complaint-contact').fill('阿卜杜·热合曼');
      await page.getByTestId('complaint-phone').fill(phone);
      await page.getByTestId('complaint-submit').click();
      await page.getByTestId('complaint-receipt').waitFor({ timeout: 15_000 });
      filed.push(await page.getByTestId('complaint-reference').innerText());
      expect(await page.locator('body').innerText()).not.toContain(phone);
      await page.close();
    }

    for (const viewport of [PHONE, PC]) {
      const page = await pageAs('supervisor', viewport);
      await page.goto(`${server.url}/#/console/complaints`);
      for (const [ref, masked, text] of [[filed[0]!, '0512-******34', '希望中心加强管理'], [filed[1]!, '138****8000', '电话咨询也说不清进度']] as const) {
        const row = page.locator(`[data-testid="complaint-row"][data-id="${ref}"]`);
        await row.waitFor({ timeout: 20_000 });
        await expect(row.getByTestId('complaint-phone').innerText()).resolves.toBe(masked);
        // the whole text, not cut: the end of it is on screen
        const content = row.getByTestId('complaint-content');
        expect(await content.innerText()).toContain(text);
        const cut = await content.evaluate((el: any) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > window.innerWidth);
        expect(cut).toBe(false);
        const reply = await row.getByTestId('complaint-reply').evaluate((el: any) => el.getBoundingClientRect().right as number);
        expect(reply).toBeLessThanOrEqual(viewport.width);
      }
      expect(await page.locator('body').innerText()).not.toMatch(/13800138000|58881234/);
      expect(await pageScrollsSideways(page)).toBe(false);
      await page.screenshot({ path: path.join(SHOTS, `daywalk-complaints-${viewport.width}.png`), fullPage: true });
      await page.close();
    }
    expect(chromium.errors).toEqual([]);
  }, 180_000);
});

describe('issue 13: the case history after a process was killed in the middle of an examination decision', () => {
  const servers: RunningProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
  });

  it('2. says 决定未生效（系统中断） and why in Chinese — not case.decision-undone or "interrupted"', async () => {
    const dbName = uniqueDbName('undone13');
    const repair = { CASE_REPAIR_AFTER_MS: '1000', CASE_REPAIR_EVERY: '2 seconds' };
    // a server that dies right after it claimed the decision (中断), before it wrote it
    const doomed = await startServer(dbName, { ...repair, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: 'examine.after-claim' });
    servers.push(doomed);
    const first = await ApiClient.login(doomed.url, 'clerk');
    const item = (await first.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item' && i.materials.length >= 2);
    const taken = await first.post('/api/intake', {
      itemCode: item.code, examine: true, materials: [{ code: item.materials[0].code, provided: true }],
      applicant: { kind: 'person', name: '阿卜杜·热合曼', idType: 'resident-id', idNumber: idEndingInX('19860704'), phone: '13800138000' },
    });
    expect(taken.status).toBe(201);
    const caseNo = taken.body.case.caseNo as string;
    await first.post(`/api/service-cases/${caseNo}/examination`, { reject: { reason: '申请事项不属于本中心受理范围' } }).catch(() => undefined);
    await Promise.race([doomed.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not reach examine.after-claim')), 30_000))]);
    expect(doomed.child.signalCode).toBe('SIGKILL');

    // the next server's repair sweep puts the case back to 收件待审 and says so in the chain
    const server = await startServer(dbName, repair);
    servers.push(server);
    const clerk = await ApiClient.login(server.url, 'clerk');
    await waitFor(async () => ((await clerk.get(`/api/service-cases/${caseNo}/audit`)).body as any[]).some((e) => e.type === 'case.decision-undone'), 'the undone decision in the chain', 30_000);
    expect((await clerk.get(`/api/service-cases/${caseNo}`)).body.status).toBe('under-examination');

    const browser = await launchBrowser();
    const errors: string[] = [];
    try {
      const { page } = await openPage(browser, errors, PC, { isolated: true });
      await signIn(page, 'clerk', { url: `${server.url}/#/login` });
      await page.goto(`${server.url}/#/workbench/cases/${caseNo}`);
      const entry = page.locator('[data-testid="case-timeline"] [data-type="case.decision-undone"]');
      await entry.waitFor({ timeout: 20_000 });
      const text = await entry.innerText();
      expect(text).toContain('决定未生效（系统中断）');
      expect(text).toContain('该决定未生效，办件已回到“收件待审”，请重新作出审查决定');
      expect(text).toContain('（未生效的决定：不予受理）');
      expect(text).toContain('系统');
      const timeline = await page.getByTestId('case-timeline').innerText();
      expect(timeline).not.toMatch(/[a-z]+\.[a-z-]+|interrupted/);
      await page.screenshot({ path: path.join(SHOTS, 'daywalk-decision-undone-1366.png'), fullPage: true });
    } finally {
      await browser.close();
    }
    expect(errors).toEqual([]);
  }, 240_000);
});
