/**
 * HTTP client for the platform API (same origin, `/api/...`).
 *
 * - The bearer token lives in sessionStorage (cleared when the tab closes).
 * - Every call sends `Authorization: Bearer <token>` when a token is present.
 * - Error bodies are RFC 9457 `application/problem+json`; they are thrown as `ApiProblem`.
 * - A 401 on any call except login clears the session and invokes the handler
 *   registered with `onUnauthorized` (the app goes back to the login form).
 */

const TOKEN_KEY = 'svc.modeler.token';
const USER_KEY = 'svc.modeler.user';

export interface SessionUser {
  username: string;
  displayName: string;
  roles: string[];
}

export interface LoginResponse {
  token: string;
  user: SessionUser;
}

export interface DefinitionVersion {
  version: number;
  deployedAt: string;
  deployedBy: string;
  /** the deployer's display name (姓名) */
  deployedByName?: string;
  /** 变更说明 given at deploy */
  changeNote?: string;
}

/** One entry of a definition's log: a deploy, an archive or a restore, by whom and when. */
export interface DefinitionLogEntry {
  action: 'deployed' | 'archived' | 'restored';
  version?: number;
  actor: string;
  /** the actor's display name (姓名) */
  actorName?: string;
  at: string;
  note?: string;
}

export interface DefinitionSummary {
  key: string;
  name: string;
  latestVersion: number;
  /** svc:caseCategory of the latest version, when set. */
  caseCategory?: string;
  /** 已归档: no new case starts on it; running cases finish on their version */
  archived?: boolean;
  archivedAt?: string;
  archivedBy?: string;
  archivedByName?: string;
  versions: DefinitionVersion[];
}

export interface DefinitionDetail extends DefinitionSummary {
  log: DefinitionLogEntry[];
}

export interface DeployResult {
  key: string;
  version: number;
  name: string;
}

/** RFC 9457 problem details as sent by the API. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  [extension: string]: unknown;
}

/** Thrown for every non-2xx response and for network failures (status 0). */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly problem: ProblemDetails;

  constructor(status: number, problem: ProblemDetails) {
    super(problem.detail || problem.title || describeStatus(status));
    this.name = 'ApiProblem';
    this.status = status;
    this.code = problem.code;
    this.problem = problem;
  }
}

/** Chinese fallback when the server sent no `detail`/`title`. */
function describeStatus(status: number): string {
  switch (status) {
    case 0: return '无法连接服务器，请检查网络后重试。';
    case 400: return '请求有误，请检查后重试。';
    case 401: return '登录已失效，请重新登录。';
    case 403: return '没有执行此操作的权限。';
    case 404: return '请求的资源不存在。';
    case 409: return '数据已被他人修改，请刷新后重试。';
    case 413: return '提交的内容过大。';
    case 422: return '校验未通过，请修改后重试。';
    case 503: return '服务暂时不可用，请稍后重试。';
    default: return status >= 500 ? `服务器内部错误（${status}），请稍后重试。` : `请求失败（${status}）。`;
  }
}

// ---------------------------------------------------------------- session

let unauthorizedHandler: (() => void) | null = null;

export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function getSessionUser(): SessionUser | null {
  const raw = sessionStorage.getItem(USER_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as SessionUser;
  } catch {
    return null;
  }
}

export function clearSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

function saveSession(login: LoginResponse): void {
  sessionStorage.setItem(TOKEN_KEY, login.token);
  sessionStorage.setItem(USER_KEY, JSON.stringify(login.user));
}

// ---------------------------------------------------------------- transport

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** JSON body (sent as application/json). */
  json?: unknown;
  /** XML body (sent as application/xml). */
  xml?: string;
  accept?: string;
  /** Login itself must not trigger the "session expired" redirect. */
  skipUnauthorizedHandler?: boolean;
  /** Extra request headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
}

async function request(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  headers.set('Accept', options.accept ?? 'application/json');
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.json);
  } else if (options.xml !== undefined) {
    headers.set('Content-Type', 'application/xml');
    body = options.xml;
  }
  const token = getToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);

  let response: Response;
  try {
    response = await fetch(path, { method: options.method ?? 'GET', headers, body });
  } catch {
    throw new ApiProblem(0, { title: describeStatus(0) });
  }

  if (response.ok) return response;

  const problem = await readProblem(response);
  if (response.status === 401 && !options.skipUnauthorizedHandler) {
    clearSession();
    unauthorizedHandler?.();
  }
  throw new ApiProblem(response.status, problem);
}

async function readProblem(response: Response): Promise<ProblemDetails> {
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      const parsed: unknown = await response.json();
      if (parsed && typeof parsed === 'object') return parsed as ProblemDetails;
    } catch {
      // fall through to the status text
    }
  }
  return { status: response.status };
}

// ---------------------------------------------------------------- endpoints

/** POST /api/auth/login — stores the token and user on success. */
export async function login(username: string, password: string): Promise<LoginResponse> {
  const response = await request('/api/auth/login', {
    method: 'POST',
    json: { username, password },
    skipUnauthorizedHandler: true,
  });
  const result = (await response.json()) as LoginResponse;
  saveSession(result);
  return result;
}

/** POST /api/auth/logout — ends the server session; the local session is cleared whatever happens. */
export async function logout(): Promise<void> {
  try {
    if (getToken()) await request('/api/auth/logout', { method: 'POST', skipUnauthorizedHandler: true });
  } catch {
    // an expired or unknown token is logged out already
  } finally {
    clearSession();
  }
}

/** GET /api/definitions */
export async function listDefinitions(): Promise<DefinitionSummary[]> {
  const response = await request('/api/definitions');
  return (await response.json()) as DefinitionSummary[];
}

/** GET /api/definitions/:key/versions/:version/xml (application/xml text) */
export async function getDefinitionXml(key: string, version: number): Promise<string> {
  const response = await request(
    `/api/definitions/${encodeURIComponent(key)}/versions/${encodeURIComponent(String(version))}/xml`,
    { accept: 'application/xml, text/xml;q=0.9, */*;q=0.1' },
  );
  return response.text();
}

/** POST /api/definitions with the BPMN XML and its change note (变更说明, required) → 201 { key, version, name } */
export async function deployDefinition(xml: string, note: string): Promise<DeployResult> {
  // XML body (diagrams may be larger than a JSON body may be); the note percent-encoded in a header
  const response = await request('/api/definitions', { method: 'POST', xml, headers: { 'X-Change-Note': encodeURIComponent(note) } });
  return (await response.json()) as DeployResult;
}

/** GET /api/definitions/:key — versions with their notes, archive state and log */
export async function getDefinition(key: string): Promise<DefinitionDetail> {
  const response = await request(`/api/definitions/${encodeURIComponent(key)}`);
  return (await response.json()) as DefinitionDetail;
}

/** PUT /api/definitions/:key/archived — 归档 (true) or 恢复 (false) */
export async function setDefinitionArchived(key: string, archived: boolean, note?: string): Promise<DefinitionDetail> {
  const response = await request(`/api/definitions/${encodeURIComponent(key)}/archived`, { method: 'PUT', json: { archived, ...(note?.trim() ? { note: note.trim() } : {}) } });
  return (await response.json()) as DefinitionDetail;
}

// ---------------------------------------------------------------- generic JSON calls

/**
 * Any documented JSON endpoint: `api.get<T>('/api/tasks')`, `api.post('/api/intake', body)`.
 * Non-2xx answers throw `ApiProblem` (show them with `<ApiErrorAlert>` / `toUserMessage`).
 * `headers` adds request headers (e.g. `Idempotency-Key`).
 */
async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, json?: unknown, headers?: Record<string, string>): Promise<T> {
  const response = await request(path, { method, json, headers });
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

export const api = {
  get: <T = unknown>(path: string) => call<T>('GET', path),
  post: <T = unknown>(path: string, json?: unknown, headers?: Record<string, string>) => call<T>('POST', path, json ?? {}, headers),
  put: <T = unknown>(path: string, json?: unknown) => call<T>('PUT', path, json ?? {}),
  patch: <T = unknown>(path: string, json?: unknown) => call<T>('PATCH', path, json ?? {}),
  delete: <T = unknown>(path: string) => call<T>('DELETE', path),
  /** text bodies (notices as HTML, BPMN XML) */
  text: async (path: string, accept = 'text/html, application/xml;q=0.9, */*;q=0.1') => (await request(path, { accept })).text(),
  /** binary downloads (spreadsheets): a Blob to save */
  blob: async (path: string, accept = '*/*') => (await request(path, { accept })).blob(),
};
