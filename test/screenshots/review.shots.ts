/**
 * `npm run screenshots`: one screenshot per page per role (public, clerk, department clerk,
 * centre head, supervisor, designer) at 1366×768 and 390×844 in `.screenshots/` (git-ignored),
 * against a real server on the throw-away test database, with cases at each role's desk.
 * Not part of `npm test` (its files end in .shots.ts); `SCREENSHOTS_DIR` changes the folder.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchBrowser } from '../helpers/browser';
import { ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';
import { prepareCases, rolePages, screenshotRoles } from './pages';

const OUT = path.resolve(ROOT, process.env.SCREENSHOTS_DIR ?? '.screenshots');

describe('screenshot review', () => {
  let server: RunningProcess;
  let browser: Browser;
  beforeAll(async () => {
    if (!chromiumAvailable()) throw new Error('Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)');
    server = await startServer(uniqueDbName('screenshots'));
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
  });

  it('shoots every page of every role at 1366×768 and 390×844', async () => {
    const cases = await prepareCases(server.url);
    const { files, problems } = await screenshotRoles(browser, server.url, OUT, rolePages(cases));
    console.log(`${files.length} screenshots in ${path.relative(ROOT, OUT)}/${problems.length ? `\nproblems:\n${problems.join('\n')}` : ''}`);
    expect(files.length).toBeGreaterThan(40);
  }, 900_000);
});
