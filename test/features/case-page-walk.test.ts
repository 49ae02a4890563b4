/**
 * Issues #13 and #15 in a real browser against a real server, engine and database, at a counter
 * PC (1366×768):
 *
 * 1. The case page of a report-up case whose town process calls the city's (调用活动, deployed as
 *    in call-activities.test.ts): while the city's 市中心审批 is open, the town's call activity
 *    报市中心审批 is the current step — highlighted in the diagram with a link to the city's process,
 *    and a row of the step list (调用活动, 办理中) before the city's step; the link opens the
 *    city's diagram with its step current and a way back. When the city is done, the call activity
 *    is marked done and the town's next step is current. No instance ids or element ids on screen;
 *    the 代办记录 tab names the report to the city by org unit and window names (it showed
 *    "report-up dingbao/dingbao-w.. → city/city-w..").
 *    Before: the town's diagram marked nothing current (the open step was the city's) and nothing
 *    led to the city's process.
 * 2. The public 办件查询 of that case names the city's step as 当前环节 with its time limit and
 *    剩余 N 个工作日 from the step clock (before: the lookup saw only the town instance's steps,
 *    and no time limit at all), nothing about staff.
 * 4. A definition deployed without its drawing (no DI) shows a Chinese explanation on the case
 *    page instead of bpmn-js's "no diagram to display".
 * 5. The designer's 表单 list names who saved a form (系统预置 for the seed, 张敏), not the
 *    login ("system", "designer").
 * 3. The escalation's action dialog is the shared ReasonDialog: it says what the action is about,
 *    refuses an empty reason, shows the server's refusal in Chinese inside the dialog (the
 *    escalation closed meanwhile by another supervisor) and stays open with the text kept.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ApiClient, fixture, waitFor } from '../helpers/api';
import { signIn } from '../helpers/browser';
import { applicant } from '../helpers/people';
import { ROOT } from '../helpers/server';
import { useBrowser, useServer } from '../helpers/suite';

const SHOTS = path.join(ROOT, '.test-data', 'screenshots');
const PC = { width: 1366, height: 768 };
const CITY = fixture('call-city-approval.bpmn');
const TOWN = fixture('call-town-report-up.bpmn');

describe('call activities on the case page, the lookup\'s current step with its time limit, the escalation dialog', () => {
  const server = useServer('callpage', { ALLOW_LIMIT_OVERRIDES: 'true', BOARD_TICK_MS: '1000' });
  const chromium = useBrowser(server);
  let caseNo: string;
  let instanceId: string;
  let childId: string;

  const pageAs = async (username: string | null): Promise<Page> => {
    const page = await chromium.page(PC, { isolated: true });
    if (username) await signIn(page, username, { url: `${server.url}/#/login` });
    return page;
  };
  const stepOpen = async (elementId: string) => {
    const clerk = await server.as('clerk');
    return waitFor(async () => ((await clerk.get(`/api/service-cases/${caseNo}`)).body.steps as any[]).find((s) => s.elementId === elementId && s.status === 'open'), `step ${elementId} to open`, 30_000);
  };
  /** The signal class (current / warned / late / done) the case diagram gives an element. */
  const marker = (page: Page, elementId: string) => page.locator(`[data-testid="case-diagram"] .djs-element[data-element-id="${elementId}"]`).first().evaluate((el: any) => ['current', 'warned', 'late', 'done'].filter((c) => el.classList.contains(c)));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const designer = await server.as('designer');
    expect((await designer.deployXml(CITY, '市中心审批独立成流程，由市中心维护')).status).toBe(201);
    expect((await designer.deployXml(TOWN, '上报件改为调用市中心流程（绑定第 1 版）')).status).toBe(201);
    const clerk = await server.as('clerk');
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'report-up-item');
    const taken = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('阿卜杜·热合曼', '13800138000'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    expect(taken.status).toBe(201);
    caseNo = taken.body.case.caseNo;
    instanceId = (await clerk.get(`/api/service-cases/${caseNo}`)).body.instanceId;
    const review = await stepOpen('town-review');
    const who = await server.as(review.assignee ?? 'clerk');
    const done = await who.post(`/api/tasks/${review.taskId}/complete`, { decision: 'approve', opinion: '同意上报', variables: { townOpinion: '材料齐全，同意上报' } });
    expect(done.status).toBe(200);
    const city = await stepOpen('city-approval');
    childId = city.taskId.slice(0, city.taskId.indexOf(':'));
    expect((await clerk.get(`/api/cases/${instanceId}`)).body.calledCases).toEqual([expect.objectContaining({ elementId: 'report-to-city', instanceId: childId, status: 'running' })]);
  }, 180_000);

  it('1. while the city\'s step is open, the town\'s call activity is current on the diagram and in the step list, and links to the city\'s process and back', async () => {
    const page = await pageAs('clerk');
    await page.goto(`${server.url}/#/workbench/cases/${caseNo}`);
    await page.locator('[data-testid="case-diagram"] .djs-element[data-element-id="report-to-city"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="diagram-called-link"]').waitFor({ timeout: 15_000 });
    expect(await marker(page, 'report-to-city')).toEqual([expect.stringMatching(/^(current|warned|late)$/)]);
    expect(await marker(page, 'town-review')).toEqual(['done']);
    await expect(page.getByTestId('diagram-called-link').innerText()).resolves.toContain('正在办理：市中心审批');
    await expect(page.getByTestId('called-case-link').innerText()).resolves.toBe('报市中心审批 → 市中心审批（上报件被调用流程）（办理中）');

    // the step list: 报市中心审批 (调用活动, 办理中) before the city's step, which says whose it is
    await page.getByRole('tab', { name: '环节' }).click();
    const callRow = page.locator('[data-testid="case-step-row"][data-kind="call"][data-element-id="report-to-city"]');
    await callRow.waitFor({ timeout: 10_000 });
    await expect(callRow.getAttribute('data-status')).resolves.toBe('open');
    expect(await callRow.innerText()).toMatch(/报市中心审批\s*调用活动\s*查看被调用流程\s*办理中/);
    const rows = await page.locator('[data-testid="case-step-row"]').evaluateAll((els: any[]) => els.map((e) => `${e.getAttribute('data-kind')}:${e.getAttribute('data-element-id')}`));
    expect(rows).toEqual(['task:town-review', 'call:report-to-city', 'task:city-approval']);
    await expect(page.locator('[data-testid="case-step-row"][data-element-id="city-approval"] [data-testid="step-called-of"]').innerText()).resolves.toBe('（被调用流程「市中心审批（上报件被调用流程）」）');
    await page.screenshot({ path: path.join(SHOTS, 'call-activity-case-steps-1366.png'), fullPage: true });

    // to the city's process: its diagram, its step current, the way back
    await callRow.getByTestId('step-called-link').click();
    await page.waitForURL(new RegExp(`#/workbench/cases/${caseNo}\\?instance=${childId}$`), { timeout: 10_000 });
    await page.locator(`[data-testid="case-diagram-card"][data-instance="${childId}"] [data-testid="case-diagram"] .djs-element[data-element-id="city-approval"]`).waitFor({ timeout: 20_000 });
    expect(await marker(page, 'city-approval')).toEqual([expect.stringMatching(/^(current|warned|late)$/)]);
    await expect(page.getByTestId('called-banner').innerText()).resolves.toContain('这是调用活动「报市中心审批」启动的被调用流程「市中心审批（上报件被调用流程）」（第 1 版）');
    await page.screenshot({ path: path.join(SHOTS, 'call-activity-child-1366.png'), fullPage: true });
    const text = await page.locator('body').innerText();
    for (const raw of [childId, instanceId, 'report-to-city', 'city-approval', 'report-up-city']) expect(text).not.toContain(raw);
    await page.getByTestId('called-back').click();
    await page.waitForURL(new RegExp(`#/workbench/cases/${caseNo}$`), { timeout: 10_000 });
    await page.locator('[data-testid="case-diagram"] .djs-element[data-element-id="report-to-city"]').waitFor({ timeout: 20_000 });
    await page.getByTestId('diagram-called-link').waitFor({ timeout: 10_000 });

    // the overlay's link goes to the city's process too
    await page.getByTestId('diagram-called-link').click();
    await page.waitForURL(new RegExp(`\\?instance=${childId}$`), { timeout: 10_000 });
    await page.getByTestId('called-banner').waitFor({ timeout: 20_000 });
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 180_000);

  it('2. the public lookup names the city\'s step as 当前环节 with its time limit and what is left of it, nothing about staff', async () => {
    const anonymous = new ApiClient(server.url);
    const r = await anonymous.post('/api/public/case-lookup', { caseNo, phone: '13800138000' });
    expect(r.status).toBe(200);
    expect(r.body.currentSteps).toHaveLength(1);
    const step = r.body.currentSteps[0];
    // 市中心审批: svc:timeLimit P5D = 5 working days, received today
    expect(step).toMatchObject({ name: '市中心审批', deadline: { status: 'running', budget: { unit: 'working-days', days: 5 }, remaining: { unit: 'working-days', value: 5 }, overdue: false } });
    // the step's centre by its public name and level (56c8e6f): the city's centre, no staff, window or unit code
    expect(Object.keys(step).sort()).toEqual(['deadline', 'dueDate', 'level', 'name', 'office', 'since']);
    expect(step).toMatchObject({ level: 'city', office: expect.stringMatching(/[\u4e00-\u9fa5]/) });
    const json = JSON.stringify(r.body);
    for (const staff of ['cityclerk', 'city-approval', 'item-department', childId]) expect(json).not.toContain(staff);

    const page = await pageAs(null);
    await page.goto(`${server.url}/#/public/lookup`);
    await page.getByTestId('lookup-caseno').fill(caseNo);
    await page.getByTestId('lookup-by').getByText('手机号', { exact: true }).click();
    await page.getByTestId('lookup-phone').fill('13800138000');
    await page.getByTestId('lookup-submit').click();
    await page.getByTestId('lookup-result').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('lookup-current').innerText()).resolves.toBe('市中心审批');
    const due = page.getByTestId('lookup-step-deadline');
    await expect(due.getByTestId('lookup-step-remaining').innerText()).resolves.toBe('剩余 5 个工作日');
    const shownDue = await due.getByTestId('lookup-step-due').innerText();
    expect(shownDue).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$/);
    // an estimate (a year without its holiday notice) says so; a counted deadline does not
    const estimated = !!step.deadline.estimated;
    await expect(due.getAttribute('data-estimated')).resolves.toBe(String(estimated));
    if (estimated) await expect(due.getByTestId('lookup-step-estimate').innerText()).resolves.toMatch(/^预计，\d{4}.*年放假安排尚未公布$/);
    await page.screenshot({ path: path.join(SHOTS, 'lookup-current-step-1366.png'), fullPage: true });
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 120_000);

  it('1b. when the city is done, the call activity is done and the town\'s next step is current', async () => {
    const city = await stepOpen('city-approval');
    const who = await server.as(city.assignee ?? 'cityclerk');
    expect((await who.post(`/api/tasks/${city.taskId}/complete`, { decision: 'approve', opinion: '同意', variables: { cityOpinion: '符合条件，予以批准' } })).status).toBe(200);
    await stepOpen('town-notify-result');
    const page = await pageAs('clerk');
    await page.goto(`${server.url}/#/workbench/cases/${caseNo}`);
    await page.locator('[data-testid="case-diagram"] .djs-element.done[data-element-id="report-to-city"]').waitFor({ timeout: 30_000 });
    expect(await marker(page, 'town-notify-result')).toEqual([expect.stringMatching(/^(current|warned|late)$/)]);
    expect(await page.getByTestId('diagram-called-link').count()).toBe(0);
    await expect(page.getByTestId('called-case-link').innerText()).resolves.toContain('（已办结）');
    await page.getByRole('tab', { name: '环节' }).click();
    await expect(page.locator('[data-testid="case-step-row"][data-kind="call"]').getAttribute('data-status')).resolves.toBe('completed');

    // 代办记录: the hand-over to the city by names (it read "report-up dingbao/dingbao-w.. → city/city-w..")
    await page.getByRole('tab', { name: '代办记录' }).click();
    const up = page.locator('[data-testid="case-proxy-entry"][data-type="report-up"]').first();
    await up.waitFor({ timeout: 10_000 });
    const entry = await up.innerText();
    expect(entry).toMatch(/上报市中心（市中心审批）：丁堡镇 · \S+ → 信宜市 · \S+/);
    const proxy = await page.getByTestId('case-proxy').innerText();
    expect(proxy).not.toMatch(/dingbao|city|report-up|hand-over|return-to-town|undefined/);
    await page.screenshot({ path: path.join(SHOTS, 'call-activity-proxy-1366.png'), fullPage: true });
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 120_000);

  it('4. a definition deployed without its drawing: the case page says so in Chinese (it said "no diagram to display")', async () => {
    const designer = await server.as('designer');
    const bare = TOWN.replace(/<bpmndi:BPMNDiagram[\s\S]*<\/bpmndi:BPMNDiagram>/, '');
    expect(bare).not.toContain('BPMNShape');
    expect((await designer.deployXml(bare, '手写流程文件，无图形布局')).status).toBe(201);
    const clerk = await server.as('clerk');
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'report-up-item');
    const taken = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('买买提·艾力', '13800138000'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    expect(taken.status).toBe(201);
    const page = await pageAs('clerk');
    await page.goto(`${server.url}/#/workbench/cases/${taken.body.case.caseNo}`);
    const problem = page.locator('[data-testid="case-diagram"] .bpmn-diagram-error');
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.innerText()).toBe('流程图无法显示：该流程定义没有保存图形布局，无法绘制。请设计人员在流程设计器中打开、排好图形后重新部署。');
    expect(await page.locator('body').innerText()).not.toMatch(/no diagram|diagram to display/i);
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 120_000);

  it('5. the designer\'s form list names who saved each form (系统预置, 张敏), not a login (it showed "system" / "designer")', async () => {
    const designer = await server.as('designer');
    const form = (await designer.get('/api/forms/town-review')).body;
    const saved = await designer.put('/api/forms/town-review', { name: form.name, schema: form.schema, baseVersion: form.version });
    expect(saved.status).toBe(200);
    const page = await pageAs('designer');
    await page.goto(`${server.url}/#/designer/forms`);
    const by = (id: string) => page.locator(`[data-testid="form-row"][data-id="${id}"] [data-testid="form-updated-by"]`);
    await by('town-review').waitFor({ timeout: 20_000 });
    await expect(by('town-review').innerText()).resolves.toBe('张敏');
    await expect(by('accept').innerText()).resolves.toBe('系统预置');
    const table = await page.locator('.ant-table').innerText();
    expect(table).not.toMatch(/· (system|designer)\b/);
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 120_000);

  it('3. the escalation dialog (shared ReasonDialog) says what it acts on, refuses an empty reason, shows a refusal in Chinese and stays open', async () => {
    const clerk = await server.as('clerk');
    const supervisor = await server.as('supervisor');
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    const taken = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('欧阳小明', '0750-1234567'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: { promisedLimit: 'PT2S', statutoryLimit: 'PT1H' } });
    expect(taken.status).toBe(201);
    const late = taken.body.case.caseNo as string;
    const esc = await waitFor(async () => ((await supervisor.get('/api/escalations')).body as any[]).find((e) => e.caseNo === late && e.status === 'open'), 'the escalation of the late case', 60_000);

    const page = await pageAs('supervisor');
    await page.goto(`${server.url}/#/console/escalations?id=${encodeURIComponent(esc.id)}`);
    await page.getByTestId('escalation-drawer').waitFor({ timeout: 20_000 });
    await page.getByTestId('action-acknowledge').click();
    const hint = page.getByTestId('action-hint');
    await hint.waitFor({ timeout: 5_000 });
    expect(await hint.innerText()).toContain('确认已知悉此超期事项');
    // empty: refused in the dialog, nothing sent
    await page.getByTestId('action-submit').click();
    await page.getByText('请填写理由').waitFor({ timeout: 5_000 });
    expect((await supervisor.get(`/api/escalations/${encodeURIComponent(esc.id)}`)).body.status).toBe('open');

    // another supervisor closes it meanwhile: the refusal is shown in Chinese inside the dialog, which stays open
    const admin = await server.as('admin');
    expect((await admin.post(`/api/escalations/${encodeURIComponent(esc.id)}/close`, { reason: '已电话核实办结' })).status).toBe(200);
    const reason = '已通知丁堡镇窗口负责人，今日内办结';
    await page.getByTestId('action-reason').fill(reason);
    await page.getByTestId('action-submit').click();
    const dialog = page.locator('.ant-modal').filter({ has: page.getByTestId('action-reason') });
    await dialog.locator('.ant-alert').getByText('该督办事项的状态已变化').waitFor({ timeout: 10_000 });
    await expect(page.getByTestId('action-reason').inputValue()).resolves.toBe(reason);
    expect(await dialog.innerText()).not.toMatch(/ESCALATION_STATE|Conflict|escalation /);
    await page.screenshot({ path: path.join(SHOTS, 'escalation-dialog-refused-1366.png') });
    await dialog.getByRole('button', { name: '取消' }).click();
    await page.getByTestId('action-reason').waitFor({ state: 'hidden', timeout: 5_000 });
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 150_000);
});
