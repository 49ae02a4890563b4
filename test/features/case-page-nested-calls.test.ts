/**
 * A call within a call on the staff case page (issue 15), in a real browser against a real server,
 * engine and database, at a counter PC (1366×768): a 上报件 whose town process calls the city's,
 * which calls the land department's review before the city's approval (调用活动 within 调用活动).
 * While the department reviews, the 环节 list shows the town's step, the town's call activity
 * 报市中心审批, under it the city's call activity 征求国土部门意见, and under that the department's
 * step (indented by depth, saying which called process it belongs to) — before, the case page listed
 * the steps of one level of called processes only, so the open step of the case was missing.
 */
import type { Page } from 'playwright-core';
import { fixture, waitFor } from '../helpers/api';
import { signIn } from '../helpers/browser';
import { applicant } from '../helpers/people';
import { useBrowser, useServer } from '../helpers/suite';

const PC = { width: 1366, height: 768 };

describe('a call within a call on the case page', () => {
  const server = useServer('nested-page');
  const chromium = useBrowser(server);
  let caseNo: string;

  beforeAll(async () => {
    const designer = await server.as('designer');
    expect((await designer.deployXml(fixture('call-dept-review.bpmn'), '部门审查独立成流程')).status).toBe(201);
    expect((await designer.deployXml(fixture('city-report-up-consult.bpmn'), '市中心审批前征求国土部门意见')).status).toBe(201);
    const clerk = await server.as('clerk');
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'report-up-item');
    const taken = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('欧阳·娜仁', '13800138000'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    expect(taken.status).toBe(201);
    caseNo = taken.body.case.caseNo;
    const open = (elementId: string) => waitFor(async () => ((await clerk.get(`/api/service-cases/${caseNo}`)).body.steps as any[]).find((s) => s.elementId === elementId && s.status === 'open'), `step ${elementId} to open`);
    const accept = await open('town-accept');
    expect((await (await server.as(accept.assignee ?? 'clerk')).post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve', opinion: '受理' })).status).toBe(200);
    const review = await open('town-review');
    // the town's review is the item department's window's (routed): done by whoever holds it
    const reviewer = await server.as(review.assignee ?? 'clerk');
    expect((await reviewer.post(`/api/tasks/${review.taskId}/complete`, { decision: 'approve', opinion: '材料齐全，同意上报' })).status).toBe(200);
    await open('dept-review-task');
  }, 180_000);

  it('lists the department’s step under the city’s call activity, under the town’s, indented by depth', async () => {
    const page: Page = await chromium.page(PC, { isolated: true });
    await signIn(page, 'clerk', { url: `${server.url}/#/login` });
    await page.goto(`${server.url}/#/workbench/cases/${caseNo}`);
    await page.locator('[data-testid="case-diagram"] .djs-element[data-element-id="report-to-city"]').waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: '环节' }).click();
    const deptRow = page.locator('[data-testid="case-step-row"][data-element-id="dept-review-task"]');
    await deptRow.waitFor({ timeout: 15_000 });
    const rows = await page.locator('[data-testid="case-step-row"]').evaluateAll((els: any[]) => els.map((e) => `${e.getAttribute('data-kind')}:${e.getAttribute('data-element-id')}:${e.getAttribute('data-status')}`));
    expect(rows).toEqual(['task:town-accept:completed', 'task:town-review:completed', 'call:report-to-city:open', 'call:city-consult:open', 'task:dept-review-task:open']);
    await expect(deptRow.getByTestId('step-called-of').innerText()).resolves.toBe('（被调用流程「部门审查（联办件被调用流程）」）');
    expect(await page.locator('[data-testid="case-step-row"][data-kind="call"][data-element-id="city-consult"]').innerText()).toMatch(/征求国土部门意见\s*调用活动/);
    // indented by depth: the city's call under the town's, the department's step under the city's call
    const indent = (selector: string) => page.locator(selector).first().evaluate((el: any) => {
      const padded = el.querySelector('[style*="padding-left"]');
      return padded ? parseFloat(padded.style.paddingLeft) || 0 : 0;
    });
    const town = await indent('[data-testid="case-step-row"][data-kind="call"][data-element-id="report-to-city"]');
    const city = await indent('[data-testid="case-step-row"][data-kind="call"][data-element-id="city-consult"]');
    const dept = await indent('[data-testid="case-step-row"][data-element-id="dept-review-task"]');
    expect(town).toBeLessThan(city);
    expect(city).toBeLessThan(dept);
    // no ids on screen
    const text = await page.locator('body').innerText();
    for (const raw of ['dept-review-task', 'city-consult', 'report-to-city']) expect(text).not.toContain(raw);
    expect(chromium.errors).toEqual([]);
  });
});
