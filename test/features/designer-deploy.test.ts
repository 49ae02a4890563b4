/**
 * Issue #13, designer part — real server, real database, real Chromium at 1366×768:
 *  - lint messages in Chinese naming the element by its label (「部门审查」), or type and id when unnamed;
 *  - no English in the properties panel (every group of every kind of element a path holds) nor in the version diff;
 *  - deploy is deliberate: a confirmation with what changes against the live version and a required change
 *    note (变更说明), kept with the version and shown in its history;
 *  - 归档: a definition archived in the list starts no new case, a running one finishes, and it is restored.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ApiClient, waitFor } from '../helpers/api';
import { signIn } from '../helpers/browser';
import { useBrowser, useServer } from '../helpers/suite';

const SHOTS = path.resolve(__dirname, '..', '..', '.test-data', 'screenshots');

/** Latin words of three letters or more, except those a Chinese user reads as such. */
const ALLOWED = new Set(['BPMN', 'BPMNDI', 'CMMN', 'Camunda', 'FEEL', 'ISO', 'UTC', 'JSON', 'Java', 'QName', 'EL', 'ID', 'DI', 'URL']);
function englishIn(text: string): string[] {
  return [...new Set((text.match(/[A-Za-z][A-Za-z-]{2,}/g) ?? []).filter((w) => !ALLOWED.has(w)))];
}

describe('designer: Chinese lint and panel, deliberate deploy with a change note, archive', () => {
  const server = useServer('designer_deploy');
  const browser = useBrowser(server);
  const errors = browser.errors;
  let page: Page;
  let designer: ApiClient;

  beforeAll(async () => {
    designer = await server.as('designer');
    page = await browser.page();
    // the staff login (`/` is the public home)
    await signIn(page, 'designer', { url: server.url + '/staff', waitForUser: false });
    await page.locator('[data-testid="definition-row"][data-key="supplement-item"]').waitFor({ timeout: 15_000 });
  });

  async function open(key: string) {
    await page.goto(`${server.url}/#/designer`);
    const row = page.locator(`[data-testid="definition-row"][data-key="${key}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.getByTestId('open-definition').click();
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 20_000 });
  }

  /** Every group of the properties panel opened, its visible text and its select options. */
  async function panelText(): Promise<string> {
    const panel = page.getByTestId('properties-panel');
    const headers = panel.locator('.bio-properties-panel-group-header:not(.open)');
    for (let i = 0, n = await headers.count(); i < n; i++) await headers.nth(0).click().catch(() => undefined);
    // nested list items (listeners, mappings) collapsed inside groups are opened too
    const items = panel.locator('.bio-properties-panel-collapsible-entry-header:not(.open)');
    for (let i = 0, n = Math.min(await items.count(), 10); i < n; i++) await items.nth(0).click().catch(() => undefined);
    const text = await panel.innerText();
    const options = await panel.locator('option').allTextContents();
    const titles = await panel.locator('[title]').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
    const placeholders = await panel.locator('[placeholder]').evaluateAll((els) => els.map((e) => e.getAttribute('placeholder') ?? ''));
    return [text, ...options, ...titles, ...placeholders].join('\n');
  }

  it('shows lint problems in Chinese, naming each element by its label (or type and id when unnamed)', async () => {
    await open('supplement-item');
    const canvas = page.getByTestId('canvas');
    const review = canvas.locator('.djs-shape[data-element-id="review"]');
    await review.waitFor({ timeout: 10_000 });
    const reviewName = (await designer.get('/api/definitions/supplement-item/xml')).body.match(/id="review" name="([^"]+)"/)?.[1];
    expect(reviewName).toBeTruthy();

    // break the step: no time limit, no receiver → two errors naming 「…」
    await review.click();
    await page.locator('#bio-properties-panel-svc-timeLimit').fill('');
    await page.locator('[data-testid="lint-status"][data-state="errors"]').waitFor({ timeout: 10_000 });
    // and an unnamed task appended after it: named by its type and id
    const append = page.locator('.djs-context-pad [data-action="append.append-task"]');
    const tasks = canvas.locator('.djs-shape[data-element-id^="Activity_"]');
    // the first click after typing in the panel may only end the edit there
    for (let attempt = 0; attempt < 3 && (await tasks.count()) === 0; attempt++) {
      if (!(await append.isVisible())) await review.click();
      await append.click();
      await tasks.first().waitFor({ timeout: 3_000 }).catch(() => undefined);
    }
    expect(await tasks.count()).toBe(1);
    await page.keyboard.press('Escape');
    await page.getByTestId('lint-status').click();
    const issues = page.getByTestId('lint-issue');
    await waitFor(async () => (await issues.count()) >= 3, 'three lint problems', 10_000).catch(async (e) => {
      throw new Error(`${e.message}; shown: ${JSON.stringify(await page.getByTestId('lint-issue-message').allTextContents())}`);
    });
    const messages = await page.getByTestId('lint-issue-message').allTextContents();
    for (const m of messages) {
      expect(englishIn(m.replace(/Activity_[A-Za-z0-9]+|Flow_[A-Za-z0-9]+|[A-Za-z]+_[A-Za-z0-9]+/g, ''))).toEqual([]);
    }
    expect(messages).toContain(`「${reviewName}」 未设置承诺时限：如 5WD（5 个工作日）或 P3D`);
    const unnamed = messages.find((m) => /^任务 Activity_\w+ 缺少名称/.test(m));
    expect(unnamed).toBeTruthy();
    expect(messages.some((m) => /^任务 Activity_\w+ 没有出口顺序流/.test(m))).toBe(true);
    // the element button shows the label too, and the rule's Chinese title
    expect(await page.locator(`[data-testid="lint-issue"][data-element-id="review"] [data-testid="lint-issue-element"]`).first().textContent()).toBe(`「${reviewName}」`);
    expect(await page.locator('[data-testid="lint-issue"]').first().innerText()).toMatch(/规则：/);
    // the overlay on the canvas says the same
    await page.locator('.djs-overlays[data-container-id="review"] .bjsl-overlay').hover();
    expect(await page.locator('.djs-overlays[data-container-id="review"] .bjsl-overlay .message').first().textContent()).toContain(`「${reviewName}」`);
    await page.screenshot({ path: path.join(SHOTS, 'designer-lint-zh.png') }).catch(() => undefined);
    expect(errors).toEqual([]);
  });

  it('has no English in the properties panel for any kind of element a path holds', async () => {
    await page.goto(`${server.url}/#/designer/modeler/new`);
    await page.locator('[data-testid="lint-status"]').waitFor({ timeout: 20_000 });
    // one diagram with every kind of element the properties panel shows different groups for
    await page.getByTestId('open-file-input').setInputFiles({ name: 'all-kinds.bpmn', mimeType: 'application/xml', buffer: Buffer.from(ALL_KINDS) });
    const canvas = page.getByTestId('canvas');
    await canvas.locator('.djs-shape[data-element-id="svc"]').waitFor({ timeout: 15_000 });
    const ids = await canvas.locator('.djs-element[data-element-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-element-id')!).filter((id) => !id.endsWith('_label')));
    expect(ids.length).toBeGreaterThan(15);
    const found: Record<string, string[]> = {};
    const englishLines = (text: string) => [...new Set(text.split('\n').filter((line) => englishIn(line.replace(/XY-[A-Z-]+\d*|\$\{[^}]*\}/g, '')).length > 0))];
    for (const id of ids) {
      await canvas.locator(`.djs-element[data-element-id="${id}"]`).first().click({ force: true }).catch(() => undefined);
      const english = englishLines(await panelText());
      if (english.length) found[id] = english;
    }
    // the process itself (nothing selected)
    await page.keyboard.press('Escape');
    await canvas.locator('.djs-element[data-element-id="all-kinds"]').first().click({ position: { x: 5, y: 5 }, force: true }).catch(() => undefined);
    const english = englishLines(await panelText());
    if (english.length) found.process = english;
    await page.screenshot({ path: path.join(SHOTS, 'designer-properties-zh.png') }).catch(() => undefined);
    expect(found).toEqual({});
    expect(errors).toEqual([]);
  });

  it('deploys only after a confirmation that shows the changes against the live version and takes a change note', async () => {
    await open('report-up-item');
    const canvas = page.getByTestId('canvas');
    await canvas.locator('.djs-shape[data-element-id="town-review"]').click();
    await page.locator('#bio-properties-panel-svc-timeLimit').fill('5WD');
    await page.getByTestId('dirty-badge').waitFor();
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 10_000 });
    const before = (await designer.get('/api/definitions/report-up-item')).body.latestVersion;

    await page.getByTestId('deploy').click();
    const dialog = page.getByTestId('deploy-dialog');
    await dialog.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('deploy-target').textContent()).toContain(`v${before + 1}`);
    // what changes: town-review's time limit, in Chinese
    const change = page.locator('[data-testid="deploy-change"][data-element-id="town-review"][data-kind="changed"]');
    await change.waitFor({ timeout: 10_000 });
    expect(await change.getByTestId('deploy-change-attr').first().textContent()).toMatch(/^承诺时限：P3D → 5WD$/);
    expect(await page.locator('[data-testid="deploy-count"][data-kind="changed"]').textContent()).toBe('修改 1');
    expect(englishIn((await dialog.innerText()).replace(/v\d+|P3D|5WD|WD/g, ''))).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'designer-deploy-confirm.png') }).catch(() => undefined);

    // without a note nothing is deployed
    await page.getByTestId('deploy-confirm').click();
    await page.getByTestId('deploy-note-error').waitFor({ timeout: 5_000 });
    expect((await designer.get('/api/definitions/report-up-item')).body.latestVersion).toBe(before);
    // cancelling deploys nothing either
    await page.getByTestId('deploy-cancel').click();
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 });
    expect((await designer.get('/api/definitions/report-up-item')).body.latestVersion).toBe(before);

    const note = '镇级初审时限由 3 个工作日改为 5 个工作日（依据市政管办 2026 年第 12 号通知）';
    await page.getByTestId('deploy').click();
    await page.getByTestId('deploy-note').fill(note);
    await page.getByTestId('deploy-confirm').click();
    await page.waitForURL(new RegExp(`#/designer/modeler/report-up-item/${before + 1}$`), { timeout: 15_000 });
    await page.getByTestId('status-message').filter({ hasText: `v${before + 1}` }).waitFor({ timeout: 10_000 });

    // kept with the version (API) and shown in the version history
    const entry = (await designer.get('/api/definitions/report-up-item')).body;
    expect(entry.versions[0]).toMatchObject({ version: before + 1, changeNote: note, deployedBy: 'designer' });
    await page.getByTestId('tab-history').click();
    const newest = page.locator(`[data-testid="history-entry"][data-kind="deployed"][data-version="${before + 1}"]`);
    await newest.waitFor({ timeout: 10_000 });
    expect(await newest.getByTestId('history-note').textContent()).toBe(note);
    expect(await page.locator('[data-testid="history-entry"][data-version="1"] [data-testid="history-note"]').textContent()).toBe('平台预置的路径模式（首次启动）');
    await page.screenshot({ path: path.join(SHOTS, 'designer-history.png') }).catch(() => undefined);

    // the version diff in the side panel is Chinese too: type and attribute names
    await page.getByTestId('diff-toggle').click();
    const diffEntry = page.locator('[data-testid="diff-entry"][data-element-id="town-review"]');
    await diffEntry.waitFor({ timeout: 10_000 });
    expect(await diffEntry.getByTestId('diff-type').textContent()).toBe('用户任务');
    expect(await diffEntry.getByTestId('diff-attr').first().textContent()).toMatch(/^承诺时限：P3D → 5WD$/);
    expect(englishIn((await page.getByTestId('diff-panel').innerText()).replace(/v\d+|P3D|5WD/g, ''))).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'designer-diff-zh.png') }).catch(() => undefined);
    expect(errors).toEqual([]);
  });

  it('archives a definition from the list: shown as archived, no new case starts, a running case finishes, and it is restored', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const running = await clerk.post('/api/cases', { definitionKey: 'report-up-item', variables: {} });
    expect(running.status).toBe(201);

    await page.goto(`${server.url}/#/designer`);
    const row = page.locator('[data-testid="definition-row"][data-key="report-up-item"]');
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getByTestId('definition-state').getAttribute('data-state')).toBe('active');
    await row.getByTestId('archive-definition').click();
    await page.getByTestId('archive-reason').fill('事项调整，暂停受理');
    await page.getByTestId('archive-confirm').click();
    await page.locator('[data-testid="definition-row"][data-key="report-up-item"][data-archived="true"]').waitFor({ timeout: 10_000 });
    expect(await row.getByTestId('definition-state').textContent()).toBe('已归档');
    await page.screenshot({ path: path.join(SHOTS, 'designer-archived.png') }).catch(() => undefined);

    // who did it, in the API and the log
    const entry = (await designer.get('/api/definitions/report-up-item')).body;
    expect(entry).toMatchObject({ archived: true, archivedBy: 'designer' });
    expect(entry.log[0]).toMatchObject({ action: 'archived', actor: 'designer', note: '事项调整，暂停受理' });
    // no new case; the running one goes on on its version
    const refused = await clerk.post('/api/cases', { definitionKey: 'report-up-item', variables: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('DEFINITION_ARCHIVED');
    const task = (await clerk.get(`/api/tasks?caseId=${running.body.id}`)).body.find((t: any) => t.elementId === 'town-accept');
    expect(task).toBeTruthy();
    const done = await clerk.post(`/api/tasks/${task.id}/complete`, { decision: 'approve' });
    expect(done.status).toBe(200);
    expect(done.body.openTasks.map((t: any) => t.elementId)).toEqual(['town-review']);

    // the modeler says it is archived and does not deploy it; its history shows the archive
    await row.getByTestId('open-definition').click();
    await page.getByTestId('archived-banner').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('deploy').isDisabled()).toBe(true);
    await page.getByTestId('tab-history').click();
    const archivedEntry = page.locator('[data-testid="history-entry"][data-kind="archived"]');
    await archivedEntry.waitFor({ timeout: 10_000 });
    expect(await archivedEntry.getByTestId('history-note').textContent()).toBe('事项调整，暂停受理');

    // archived ones can be hidden from the list, and restored
    await page.goto(`${server.url}/#/designer`);
    await row.waitFor({ timeout: 15_000 });
    await page.getByTestId('show-archived').click();
    await row.waitFor({ state: 'detached', timeout: 5_000 });
    await page.getByTestId('show-archived').click();
    await row.getByTestId('restore-definition').click();
    await page.getByTestId('archive-confirm').click();
    await page.locator('[data-testid="definition-row"][data-key="report-up-item"][data-archived="false"]').waitFor({ timeout: 10_000 });
    expect((await designer.get('/api/definitions/report-up-item')).body.log[0]).toMatchObject({ action: 'restored', actor: 'designer' });
    expect((await clerk.post('/api/cases', { definitionKey: 'report-up-item', variables: {} })).status).toBe(201);
    expect(errors).toEqual([]);
  });
});

beforeAll(() => mkdirSync(SHOTS, { recursive: true }));

const shape = (id: string, x: number, y: number, w = 100, h = 80) => `<bpmndi:BPMNShape id="${id}_di" bpmnElement="${id}"><dc:Bounds x="${x}" y="${y}" width="${w}" height="${h}" /></bpmndi:BPMNShape>`;
const edge = (id: string, x1: number, y1: number, x2: number, y2: number) => `<bpmndi:BPMNEdge id="${id}_di" bpmnElement="${id}"><di:waypoint x="${x1}" y="${y1}" /><di:waypoint x="${x2}" y="${y2}" /></bpmndi:BPMNEdge>`;
/** Every kind of element the designer's properties panel shows its own groups for. */
const ALL_KINDS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:svc="http://xinyi.gov.cn/schema/bpmn/service-centre" id="defs" targetNamespace="http://xinyi.gov.cn/bpmn">
  <bpmn:message id="msg" name="补正材料到件" />
  <bpmn:signal id="sig" name="撤回申请" />
  <bpmn:error id="err" name="材料造假" errorCode="FAKE" />
  <bpmn:escalation id="esc" name="超时" escalationCode="LATE" />
  <bpmn:process id="all-kinds" name="各类元素" isExecutable="true">
    <bpmn:startEvent id="start" name="受理"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="user" name="审查" camunda:candidateGroups="town-window" svc:timeLimit="3WD"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="timer" name="超时" attachedToRef="user" cancelActivity="false"><bpmn:timerEventDefinition id="td"><bpmn:timeDuration>P3D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="error-b" name="造假" attachedToRef="user"><bpmn:errorEventDefinition id="ed" errorRef="err" /></bpmn:boundaryEvent>
    <bpmn:exclusiveGateway id="xor" name="是否同意" default="f3"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:serviceTask id="svc" name="推送省平台" camunda:type="external" camunda:topic="feed"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:sendTask id="send" name="发送短信"><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing></bpmn:sendTask>
    <bpmn:parallelGateway id="and"><bpmn:incoming>f5</bpmn:incoming><bpmn:incoming>f6</bpmn:incoming><bpmn:outgoing>f7</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:receiveTask id="receive" name="等待补正" messageRef="msg"><bpmn:incoming>f7</bpmn:incoming><bpmn:outgoing>f8</bpmn:outgoing></bpmn:receiveTask>
    <bpmn:intermediateCatchEvent id="wait" name="等待一天"><bpmn:incoming>f8</bpmn:incoming><bpmn:outgoing>f9</bpmn:outgoing><bpmn:timerEventDefinition id="td2"><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:businessRuleTask id="rule" name="判断收费"><bpmn:incoming>f9</bpmn:incoming><bpmn:outgoing>f10</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:callActivity id="call" name="调用联办流程" calledElement="joint-approval-item"><bpmn:incoming>f10</bpmn:incoming><bpmn:outgoing>f11</bpmn:outgoing></bpmn:callActivity>
    <bpmn:subProcess id="sub" name="会签"><bpmn:incoming>f11</bpmn:incoming><bpmn:outgoing>f12</bpmn:outgoing>
      <bpmn:startEvent id="sub-start" name="开始会签"><bpmn:outgoing>sf1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:endEvent id="sub-end" name="会签结束"><bpmn:incoming>sf1</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="sf1" sourceRef="sub-start" targetRef="sub-end" />
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="\${depts}" camunda:elementVariable="dept" />
    </bpmn:subProcess>
    <bpmn:intermediateThrowEvent id="throw" name="发出信号"><bpmn:incoming>f12</bpmn:incoming><bpmn:outgoing>f13</bpmn:outgoing><bpmn:signalEventDefinition id="sd" signalRef="sig" /></bpmn:intermediateThrowEvent>
    <bpmn:endEvent id="end" name="办结"><bpmn:incoming>f13</bpmn:incoming><bpmn:escalationEventDefinition id="esd" escalationRef="esc" /></bpmn:endEvent>
    <bpmn:endEvent id="end-err" name="终止"><bpmn:terminateEventDefinition id="ted" /></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="user" />
    <bpmn:sequenceFlow id="f2" sourceRef="user" targetRef="xor" />
    <bpmn:sequenceFlow id="f3" name="同意" sourceRef="xor" targetRef="svc" />
    <bpmn:sequenceFlow id="f4" name="补正" sourceRef="xor" targetRef="send"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\${decision == 'supplement'}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="svc" targetRef="and" />
    <bpmn:sequenceFlow id="f6" sourceRef="send" targetRef="and" />
    <bpmn:sequenceFlow id="f7" sourceRef="and" targetRef="receive" />
    <bpmn:sequenceFlow id="f8" sourceRef="receive" targetRef="wait" />
    <bpmn:sequenceFlow id="f9" sourceRef="wait" targetRef="rule" />
    <bpmn:sequenceFlow id="f10" sourceRef="rule" targetRef="call" />
    <bpmn:sequenceFlow id="f11" sourceRef="call" targetRef="sub" />
    <bpmn:sequenceFlow id="f12" sourceRef="sub" targetRef="throw" />
    <bpmn:sequenceFlow id="f13" sourceRef="throw" targetRef="end" />
    <bpmn:textAnnotation id="note"><bpmn:text>依据行政许可法</bpmn:text></bpmn:textAnnotation>
    <bpmn:association id="assoc" sourceRef="user" targetRef="note" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="all-kinds">
    ${shape('start', 100, 200, 36, 36)}${shape('user', 180, 178)}${shape('timer', 222, 240, 36, 36)}${shape('error-b', 182, 240, 36, 36)}
    ${shape('xor', 330, 193, 50, 50)}${shape('svc', 420, 100)}${shape('send', 420, 260)}${shape('and', 570, 193, 50, 50)}
    ${shape('receive', 660, 178)}${shape('wait', 800, 200, 36, 36)}${shape('rule', 880, 178)}${shape('call', 1020, 178)}
    <bpmndi:BPMNShape id="sub_di" bpmnElement="sub" isExpanded="true"><dc:Bounds x="1160" y="140" width="240" height="160" /></bpmndi:BPMNShape>
    ${shape('sub-start', 1190, 200, 36, 36)}${shape('sub-end', 1330, 200, 36, 36)}
    ${shape('throw', 1440, 200, 36, 36)}${shape('end', 1520, 200, 36, 36)}${shape('end-err', 1520, 320, 36, 36)}${shape('note', 180, 40, 120, 40)}
    ${edge('f1', 136, 218, 180, 218)}${edge('f2', 280, 218, 330, 218)}${edge('f3', 355, 193, 420, 140)}${edge('f4', 355, 243, 420, 300)}
    ${edge('f5', 520, 140, 595, 193)}${edge('f6', 520, 300, 595, 243)}${edge('f7', 620, 218, 660, 218)}${edge('f8', 760, 218, 800, 218)}
    ${edge('f9', 836, 218, 880, 218)}${edge('f10', 980, 218, 1020, 218)}${edge('f11', 1120, 218, 1160, 218)}${edge('sf1', 1226, 218, 1330, 218)}
    ${edge('f12', 1400, 218, 1440, 218)}${edge('f13', 1476, 218, 1520, 218)}${edge('assoc', 230, 178, 230, 80)}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
