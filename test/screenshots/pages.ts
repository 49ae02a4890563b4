/**
 * The screenshot review (issue 13): every page of every role at 1366×768 (a counter PC) and
 * 390×844 (a phone), one PNG per page, role and size — `npm run screenshots` writes them to
 * `.screenshots/` (git-ignored); browser tests can call `screenshotRoles` for their own pages.
 *
 *   const cases = await prepareCases(server.url);          // a case at each role's desk
 *   await screenshotRoles(browser, server.url, '.screenshots', rolePages(cases));
 *
 * Each shot waits until the page has loaded its data (no spinner or skeleton left) and names
 * the file `<role>-<page>-<width>x<height>.png`. A page that fails to load is still shot and
 * reported (`problems`), so the review sees it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, waitFor } from '../helpers/api';
import { DESKTOP, signIn } from '../helpers/browser';
import { applicant } from '../helpers/people';

/* browser globals inside page.evaluate (the test tsconfig has no DOM library) */
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, NodeFilter: any, getComputedStyle: any;

export { DESKTOP };
export const PHONE = { width: 390, height: 844 };
export const SIZES = [DESKTOP, PHONE];

export interface ShotPage {
  /** file-name part */
  name: string;
  /** hash route, e.g. `#/workbench/inbox` (or `/staff`) */
  path: string;
  /** a selector to wait for before the shot (besides the spinners being gone) */
  ready?: string;
}

export interface RoleShots {
  /** file-name part: public, clerk, deptclerk, manager, supervisor, designer */
  role: string;
  /** the demo login; none for the public */
  username?: string;
  pages: ShotPage[];
}

export interface PreparedCases {
  /** at the clerk's acceptance step (form with a list and selects); applicant with a · in the name */
  clerkCaseNo: string;
  clerkTaskId: string;
  /** at the land window's review (the department clerk) */
  deptCaseNo: string;
  deptTaskId: string;
  /** a report-up item with alternatives in its path, for the guide */
  guideItem: string;
  /** a joint item (steps at the same time) */
  jointItem?: string;
  /** a definition key/version for the modeler */
  definition: { key: string; version: number };
  formId?: string;
}

async function openStep(client: ApiClient, caseNo: string, elementId?: string) {
  return waitFor(async () => {
    const c = (await client.get(`/api/service-cases/${caseNo}`)).body;
    return c.steps?.find((s: any) => s.status === 'open' && s.kind === 'engine' && (!elementId || s.elementId === elementId));
  }, `an open step of ${caseNo}`);
}

/** Cases at the desks the shots show, taken in through the API with realistic applicants. */
export async function prepareCases(url: string): Promise<PreparedCases> {
  const clerk = await ApiClient.login(url, 'clerk');
  const items = (await clerk.get('/api/items')).body as any[];
  const full = (it: any) => it.materials.map((m: any) => ({ code: m.code, provided: true }));

  const js = items.find((i) => i.code === 'JS-003') ?? items.find((i) => i.procedure === 'supplement-item');
  const r1 = await clerk.post('/api/intake', { itemCode: js.code, applicant: applicant('阿依古丽·买买提', '13800138000'), materials: full(js) });
  if (r1.status !== 201) throw new Error(`intake ${js.code}: ${r1.status} ${JSON.stringify(r1.body)}`);
  const clerkCaseNo = r1.body.case.caseNo;
  const clerkStep = await openStep(clerk, clerkCaseNo);

  // a land item: its review step goes to the item's department window, 丁堡镇 国土 (dingbao-w02) — the department clerk's
  const land = items.find((i) => i.department === 'land' && i.procedure === 'report-up-item') ?? items.find((i) => i.department === 'land') ?? js;
  const r2 = await clerk.post('/api/intake', { itemCode: land.code, applicant: applicant('欧阳·德华', '0668-8822345'), materials: full(land) });
  if (r2.status !== 201) throw new Error(`intake ${land.code}: ${r2.status} ${JSON.stringify(r2.body)}`);
  const deptCaseNo = r2.body.case.caseNo;
  const accept = await openStep(clerk, deptCaseNo);
  await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve', opinion: '材料齐全，予以受理' });
  const review = await waitFor(async () => {
    const c = (await clerk.get(`/api/service-cases/${deptCaseNo}`)).body;
    return c.steps?.find((s: any) => s.status === 'open' && s.kind === 'engine' && s.taskId !== accept.taskId);
  }, `the review step of ${deptCaseNo}`).catch(() => accept);

  const designer = await ApiClient.login(url, 'designer');
  const defs = (await designer.get('/api/definitions')).body as any[];
  const def = defs.find((d) => d.key === 'report-up-item') ?? defs[0];
  const forms = (await designer.get('/api/forms').catch(() => ({ body: [] }))).body;
  const guideItem = (items.find((i) => i.procedure === 'report-up-item') ?? items[0]).code;
  const jointItem = items.find((i) => i.procedure === 'joint-approval-item')?.code;
  return {
    clerkCaseNo,
    clerkTaskId: clerkStep.taskId,
    deptCaseNo,
    deptTaskId: review.taskId,
    guideItem,
    jointItem,
    definition: { key: def.key, version: def.version ?? def.latestVersion ?? 1 },
    formId: Array.isArray(forms) && forms.length ? (forms[0].id ?? forms[0]._id ?? forms[0].formId) : undefined,
  };
}

/** Every page of every role. */
export function rolePages(c: PreparedCases): RoleShots[] {
  const enc = encodeURIComponent;
  const publicPages: ShotPage[] = [
    { name: 'home', path: '/', ready: '[data-testid="public-item"]' },
    { name: 'guide', path: `/#/public/items/${enc(c.guideItem)}`, ready: '[data-testid="guide-diagram"]' },
    ...(c.jointItem ? [{ name: 'guide-joint', path: `/#/public/items/${enc(c.jointItem)}`, ready: '[data-testid="guide-diagram"]' }] : []),
    { name: 'lookup', path: '/#/public/lookup', ready: '[data-testid="lookup-page"]' },
    { name: 'complaint', path: '/#/public/complaints', ready: '[data-testid="complaint-page"]' },
    { name: 'town', path: '/#/public/towns/dingbao', ready: '[data-testid="town-window"]' },
    { name: 'staff-login', path: '/staff', ready: '[data-testid="login-username"]' },
  ];
  const workbench = (extra: ShotPage[]): ShotPage[] => [
    { name: 'workbench', path: '/#/workbench' },
    { name: 'inbox', path: '/#/workbench/inbox' },
    { name: 'cases', path: '/#/workbench/cases' },
    ...extra,
  ];
  // 投诉 only for the roles that handle complaints (supervisors, the discipline commission): a
  // centre head has no such menu entry, and his shot of the page was an error box
  const console = (extra: ShotPage[] = [], complaints = false): ShotPage[] => [
    { name: 'board', path: '/#/console' },
    { name: 'escalations', path: '/#/console/escalations' },
    ...(complaints ? [{ name: 'complaints', path: '/#/console/complaints' }] : []),
    { name: 'stats', path: '/#/console/stats' },
    { name: 'heatmap', path: '/#/console/heatmap' },
    ...extra,
  ];
  return [
    { role: 'public', pages: publicPages },
    {
      role: 'clerk',
      username: 'clerk',
      pages: workbench([
        { name: 'intake', path: '/#/workbench/intake' },
        { name: 'task', path: `/#/workbench/tasks/${enc(c.clerkTaskId)}`, ready: '.fjs-form' },
        { name: 'case', path: `/#/workbench/cases/${enc(c.clerkCaseNo)}` },
      ]),
    },
    {
      role: 'deptclerk',
      username: 'deptclerk',
      pages: workbench([
        { name: 'task', path: `/#/workbench/tasks/${enc(c.deptTaskId)}`, ready: '.fjs-form' },
        { name: 'case', path: `/#/workbench/cases/${enc(c.deptCaseNo)}` },
      ]),
    },
    { role: 'manager', username: 'manager', pages: [...workbench([]), ...console()] },
    { role: 'supervisor', username: 'supervisor', pages: console([{ name: 'heatmap-item', path: `/#/console/heatmap/${enc(c.guideItem)}` }], true) },
    {
      role: 'designer',
      username: 'designer',
      pages: [
        { name: 'definitions', path: '/#/designer' },
        { name: 'modeler', path: `/#/designer/modeler/${enc(c.definition.key)}/${c.definition.version}`, ready: '.djs-container' },
        { name: 'forms', path: '/#/designer/forms' },
        ...(c.formId ? [{ name: 'form-editor', path: `/#/designer/forms/${enc(c.formId)}` }] : []),
      ],
    },
  ];
}

/** Waits until the page shows its data: the ready selector, no spinner, no skeleton. */
export async function settle(page: Page, ready?: string) {
  await page.waitForLoadState('networkidle', { timeout: 8_000 }).catch(() => undefined);
  if (ready) await page.locator(ready).first().waitFor({ timeout: 20_000 }).catch(() => undefined);
  await page
    .waitForFunction(() => !document.querySelector('.ant-spin-spinning, .ant-skeleton, .ant-table-placeholder .ant-spin'), undefined, { timeout: 15_000 })
    .catch(() => undefined);
  await page.waitForTimeout(400); // charts and transitions
}

/** Logs in through the staff login page (`/staff`). */
export function staffLogin(page: Page, url: string, username: string) {
  return signIn(page, username, { url: `${url}/staff` });
}

/** Shoots every page of every role at both sizes; returns the files and the pages that showed an error. */
export async function screenshotRoles(browser: Browser, url: string, outDir: string, roles: RoleShots[]) {
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  const problems: string[] = [];
  for (const size of SIZES) {
    for (const r of roles) {
      const context = await browser.newContext({ viewport: size, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
      const page = await context.newPage();
      page.on('pageerror', (e) => problems.push(`${r.role} ${size.width}: ${e.message}`));
      try {
        if (r.username) await staffLogin(page, url, r.username);
        for (const p of r.pages) {
          await page.goto(`${url}${p.path}`);
          await settle(page, p.ready);
          const file = path.join(outDir, `${r.role}-${p.name}-${size.width}x${size.height}.png`);
          await page.screenshot({ path: file, fullPage: true });
          files.push(file);
          const alert = await page.locator('.ant-result-404, .ant-result-error, [role="alert"].ant-alert-error').count();
          if (alert) problems.push(`${r.role} ${p.name} ${size.width}: shows an error`);
        }
      } finally {
        await context.close();
      }
    }
  }
  return { files, problems };
}
