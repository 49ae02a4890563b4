/**
 * The designer edits a decision table (决策表) in the browser with dmn-js (issue 15), at 1366×768:
 * opens the HJ-001 fee table (居民身份证工本费) from 流程设计 → 决策表, sees it in Chinese, changes the
 * temporary card's fee, deploys it with a change note — version 2 is live: a case whose business
 * rule task is bound to the latest version gets the new fee; version 1 stays readable, read-only;
 * a FEEL cell the platform refuses (a `for` loop) is explained in Chinese naming the decision, the
 * rule and the column, and nothing is deployed; a clerk cannot reach the page.
 * Real server, real database, real Chromium.
 */
import type { Page } from 'playwright-core';
import { waitFor } from '../helpers/api';
import { useBrowser, useServer } from '../helpers/suite';

/** 受理 → 核定工本费 (business rule task, latest version of hj001Fee) → 缴费: as decisions.test.ts deploys it. */
const FEE_PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_fee" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="id-card-fee-latest" name="居民身份证申领（收费核定）" isExecutable="true">
    <bpmn:startEvent id="start" name="收件" />
    <bpmn:userTask id="accept" name="受理" camunda:candidateGroups="town-window" />
    <bpmn:businessRuleTask id="fee" name="核定工本费" camunda:resultVariable="feeFen" camunda:decisionRef="hj001Fee" camunda:mapDecisionResult="singleEntry" />
    <bpmn:userTask id="pay" name="缴费" camunda:candidateGroups="town-window" />
    <bpmn:endEvent id="end" name="办结" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept" />
    <bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="fee" />
    <bpmn:sequenceFlow id="f3" sourceRef="fee" targetRef="pay" />
    <bpmn:sequenceFlow id="f4" sourceRef="pay" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;

/** Types `text` into a decision table cell (dmn-js opens its FEEL editor on click) and leaves it. */
async function editCell(page: Page, entryId: string, text: string) {
  const cell = page.locator(`td[data-element-id="${entryId}"]`);
  await cell.click();
  const editor = cell.locator('.cm-content, [contenteditable="true"]').first();
  await editor.waitFor({ timeout: 10_000 });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
  // leave the cell: the change is committed on blur
  await page.getByTestId('decision-title').click();
}

describe('决策表: the designer edits the fee table in dmn-js and deploys a new version', () => {
  const server = useServer('decision-editor');
  const browser = useBrowser(server);

  it('changes a fee, deploys it with a note, the new version decides the next case; v1 read-only; a refused cell explained in Chinese', async () => {
    const designer = await server.as('designer');
    const clerk = await server.as('clerk');
    const page = await browser.signedIn('designer');
    await page.getByTestId('area-menu').getByText('决策表', { exact: true }).click();
    const row = page.locator('[data-testid="decision-row"][data-key="hj001Fee"]');
    await row.waitFor({ timeout: 20_000 });
    await expect(row.textContent()).resolves.toContain('唯一（UNIQUE）');
    await row.getByTestId('open-decision').click();
    await page.waitForURL(/#\/designer\/decisions\/hj001Fee\/1$/);
    const editor = page.locator('[data-testid="decision-editor"][data-ready="true"]');
    await editor.waitFor({ timeout: 30_000 });

    // in Chinese: the hit policy, the head, no dmn-js English
    const table = (await editor.textContent()) ?? '';
    for (const zh of ['命中策略', '唯一', '当', '则', '申领类型', '工本费（分）']) expect(table).toContain(zh);
    expect(table).not.toMatch(/Hit policy|When|Then|Annotations/);
    // the rule's context menu too
    await page.locator('td[data-element-id="LiteralExpression_t"]').click({ button: 'right' });
    const menu = page.locator('.context-menu');
    await menu.waitFor({ timeout: 10_000 });
    await expect(menu.textContent()).resolves.toContain('在上方添加规则');
    await expect(menu.textContent()).resolves.not.toMatch(/Add rule|Remove rule/);
    await page.keyboard.press('Escape');

    // the temporary card's fee 1000 分 → 1200 分, deployed with its note
    await editCell(page, 'LiteralExpression_t', '1200');
    await page.getByTestId('decision-dirty').waitFor({ timeout: 10_000 });
    await page.getByTestId('decision-deploy').click();
    await page.getByTestId('decision-deploy-confirm').click();
    await page.getByTestId('decision-note-error').waitFor();
    await page.getByTestId('decision-note').fill('临时居民身份证工本费按新标准调整为12元（测试）');
    await page.getByTestId('decision-deploy-confirm').click();
    await page.waitForURL(/#\/designer\/decisions\/hj001Fee\/2$/, { timeout: 20_000 });
    await page.getByTestId('status-message').filter({ hasText: 'v2' }).waitFor({ timeout: 15_000 });
    const entry = (await designer.get('/api/decisions/hj001Fee')).body;
    expect(entry.latestVersion).toBe(2);
    expect(entry.versions[0]).toMatchObject({ version: 2, changeNote: '临时居民身份证工本费按新标准调整为12元（测试）', deployedBy: 'designer' });
    expect((await designer.get('/api/decisions/hj001Fee/xml')).body).toContain('<text>1200</text>');

    // the new version is live: the business rule task (bound to the latest) decides 1200 for the next case
    expect((await designer.deployXml(FEE_PROCESS, '身份证收费核定（决策表最新版本）')).status).toBe(201);
    const started = await clerk.post('/api/cases', { definitionKey: 'id-card-fee-latest', variables: { applyType: '临时', lowIncome: false } });
    expect([started.status, started.body?.code]).toEqual([201, undefined]);
    const done = await clerk.post(`/api/tasks/${started.body.openTasks[0].id}/complete`, { variables: {} });
    expect([done.status, done.body?.code]).toEqual([200, undefined]);
    expect(done.body.variables.feeFen).toBe(1200);

    // version 1 read-only: the viewer, the old fee, no deploy
    await page.getByTestId('decision-version-select').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'v1' }).click();
    await page.waitForURL(/#\/designer\/decisions\/hj001Fee\/1$/);
    await page.locator('[data-testid="decision-editor"][data-ready="true"][data-readonly="true"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('decision-readonly-banner').waitFor();
    await expect(page.locator('td[data-element-id="LiteralExpression_t"]').textContent()).resolves.toContain('1000');
    expect(await page.getByTestId('decision-deploy').count()).toBe(0);

    // back to the latest; a cell with a FEEL loop: refused, explained in Chinese, nothing deployed
    await page.getByTestId('decision-open-latest').click();
    await page.locator('[data-testid="decision-editor"][data-ready="true"][data-readonly="false"]').waitFor({ timeout: 30_000 });
    await editCell(page, 'LiteralExpression_s', 'sum(for i in 1..100 return i)');
    await page.getByTestId('decision-deploy').click();
    await page.getByTestId('decision-note').fill('标准工本费改为公式（应被拒绝）');
    await page.getByTestId('decision-deploy-confirm').click();
    const error = page.getByTestId('decision-deploy-error');
    await error.waitFor({ timeout: 20_000 });
    const text = (await error.textContent()) ?? '';
    expect(text).toContain('决策「居民身份证工本费（HJ-001 收费标准）」');
    expect(text).toContain('第 3 条规则（Rule_standard）');
    expect(text).toContain('第 1 个输出列「工本费（分）」');
    expect(text).toContain('平台不允许 for / some / every 循环');
    expect(text).not.toMatch(/decision "|FEEL syntax|iterations are not supported/);
    expect((await designer.get('/api/decisions/hj001Fee')).body.latestVersion).toBe(2);
    await page.screenshot({ path: '.test-data/screenshots/decision-editor-refused-1366.png' }).catch(() => undefined);
    await page.getByTestId('decision-deploy-cancel').click();
    expect(browser.errors).toEqual([]);
  });

  it('a clerk cannot reach the decision tables: no menu entry, the address shows 403, the API refuses a deploy', async () => {
    const page = await browser.signedIn('clerk');
    await expect(page.getByTestId('area-menu').getByText('决策表', { exact: true }).count()).resolves.toBe(0);
    await page.goto(`${server.url}/#/designer/decisions/hj001Fee/1`);
    await page.getByTestId('designer-only').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('designer-only').textContent()).resolves.toContain('决策表仅限流程设计员编辑和部署');
    expect(await page.locator('[data-testid="decision-editor"]').count()).toBe(0);
    const clerk = await server.as('clerk');
    const xml = (await clerk.get('/api/decisions/hj001Fee/xml')).body as string;
    const refused = await clerk.post('/api/decisions', { xml, note: '窗口人员试图修改收费标准' });
    expect(refused.status).toBe(403);
    await waitFor(async () => (await clerk.get('/api/decisions/hj001Fee')).body.latestVersion >= 1, 'the table still there');
  });
});
