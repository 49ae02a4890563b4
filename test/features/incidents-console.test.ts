/**
 * The console's incidents page (事件/故障) in Chromium: a send task whose SMS gateway is down
 * becomes an incident; a supervisor sees it in Chinese without the admin's actions; an admin
 * cancels the case from the page with a reason. Real server, engine, FerretDB, browser.
 */
import type { Browser } from 'playwright-core';
import { ApiClient, fixture, waitFor } from '../helpers/api';
import { launchBrowser, openPage, signIn } from '../helpers/browser';
import { startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('the console lists incidents and an admin resolves one (事件/故障)', () => {
  let server: RunningProcess;
  let browser: Browser;
  let clerk: ApiClient;
  let admin: ApiClient;
  const errors: string[] = [];

  beforeAll(async () => {
    // nothing listens on port 9 of loopback: every SMS attempt fails at once
    server = await startServer(uniqueDbName('incidents-console'), { SMS_GATEWAY_URL: 'http://127.0.0.1:9/sms', SERVICE_JOB_RETRIES: '1', AGENDA_PROCESS_EVERY_MS: '200' });
    const designer = await ApiClient.login(server.url, 'designer');
    clerk = await ApiClient.login(server.url, 'clerk');
    admin = await ApiClient.login(server.url, 'admin');
    expect((await designer.deployXml(fixture('camunda7-jobs.bpmn'))).status).toBe(201);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  it('shows the failed job with its case, step, error and attempts, and cancels the case', async () => {
    const c = (await clerk.post('/api/cases', { definitionKey: 'camunda7-jobs', businessKey: 'GZ-2026-0001', variables: { amount: 5000, category: '联办件', applicantPhone: '13812345678' } })).body;
    expect((await clerk.post(`/api/tasks/${c.openTasks[0].id}/complete`, { variables: {} })).status).toBe(200);
    const incident = await waitFor(async () => (await admin.get('/api/incidents')).body.find((i: any) => i.instanceId === c.id), 'an incident', 30_000);

    // a supervisor reads it, in Chinese, without retry or cancel
    const sup = await openPage(browser, errors, undefined, { isolated: true });
    await signIn(sup.page, 'supervisor', { url: `${server.url}/#/console/incidents`, waitForUser: false });
    const supRow = sup.page.locator(`[data-testid="incident-row"][data-id="${incident.id}"]`);
    await supRow.waitFor({ timeout: 20_000 });
    const text = await supRow.innerText();
    expect(text).toContain('GZ-2026-0001');
    expect(text).toContain('短信告知申请人');
    expect(text).toContain('待处理');
    expect(text).toContain('1/1');
    expect(await sup.page.getByRole('heading', { name: '事件/故障' }).count()).toBe(1);
    expect(await supRow.getByTestId('incident-retry').count()).toBe(0);
    await sup.close();

    // an admin cancels the case from the page
    const { page, close } = await openPage(browser, errors, undefined, { isolated: true });
    await signIn(page, 'admin', { url: `${server.url}/#/console/incidents`, waitForUser: false });
    const row = page.locator(`[data-testid="incident-row"][data-id="${incident.id}"]`);
    await row.waitFor({ timeout: 20_000 });
    await row.getByTestId('incident-cancel').click();
    await page.getByTestId('incident-cancel-reason').fill('短信网关长期故障，申请人已到窗口领取');
    await page.getByTestId('incident-cancel-submit').click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    const after = (await admin.get(`/api/incidents/${incident.id}`)).body;
    expect(after.status).toBe('cancelled');
    expect(after.history.at(-1)).toMatchObject({ action: 'cancel', by: 'admin', note: '短信网关长期故障，申请人已到窗口领取' });
    expect((await clerk.get(`/api/cases/${c.id}`)).body.status).toBe('cancelled');
    await close();
    expect(errors).toEqual([]);
  });
});
