/** Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work here). */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from './api';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Launches Chromium (failing with the fix when Debian's chromium is missing). Every page it opens is watched for Content-Security-Policy violations
 * (api/http/security-headers.ts); closing the browser fails when there were any, so each
 * browser suite proves the CSP breaks nothing it exercises.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`Debian chromium is not installed at ${CHROMIUM} (apt-get install chromium; .ci/run does it)`);
  const browser = await launchChromium();
  const violations: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m) => {
      const text = m.text();
      if (/Content Security Policy|Content-Security-Policy/i.test(text)) violations.push(`${page.url()}: ${text.slice(0, 300)}`);
    });
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => {
    const page = await newPage(...args);
    watch(page);
    return page;
  };
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    context.on('page', watch);
    return context;
  };
  const close = browser.close.bind(browser);
  browser.close = async (...args) => {
    await close(...args);
    if (violations.length) throw new Error(`Content-Security-Policy violations in the browser:\n${[...new Set(violations)].slice(0, 20).join('\n')}`);
  };
  return browser;
}

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The desktop size every staff page is checked at. */
export const DESKTOP = { width: 1366, height: 768 };

/**
 * A page of `browser` at `viewport` whose uncaught errors are collected in `errors` (a suite
 * expects it empty). With `{ isolated: true }` the page gets a context of its own (no shared
 * login), in zh-CN and Asia/Shanghai as the public sees it; `close` closes what was opened.
 */
export async function openPage(browser: Browser, errors: string[], viewport = DESKTOP, opts: { isolated?: boolean } = {}): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = opts.isolated ? await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' }) : undefined;
  const page = context ? await context.newPage() : await browser.newPage({ viewport });
  page.on('pageerror', (e) => errors.push(`${e.message} ${e.stack ?? ''}`.slice(0, 2000)));
  return { page, close: () => (context ? context.close() : page.close()) };
}

/**
 * Signs a member of staff in through the login form. Without `url` the form is expected on the
 * page already (a protected page shows it); with `url` (e.g. `${server.url}/staff`) the page goes
 * there first. Waits for the signed-in header unless `waitForUser: false` (the caller waits for
 * what its page shows).
 */
export async function signIn(page: Page, username: string, opts: { url?: string; password?: string; waitForUser?: boolean; timeoutMs?: number } = {}): Promise<void> {
  if (opts.url) await page.goto(opts.url);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(opts.password ?? DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  if (opts.waitForUser !== false) await page.getByTestId('current-user').waitFor({ timeout: opts.timeoutMs });
}
