/**
 * A designer edits a deployed diagram in the browser and deploys a new version: real server, real
 * database, real Chromium — the designer logs in, opens the seeded report-up-item (version 1),
 * sees it rendered with its Chinese step names on the canvas, and deploys version 2.
 */
import type { Browser } from 'playwright-core';
import { ApiClient } from '../helpers/api';
import { chromiumAvailable, launchBrowser } from '../helpers/browser';
import { startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('a designer edits a deployed diagram in the browser and deploys a new version', () => {
  let server: RunningProcess;
  let browser: Browser;

  beforeAll(async () => {
    if (!chromiumAvailable()) throw new Error('Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium; .ci/run does it)');
    server = await startServer(uniqueDbName('modeler'));
    // the first start seeds the path-pattern diagrams: report-up-item is at version 1
    const designer = await ApiClient.login(server.url, 'designer');
    const seeded = (await designer.get('/api/definitions')).body.find((d: any) => d.key === 'report-up-item');
    expect(seeded.latestVersion).toBe(1);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  it('logs in, opens report-up-item, renders it, and deploys version 2', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/staff'); // the staff login (`/` is the public home)
    await page.getByTestId('login-username').fill('designer');
    await page.getByTestId('login-password').fill('demo123');
    await page.getByTestId('login-submit').click();

    const row = page.locator('[data-testid="definition-row"][data-key="report-up-item"]');
    await row.waitFor({ timeout: 15_000 });
    await row.getByTestId('open-definition').click();

    const canvas = page.getByTestId('canvas');
    await canvas.locator('.djs-element[data-element-id="town-review"]').waitFor({ timeout: 15_000 });
    expect(await canvas.locator('.djs-shape').count()).toBeGreaterThan(5);
    // the Chinese task name is drawn on the canvas
    await expect(canvas.locator('text', { hasText: '初审' }).first().isVisible()).resolves.toBe(true);

    await page.getByTestId('deploy').click();
    await page.getByTestId('deploy-note').fill('测试：部署确认中填写变更说明');
    await page.getByTestId('deploy-confirm').click();
    await page.getByTestId('status-message').filter({ hasText: 'v2' }).waitFor({ timeout: 15_000 });

    const designer = await ApiClient.login(server.url, 'designer');
    const defs = (await designer.get('/api/definitions')).body;
    expect(defs.find((d: any) => d.key === 'report-up-item').latestVersion).toBe(2);
    expect(errors).toEqual([]);
    await page.screenshot({ path: require('node:path').resolve(__dirname, '..', '..', '.test-data', 'modeler.png') });
  });
});
