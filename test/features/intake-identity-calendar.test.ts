/**
 * Issue #13, defects 1 and 2, in a real browser against a real server and database.
 *
 * 1. Intake with the numbers applicants really give: the mobile 13800138000, the landline
 *    0571-88886666 (and one with an extension), a resident ID ending in X typed as a lower-case
 *    x, a name with "·". None is outlined red; a wrong ID number is — the ID field alone, and
 *    the banner names it.
 * 2. A clock that runs into a year without its holiday notice (in December 2026: 2027) shows
 *    its working days, estimated and saying so ("预计，2027年放假安排尚未公布"), never
 *    "0 个工作日"; when the city office enters the year's table the clocks are recomputed and
 *    the note goes away.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import type { Browser, Locator, Page } from 'playwright-core';
import { cstDay } from '../../common/cst';
import { ApiClient } from '../helpers/api';
import { launchBrowser, openPage, signIn } from '../helpers/browser';
import { residentId } from '../helpers/people';
import { dbUri, ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

const SHOTS = path.join(ROOT, '.test-data', 'screenshots');
const ITEM = 'JS-003'; // 独生子女父母光荣证: promised 5, statutory 20 working days

/** A valid resident ID (信宜市, born 1988-08-08) whose check character is X. */
function idEndingInX(): string {
  for (let seq = 1; seq < 1000; seq++) {
    const id = residentId('19880808', seq);
    if (id.endsWith('X')) return id;
  }
  throw new Error('no ID ending in X');
}

/** The same ID with a wrong check character. */
function wrongCheck(id: string): string {
  return id.slice(0, 17) + (id[17] === '1' ? '2' : '1');
}


describe('issue #13: intake with ordinary numbers, clocks over a year without its holiday notice', () => {
  const dbName = uniqueDbName('intake13');
  let server: RunningProcess;
  let browser: Browser;
  let admin: ApiClient;
  let clerk: ApiClient;
  let item: any;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer(dbName);
    admin = await ApiClient.login(server.url, 'admin');
    clerk = await ApiClient.login(server.url, 'clerk');
    item = (await admin.get(`/api/items/${ITEM}`)).body;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  const errors: string[] = [];
  const newPage = async (): Promise<Page> => (await openPage(browser, errors)).page;
  const login = (page: Page, username: string) => signIn(page, username, { url: server.url + '/#/login' });
  async function chooseItem(page: Page, code: string) {
    await page.getByTestId('item-select').click();
    await page.keyboard.type(code);
    await page.locator(`.ant-select-item-option[title^="${code}"]`).first().click();
    await page.getByTestId('item-info').waitFor();
  }
  /** The form-js field (wrapper) of the applicant form with this label. */
  const field = (page: Page, label: string): Locator =>
    page.getByTestId('applicant-form').locator('.fjs-form-field').filter({ has: page.locator('label', { hasText: label }) }).first();
  const isRed = async (f: Locator) => (await f.getAttribute('class'))?.includes('fjs-has-errors') ?? false;
  const fieldErrors = async (f: Locator) => (await f.locator('.fjs-form-field-error').allInnerTexts()).join(' ').trim();

  it('takes in 13800138000, 0571-88886666 and an ID ending in x without a red field; a wrong ID is named and outlined, not the phone', async () => {
    const page = await newPage();
    await login(page, 'clerk');
    await page.goto(server.url + '/#/workbench/intake');
    await chooseItem(page, ITEM);
    const form = page.getByTestId('applicant-form');
    await form.locator('.fjs-form').waitFor();
    // the hint says what is checked, without the old typo
    await expect(form.innerText()).resolves.not.toContain('校验校验码');
    await expect(field(page, '证件号码').innerText()).resolves.toContain('校验码');

    const good = idEndingInX();
    await form.getByLabel('申请人姓名 / 单位名称').fill('买买提·艾力');
    await form.getByLabel('证件号码').fill(good.toLowerCase()); // typed with a lower-case x
    await form.getByLabel('联系电话').fill('13800138000');
    await form.getByLabel('联系地址').fill('信宜市丁堡镇中心街 8 号');
    await form.getByLabel('联系地址').click(); // leave the phone field: form-js shows its problems on blur
    const phone = field(page, '联系电话');
    const idField = field(page, '证件号码');
    await page.waitForTimeout(300);
    expect(await fieldErrors(phone)).toBe('');
    expect(await isRed(phone)).toBe(false);
    expect(await isRed(idField)).toBe(false);
    expect(await page.getByTestId('applicant-problem').count()).toBe(0);

    // landlines with the area code, with and without an extension
    for (const landline of ['0571-88886666', '010-12345678', '0571-88886666转8001']) {
      await form.getByLabel('联系电话').fill(landline);
      await form.getByLabel('联系地址').click();
      await page.waitForTimeout(200);
      expect({ landline, errors: await fieldErrors(phone), red: await isRed(phone) }).toEqual({ landline, errors: '', red: false });
      expect(await page.getByTestId('applicant-problem').count()).toBe(0);
    }
    // a number that is neither is still refused, in Chinese
    await form.getByLabel('联系电话').fill('12345');
    await form.getByLabel('联系地址').click();
    await waitForText(phone, '请输入手机号或带区号的固定电话');
    await form.getByLabel('联系电话').fill('0571-88886666');
    await form.getByLabel('联系地址').click();

    // a wrong check character: the ID field is red and named, the phone is not
    await form.getByLabel('证件号码').fill(wrongCheck(good));
    await form.getByLabel('联系地址').click();
    await page.getByTestId('applicant-problem').getByText('校验码错误，请核对证件号码').waitFor();
    for (const m of item.materials.filter((x: any) => x.requirement === 'mandatory')) await page.getByTestId(`material-${m.code}`).check();
    await page.getByTestId('materials-complete').waitFor();
    await page.getByTestId('accept-intake').click();
    const banner = page.getByTestId('applicant-invalid');
    await banner.waitFor();
    const bannerText = await banner.innerText();
    expect(bannerText).toContain('证件号码');
    expect(bannerText).toContain('校验码错误');
    expect(bannerText).not.toContain('联系电话');
    expect(bannerText).not.toContain('操作失败');
    expect(await banner.getAttribute('data-fields')).toBe('证件号码');
    expect(await isRed(idField)).toBe(true);
    expect(await fieldErrors(idField)).toContain('校验码错误');
    expect(await isRed(phone)).toBe(false);
    expect(await page.getByTestId('intake-result').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'intake-wrong-id.png') });

    // corrected (lower-case x again) — but a one-character name, which only the server refuses:
    // its refusal is the same banner, naming the name field
    await form.getByLabel('证件号码').fill(good.toLowerCase());
    await form.getByLabel('联系地址').click();
    await page.getByTestId('applicant-problem').waitFor({ state: 'detached' });
    await form.getByLabel('申请人姓名 / 单位名称').fill('张');
    await page.getByTestId('accept-intake').click();
    await page.locator('[data-testid="applicant-invalid"][data-fields="申请人姓名 / 单位名称"]').waitFor();
    const serverBanner = await page.getByTestId('applicant-invalid').innerText();
    expect(serverBanner).toContain('姓名应为2–50个字');
    expect(serverBanner).not.toContain('证件号码');
    expect(await page.getByTestId('intake-page').getByTestId('api-error').count()).toBe(0);
    expect(await isRed(field(page, '申请人姓名 / 单位名称'))).toBe(true);
    expect(await fieldErrors(field(page, '申请人姓名 / 单位名称'))).toContain('姓名应为2–50个字');
    expect(await isRed(idField)).toBe(false);
    expect(await isRed(phone)).toBe(false);

    // the name with its middle dot: accepted, and the server kept what was typed, normalised
    await form.getByLabel('申请人姓名 / 单位名称').fill('买买提·艾力');
    await page.getByTestId('accept-intake').click();
    const result = page.locator('[data-testid="intake-result"][data-status="in-progress"]');
    await result.waitFor({ timeout: 60_000 });
    const caseNo = (await result.getAttribute('data-case-no'))!;
    const c = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    expect(c.applicant.name).toBe('买买提·艾力');
    expect(c.applicant.idNumber).toMatch(/^4409\*+\d{3}X$/);
    expect(c.applicant.phone).toBe('0571-******66');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('a clock reaching into a year without its holiday notice shows its working days, estimated and saying so; entering the year recomputes it', async () => {
    // the calendar API answers for a year without a table instead of 422 CALENDAR_YEAR_MISSING
    const years = (await admin.get('/api/calendar/years')).body;
    const lastTable: number = Math.max(...years.years.map((y: any) => y.year));
    const missing = lastTable + 1;
    const days = await clerk.get(`/api/calendar/days?from=${missing}-01-01&to=${missing}-01-10`);
    expect(days.status).toBe(200);
    expect(days.headers['x-calendar-estimated-years']).toBe(String(missing));
    expect(days.body[0]).toMatchObject({ day: `${missing}-01-01`, kind: 'holiday', working: false, estimated: true, label: '元旦' });

    // a case taken in now: its statutory clock (20 working days) runs into `missing` in December
    const applicantX = { kind: 'person', name: '阿依古丽·买买提', idType: 'resident-id', idNumber: idEndingInX(), phone: '0571-88886666' };
    const mandatory = item.materials.filter((m: any) => m.requirement === 'mandatory').map((m: any) => ({ code: m.code, provided: true }));
    const intake = await clerk.post('/api/intake', { itemCode: ITEM, applicant: applicantX, materials: mandatory });
    expect(intake.status).toBe(201);
    const caseNo = intake.body.case.caseNo;
    const clocks = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body as any[];
    const statutory = clocks.find((k) => k.kind === 'statutory');
    const dueYear = Number(cstDay(statutory.dueAt).slice(0, 4));
    const reachesMissing = dueYear > lastTable;
    // the clock reaches the missing year only when the case is taken in near the year's end: then it is
    // estimated and says so; otherwise it is counted on published tables and must not say it is estimated
    if (reachesMissing) expect(statutory).toMatchObject({ estimated: true, estimatedYears: [missing], estimateNote: `预计，${missing}年放假安排尚未公布` });
    else expect(statutory.estimated ?? false).toBe(false);

    const page = await newPage();
    await login(page, 'clerk');
    await page.goto(server.url + `/#/workbench/cases/${caseNo}`);
    await page.getByTestId('case-page').waitFor();
    await page.getByRole('tab', { name: '时限' }).click();
    const row = page.getByTestId('clock-statutory');
    await row.waitFor();
    const remaining = (await row.getByTestId('clock-remaining').innerText()).trim();
    // taken in today: all 20 working days remain (the first day is not counted)
    if (reachesMissing) {
      expect(remaining).toBe('20 个工作日（预计）');
      await expect(page.getByTestId('calendar-estimated').innerText()).resolves.toContain(`预计，${missing}年放假安排尚未公布`);
      await expect(row.getByTestId('clock-estimated').innerText()).resolves.toBe('预计');
      expect(await row.getAttribute('data-estimated')).toBe('true');
    } else {
      expect(remaining).toBe('20 个工作日');
    }
    expect(await row.getByTestId('clock-used').innerText()).toMatch(/^0 个工作日/);
    // nowhere a 0 because a table is missing
    const remainingAll = await page.getByTestId('case-clocks').locator('tbody tr [data-testid="clock-remaining"]').allInnerTexts();
    expect(remainingAll.length).toBeGreaterThanOrEqual(2); // statutory and promised at least
    for (const r of remainingAll) {
      expect(r.trim()).not.toMatch(/^0 个工作日$/);
    }
    await page.screenshot({ path: path.join(SHOTS, 'case-clocks-estimated.png'), fullPage: true });
    await page.getByTestId('case-clocks').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'case-clocks-estimated-table.png') });

    // the applicant's own lookup (no login) says so too, next to the statutory deadline
    const citizen = await browser.newPage({ viewport: { width: 390, height: 844 } });
    citizen.on('pageerror', (e) => errors.push(`${e.message}`));
    await citizen.goto(`${server.url}/#/public/lookup`);
    await citizen.getByTestId('lookup-caseno').fill(caseNo);
    await citizen.getByTestId('lookup-by').getByText('手机号', { exact: true }).click();
    await citizen.getByTestId('lookup-phone').fill('0571 8888 6666');
    await citizen.getByTestId('lookup-submit').click();
    const found = citizen.getByTestId('lookup-result');
    await found.waitFor();
    if (reachesMissing) await expect(found.innerText()).resolves.toContain(`预计，${missing}年放假安排尚未公布`);
    await citizen.close();

    if (!reachesMissing) {
      await page.close();
      return;
    }

    // the city office enters the year's table (as the State Council notice will give it)
    const table = {
      holidays: [`${missing}-01-01`, `${missing}-01-02`, `${missing}-01-03`],
      makeUpWorkdays: [],
      version: 2,
      source: `测试：国务院办公厅关于${missing}年部分节假日安排的通知（模拟）`,
      reason: '录入国务院办公厅放假安排',
    };
    const put = await admin.put(`/api/calendar/years/${missing}`, table);
    expect(put.status).toBe(200);
    expect(put.body.clocks.recomputed).toBeGreaterThanOrEqual(1);
    const after = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body.find((k: any) => k.kind === 'statutory');
    expect(after.estimated).toBe(false);
    expect(after.estimateNote).toBeUndefined();
    expect(after.version).toBeGreaterThan(statutory.version);
    const deadline = (await clerk.get(`/api/calendar/deadline?acceptedAt=${encodeURIComponent(new Date().toISOString())}&days=20`)).body;
    expect(deadline.estimated).toBe(false);

    await page.reload();
    await page.getByTestId('case-page').waitFor();
    await page.getByRole('tab', { name: '时限' }).click();
    await row.waitFor();
    expect((await row.getByTestId('clock-remaining').innerText()).trim()).toBe('20 个工作日');
    expect(await page.getByTestId('calendar-estimated').count()).toBe(0);
    expect(await row.getByTestId('clock-estimated').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('a deployment that has the old intake form (hint with the typo, seeded by the system) gets the corrected one at its next start, once', async () => {
    const mongo = await MongoClient.connect(dbUri(dbName));
    try {
      const versions = mongo.db().collection<any>('form_versions');
      const heads = mongo.db().collection<any>('form_heads');
      const head = await heads.findOne({ _id: 'intake' });
      expect(head).toMatchObject({ updatedBy: 'system' });
      // what an earlier release seeded: the hint with the typo, the phone field without its hint
      const stored = await versions.findOne({ _id: `intake@${head.latest}` });
      const old = structuredClone(stored.schema);
      for (const c of old.components) {
        if (c.key === 'idNumber') c.description = '居民身份证与统一社会信用代码会校验校验码';
        if (c.key === 'phone') delete c.description;
      }
      await versions.updateOne({ _id: stored._id }, { $set: { schema: old } });
      await server.kill();
      server = await startServer(dbName);
      const admin2 = await ApiClient.login(server.url, 'admin');
      const form = (await admin2.get('/api/forms/intake')).body;
      expect(form.version).toBe(head.latest + 1);
      expect(JSON.stringify(form.schema)).not.toContain('校验校验码');
      expect(JSON.stringify(form.schema)).toContain('将自动核对校验码');
      // the shipped form unchanged since: a further start adds no version
      await server.kill();
      server = await startServer(dbName);
      const again = (await (await ApiClient.login(server.url, 'admin')).get('/api/forms/intake')).body;
      expect(again.version).toBe(head.latest + 1);
      // a designer's own version is never replaced by the shipped file
      const designer = await ApiClient.login(server.url, 'designer');
      const mine = structuredClone(again.schema);
      mine.components.find((c: any) => c.key === 'address').description = '本中心自定的说明';
      expect((await designer.put('/api/forms/intake', { name: again.name, schema: mine, baseVersion: again.version })).status).toBe(200);
      await server.kill();
      server = await startServer(dbName);
      const kept = (await (await ApiClient.login(server.url, 'admin')).get('/api/forms/intake')).body;
      expect(kept.version).toBe(again.version + 1);
      expect(JSON.stringify(kept.schema)).toContain('本中心自定的说明');
    } finally {
      await mongo.close();
    }
  }, 180_000);
});

async function waitForText(loc: Locator, text: string, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const t = await loc.innerText().catch(() => '');
    if (t.includes(text)) return;
    if (Date.now() > until) throw new Error(`expected "${text}" in: ${t}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
