/** A small HTTP client for tests: real fetch against a real server. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './server';

export const DEMO_PASSWORD = 'demo123';

export interface ApiResponse<T = any> {
  status: number;
  contentType: string;
  body: T;
  headers: Record<string, string>;
}

export class ApiClient {
  constructor(
    /** The server's base URL; empty for a client made by `notSignedIn` until its `signIn`. */
    public baseUrl: string,
    private token?: string,
  ) {}

  /** A client that a file's `beforeAll` signs in (`signIn`) once its server runs: tests can hold it from the start. */
  static notSignedIn(): ApiClient {
    return new ApiClient('');
  }

  /** Signs this client in as `username` on the server at `baseUrl`. */
  async signIn(baseUrl: string, username: string, password = DEMO_PASSWORD): Promise<this> {
    const signed = await ApiClient.login(baseUrl, username, password);
    this.baseUrl = signed.baseUrl;
    this.token = signed.token;
    return this;
  }

  static async login(baseUrl: string, username: string, password = DEMO_PASSWORD): Promise<ApiClient> {
    const c = new ApiClient(baseUrl);
    const r = await c.post('/api/auth/login', { username, password });
    if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
    c.token = r.body.token;
    return c;
  }

  async request<T = any>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    if (!this.baseUrl) throw new Error(`${method} ${url}: this client is not signed in yet (it is signed in by the file's beforeAll: use it inside a test)`);
    const h: Record<string, string> = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (typeof body === 'string') payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + url, { method, headers: h, body: payload });
    const contentType = res.headers.get('content-type') ?? '';
    const text = await res.text();
    let parsed: any = text;
    if (contentType.includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, contentType, body: parsed, headers: Object.fromEntries(res.headers) };
  }

  get<T = any>(url: string) {
    return this.request<T>('GET', url);
  }
  post<T = any>(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', url, body, headers);
  }
  put<T = any>(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', url, body, headers);
  }
  /** Deploys BPMN XML; the change note (变更说明, required) goes in X-Change-Note, percent-encoded. */
  deployXml(xml: string, note = '测试部署') {
    return this.post('/api/definitions', xml, { 'content-type': 'application/xml', 'x-change-note': encodeURIComponent(note) });
  }
}

export function fixture(name: string): string {
  return readFileSync(path.join(ROOT, 'test', 'fixtures', name), 'utf8');
}

export function diagram(name: string): string {
  return readFileSync(path.join(ROOT, 'processes', 'diagrams', name), 'utf8');
}

/** Polls `fn` until it returns a truthy value or the deadline passes (no fixed sleeps). */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Waits until the wall clock has passed `at` plus `marginMs` — for the stories that need a due time
 * the server stored (a timer job's `nextRunAt`, a clock's deadline) to pass on the server's own clock
 * while something is down or dead (the server processes run on the system clock; Agenda polls on
 * real time). Takes the time from the server's data, not a guess; waits for nothing else.
 */
export async function untilPassed(at: Date | string | number, marginMs = 0): Promise<void> {
  const target = new Date(at).getTime() + marginMs;
  if (Number.isNaN(target)) throw new Error(`untilPassed: not a time: ${String(at)}`);
  while (Date.now() < target) await new Promise((r) => setTimeout(r, Math.min(target - Date.now(), 1000)));
}
