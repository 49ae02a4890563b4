/**
 * A designer edits a deployed diagram in the browser and deploys a new version: real server, real
 * database, real Chromium — the designer logs in, opens the seeded report-up-item (version 1),
 * sees it rendered with its Chinese step names on the canvas, and deploys version 2.
 */
import { signIn } from '../helpers/browser';
import { useBrowser, useServer } from '../helpers/suite';

describe('a designer edits a deployed diagram in the browser and deploys a new version', () => {
  const server = useServer('modeler');
  const browser = useBrowser(server);

  beforeAll(async () => {
    // the first start seeds the path-pattern diagrams: report-up-item is at version 1
    const designer = await server.as('designer');
    const seeded = (await designer.get('/api/definitions')).body.find((d: any) => d.key === 'report-up-item');
    expect(seeded.latestVersion).toBe(1);
  });

  it('logs in, opens report-up-item, renders it, and deploys version 2', async () => {
    const page = await browser.page({ width: 1280, height: 720 });
    // the staff login (`/` is the public home)
    await signIn(page, 'designer', { url: server.url + '/staff', waitForUser: false });

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

    const designer = await server.as('designer');
    const defs = (await designer.get('/api/definitions')).body;
    expect(defs.find((d: any) => d.key === 'report-up-item').latestVersion).toBe(2);
    expect(browser.errors).toEqual([]);
    await page.screenshot({ path: require('node:path').resolve(__dirname, '..', '..', '.test-data', 'modeler.png') });
  });
});
