/**
 * Embedded database (内置数据库): FerretDB v1.24.2 with its SQLite backend, a real
 * MongoDB-wire-protocol server, started on a free loopback port when no MONGODB_URI is set
 * (DESIGN.md §2). The binary is built by `scripts/setup.mjs` into `.tools/bin/ferretdb`.
 *
 * Telemetry is disabled and the debug listener is off, so nothing calls out and several
 * instances can run side by side (ENGINE-NOTES.md, "FerretDB v1.24.2").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface EmbeddedDb {
  /** mongodb:// URI without a database name, e.g. `mongodb://127.0.0.1:40123/` */
  uri: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export const FERRETDB_VERSION = 'v1.24.2';

/** Default location of the FerretDB binary built by the project's setup script. */
export function ferretdbBinary(projectRoot: string): string {
  return path.join(projectRoot, '.tools', 'bin', 'ferretdb');
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`FerretDB exited with code ${child.exitCode} before listening`));
        return;
      }
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`FerretDB did not listen on port ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * Starts FerretDB with its data in `dataDir` (created if missing) on `port` (a free one if
 * omitted). Resolves once the server accepts connections.
 */
export async function startEmbeddedDb(opts: { binary: string; dataDir: string; port?: number; logLevel?: string }): Promise<EmbeddedDb> {
  if (!existsSync(opts.binary)) {
    throw new Error(`FerretDB binary not found at ${opts.binary}: run "npm run setup" first`);
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const child = spawn(
    opts.binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${opts.dataDir.endsWith('/') ? opts.dataDir : opts.dataDir + '/'}`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${opts.dataDir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      `--log-level=${opts.logLevel ?? 'warn'}`,
    ],
    { env: { ...process.env, DO_NOT_TRACK: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  try {
    await waitForPort(port, 20_000, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
