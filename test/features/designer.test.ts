/**
 * Designers (issue #5): a designer changes a step's time limit in the properties panel, sees the lint
 * clean, deploys version 2, compares it with version 1 on the diagram, and cannot deploy a diagram with
 * a user task nobody receives. Real server, real database, real Chromium.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, waitFor } from '../helpers/api';
import { launchBrowser, openPage, signIn } from '../helpers/browser';
import { startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

const SHOTS = path.resolve(__dirname, '..', '..', '.test-data', 'screenshots');

describe('designer: modeler with properties, lint, deploy and diff', () => {
  let server: RunningProcess;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer(uniqueDbName('designer'));
    browser = await launchBrowser();
    page = (await openPage(browser, errors)).page;
  });
  afterAll(async () => {
    if (page) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'designer.png') }).catch(() => undefined);
    }
    await browser?.close();
    await server?.kill();
  });

  it('edits town-review\'s time limit in the properties panel, lints clean, deploys v2, shows the diff', async () => {
    // the staff login (`/` is the public home)
    await signIn(page, 'designer', { url: server.url + '/staff', waitForUser: false });

    const row = page.locator('[data-testid="definition-row"][data-key="report-up-item"]');
    await row.waitFor({ timeout: 15_000 });
    await row.getByTestId('open-definition').click();

    const canvas = page.getByTestId('canvas');
    const townReview = canvas.locator('.djs-shape[data-element-id="town-review"]');
    await townReview.waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 15_000 });

    // select the step; the 时限与窗口 group shows our svc attributes, Camunda's own groups the receiver
    await townReview.click();
    const timeLimit = page.locator('#bio-properties-panel-svc-timeLimit');
    await timeLimit.waitFor({ timeout: 10_000 });
    expect(await timeLimit.inputValue()).toBe('P3D');
    await expect(page.getByTestId('properties-panel').getByText('时限与窗口').first().isVisible()).resolves.toBe(true);
    // Camunda 7 assignment (办理人分配): the candidate group is there to edit
    await page.getByTestId('properties-panel').getByText('办理人分配', { exact: true }).click();
    expect(await page.locator('#bio-properties-panel-candidateGroups').inputValue()).toBe('town-window');
    // the task's form is a select over GET /api/forms (camunda:formKey="form:<id>")
    expect(await page.locator('#bio-properties-panel-svc-formKey').inputValue()).toBe('form:town-review');
    expect(await page.locator('#bio-properties-panel-svc-formKey option[value="form:city-approval"]').count()).toBe(1);
    await timeLimit.fill('5WD');
    await page.getByTestId('dirty-badge').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 10_000 });

    // a bad value is a lint error on the diagram and blocks deploy; the right one clears it
    await timeLimit.fill('3 days');
    await page.locator('[data-testid="lint-status"][data-state="errors"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('deploy').isDisabled()).toBe(true);
    await canvas.locator('.bjsl-overlay').first().waitFor({ timeout: 10_000 });
    await timeLimit.fill('5WD');
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 10_000 });

    await page.getByTestId('deploy').click();
    await page.getByTestId('deploy-note').fill('测试：部署确认中填写变更说明');
    await page.getByTestId('deploy-confirm').click();
    await page.getByTestId('status-message').filter({ hasText: 'v2' }).waitFor({ timeout: 15_000 });
    await page.waitForURL(/#\/designer\/modeler\/report-up-item\/2$/, { timeout: 10_000 });

    const designer = await ApiClient.login(server.url, 'designer');
    const defs = (await designer.get('/api/definitions')).body;
    expect(defs.find((d: any) => d.key === 'report-up-item').latestVersion).toBe(2);
    const v2 = (await designer.get('/api/definitions/report-up-item/versions/2/xml')).body as string;
    const task = v2.match(/<bpmn:userTask id="town-review"[^>]*>/)?.[0] ?? '';
    expect(task).toContain('svc:timeLimit="5WD"');
    expect(task).toContain('camunda:candidateGroups="town-window"');
    const v1 = (await designer.get('/api/definitions/report-up-item/versions/1/xml')).body as string;
    expect(v1.match(/<bpmn:userTask id="town-review"[^>]*>/)?.[0]).toContain('svc:timeLimit="P3D"');

    // v1 → v2 on the diagram: town-review changed (its time limit), marked on the canvas and listed
    await canvas.locator('.djs-shape[data-element-id="town-review"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('diff-toggle').click();
    await page.getByTestId('diff-between').filter({ hasText: 'v1 → v2' }).waitFor({ timeout: 10_000 });
    const entry = page.locator('[data-testid="diff-entry"][data-element-id="town-review"][data-kind="changed"]');
    await entry.waitFor({ timeout: 10_000 });
    expect(await entry.getByTestId('diff-attr').first().textContent()).toMatch(/承诺时限.*P3D.*5WD/);
    expect(await page.locator('[data-testid="diff-entry"]').count()).toBe(1);
    await canvas.locator('.djs-shape.diff-changed[data-element-id="town-review"]').waitFor({ timeout: 5_000 });
    await page.screenshot({ path: path.join(SHOTS, 'designer-diff.png') }).catch(() => undefined);

    // the version select opens v1 again
    await page.getByTestId('version-select').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'v1' }).click();
    await page.waitForURL(/#\/designer\/modeler\/report-up-item\/1$/, { timeout: 10_000 });
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 15_000 });
    await canvas.locator('.djs-shape[data-element-id="town-review"]').click();
    await page.locator('#bio-properties-panel-svc-timeLimit').waitFor();
    // (a string predicate would be eval'd in the page, which the CSP forbids)
    await waitFor(async () => (await page.locator('#bio-properties-panel-svc-timeLimit').inputValue()) === 'P3D', 'the time limit P3D in the properties panel', 10_000);
    expect(errors).toEqual([]);
  });

  it('refuses to deploy a user task without a receiver, and asks before leaving unsaved changes', async () => {
    const canvas = page.getByTestId('canvas');
    // town-review is still selected from the last step: a click on a selected element deselects it
    if (!(await page.locator('.djs-context-pad [data-action="append.append-task"]').isVisible())) await canvas.locator('.djs-shape[data-element-id="town-review"]').click();
    // append a task with the context pad and make it a user task: no window, no group, no assignee
    await page.locator('.djs-context-pad [data-action="append.append-task"]').click();
    await page.getByTestId('dirty-badge').waitFor({ timeout: 10_000 });
    // the new task opens in label editing; the first click on the wrench may only end that
    const userTaskEntry = page.locator('.djs-popup-parent [data-id="replace-with-user-task"]');
    for (let attempt = 0; attempt < 3 && !(await userTaskEntry.isVisible()); attempt++) {
      await page.locator('.djs-context-pad [data-action="replace"]').click();
      await userTaskEntry.waitFor({ timeout: 3_000 }).catch(() => undefined);
    }
    await userTaskEntry.click();

    await page.locator('[data-testid="lint-status"][data-state="errors"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('deploy').isDisabled()).toBe(true);
    await page.getByTestId('lint-status').click();
    const receiver = page.locator('[data-testid="lint-issue"][data-rule="svc/user-task-receiver"]');
    await receiver.waitFor({ timeout: 10_000 });
    expect(await receiver.textContent()).toContain('未指定办理人');
    const newId = await receiver.getAttribute('data-element-id');
    expect(newId).toBeTruthy();
    // the problem is shown on the diagram too (bpmn-js-bpmnlint overlay on the new task)
    await page.locator(`.djs-overlays[data-container-id="${newId}"] .bjsl-overlay`).waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="lint-issue"][data-rule="svc/user-task-time-limit"]').count()).toBe(1);

    // leaving asks first; staying keeps the work
    await page.getByTestId('back-to-list').click();
    await page.getByTestId('leave-confirm').waitFor({ timeout: 5_000 });
    await page.getByTestId('leave-cancel').click();
    await page.getByTestId('leave-confirm').waitFor({ state: 'hidden', timeout: 15_000 });
    expect(page.url()).toMatch(/\/designer\/modeler\/report-up-item\/1$/);

    // nothing was deployed
    const designer = await ApiClient.login(server.url, 'designer');
    expect((await designer.get('/api/definitions')).body.find((d: any) => d.key === 'report-up-item').latestVersion).toBe(2);
    expect(errors).toEqual([]);
  });

  it('edits a form in the form-js editor and saves it as a new version', async () => {
    await page.goto(server.url + '/#/designer/forms');
    const row = page.locator('[data-testid="form-row"][data-id="town-review"]');
    await row.waitFor({ timeout: 15_000 });
    await row.getByTestId('open-form').click();
    await page.locator('[data-testid="form-editor"][data-ready="true"]').waitFor({ timeout: 20_000 });
    await page.locator('.fjs-editor-container .fjs-form-field').first().waitFor({ timeout: 10_000 });
    const designer = await ApiClient.login(server.url, 'designer');
    const before = (await designer.get('/api/forms/town-review')).body;
    await page.getByTestId('form-name').fill('镇级初审（修订）');
    await page.getByTestId('save-form').click();
    await page.getByTestId('form-version').filter({ hasText: `v${before.version + 1}` }).waitFor({ timeout: 10_000 });
    const after = (await designer.get('/api/forms/town-review')).body;
    expect(after.version).toBe(before.version + 1);
    expect(after.name).toBe('镇级初审（修订）');
    expect(after.schema.components.length).toBe(before.schema.components.length);
    expect(errors).toEqual([]);
  });

  it('creates a definition from a path pattern, and opens diagrams from disk keeping foreign attributes', async () => {
    await page.goto(server.url + '/#/designer');
    await page.getByTestId('new-definition').click();
    await page.getByText('补办件：一次性告知、补正后审查').click();
    await page.getByTestId('create-key').fill('xy-test-supplement');
    await page.getByTestId('create-name').fill('测试补办事项');
    await page.getByTestId('create-submit').click();
    await page.waitForURL(/#\/designer\/modeler\/new\?/, { timeout: 10_000 });
    const canvas = page.getByTestId('canvas');
    await canvas.locator('.djs-shape[data-element-id="accept"]').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('modeler-title').textContent()).toBe('测试补办事项');
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 15_000 });
    await page.getByTestId('deploy').click();
    await page.getByTestId('deploy-note').fill('测试：部署确认中填写变更说明');
    await page.getByTestId('deploy-confirm').click();
    await page.waitForURL(/#\/designer\/modeler\/xy-test-supplement\/1$/, { timeout: 15_000 });
    await page.getByTestId('status-message').filter({ hasText: 'v1' }).waitFor({ timeout: 10_000 });
    const designer = await ApiClient.login(server.url, 'designer');
    const created = (await designer.get('/api/definitions')).body.find((d: any) => d.key === 'xy-test-supplement');
    expect(created).toMatchObject({ name: '测试补办事项', latestVersion: 1, caseCategory: 'supplement' });

    // a diagram made in another tool: its own namespace and attributes survive the round trip
    const foreign = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:svc="http://xinyi.gov.cn/schema/bpmn/service-centre"
  xmlns:foo="http://example.com/other-tool" id="defs" targetNamespace="http://example.com/bpmn" exporter="Other Tool" exporterVersion="9">
  <process id="xy-foreign-item" name="外部工具绘制的事项" isExecutable="true" foo:origin="other-tool">
    <startEvent id="s" name="受理"><outgoing>f1</outgoing></startEvent>
    <userTask id="t" name="审查" camunda:candidateGroups="town-window" svc:timeLimit="2WD" foo:colour="blue"><incoming>f1</incoming><outgoing>f2</outgoing></userTask>
    <endEvent id="e" name="办结"><incoming>f2</incoming></endEvent>
    <sequenceFlow id="f1" sourceRef="s" targetRef="t" /><sequenceFlow id="f2" sourceRef="t" targetRef="e" />
  </process>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="xy-foreign-item">
    <bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="200" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="e_di" bpmnElement="e"><dc:Bounds x="360" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="300" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>`;
    await page.getByTestId('open-file-input').setInputFiles({ name: 'foreign.bpmn', mimeType: 'application/xml', buffer: Buffer.from(foreign) });
    await canvas.locator('.djs-shape[data-element-id="t"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('modeler-title').textContent()).toBe('外部工具绘制的事项');
    await page.getByTestId('dirty-badge').waitFor();
    await page.locator('[data-testid="lint-status"][data-state="clean"]').waitFor({ timeout: 15_000 });
    await page.getByTestId('deploy').click();
    await page.getByTestId('deploy-note').fill('测试：部署确认中填写变更说明');
    await page.getByTestId('deploy-confirm').click();
    await page.waitForURL(/#\/designer\/modeler\/xy-foreign-item\/1$/, { timeout: 15_000 });
    // the deployed version is loaded and said (已部署…) before the next file is opened: under load the
    // load finished after the next import and replaced its message (local CI, stop 21)
    await page.getByTestId('status-message').filter({ hasText: '已部署' }).waitFor({ timeout: 15_000 });
    await page.getByTestId('dirty-badge').waitFor({ state: 'hidden', timeout: 15_000 });
    const xml = (await designer.get('/api/definitions/xy-foreign-item/versions/1/xml')).body as string;
    expect(xml).toMatch(/foo:origin="other-tool"/);
    expect(xml).toMatch(/foo:colour="blue"/);
    expect(xml).toContain('xmlns:foo="http://example.com/other-tool"');

    // a file with something bpmn-js cannot read: the import warnings are shown in Chinese
    const broken = foreign.replace('<endEvent id="e"', '<bogusElement id="x" /><endEvent id="e"');
    await page.getByTestId('open-file-input').setInputFiles({ name: 'broken.bpmn', mimeType: 'application/xml', buffer: Buffer.from(broken) });
    // the import's message, not an earlier one still on screen (the deploy's 已部署…, under load)
    const imported = page.getByTestId('status-message').filter({ hasText: '导入时有' });
    await imported.waitFor({ timeout: 10_000 });
    expect(await imported.textContent()).toContain('无法解析的内容 <bogusElement>');
    expect(errors).toEqual([]);
  });

  it('flags, while drawing, a call activity (调用活动) that calls a process not deployed, and not one that calls a deployed process', async () => {
    // a fresh page (the other page holds an unsaved import), on a deployed definition's modeler
    const fresh = (await openPage(browser, errors)).page;
    await signIn(fresh, 'designer', { url: server.url + '/staff', waitForUser: false });
    const row = fresh.locator('[data-testid="definition-row"][data-key="report-up-item"]');
    await row.waitFor({ timeout: 15_000 });
    await row.getByTestId('open-definition').click();
    await fresh.getByTestId('canvas').locator('.djs-shape[data-element-id="town-review"]').waitFor({ timeout: 20_000 });
    const calls = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://example.com/bpmn">
  <process id="xy-town-calls" name="镇级调用市级审批" isExecutable="true">
    <startEvent id="s" name="受理"><outgoing>f1</outgoing></startEvent>
    <callActivity id="known" name="市级即办审批" calledElement="immediate-item" camunda:calledElementBinding="latest"><incoming>f1</incoming><outgoing>f2</outgoing></callActivity>
    <callActivity id="unknown" name="市级联合审查" calledElement="xy-city-joint-review" camunda:calledElementBinding="latest"><incoming>f2</incoming><outgoing>f3</outgoing></callActivity>
    <endEvent id="e" name="办结"><incoming>f3</incoming></endEvent>
    <sequenceFlow id="f1" sourceRef="s" targetRef="known" /><sequenceFlow id="f2" sourceRef="known" targetRef="unknown" /><sequenceFlow id="f3" sourceRef="unknown" targetRef="e" />
  </process>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="xy-town-calls">
    <bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="known_di" bpmnElement="known"><dc:Bounds x="200" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="unknown_di" bpmnElement="unknown"><dc:Bounds x="360" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="e_di" bpmnElement="e"><dc:Bounds x="520" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="300" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="460" y="118" /><di:waypoint x="520" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>`;
    await fresh.getByTestId('open-file-input').setInputFiles({ name: 'calls.bpmn', mimeType: 'application/xml', buffer: Buffer.from(calls) });
    await fresh.getByTestId('canvas').locator('.djs-shape[data-element-id="unknown"]').waitFor({ timeout: 10_000 });
    await fresh.locator('[data-testid="lint-status"][data-state="errors"]').waitFor({ timeout: 15_000 });
    await fresh.getByTestId('lint-status').click();
    const flagged = fresh.locator('[data-testid="lint-issue"][data-rule="svc/call-activity-target"]');
    await flagged.first().waitFor({ timeout: 15_000 });
    expect(await flagged.count()).toBe(1);
    expect(await flagged.getAttribute('data-element-id')).toBe('unknown');
    const message = await flagged.getByTestId('lint-issue-message').textContent();
    expect(message).toContain('市级联合审查');
    expect(message).toContain('调用的流程「xy-city-joint-review」尚未部署');
    expect(await fresh.getByTestId('deploy').isDisabled()).toBe(true);
    await fresh.close();
    expect(errors).toEqual([]);
  });
});
