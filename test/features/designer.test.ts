/**
 * Designers (issue #5): a designer changes a step's time limit in the properties panel, sees the lint
 * clean, deploys version 2, compares it with version 1 on the diagram, and cannot deploy a diagram with
 * a user task nobody receives. Real server, real database, real Chromium.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiClient } from '../helpers/api';
import { chromiumAvailable, launchBrowser } from '../helpers/browser';
import { startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

const SHOTS = path.resolve(__dirname, '..', '..', '.test-data', 'screenshots');

describe('designer: modeler with properties, lint, deploy and diff', () => {
  let server: RunningProcess;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!chromiumAvailable()) throw new Error('Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium; .ci/run does it)');
    server = await startServer(uniqueDbName('designer'));
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => errors.push(e.message));
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
    await page.goto(server.url + '/');
    await page.getByTestId('login-username').fill('designer');
    await page.getByTestId('login-password').fill('demo123');
    await page.getByTestId('login-submit').click();

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
    expect(await entry.getByTestId('diff-attr').first().textContent()).toMatch(/timeLimit.*P3D.*5WD/);
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
    await page.waitForFunction(() => (document.querySelector('#bio-properties-panel-svc-timeLimit') as HTMLInputElement | null)?.value === 'P3D', null, { timeout: 10_000 });
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
    await page.getByTestId('leave-confirm').waitFor({ state: 'hidden', timeout: 5_000 });
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
});
