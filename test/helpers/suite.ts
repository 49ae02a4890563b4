/**
 * The setup most feature files share: one real server (`api/main.ts`) on a database of the file's
 * own for the whole file, logged-in API clients by user name, and a Chromium whose pages collect
 * their uncaught errors. Call inside a `describe`: the hooks are registered there, and the server
 * and the browser are closed after the file's tests.
 */
import type { Browser, Page } from 'playwright-core';
import { ApiClient } from './api';
import { chromiumAvailable, DESKTOP, launchBrowser, openPage, signIn } from './browser';
import { startServer, uniqueDbName, type RunningProcess } from './server';

export interface ServerSuite {
  /** The running server (set in `beforeAll`). */
  readonly process: RunningProcess;
  /** Its base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The database the file's server runs on. */
  readonly dbName: string;
  /** An API client logged in as `username` (demo password), one per user name. */
  as(username: string): Promise<ApiClient>;
}

/** Starts a server for the file (`env` as for `startServer`) before its tests and stops it after. */
export function useServer(prefix: string, env: Record<string, string> = {}): ServerSuite {
  let server: RunningProcess | undefined;
  const dbName = uniqueDbName(prefix);
  const clients = new Map<string, Promise<ApiClient>>();
  beforeAll(async () => {
    server = await startServer(dbName, env);
  }, 180_000);
  afterAll(async () => {
    await server?.kill();
  });
  const running = () => {
    if (!server) throw new Error('the server is not started yet: use it inside a test or a beforeAll');
    return server;
  };
  return {
    get process() {
      return running();
    },
    get url() {
      return running().url;
    },
    dbName,
    as(username: string) {
      let c = clients.get(username);
      if (!c) {
        c = ApiClient.login(running().url, username);
        clients.set(username, c);
        c.catch(() => clients.delete(username));
      }
      return c;
    },
  };
}

export interface BrowserSuite {
  readonly browser: Browser;
  /** Uncaught errors of every page opened through `page` (expect it empty). */
  readonly errors: string[];
  /** A page at `viewport` (1366×768 by default); `isolated` gives it a context of its own. */
  page(viewport?: { width: number; height: number }, opts?: { isolated?: boolean }): Promise<Page>;
  /** A page signed in as `username` through the staff login at `/#/login`. */
  signedIn(username: string, viewport?: { width: number; height: number }): Promise<Page>;
}

/** Launches Debian's Chromium for the file (failing clearly when it is missing) and closes it after. */
export function useBrowser(suite: ServerSuite): BrowserSuite {
  let browser: Browser | undefined;
  const errors: string[] = [];
  beforeAll(async () => {
    if (!chromiumAvailable()) throw new Error('Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium; .ci/run does it)');
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });
  const launched = () => {
    if (!browser) throw new Error('the browser is not launched yet: use it inside a test or a beforeAll');
    return browser;
  };
  const page = async (viewport = DESKTOP, opts: { isolated?: boolean } = {}) => (await openPage(launched(), errors, viewport, opts)).page;
  return {
    get browser() {
      return launched();
    },
    errors,
    page,
    async signedIn(username, viewport = DESKTOP) {
      const p = await page(viewport);
      await signIn(p, username, { url: `${suite.url}/#/login` });
      return p;
    },
  };
}
