/**
 * Issue #13, catalogue part — real server, real database, real Chromium at 1366×768: a designer
 * opens the 事项目录, edits an item with a long name (limits and a new material), saves it as a
 * new version and sees it in the version history (who, when, the note, what changed); then
 * makes it a 即办件 with 12 working days, and the save is refused with the catalogue rule's
 * reason in Chinese beside the field, nothing saved; the catalogue's change log (修改记录) lists the
 * change with who made it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { ApiClient } from '../helpers/api';
import { signIn } from '../helpers/browser';
import { useBrowser, useServer } from '../helpers/suite';

const SHOTS = path.resolve(__dirname, '..', '..', '.test-data', 'screenshots');
const CODE = 'NL-004'; // 人工繁育（驯养繁殖）“三有”保护野生动物许可申请 — 上报件, statutory 20, promised 15
const MATERIAL = '驯养繁殖场所的土地使用证明或租赁合同（复印件加盖单位公章）';

describe('designer: catalogue editor with versions and rule refusals in the browser', () => {
  const server = useServer('catalogue_ui');
  const browser = useBrowser(server);
  const errors = browser.errors;
  let page: Page;
  let designer: ApiClient;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    designer = await server.as('designer');
    page = await browser.page();
    await signIn(page, 'designer', { url: server.url + '/staff', timeoutMs: 15_000 });
  });

  const input = (testId: string) => page.locator(`input[data-testid="${testId}"], [data-testid="${testId}"] input`).first();
  const inViewport = async (testId: string) => {
    const box = await page.getByTestId(testId).first().boundingBox();
    return !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= 1366 && box.y < 768;
  };

  it('lists the catalogue and edits an item: limits and a material, saved as version 2 with its history', async () => {
    const before = (await designer.get(`/api/items/${CODE}`)).body;
    expect(before.name.length).toBeGreaterThanOrEqual(20);
    await page.goto(`${server.url}/#/designer/catalogue`);
    const row = page.locator(`[data-testid="catalogue-row"][data-code="${CODE}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.innerText()).toContain('上报件');
    expect(await page.locator('[data-testid="catalogue-row"][data-code="GT-002"]').innerText()).toContain('联办件');
    await page.screenshot({ path: path.join(SHOTS, 'designer-catalogue-1366.png') });
    await row.getByTestId('edit-item').click();
    await page.getByTestId('item-editor').waitFor();
    expect(await page.getByTestId('item-title').innerText()).toBe(before.name);
    expect(await page.getByTestId('item-version').innerText()).toBe('v1');
    await page.locator('[data-testid="version-entry"][data-version="1"]').waitFor();
    expect(await inViewport('save-item')).toBe(true);
    expect(await inViewport('item-history')).toBe(true);

    await input('item-promised').fill('12');
    await page.getByTestId('add-material').click();
    await page.getByTestId('material-name').last().fill(MATERIAL);
    await input('item-note').fill('压缩承诺时限，补充场所用地证明');
    await page.getByTestId('save-item').click();
    await page.locator('[data-testid="item-version"]', { hasText: 'v2' }).waitFor({ timeout: 15_000 });
    const v2 = page.locator('[data-testid="version-entry"][data-version="2"]');
    await v2.waitFor();
    const text = await v2.innerText();
    expect(text).toContain('承诺时限：15 → 12个工作日');
    expect(text).toContain(`新增材料“${MATERIAL}”`);
    expect(text).toContain('压缩承诺时限，补充场所用地证明');
    const who = (await designer.get(`/api/items/${CODE}/versions`)).body[0].savedByName; // the designer's name, not the login
    expect(who).not.toBe('designer');
    expect(text).toContain(who);
    expect(text).toMatch(/\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
    await page.screenshot({ path: path.join(SHOTS, 'designer-catalogue-item-saved-1366.png') });

    const after = (await designer.get(`/api/items/${CODE}`)).body;
    expect(after).toMatchObject({ version: 2, promisedLimitDays: 12, updatedBy: 'designer' });
    expect(after.materials.at(-1)).toMatchObject({ name: MATERIAL, requirement: 'mandatory', copies: 1 });
    const versions = (await designer.get(`/api/items/${CODE}/versions`)).body;
    expect(versions.map((v: any) => v.version)).toEqual([2, 1]);
  });

  it('a category that contradicts the limits and path is refused with the reason in Chinese, nothing saved', async () => {
    await page.getByTestId('item-category').getByText('即办件', { exact: true }).click();
    await page.getByTestId('save-item').click();
    const alert = page.getByTestId('rule-violations');
    await alert.waitFor({ timeout: 15_000 });
    const said = await alert.innerText();
    expect(said).toContain('未保存：事项与目录规则不一致');
    expect(said).toContain('即办件须当场或一个工作日内办结，承诺时限不得超过1个工作日（现为12个工作日）');
    expect(said).toContain('市中心审批'); // the path's step beyond the window is named
    // the reason also stands under the field
    expect(await page.locator('.ant-form-item-explain-error', { hasText: '现为12个工作日' }).count()).toBe(1);
    expect(await inViewport('rule-violations')).toBe(true);
    await page.waitForTimeout(400); // the field messages' entry animation
    await page.screenshot({ path: path.join(SHOTS, 'designer-catalogue-rule-refused-1366.png') });
    expect(await page.getByTestId('item-version').innerText()).toBe('v2');
    expect(await page.locator('[data-testid="version-entry"]').count()).toBe(2);
    const stored = (await designer.get(`/api/items/${CODE}`)).body;
    expect(stored).toMatchObject({ version: 2, defaultCategory: 'report-up' });
  });

  it("the catalogue's change log (修改记录) shows who changed which item, when and what", async () => {
    await page.getByRole('button', { name: /返回目录/ }).click();
    await page.getByTestId('tab-changes').click();
    const row = page.locator(`[data-testid="change-row"][data-code="${CODE}"][data-version="2"]`);
    await row.waitFor({ timeout: 15_000 });
    const text = await row.innerText();
    const who = (await designer.get(`/api/items/${CODE}/versions`)).body[0].savedByName;
    expect(text).toContain(who);
    expect(text).toContain('人工繁育（驯养繁殖）“三有”保护野生动物许可申请');
    expect(text).toContain('承诺时限：15 → 12个工作日');
    expect(text).toContain('压缩承诺时限，补充场所用地证明');
    expect(await page.locator('[data-testid="change-row"]').count()).toBeGreaterThan(20); // the platform's first versions too
    await page.screenshot({ path: path.join(SHOTS, 'designer-catalogue-changes-1366.png') });
    expect(errors).toEqual([]);
  });
});
