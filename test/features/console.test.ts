/**
 * The supervisors' console (监察督办, issue #5): the live board over server-sent events, the
 * heat map of an item's diagram, the .xlsx export — through the API — and in the browser: a
 * supervisor watches the board, a breach appears without a reload, and he issues a supervision
 * notice (督办通知) from the escalation's dialog.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { cstDay } from '../../common/cst';
import ExcelJS from 'exceljs';
import type { Browser } from 'playwright-core';
import { ApiClient, waitFor } from '../helpers/api';
import { launchBrowser, openPage, signIn } from '../helpers/browser';
import { applicant } from '../helpers/people';
import { ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

const SHOTS = path.join(ROOT, '.test-data', 'screenshots');

/** Reads `event: board` frames of an SSE response (fetch + ReadableStream, as the browser does). */
async function* sseBoards(res: Response): AsyncGenerator<any> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev = /^event: (.*)$/m.exec(frame)?.[1];
      const data = frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (ev === 'board') yield JSON.parse(data);
    }
  }
}

describe('supervisors\' console: live board, escalations, heat map, xlsx export', () => {
  let server: RunningProcess;
  let clerk: ApiClient;
  let supervisor: ApiClient;
  let item: any;
  let dingbaoCases = 0;

  beforeAll(async () => {
    server = await startServer(uniqueDbName('console'), { ALLOW_LIMIT_OVERRIDES: 'true', BOARD_TICK_MS: '1000' });
    clerk = await ApiClient.login(server.url, 'clerk');
    supervisor = await ApiClient.login(server.url, 'supervisor');
    item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    expect(item).toBeTruthy();
  });
  afterAll(async () => {
    await server?.kill();
  });

  const intake = async (limits: Record<string, string>) => {
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })), limitOverrides: limits });
    expect(r.status).toBe(201);
    expect(r.body.case.orgUnit ?? 'dingbao').toBe('dingbao');
    dingbaoCases++;
    return r.body.case.caseNo as string;
  };
  const dingbao = (board: any) => board.units.find((u: any) => u.key === 'dingbao');

  it('streams the board as server-sent events; a breach shows up in the town\'s count without asking again', async () => {
    const token = (supervisor as any).token as string;
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/api/supervision/board/stream`, { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const boards = sseBoards(res);
    const first = (await boards.next()).value;
    // the city and the 19 towns, each with its windows
    expect(first.units).toHaveLength(20);
    expect(first.units[0].key).toBe('city');
    expect(dingbao(first).windows.length).toBeGreaterThanOrEqual(9);
    const before = dingbao(first).breached;

    const caseNo = await intake({ promisedLimit: 'PT2S', statutoryLimit: 'PT1H' });
    let seen: any;
    for await (const b of boards) {
      if (dingbao(b).breached > before) {
        seen = b;
        break;
      }
    }
    const seenAt = Date.now();
    ctrl.abort();
    expect(dingbao(seen).breached).toBe(before + 1);
    // how soon after the deadline the board showed it (pushed every BOARD_TICK_MS = 1 s here)
    const promised = (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body.find((c: any) => c.kind === 'promised');
    const lagMs = seenAt - new Date(promised.dueAt).getTime();
    console.info(`board: breach shown ${lagMs} ms after the deadline; board computed in ${seen.meta.elapsedMs} ms`);
    expect(lagMs).toBeLessThan(5000);
    expect(dingbao(seen).openCases).toBeGreaterThanOrEqual(1);
    // the same figure from the plain endpoint, and the case's window carries it too
    const kase = (await clerk.get(`/api/service-cases/${caseNo}`)).body;
    const board = (await supervisor.get('/api/supervision/board')).body;
    const win = dingbao(board).windows.find((w: any) => w.key === (kase.receivingWindow ?? kase.case?.receivingWindow));
    expect(win?.breached).toBeGreaterThanOrEqual(1);

    // a clerk may not watch the board; a town manager sees only his own town
    expect((await clerk.get('/api/supervision/board')).status).toBe(403);
    const manager = await ApiClient.login(server.url, 'manager');
    const own = (await manager.get('/api/supervision/board')).body;
    expect(own.units.map((u: any) => u.key)).toEqual(['dingbao']);
  });

  it('draws the heat map of an item: per step its tasks, waiting times, open now and breaches', async () => {
    // the step window-handle gets a one-second limit (demo override <stepId in camelCase>Limit)
    const caseNo = await intake({ promisedLimit: 'PT1H', statutoryLimit: 'PT2H', windowHandleLimit: 'PT1S' });
    const step = await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.steps?.find((s: any) => s.status === 'open'), 'open step');
    expect(step.elementId).toBe('window-handle');
    await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}/clocks`)).body.find((c: any) => c.kind === 'step' && c.fired.includes('breach')), 'step breach', 45_000);
    const r = await supervisor.get(`/api/supervision/heatmap?itemCode=${encodeURIComponent(item.code)}`);
    expect(r.status).toBe(200);
    expect(r.body.definitionKey).toBe('immediate-item');
    const s = r.body.steps.find((x: any) => x.elementId === 'window-handle');
    // every case this file took in is open at window-handle (none was completed)
    expect(s).toMatchObject({ tasks: dingbaoCases, open: dingbaoCases, completed: 0, breaches: 1, heatWait: 5, heatBreach: 5 });
    expect(s.avgHours).toBeGreaterThan(0);
    expect(s.p90Hours).toBeGreaterThanOrEqual(s.avgHours);
    expect((await supervisor.get('/api/supervision/heatmap')).status).toBe(400);
    expect((await supervisor.get('/api/supervision/heatmap?itemCode=NO-SUCH-ITEM')).status).toBe(404);

    // the map covers a period (default the 30 days up to today), never the years stored
    const days = (r.body.to && r.body.from) ? (Date.parse(r.body.to) - Date.parse(r.body.from)) / 86_400_000 : NaN;
    expect(days).toBe(30);
    const tooLong = await supervisor.get(`/api/supervision/heatmap?itemCode=${encodeURIComponent(item.code)}&from=2024-01-01&to=2026-12-31`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.code).toBe('PERIOD_TOO_LONG');
    // a past month in which none of these tasks was created: only the tasks open now are counted
    const past = await supervisor.get(`/api/supervision/heatmap?itemCode=${encodeURIComponent(item.code)}&from=2025-01-01&to=2025-01-31`);
    expect(past.status).toBe(200);
    const ps = past.body.steps.find((x: any) => x.elementId === 'window-handle');
    expect(ps).toMatchObject({ tasks: dingbaoCases, open: dingbaoCases, completed: 0 });
    // a town's centre sees its own centre only, and may not ask for another
    const manager = await ApiClient.login(server.url, 'manager');
    const mine = await manager.get(`/api/supervision/heatmap?itemCode=${encodeURIComponent(item.code)}`);
    expect(mine.status).toBe(200);
    expect(mine.body.orgUnit).toBe('dingbao');
    expect((await manager.get(`/api/supervision/heatmap?itemCode=${encodeURIComponent(item.code)}&orgUnit=dongzhen`)).status).toBe(403);
  });

  it('exports the town statistics as an .xlsx workbook with Chinese headers and a Chinese file name', async () => {
    const token = (supervisor as any).token as string;
    const res = await fetch(`${server.url}/api/stats/town?format=xlsx`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const disp = res.headers.get('content-disposition') ?? '';
    expect(disp).toMatch(/^attachment; filename="stats-town-\d{4}-\d{2}-\d{2}\.xlsx"; filename\*=UTF-8''/);
    expect(decodeURIComponent(disp.split("UTF-8''")[1])).toMatch(/^统计-按镇街-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
    const ws = wb.worksheets[0];
    const headers = (ws.getRow(1).values as any[]).slice(1);
    expect(headers.slice(0, 4)).toEqual(['名称', '编码', '所属机构', '收件数']);
    const col = headers.indexOf('收件数') + 1;
    let received: unknown;
    ws.eachRow((row, n) => {
      if (n > 1 && row.getCell(2).value === 'dingbao') received = row.getCell(col).value;
    });
    // every case this file took in was received at 丁堡镇, and nothing else was
    expect(received).toBe(dingbaoCases);
    expect(wb.getWorksheet('说明')).toBeTruthy();
  });

  it('in the browser: the board updates without a reload when a breach happens, and the supervisor issues a supervision notice', async () => {
    const browser: Browser = await launchBrowser();
    try {
      const errors: string[] = [];
      const { page } = await openPage(browser, errors);
      await signIn(page, 'supervisor', { url: server.url + '/#/console', waitForUser: false });
      const cell = page.locator('[data-testid="board-breached"][data-unit="dingbao"]');
      await cell.waitFor({ timeout: 20_000 });
      await page.locator('[data-testid="board-live"][data-state="live"]').waitFor({ timeout: 15_000 });
      const before = Number(await cell.getAttribute('data-count'));
      const navigations: string[] = [];
      page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });

      const caseNo = await intake({ promisedLimit: 'PT3S', statutoryLimit: 'PT1H' });
      await page.locator(`[data-testid="board-breached"][data-unit="dingbao"][data-count="${before + 1}"]`).waitFor({ timeout: 30_000 });
      expect(navigations).toEqual([]);

      // the escalation of that case: open it, issue a 督办通知 through the dialog
      const esc = await waitFor(async () => (await supervisor.get('/api/escalations')).body.find((e: any) => e.caseNo === caseNo), 'escalation', 20_000);
      await page.getByTestId('board-to-escalations').click();
      const row = page.locator(`[data-testid="escalation-row"][data-id="${esc.id}"]`);
      await row.waitFor({ timeout: 15_000 });
      await row.getByTestId('escalation-open').click();
      await page.getByTestId('escalation-drawer').waitFor();
      await page.getByTestId('action-notice').click();
      // the dialog refuses an empty notice
      await page.getByTestId('action-submit').click();
      await page.locator('.ant-form-item-explain-error').first().waitFor();
      await page.getByTestId('notice-text').fill('请于回复期限内说明超期原因并立即办结该件。');
      await page.getByTestId('notice-reply-within').fill('2');
      await page.getByTestId('action-submit').click();
      await page.getByTestId('escalation-drawer').locator('[data-testid="escalation-status"][data-status="notified"]').waitFor({ timeout: 15_000 });
      const after = (await supervisor.get(`/api/escalations/${encodeURIComponent(esc.id)}`)).body;
      expect(after.status).toBe('notified');
      expect(after.notice).toMatchObject({ text: '请于回复期限内说明超期原因并立即办结该件。', replyWithin: '2WD', issuedBy: 'supervisor' });

      mkdirSync(SHOTS, { recursive: true });
      // the board again, with the breach on it, for the artifact folder
      await page.getByTestId('escalation-drawer').locator('.ant-drawer-close').click();
      await page.goto(server.url + '/#/console');
      await page.locator('[data-testid="board-live"][data-state="live"]').waitFor({ timeout: 15_000 });
      await page.locator('[data-testid="board-drill"][data-unit="dingbao"]').click();
      await page.getByTestId('board-windows').waitFor();
      await page.screenshot({ path: path.join(SHOTS, 'console.png') });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
  it('in the browser: the heat map colours the item\'s diagram, the statistics draw charts and download an .xlsx', async () => {
    const browser: Browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await signIn(page, 'supervisor', { url: `${server.url}/#/console/heatmap/${encodeURIComponent(item.code)}`, waitForUser: false });
      await page.locator('[data-testid="heat-diagram"][data-imported="true"]').waitFor({ timeout: 20_000 });
      await page.locator('.djs-element.heat-5[data-element-id="window-handle"]').waitFor({ timeout: 10_000 });
      const overlay = page.locator('[data-testid="heat-overlay"][data-element="window-handle"]');
      await expect(overlay.textContent()).resolves.toContain(`${dingbaoCases}件`);
      await page.getByText('超期次数').click();
      await expect(overlay.textContent()).resolves.toContain('超期1');
      // the period the map covers, said in Chinese: by default the 30 days up to today (Beijing time)
      const [y, m, d] = cstDay(new Date()).split('-').map(Number);
      const covered = await page.getByTestId('heat-covered').textContent();
      expect(covered).toMatch(/^统计 \d{4}年\d{1,2}月\d{1,2}日 至 \d{4}年\d{1,2}月\d{1,2}日 产生的任务/);
      expect(covered).toContain(`至 ${y}年${m}月${d}日`);
      await expect(page.getByLabel('统计区间').first().isVisible()).resolves.toBe(true);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'console-heatmap.png') });

      await page.goto(`${server.url}/#/console/stats`);
      await page.locator('[data-testid="ranking-chart-towns"] canvas').waitFor({ timeout: 20_000 });
      await page.getByRole('tab', { name: '按镇街' }).click();
      await page.locator('[data-testid="stats-chart-town"] canvas').waitFor({ timeout: 20_000 });
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('stats-export').click()]);
      expect(download.suggestedFilename()).toMatch(/^统计-按镇街-\d{4}-\d{2}-\d{2}\.xlsx$/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile((await download.path())!);
      expect((wb.worksheets[0].getRow(1).values as any[])[4]).toBe('收件数');
      await page.screenshot({ path: path.join(SHOTS, 'console-stats.png') });
      // by day: the page says the report covers at most 366 days (the server's bound), not silently the last year
      await page.getByRole('tab', { name: '按日' }).click();
      await page.locator('[data-testid="stats-chart-day"] canvas').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('stats-day-bound').innerText()).toContain('最多覆盖 366 天');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
