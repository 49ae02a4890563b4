/**
 * Starts real server processes (`api/main.ts`, `workers/main.ts`) against the test FerretDB,
 * the way production runs them. Tests talk to them over real HTTP and may SIGKILL them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Databases made by this test file; dropped after it (test/setup/drop-databases.ts). */
export const createdDatabases: string[] = [];

/** A database name unique to one test file (and run), so files never share data. */
export function uniqueDbName(prefix: string): string {
  const name = `t_${prefix.replace(/[^A-Za-z0-9]/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  createdDatabases.push(name);
  return name;
}

/** The test server's URI for one database (credentials included). */
export function dbUri(dbName: string): string {
  const template = process.env.TEST_DB_URI_TEMPLATE;
  if (!template) throw new Error('TEST_DB_URI_TEMPLATE is not set: the jest global setup did not run');
  return template.replace('{db}', dbName);
}

export interface RunningProcess {
  child: ChildProcess;
  url: string;
  logs: string[];
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Waits until a log line matching `pred` appears. */
  waitForLog(pred: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
}

function launch(entry: string, env: Record<string, string>, readyMsg: string): Promise<RunningProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const parsed: Record<string, any>[] = [];
  const waiters: { pred: (l: Record<string, any>) => boolean; resolve: (l: Record<string, any>) => void }[] = [];
  let buf = '';
  const onLine = (line: string) => {
    logs.push(line);
    let obj: Record<string, any> | undefined;
    try {
      obj = JSON.parse(line);
    } catch {
      return;
    }
    parsed.push(obj!);
    for (const w of [...waiters]) {
      if (w.pred(obj!)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(obj!);
      }
    }
  };
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.stderr!.on('data', (b: Buffer) => logs.push(b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const proc: RunningProcess = {
    child,
    url: '',
    logs,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
    waitForLog(pred, timeoutMs = 30_000) {
      const found = parsed.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`log line not seen within ${timeoutMs} ms; last logs:\n${logs.slice(-15).join('\n')}`)), timeoutMs);
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
  return new Promise((resolve, reject) => {
    const failed = () => reject(new Error(`${entry} exited before it was ready:\n${logs.slice(-20).join('\n')}`));
    child.once('exit', failed);
    proc
      // A busy machine (several suites and builds at once) can take over a minute to start a server;
      // TEST_SERVER_START_MS raises the limit without touching the tests.
      .waitForLog((l) => l.msg === readyMsg, Number(process.env.TEST_SERVER_START_MS) || 120_000)
      .then((l) => {
        child.off('exit', failed);
        if (l.port) proc.url = `http://127.0.0.1:${l.port}`;
        resolve(proc);
      }, reject);
  });
}

/** Starts `api/main.ts` (with in-process workers unless `RUN_WORKERS: 'false'`) on a free port. */
export function startServer(dbName: string, env: Record<string, string> = {}): Promise<RunningProcess> {
  return launch('api/main.ts', { PORT: '0', MONGODB_URI: dbUri(dbName), ...env }, 'listening');
}

/** Starts a worker-only process (`workers/main.ts`). */
export function startWorker(dbName: string, env: Record<string, string> = {}): Promise<RunningProcess> {
  return launch('workers/main.ts', { MONGODB_URI: dbUri(dbName), ...env }, 'worker started');
}
