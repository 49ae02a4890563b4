/**
 * Issue #13 defects 4 and 5 — people, not logins; names, not codes — in a real browser at
 * 1366×768 against a real server and database, with realistic data: clerks called 王晓燕 and
 * 买买提·艾力 (the demo logins `clerk` / `clerkb`), applicants 阿依古丽·买买提 and 张丽华, the
 * catalogue's longest town item name (农村集体资产资源交易申请（进场交易登记）), the city and its
 * 19 towns on the board and in the ranking.
 *
 * - Inbox: case number, service item, applicant masked (阿***·**提, 138****8000, 4409**********1234),
 *   step with the holder's name, received time, deadline with its mark — every column inside the
 *   window, nothing cut, no login anywhere.
 * - Case page, audit trail, escalations, complaints, the designer's history: display names.
 * - Console: the board lists all 20 centres without an inner scroll box; the statistics table
 *   shows 满意率 inside 1366 px; the ranking leaves towns without cases unranked (无办件) at the
 *   end; complaints and the heat map by names; exports (CSV, XLSX) by names.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, waitFor } from '../helpers/api';
import { launchBrowser, openPage, signIn } from '../helpers/browser';
import { residentId } from '../helpers/people';
import { ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

// browser globals of the page.evaluate callbacks (they run in Chromium; the test project has no DOM lib)
declare const document: any;
declare const window: any;
declare function getComputedStyle(el: any): any;
type HTMLElement = any;

const SHOTS = path.join(ROOT, '.test-data', 'screenshots');
const LONG_ITEM = 'SZ-002'; // 农村集体资产资源交易申请（进场交易登记）: immediate-item, town
const NAMES: Record<string, string> = { clerk: '王晓燕', clerkb: '买买提·艾力', supervisor: '林建华', designer: '张敏', manager: '欧阳卫东' };
const LOGINS = /\b(clerkb?|cityclerk|deptclerk|supervisor|designer|manager|admin|dingbao-w\d\d-[ab])\b/;

describe('people, not logins; names, not codes (issue #13 defects 4 and 5)', () => {
  let server: RunningProcess;
  let browser: Browser;
  let clerk: ApiClient;
  let clerkb: ApiClient;
  let supervisor: ApiClient;
  let item: any;
  const idA = residentId('19880506', 231);
  const idB = residentId('19790212', 118);
  let caseLong: string; // taken in by 买买提·艾力 for 阿依古丽·买买提
  let caseLate: string; // overdue
  let caseSoon: string; // due soon

  const errors: string[] = [];
  const newPage = async (width = 1366, height = 768): Promise<Page> => (await openPage(browser, errors, { width, height })).page;
  const login = (page: Page, username: string) => signIn(page, username, { url: server.url + '/#/login' });
  const intake = async (who: ApiClient, name: string, idNumber: string, phone: string, limits?: Record<string, string>) => {
    const r = await who.post('/api/intake', {
      itemCode: item.code,
      applicant: { kind: 'person', name, idType: 'resident-id', idNumber, phone, address: '信宜市丁堡镇中心街 8 号' },
      materials: item.materials.map((m: any) => ({ code: m.code, provided: true })),
      ...(limits ? { limitOverrides: limits } : {}),
    });
    expect(r.status).toBe(201);
    return r.body.case.caseNo as string;
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer(uniqueDbName('people'), { ALLOW_LIMIT_OVERRIDES: 'true', BOARD_TICK_MS: '1000' });
    clerk = await ApiClient.login(server.url, 'clerk');
    clerkb = await ApiClient.login(server.url, 'clerkb');
    supervisor = await ApiClient.login(server.url, 'supervisor');
    item = (await clerk.get(`/api/items/${LONG_ITEM}`)).body;
    expect(item.name).toBe('农村集体资产资源交易申请（进场交易登记）');
    expect(item.procedure).toBe('immediate-item');
    // the due-soon step first: its warning comes two thirds into 90 s
    caseSoon = await intake(clerk, '张丽华', idB, '13912345678', { windowHandleLimit: 'PT90S' });
    caseLong = await intake(clerkb, '阿依古丽·买买提', idA, '13800138000');
    caseLate = await intake(clerk, '张丽华', idB, '13912345678', { windowHandleLimit: 'PT1S' });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  it('API: the inbox names the item, the masked applicant and the holder by name; the case, its audit trail and the designer\'s history by name', async () => {
    const rows = (await clerk.get('/api/inbox?filter=window')).body as any[];
    const long = rows.find((r) => r.caseNo === caseLong);
    expect(long).toBeTruthy();
    expect(long.case).toMatchObject({ itemCode: LONG_ITEM, itemName: item.name, applicant: { name: '阿***·**提', phone: '138****8000' } });
    expect(long.case.applicant.idNumber).toBe(`${idA.slice(0, 4)}**********${idA.slice(-4)}`);
    expect(JSON.stringify(long)).not.toContain(idA);
    expect(JSON.stringify(long)).not.toContain('13800138000');
    expect(long.assigneeName).toBe(NAMES[long.assignee]);
    expect(rows.find((r) => r.caseNo === caseLate).case.applicant.name).toBe('张*华');

    const kase = (await clerk.get(`/api/service-cases/${caseLong}`)).body;
    expect(kase.responsible).toBe('clerkb');
    expect(kase.responsibleName).toBe('买买提·艾力');
    expect(kase.steps[0].assigneeName).toBe(NAMES[kase.steps[0].assignee]);
    const audit = (await clerk.get(`/api/service-cases/${caseLong}/audit`)).body as any[];
    expect(audit.find((e) => e.actor === 'clerkb').actorName).toBe('买买提·艾力');

    // the designer's deploy: its version and the archive log by name
    const designer = await ApiClient.login(server.url, 'designer');
    const before = (await designer.get('/api/definitions/immediate-item')).body;
    const xml = (await designer.get('/api/definitions/immediate-item/xml')).body as string;
    expect((await designer.deployXml(xml, '调整窗口办理时限说明')).status).toBe(201);
    const after = (await designer.get('/api/definitions/immediate-item')).body;
    expect(after.versions[0]).toMatchObject({ version: before.latestVersion + 1, deployedBy: 'designer', deployedByName: '张敏' });
    expect(after.versions.at(-1).deployedByName).toBe('系统');
    const listed = ((await designer.get('/api/definitions')).body as any[]).find((d) => d.key === 'immediate-item');
    expect(listed.versions[0].deployedByName).toBe('张敏');
  }, 120_000);

  it('inbox at 1366×768: case number, item, masked applicant, step and holder by name, received, deadline marks — no column cut, no login', async () => {
    const page = await newPage();
    await login(page, 'clerk');
    await expect(page.getByTestId('current-user').innerText()).resolves.toBe('王晓燕');
    await page.goto(server.url + '/#/workbench/inbox?filter=window');
    const row = (no: string) => page.locator(`[data-testid="inbox-row"][data-case-no="${no}"]`);
    // the overdue step red, the due-soon step yellow (its warning is 60 s after intake)
    await waitFor(async () => {
      await page.getByTestId('inbox-refresh').click();
      const late = await row(caseLate).getAttribute('data-signal', { timeout: 1_500 }).catch(() => null);
      const soon = await row(caseSoon).getAttribute('data-signal', { timeout: 1_500 }).catch(() => null);
      return late === 'late' && soon === 'warned';
    }, 'one step overdue and one due soon', 85_000, 1_000);
    await expect(row(caseLate).getByTestId('deadline-tag').innerText()).resolves.toBe('已超期');
    await expect(row(caseSoon).getByTestId('deadline-tag').innerText()).resolves.toBe('即将到期');
    await expect(row(caseLate).getByTestId('inbox-due').innerText()).resolves.toMatch(/\d{4}年\d+月\d+日 \d\d:\d\d/);

    const headers = await page.locator('[data-testid="inbox-page"] thead th').allInnerTexts();
    for (const h of ['办件编号', '事项', '申请人', '环节', '到达时间', '办理期限', '操作']) expect(headers.map((x) => x.trim())).toContain(h);
    const r = row(caseLong);
    await expect(r.getByTestId('inbox-case-no').innerText()).resolves.toBe(caseLong);
    await expect(r.getByTestId('inbox-item').innerText()).resolves.toBe('农村集体资产资源交易申请（进场交易登记）');
    await expect(r.getByTestId('inbox-applicant-name').innerText()).resolves.toBe('阿***·**提');
    await expect(r.getByTestId('inbox-applicant-phone').innerText()).resolves.toBe('138****8000');
    await expect(r.getByTestId('inbox-applicant-id').innerText()).resolves.toBe(`${idA.slice(0, 4)}**********${idA.slice(-4)}`);
    await expect(r.getByTestId('inbox-step').innerText()).resolves.toContain('窗口当场办结');
    await expect(r.getByTestId('inbox-assignee').innerText()).resolves.toMatch(/办理人：(王晓燕|买买提·艾力)/);
    await expect(r.getByTestId('inbox-arrived').innerText()).resolves.toMatch(/\d{4}年\d+月\d+日\s+\d\d:\d\d/);
    await expect(row(caseLate).getByTestId('inbox-applicant-name').innerText()).resolves.toBe('张*华');

    const table = await page.locator('[data-testid="inbox-page"] .ant-table').innerText();
    expect(table).not.toMatch(LOGINS);
    expect(table).not.toContain(idA);
    expect(table).not.toContain('13800138000');
    // every column inside the window and the table: no horizontal scroll, no header cut or clipped
    const fit = await page.evaluate(() => {
      const content = document.querySelector('[data-testid="inbox-page"] .ant-table-content, [data-testid="inbox-page"] .ant-table-body') as HTMLElement | null;
      const ths = [...document.querySelectorAll('[data-testid="inbox-page"] thead th')].map((th) => {
        const b = th.getBoundingClientRect();
        return { text: (th as HTMLElement).innerText, right: b.right, left: b.left, clipped: (th as HTMLElement).scrollWidth > (th as HTMLElement).clientWidth + 1 };
      });
      return { innerWidth: window.innerWidth, scrollW: content?.scrollWidth ?? 0, clientW: content?.clientWidth ?? 0, docW: document.documentElement.scrollWidth, ths };
    });
    expect(fit.scrollW).toBeLessThanOrEqual(fit.clientW + 1);
    expect(fit.docW).toBeLessThanOrEqual(fit.innerWidth);
    for (const th of fit.ths) {
      expect({ th: th.text, inside: th.right <= fit.innerWidth && th.left >= 0, clipped: th.clipped }).toEqual({ th: th.text, inside: true, clipped: false });
    }
    await page.screenshot({ path: path.join(SHOTS, 'people-inbox-1366.png') });

    // the case page: responsible clerk, receiving window, steps and audit trail by name
    await page.goto(server.url + `/#/workbench/cases/${caseLong}`);
    await expect(page.getByTestId('case-responsible').innerText()).resolves.toBe('买买提·艾力');
    await expect(page.getByTestId('case-data').innerText()).resolves.toContain('综合');
    const actors = await page.getByTestId('audit-actor').allInnerTexts();
    expect(actors).toContain('买买提·艾力');
    for (const a of actors) expect(a).not.toMatch(LOGINS);
    await page.getByRole('tab', { name: '办理环节' }).click().catch(() => undefined);
    const data = await page.getByTestId('case-data').innerText();
    expect(data).not.toMatch(LOGINS);
    expect(data).not.toContain('dingbao-w10');
    await page.screenshot({ path: path.join(SHOTS, 'people-case-1366.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('console at 1366×768: the board lists all 20 centres without an inner scroll box; 满意率 on screen; towns without cases unranked (无办件) at the end', async () => {
    const page = await newPage();
    await login(page, 'supervisor');
    await page.goto(server.url + '/#/console');
    await page.locator('[data-testid="board-unit"]').nth(19).waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="board-unit"]').count()).toBe(20);
    const board = await page.evaluate(() => {
      const root = document.querySelector('[data-testid="console-board"]')!;
      // an inner scroll box: an element of the table that scrolls by itself
      const boxes = [...root.querySelectorAll('[data-testid="board-units"] *')].filter((el) => {
        const s = getComputedStyle(el);
        return /(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 1;
      }).length;
      const last = [...root.querySelectorAll('[data-testid="board-unit"]')].at(-1) as HTMLElement;
      return { boxes, lastUnit: last.dataset.unit, labels: [...root.querySelectorAll('[data-testid="board-unit"]')].map((r) => (r as HTMLElement).innerText.replace(/\s+/g, ' ').trim()) };
    });
    expect(board.boxes).toBe(0);
    expect(board.labels.join(' ')).toContain('丁堡镇');
    expect(board.labels.join(' ')).not.toMatch(/\bdingbao\b/);
    // the last centre is reached by scrolling the page itself
    await page.locator('[data-testid="board-unit"]').nth(19).scrollIntoViewIfNeeded();
    await expect(page.locator('[data-testid="board-unit"]').nth(19).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'people-board-1366.png'), fullPage: true });

    // statistics by town: every column, 满意率 included, inside 1366 px, no horizontal scroll
    await page.goto(server.url + '/#/console/stats');
    await page.getByRole('tab', { name: '按镇街' }).click();
    const table = page.getByTestId('stats-table-town');
    await table.locator('tbody tr.ant-table-row').first().waitFor();
    const sat = table.locator('thead th', { hasText: '满意率' });
    await sat.waitFor();
    const box = (await sat.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1366);
    const wide = await table.evaluate((el) => {
      const c = el.querySelector('.ant-table-content, .ant-table-body') as HTMLElement | null;
      return { scrollW: c?.scrollWidth ?? 0, clientW: c?.clientWidth ?? 0 };
    });
    expect(wide.scrollW).toBeLessThanOrEqual(wide.clientW + 1);
    await page.screenshot({ path: path.join(SHOTS, 'people-stats-town-1366.png') });

    // the town ranking: only 丁堡镇 has cases; the other 18 are 无办件, after it, without a number
    await page.getByRole('tab', { name: '镇街效能排名' }).click();
    const ranking = page.getByTestId('ranking-table-towns');
    await ranking.locator('tbody tr.ant-table-row').nth(18).waitFor();
    const ranks = await ranking.getByTestId('ranking-rank').evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.rank, (e as HTMLElement).innerText]));
    const names = await ranking.getByTestId('ranking-name').allInnerTexts();
    expect(ranks).toHaveLength(19);
    expect(ranks[0]).toEqual(['1', '1']);
    expect(names[0]).toBe('丁堡镇');
    expect(ranks.slice(1)).toEqual(Array(18).fill(['none', '无办件']));
    await page.screenshot({ path: path.join(SHOTS, 'people-ranking-1366.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('console: escalations, complaints and the heat map by names, not codes', async () => {
    // a complaint about the 综合受理窗口 of 丁堡镇, from the public
    const anon = new ApiClient(server.url);
    const c = await anon.post('/api/public/complaints', { orgUnit: 'dingbao', target: { kind: 'window', windowId: 'dingbao-w10' }, content: '窗口人员上班时间离岗，群众等候一小时', phone: '13600001111' });
    expect(c.status).toBe(201);
    const complaints = (await supervisor.get('/api/complaints')).body as any[];
    expect(complaints[0]).toMatchObject({ orgUnit: 'dingbao', orgUnitName: '丁堡镇', target: { windowId: 'dingbao-w10' } });
    expect(complaints[0].target.windowName).toMatch(/综合/);
    // the overdue step's escalation names its holder
    const esc = await waitFor(async () => ((await supervisor.get('/api/escalations')).body as any[]).find((e) => e.caseNo === caseLate && e.responsible), 'the escalation of the overdue step', 30_000, 500);
    expect(esc.responsibleName).toBe(NAMES[esc.responsible]);

    const page = await newPage();
    await login(page, 'supervisor');
    await page.goto(server.url + '/#/console/complaints');
    const row = page.locator('[data-testid="complaint-row"]').first();
    await expect(row.getByTestId('complaint-org').innerText()).resolves.toBe('丁堡镇');
    await expect(row.getByTestId('complaint-target').innerText()).resolves.toMatch(/^窗口 .*综合/);
    expect(await row.innerText()).not.toMatch(/dingbao/);
    await page.screenshot({ path: path.join(SHOTS, 'people-complaints-1366.png') });

    await page.goto(server.url + '/#/console/escalations');
    const er = page.locator(`[data-testid="escalation-row"]`).filter({ hasText: caseLate }).first();
    await expect(er.getByTestId('escalation-row-responsible').innerText()).resolves.toBe(NAMES[esc.responsible]);
    await er.getByTestId('escalation-open').click();
    await expect(page.getByTestId('escalation-responsible').innerText()).resolves.toBe(NAMES[esc.responsible]);
    expect(await page.getByTestId('escalation-drawer').innerText()).not.toMatch(LOGINS);

    await page.goto(server.url + `/#/console/heatmap/${LONG_ITEM}`);
    const def = page.getByTestId('heat-definition');
    await def.waitFor();
    const shown = await def.innerText();
    expect(shown).not.toContain('immediate-item');
    expect(shown.length).toBeGreaterThan(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('exports (CSV, XLSX) name the centres and windows; towns without cases are 无办件; the 说明 sheet says 所属机构 by name', async () => {
    const csv = await supervisor.get('/api/stats/rankings/towns?format=csv');
    expect(csv.status).toBe(200);
    const lines = String(csv.body).replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
    expect(lines[0].startsWith('排名,名称,所属机构,编码,综合得分,')).toBe(true);
    expect(lines).toHaveLength(20);
    expect(lines[1].startsWith('1,丁堡镇,')).toBe(true);
    for (const l of lines.slice(2)) expect(l.startsWith('无办件,')).toBe(true);

    const xlsx = async (who: string, url: string) => {
      const token = ((await new ApiClient(server.url).post('/api/auth/login', { username: who, password: 'demo123' })).body as any).token;
      const res = await fetch(server.url + url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
      const sheets = wb.worksheets.map((ws) => {
        const rows: string[][] = [];
        ws.eachRow((r) => rows.push((r.values as any[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))));
        return { name: ws.name, rows };
      });
      return sheets;
    };
    const about = (sheets: { rows: string[][] }[]) => Object.fromEntries(sheets[sheets.length - 1].rows.map((r) => [r[0], r[1]]));

    // the town ranking, city-wide
    const towns = await xlsx('supervisor', '/api/stats/rankings/towns?format=xlsx');
    expect(about(towns)['所属机构']).toBe('全部（全市）');
    const tr = towns[0].rows;
    expect(tr[0].slice(0, 4)).toEqual(['排名', '名称', '所属机构', '编码']);
    expect(tr.slice(2).every((r) => r[0] === '无办件')).toBe(true);

    // the window ranking of 丁堡镇 by its centre's head: windows by name with their centre
    const windows = await xlsx('manager', '/api/stats/rankings/windows?format=xlsx');
    expect(about(windows)['所属机构']).toBe('丁堡镇');
    const wr = windows[0].rows.slice(1);
    expect(wr.length).toBeGreaterThanOrEqual(9);
    for (const r of wr) {
      expect(r[2]).toBe('丁堡镇');
      expect(r[1]).not.toMatch(/^dingbao-w/);
    }
    expect(wr[0][0]).toBe('1');

    // the report by window: names and centre, the total row 合计 without a code in 所属机构
    const byWindow = await xlsx('supervisor', '/api/stats/window?format=xlsx');
    const header = byWindow[0].rows[0];
    const col = (h: string) => header.indexOf(h);
    expect(col('满意率(%)')).toBeGreaterThan(0);
    const body = byWindow[0].rows.slice(1);
    const total = body.at(-1)!;
    expect(total[col('名称')]).toBe('合计');
    expect(total[col('所属机构')]).toBe('');
    expect(body.length).toBeGreaterThan(1); // windows, then the total row
    for (const r of body.slice(0, -1)) expect(r[col('所属机构')]).toBe('丁堡镇');
    for (const r of body) expect(r[col('所属机构')]).not.toBe('all');
    expect(about(byWindow)['所属机构']).toBe('全部（全市）');
  }, 120_000);

  it('screenshot review: task 处理记录 and the workbench home by names; error boxes without the server\'s English; the centre head has no 投诉 entry', async () => {
    // the task page's 处理记录: who took the case in and whom the step was routed to, by name
    const task = ((await clerk.get('/api/inbox?filter=window')).body as any[]).find((r) => r.caseNo === caseLong);
    const page = await newPage();
    await login(page, 'clerk');
    await page.goto(server.url + `/#/workbench/tasks/${task.id}`);
    await page.getByTestId('history-entry').first().waitFor();
    const history = await page.getByTestId('history-entry').allInnerTexts();
    expect(history.join('\n')).toContain('买买提·艾力');
    for (const h of history) {
      expect(h).not.toMatch(LOGINS);
      expect(h.trim()).not.toMatch(/·$/); // never "分派 ·" with nobody after it
    }
    // the step was routed to the window's A post (分派), and the log names to whom
    expect(task.actions.map((a: any) => a.type)).toContain('routed');
    expect(history.join('\n')).toMatch(/分派 → (王晓燕|买买提·艾力)/);
    // 买买提·艾力 finishes the step: the completed step is listed with her name, not her login
    await clerkb.post(`/api/tasks/${task.id}/claim`, {});
    expect((await clerkb.post(`/api/tasks/${task.id}/complete`, { decision: 'approve', opinion: '当场办结' })).status).toBe(200);
    await page.reload();
    await page.getByText('窗口当场办结 · 买买提·艾力').first().waitFor();
    const after = await page.getByTestId('history-entry').allInnerTexts();
    for (const h of after) expect(h).not.toMatch(LOGINS);
    await page.screenshot({ path: path.join(SHOTS, 'people-task-history-1366.png') });

    // the workbench home: the window and its centre by name, no window code
    await page.goto(server.url + '/#/workbench');
    await expect(page.getByTestId('my-window').innerText()).resolves.toMatch(/综合/);
    await expect(page.getByTestId('my-centre').innerText()).resolves.toBe('（丁堡镇行政服务中心）');
    expect(await page.getByTestId('workbench-home').innerText()).not.toMatch(/dingbao/);
    await page.close();

    // the centre head: no 投诉 in the menu (complaints go to the discipline commission and supervisors);
    // the page opened by its address says so in Chinese only, the server's English detail stays out of the text
    const mp = await newPage();
    await login(mp, 'manager');
    await mp.goto(server.url + '/#/console');
    const menu = await mp.getByTestId('area-menu').innerText();
    expect(menu).toContain('督办');
    expect(menu).not.toContain('投诉');
    await mp.goto(server.url + '/#/console/complaints');
    const box = mp.getByTestId('api-error');
    await box.waitFor();
    const text = await box.innerText();
    expect(text).toContain('投诉举报由纪委和督查员处理，当前账号无权查看。');
    expect(text).not.toMatch(/[A-Za-z]{3,}/);
    await expect(mp.getByTestId('api-error-box').getAttribute('title')).resolves.toMatch(/complaints are handled/);
    await mp.screenshot({ path: path.join(SHOTS, 'people-manager-complaints-1366.png') });
    // the supervisor keeps the entry
    const sp = await newPage();
    await login(sp, 'supervisor');
    await sp.goto(server.url + '/#/console');
    await expect(sp.getByTestId('area-menu').innerText()).resolves.toContain('投诉');
    expect(errors).toEqual([]);
    await mp.close();
    await sp.close();
  }, 120_000);
});
