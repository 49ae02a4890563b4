/** Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work here). */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Launches Chromium. Every page it opens is watched for Content-Security-Policy violations
 * (api/http/security-headers.ts); closing the browser fails when there were any, so each
 * browser suite proves the CSP breaks nothing it exercises.
 */
export async function launchBrowser(): Promise<Browser> {
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
