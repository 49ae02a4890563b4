/**
 * The clerks' workbench in a real browser against a real server and database: a clerk of the
 * 丁堡镇 comprehensive window (dingbao-w10, A post) takes in an application with a material
 * missing, sees it listed at once, issues and prints the one-time notification; then takes in a
 * complete application and the case goes through its steps in the browser — the clerk's
 * acceptance, the department window's review (another user), the clerk's notification of the
 * result — and the case page shows it finished on its diagram.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, waitFor } from '../helpers/api';
import { launchBrowser, openPage, signIn } from '../helpers/browser';
import { applicant, residentId } from '../helpers/people';
import { ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

const SHOTS = path.join(ROOT, '.test-data', 'screenshots');
const ITEM = 'JS-003'; // 独生子女父母光荣证: immediate, path supplement-item (accept → review → notify-result)

describe('clerks\' workbench (受理工作台) in the browser', () => {
  let server: RunningProcess;
  let browser: Browser;
  let admin: ApiClient;
  let item: any;
  let reviewer: string; // A post of 丁堡镇 计生 window

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer(uniqueDbName('workbench'), { ALLOW_LIMIT_OVERRIDES: 'true' });
    admin = await ApiClient.login(server.url, 'admin');
    item = (await admin.get(`/api/items/${ITEM}`)).body;
    expect(item.procedure).toBe('supplement-item');
    const windows = (await admin.get('/api/org/units/dingbao/windows')).body;
    reviewer = windows.find((w: any) => w.department === item.department).postA.username;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  const errors: string[] = [];
  const newPage = async (): Promise<Page> => (await openPage(browser, errors)).page;
  const login = (page: Page, username: string) => signIn(page, username, { url: server.url + '/#/login' });
  async function logout(page: Page) {
    await page.getByTestId('logout').click();
    await page.getByTestId('login-username').waitFor();
  }
  async function chooseItem(page: Page, code: string) {
    await page.getByTestId('item-select').click();
    await page.keyboard.type(code);
    await page.locator(`.ant-select-item-option[title^="${code}"]`).first().click();
    await page.getByTestId('item-info').waitFor();
  }
  async function fillApplicant(page: Page, name: string, id: string) {
    const form = page.getByTestId('applicant-form');   // the form-js `intake` form
    await form.locator('.fjs-form').waitFor();
    await form.getByLabel('申请人姓名 / 单位名称').fill(name);
    await form.getByLabel('证件号码').fill(id);
    await form.getByLabel('联系电话').fill('13912345678');
    await form.getByLabel('联系地址').fill('信宜市丁堡镇中心街 8 号');
  }
  async function openInboxTask(page: Page, caseNo: string, elementId: string) {
    const row = page.locator(`[data-testid="inbox-row"][data-case-no="${caseNo}"][data-element-id="${elementId}"]`);
    await page.goto(server.url + '/#/workbench/inbox?filter=mine');
    await waitFor(async () => {
      await page.getByTestId('inbox-refresh').click();
      return row.isVisible({ timeout: 1_500 }).catch(() => false);
    }, `step ${elementId} of ${caseNo} in the inbox`, 30_000, 500);
    expect(await row.getByTestId('deadline-tag').getAttribute('data-signal')).toBe('normal');
    await row.getByTestId('open-task').click();
    await page.locator(`[data-testid="task-page"][data-element-id="${elementId}"]`).waitFor();
    await page.getByTestId('task-form').locator('.fjs-form').waitFor();
  }
  async function decide(page: Page, label: string) {
    await page.getByTestId('task-form').getByLabel(label, { exact: true }).check();
  }
  async function complete(page: Page) {
    await page.getByTestId('complete-task').click();
    const failed = page.getByTestId('task-page').getByTestId('api-error');
    const which = await Promise.race([
      page.getByTestId('inbox-page').waitFor({ timeout: 45_000 }).then(() => 'done'),
      failed.waitFor({ timeout: 45_000 }).then(() => 'failed'),
    ]).catch(async (e) => {
      await page.screenshot({ path: path.join(SHOTS, 'workbench-failed.png') });
      const form = await page.getByTestId('task-form').innerText().catch(() => '');
      throw new Error(`${(e as Error).message}\nform: ${form.slice(0, 800)}`);
    });
    if (which === 'failed') {
      await page.screenshot({ path: path.join(SHOTS, 'workbench-failed.png') });
      throw new Error(`completion refused: ${await failed.innerText()}`);
    }
  }

  it('takes in an application with a material missing, lists it at once and prints the one-time notification', async () => {
    const page = await newPage();
    await login(page, 'clerk');
    await page.getByTestId('workbench-home').waitFor();
    await expect(page.getByTestId('my-window').textContent()).resolves.toContain('综合');
    await expect(page.getByTestId('my-post').textContent()).resolves.toBe('A岗');

    await page.goto(server.url + '/#/workbench/intake');
    await chooseItem(page, ITEM);
    // a wrong check digit is caught in the browser, with the server's rule
    const good = residentId('19800315', 123);
    const bad = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
    await fillApplicant(page, '陈建国', bad);
    await page.getByTestId('applicant-form').getByLabel('联系电话').click();
    await page.getByTestId('applicant-problem').getByText('校验码错误，请核对证件号码').waitFor();
    await page.getByTestId('accept-intake').or(page.getByTestId('issue-one-time')).click();
    await page.getByTestId('intake-page').getByTestId('applicant-invalid').waitFor();   // refused in the browser, naming the field
    expect(await page.getByTestId('intake-result').count()).toBe(0);
    await page.getByTestId('applicant-form').getByLabel('证件号码').fill(good);
    await page.getByTestId('applicant-problem').waitFor({ state: 'detached' });

    const mandatory = item.materials.filter((m: any) => m.requirement === 'mandatory');
    const left = mandatory[1];
    for (const m of mandatory) if (m.code !== left.code) await page.getByTestId(`material-${m.code}`).check();
    const missing = page.getByTestId('missing-materials');
    await missing.waitFor();
    await expect(missing.textContent()).resolves.toContain(left.name);
    await expect(page.getByTestId(`missing-${left.code}`).count()).resolves.toBe(1);
    // ticking it clears the list, unticking brings it back at once
    await page.getByTestId(`material-${left.code}`).check();
    await page.getByTestId('materials-complete').waitFor();
    await page.getByTestId(`material-${left.code}`).uncheck();
    await missing.waitFor();

    await page.screenshot({ path: path.join(SHOTS, 'workbench-intake.png') });
    await page.getByTestId('issue-one-time').click();
    const result = page.locator('[data-testid="intake-result"][data-status="awaiting-supplement"]');
    await result.waitFor();
    const caseNo = (await result.getAttribute('data-case-no'))!;
    expect(caseNo).toMatch(/^DB-\d{8}-\d{4}$/);
    await expect(page.getByTestId('query-code').textContent()).resolves.toMatch(/^[2-9A-Z]{6}$/);

    // the notice opens in its frame; its text names the missing material
    const frame = page.frameLocator('[data-testid="notice-frame"]');
    await frame.locator('body').waitFor();
    const text = (await frame.locator('body').innerText()).replace(/\s+/g, '');
    expect(text).toContain('一次性告知');
    expect(text).toContain(left.name.replace(/\s+/g, ''));
    expect(text).toContain(caseNo);
    await page.getByTestId('print-notice').click();
    await expect(page.getByTestId('print-notice').getAttribute('data-printed')).resolves.toBe('1');
    await page.screenshot({ path: path.join(SHOTS, 'workbench-one-time.png') });

    // the server agrees: one round naming exactly that material
    const clerk = await ApiClient.login(server.url, 'clerk');
    const c = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    expect(c).toMatchObject({ status: 'awaiting-supplement', category: 'supplement' });
    expect(c.supplementRounds[0].materials.map((m: any) => m.code)).toEqual([left.code]);
    expect(c.applicant.address).toBe('信宜市丁堡镇中心街 8 号');
    expect(c.notices.map((n: any) => n.kind)).toEqual(['one-time']);

    // the applicant comes back with the material: recorded on the case page, the case is accepted
    await page.getByTestId('close-notice').click();
    await page.getByTestId('open-case').click();
    await page.getByTestId('supplement-card').waitFor();
    await page.getByTestId(`supplement-${left.code}`).click();
    await page.getByTestId('supplement-submit').click();
    await page.locator('[data-testid="case-page"][data-status="in-progress"]').waitFor();
    await page.getByTestId('case-notice-acceptance').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('accepts a complete application and completes the case through its steps, then shows it finished on the diagram', async () => {
    const page = await newPage();
    await login(page, 'clerk');
    await page.goto(server.url + '/#/workbench/intake');
    await chooseItem(page, ITEM);
    await fillApplicant(page, '林小梅', applicant().idNumber);
    for (const m of item.materials.filter((x: any) => x.requirement === 'mandatory')) await page.getByTestId(`material-${m.code}`).check();
    await page.getByTestId('materials-complete').waitFor();
    await page.getByTestId('accept-intake').click();
    const result = page.locator('[data-testid="intake-result"][data-status="in-progress"]');
    await result.waitFor();
    const caseNo = (await result.getAttribute('data-case-no'))!;
    const frame = page.frameLocator('[data-testid="notice-frame"]');
    await expect(frame.locator('body').innerText()).resolves.toContain('受理通知书');
    await page.getByTestId('close-notice').click();

    // step 1: the clerk accepts (受理审查)
    await openInboxTask(page, caseNo, 'accept');
    await expect(page.getByTestId('task-case-summary').textContent()).resolves.toContain(caseNo);
    await decide(page, '同意 / 通过');
    await page.getByTestId('task-form').getByLabel('办理说明').fill('材料齐全，转计生窗口审查');
    await complete(page);
    await logout(page);

    // step 2: the family-planning window reviews, with an attachment list (name + pages)
    await login(page, reviewer);
    await openInboxTask(page, caseNo, 'review');
    await decide(page, '同意 / 通过');
    await page.getByTestId('task-form').locator('button.fjs-repeat-render-add').first().click();
    await page.getByTestId('task-form').locator('input[id*="-attachment-name_"]').first().fill('户籍核查表');
    await page.getByTestId('task-form').locator('input[id*="-attachment-pages_"]').first().fill('2');
    await page.getByTestId('task-form').getByLabel('审查意见').fill('符合条件，同意发证');
    await complete(page);
    await logout(page);

    // step 3: back at the receiving window, the clerk tells the applicant the result
    await login(page, 'clerk');
    await openInboxTask(page, caseNo, 'notify-result');
    const form = page.getByTestId('task-form');
    await form.locator('.fjs-form-field-select .fjs-input-group, .fjs-form-field-select .fjs-select-anchor').first().click();
    await page.locator('.fjs-dropdownlist-item', { hasText: '电话告知' }).click();
    await decide(page, '已办理');
    await form.getByLabel('办理说明').fill('已电话通知申请人领证');
    await complete(page);

    // the case page: finished, with its steps marked done on the diagram and the timeline in Chinese
    await page.goto(server.url + `/#/workbench/cases/${caseNo}`);
    await waitFor(async () => {
      await page.reload();
      await page.getByTestId('case-page').waitFor();
      return (await page.getByTestId('case-page').getAttribute('data-status')) === 'completed';
    }, 'the case to complete', 30_000, 1_000);
    await expect(page.getByTestId('case-outcome').textContent()).resolves.toBe('准予办理');
    const clerkApi = await ApiClient.login(server.url, 'clerk');
    const review = (await clerkApi.get(`/api/service-cases/${caseNo}`)).body.steps.find((s: any) => s.elementId === 'review');
    expect(review).toMatchObject({ completedBy: reviewer, outcome: { decision: 'approve', opinion: '符合条件，同意发证' } });
    const diagram = page.getByTestId('case-diagram');
    await diagram.locator('[data-imported="true"], .djs-element').first().waitFor();
    await page.locator('[data-testid="case-diagram"][data-imported="true"]').waitFor();
    for (const el of ['accept', 'review', 'notify-result']) {
      await expect(diagram.locator(`.djs-element.done[data-element-id="${el}"]`).count()).resolves.toBe(1);
    }
    await expect(page.getByTestId('case-id-number').textContent()).resolves.toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    await expect(page.getByTestId('case-phone').textContent()).resolves.toBe('139****5678');
    const timeline = await page.getByTestId('case-timeline').innerText();
    for (const words of ['收件', '受理', '环节办结', '办结', '出具文书']) expect(timeline).toContain(words);
    await page.screenshot({ path: path.join(SHOTS, 'workbench-case.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('marks a step past its deadline red in the inbox and shows the deadline on the diagram', async () => {
    const clerk = await ApiClient.login(server.url, 'clerk');
    const quick = (await admin.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    const r = await clerk.post('/api/intake', {
      itemCode: quick.code, applicant: applicant('黄志强'), materials: quick.materials.map((m: any) => ({ code: m.code, provided: true })),
      limitOverrides: { windowHandleLimit: 'PT1S' },
    });
    expect(r.status).toBe(201);
    const caseNo = r.body.case.caseNo;
    const page = await newPage();
    await login(page, 'clerk');
    await page.goto(server.url + '/#/workbench/inbox?filter=mine');
    const row = page.locator(`[data-testid="inbox-row"][data-case-no="${caseNo}"]`);
    await waitFor(async () => {
      await page.getByTestId('inbox-refresh').click();
      return (await row.getAttribute('data-signal', { timeout: 1_500 }).catch(() => null)) === 'late';
    }, 'the step to be marked late', 30_000, 700);
    await expect(row.getByTestId('deadline-tag').textContent()).resolves.toBe('已超期');
    await page.goto(server.url + '/#/workbench');
    await waitFor(async () => Number(await page.getByTestId('count-late').locator('.ant-statistic-content-value').innerText()) >= 1, 'the overdue count', 10_000);
    await page.goto(server.url + `/#/workbench/cases/${caseNo}`);
    await page.locator('[data-testid="case-diagram"][data-imported="true"]').waitFor();
    await page.locator('.djs-element.late[data-element-id="window-handle"]').waitFor();
    await page.getByTestId('diagram-deadline').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'workbench-inbox-late.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('reports the clerk away with a reason, shows who stands in, and back again', async () => {
    const page = await newPage();
    await login(page, 'clerk');
    await page.goto(server.url + '/#/workbench');
    await expect(page.getByTestId('my-duty').getAttribute('data-duty')).resolves.toBe('present');
    await page.getByTestId('duty-away').click();
    // a reason is required
    await page.getByTestId('duty-away-submit').click();
    await page.getByText('请填写理由').waitFor();
    await page.getByTestId('duty-reason').fill('参加业务培训');
    await page.getByTestId('duty-away-submit').click();
    await page.locator('[data-testid="my-duty"][data-duty="away"]').waitFor();
    await expect(page.getByTestId('stand-ins').innerText()).resolves.toMatch(/综合.*离岗，由 .+ 顶岗（参加业务培训）/);
    await page.screenshot({ path: path.join(SHOTS, 'workbench-duty.png') });
    const clerk = await ApiClient.login(server.url, 'clerk');
    const w = (await clerk.get('/api/org/windows/dingbao-w10')).body;
    expect(w.postA.duty).toMatchObject({ status: 'away', reason: '参加业务培训', standIn: 'clerkb' });
    expect(w.receiver).toBe('clerkb');

    // the B post sees that it stands in
    await logout(page);
    await login(page, 'clerkb');
    await page.goto(server.url + '/#/workbench');
    await expect(page.getByTestId('stand-ins').innerText()).resolves.toContain('我正在为');
    await logout(page);

    await login(page, 'clerk');
    await page.goto(server.url + '/#/workbench');
    await page.getByTestId('duty-back').click();
    await page.locator('[data-testid="my-duty"][data-duty="present"]').waitFor();
    expect((await clerk.get('/api/org/windows/dingbao-w10')).body.receiver).toBe('clerk');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
