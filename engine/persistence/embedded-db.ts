/**
 * Embedded database (内置数据库): FerretDB 2.7 over PostgreSQL 15 with the DocumentDB extension
 * (DESIGN.md §2), run from the platform's data folder when no MONGODB_URI is set. The parts are
 * built and installed by `scripts/setup.mjs` (versions in `scripts/embedded-db.json`).
 *
 * Data folder layout (`DATA_DIR`, default `<project>/.data`):
 *   pg/                the PostgreSQL cluster (owned by the `postgres` user when run as root:
 *                      PostgreSQL refuses to run as root)
 *   credentials.json   the generated PostgreSQL/FerretDB password (mode 0600)
 *   ferretdb-state/    FerretDB's state folder
 *   logs/              postgresql.log, ferretdb.log
 *   platform.pid       the process that runs them now; ferretdb.pid
 *
 * Both servers listen only on free loopback ports; FerretDB runs with authentication on (the
 * generated credential), telemetry off and its debug listener off. A platform killed with
 * SIGKILL leaves both running: the next start finds them by their pid files, stops them and
 * starts again — data is never deleted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import versions from '../../scripts/embedded-db.json';

export const FERRETDB_VERSION = versions.ferretdb.version;
export const PG_BIN = `/usr/lib/postgresql/${versions.postgresql.major}/bin`;

export interface EmbeddedDb {
  /** mongodb:// URI with credentials and no database name, e.g. `mongodb://postgres:…@127.0.0.1:40123/` */
  uri: string;
  /** The same URI for one database. */
  uriFor(dbName: string): string;
  port: number;
  pgPort: number;
  dataDir: string;
  /** Stops FerretDB, then PostgreSQL (fast shutdown: running transactions roll back). */
  stop(): Promise<void>;
  /** Stops only PostgreSQL (tests: a database outage under a running platform). */
  stopPostgres(): void;
  /** Starts PostgreSQL again on the same port. */
  startPostgres(): void;
}

/**
 * Where `scripts/setup.mjs` puts the FerretDB binary: the build cache outside the clone
 * (`$SERVICE_CENTRE_CACHE`, default `~/.cache/service-centre/<versions>/bin/ferretdb`; the same
 * rule as `scripts/db-versions.mjs`).
 */
export function ferretdbBinary(): string {
  const base = process.env.SERVICE_CENTRE_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'service-centre');
  const v = versions;
  return path.join(base, `pg${v.postgresql.major}-documentdb-${v.documentdb.version}-pgvector-${v.pgvector.version}-ferretdb-${v.ferretdb.version}`, 'bin', 'ferretdb');
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

/** A setup or start failure with one line saying what failed and what to do. */
export class EmbeddedDbError extends Error {}

function waitForPort(port: number, timeoutMs: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new EmbeddedDbError(`${what} exited with code ${child.exitCode} before listening`));
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new EmbeddedDbError(`${what} did not listen on port ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').split('\n')[0].trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

interface Credentials {
  user: string;
  password: string;
}

interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: as root the cluster belongs to Debian's `postgres` user. */
function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0) throw new EmbeddedDbError('running as root, but there is no "postgres" user to run PostgreSQL as: run "npm run setup" (it installs postgresql-15)');
  return { name: 'postgres', uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Runs a PostgreSQL tool as the server user. */
function pgTool(user: ServerUser | undefined, tool: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const bin = path.join(PG_BIN, tool);
  const [cmd, argv] = user ? ['runuser', ['-u', user.name, '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, ...env }, cwd: '/' });
  if (r.error) throw new EmbeddedDbError(`${tool} could not be run (${r.error.message}): run "npm run setup"`);
  return r;
}

function chownTo(user: ServerUser | undefined, p: string) {
  if (user) chownSync(p, user.uid, user.gid);
}

/** As root, the postgres user must be able to pass through every parent of the data folder. */
function ensureTraversable(user: ServerUser | undefined, dir: string) {
  if (!user) return;
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const st = statSync(d);
    const passable = st.uid === user.uid ? st.mode & 0o100 : st.gid === user.gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!passable) chmodSync(d, st.mode | 0o001); // search permission only: names cannot be listed
  }
}

const SETTINGS = (port: number, creds: Credentials) => `# Written by the service-centre platform at every start (engine/persistence/embedded-db.ts).
listen_addresses = '127.0.0.1'
port = ${port}
# DocumentDB runs some commands (drop, index builds, its background jobs) over a libpq connection
# to itself; with password authentication on, that connection needs the credential too.
documentdb.localhost_connection_string = 'host=127.0.0.1 user=${creds.user} password=${creds.password}'
unix_socket_directories = ''
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb'
cron.database_name = 'postgres'
# pg_cron runs DocumentDB's jobs (TTL deletes, index builds) in background workers: a libpq
# connection back to the server would need the password, and has none
cron.use_background_workers = on
max_worker_processes = 32
documentdb.enableBackgroundWorker = 'true'
documentdb.enableBackgroundWorkerJobs = 'true'
# Debian's pg_cron 1.4.2 cannot schedule "2 seconds" (CREATE EXTENSION documentdb fails without this)
documentdb.indexBuildScheduleInSec = 60
max_connections = 300
shared_buffers = ${process.env.EMBEDDED_PG_SHARED_BUFFERS ?? '512MB'}
logging_collector = off
`;

/** FerretDB 1.24's SQLite data (the first default) — found, never silently ignored or overwritten. */
export function legacyDataWarning(dataDir: string): string | undefined {
  for (const d of [dataDir, path.join(dataDir, 'ferretdb')]) {
    let files: string[] = [];
    try {
      files = readdirSync(d).filter((f) => f.endsWith('.sqlite'));
    } catch {
      continue;
    }
    if (files.length > 0) {
      return (
        `${d} holds FerretDB 1.24 SQLite data (${files.join(', ')}), the retired embedded database; it is not read and not changed. ` +
        `To move it: serve it with FerretDB 1.24 (git checkout 19afa8a && npm run setup && .tools/bin/ferretdb --handler=sqlite --sqlite-url=file:${d}/ --listen-addr=127.0.0.1:27018), ` +
        `then copy it across with "npm run db:copy -- mongodb://127.0.0.1:27018/${files[0].replace(/\.sqlite$/, '')} <the platform's URI, logged at start>"; then move ${d} away.`
      );
    }
  }
  return undefined;
}

export interface EmbeddedDbOptions {
  dataDir: string;
  /** FerretDB binary; default: where the setup script builds it. */
  binary?: string;
  logLevel?: string;
  /** Progress and warnings (one line each). */
  log?: (msg: string) => void;
}

/**
 * Starts PostgreSQL (initialising the cluster on first use) and FerretDB on free loopback ports
 * with their data in `dataDir`. Resolves once FerretDB accepts connections.
 * @throws EmbeddedDbError with one line saying what failed and what to do
 */
export async function startEmbeddedDb(opts: EmbeddedDbOptions): Promise<EmbeddedDb> {
  const log = opts.log ?? (() => {});
  const binary = opts.binary ?? ferretdbBinary();
  const dataDir = path.resolve(opts.dataDir);
  if (!existsSync(binary)) throw new EmbeddedDbError(`FerretDB ${FERRETDB_VERSION} is not built (${binary} is missing): run "npm run setup"`);
  if (!existsSync(path.join(PG_BIN, 'postgres'))) throw new EmbeddedDbError(`PostgreSQL ${versions.postgresql.major} is not installed (${PG_BIN}): run "npm run setup"`);
  const user = serverUser();
  mkdirSync(dataDir, { recursive: true });
  if (user) chmodSync(dataDir, statSync(dataDir).mode | 0o011);
  ensureTraversable(user, dataDir);
  const legacy = legacyDataWarning(dataDir);
  if (legacy) log(`warning: ${legacy}`);

  // One platform per data folder.
  const platformPid = path.join(dataDir, 'platform.pid');
  const other = readPid(platformPid);
  if (other && other !== process.pid && alive(other) && /node/.test(cmdline(other))) {
    throw new EmbeddedDbError(`another platform process (pid ${other}) is using the data folder ${dataDir}: stop it first, or set DATA_DIR to another folder`);
  }
  writeFileSync(platformPid, `${process.pid}\n`);

  const logs = path.join(dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  chownTo(user, logs);
  const pgData = path.join(dataDir, 'pg');

  // Left behind by a platform that was killed: stop them (never touching the data).
  const ferretPidFile = path.join(dataDir, 'ferretdb.pid');
  const oldFerret = readPid(ferretPidFile);
  if (oldFerret && alive(oldFerret) && /ferretdb/.test(cmdline(oldFerret))) {
    log(`stopping a FerretDB (pid ${oldFerret}) left running by an earlier start`);
    process.kill(oldFerret, 'SIGTERM');
    if (!(await waitGone(oldFerret, 5000))) process.kill(oldFerret, 'SIGKILL');
  }
  const pmPid = readPid(path.join(pgData, 'postmaster.pid'));
  if (pmPid && alive(pmPid)) {
    if (/postgres/.test(cmdline(pmPid))) {
      log(`stopping a PostgreSQL (pid ${pmPid}) left running on ${pgData} by an earlier start`);
      const r = pgTool(user, 'pg_ctl', ['stop', '-D', pgData, '-m', 'fast', '-w', '-t', '60']);
      if (r.status !== 0) throw new EmbeddedDbError(`a PostgreSQL (pid ${pmPid}) runs on ${pgData} and did not stop: ${r.stderr.trim()}; stop it by hand`);
    } else {
      // the pid was reused by an unrelated process: PostgreSQL would refuse to start
      log(`removing a stale postmaster.pid (pid ${pmPid} is not PostgreSQL now)`);
      renameSync(path.join(pgData, 'postmaster.pid'), path.join(pgData, 'postmaster.pid.stale'));
    }
  }

  // Credentials: generated once, kept with the data (0600).
  const credFile = path.join(dataDir, 'credentials.json');
  let creds: Credentials;
  if (existsSync(credFile)) {
    creds = JSON.parse(readFileSync(credFile, 'utf8')) as Credentials;
  } else {
    if (existsSync(path.join(pgData, 'PG_VERSION'))) throw new EmbeddedDbError(`${credFile} is missing but the cluster ${pgData} exists: restore the file from a backup`);
    creds = { user: 'postgres', password: randomBytes(24).toString('base64url') };
    writeFileSync(credFile, JSON.stringify(creds, null, 2), { mode: 0o600 });
  }
  chmodSync(credFile, 0o600);

  const fresh = !existsSync(path.join(pgData, 'PG_VERSION'));
  if (fresh) {
    const t0 = Date.now();
    // Initialised beside, renamed when complete: a kill mid-way leaves no half cluster at pg/.
    const tmp = `${pgData}.init`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { mode: 0o700 });
    chownTo(user, tmp);
    const pwfile = path.join(dataDir, '.pwfile');
    writeFileSync(pwfile, `${creds.password}\n`, { mode: 0o600 });
    chownTo(user, pwfile);
    try {
      const r = pgTool(user, 'initdb', ['-D', tmp, '-U', creds.user, '-E', 'UTF8', '--locale=C.UTF-8', '--auth=scram-sha-256', `--pwfile=${pwfile}`]);
      if (r.status !== 0) throw new EmbeddedDbError(`initdb failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
    } finally {
      rmSync(pwfile, { force: true });
    }
    const conf = path.join(tmp, 'postgresql.conf');
    writeFileSync(conf, `${readFileSync(conf, 'utf8')}\ninclude_if_exists = 'service-centre.conf'\n`);
    renameSync(tmp, pgData);
    log(`PostgreSQL cluster initialised in ${pgData} (${Date.now() - t0} ms)`);
  }

  const pgPort = await freePort();
  const pgConf = path.join(pgData, 'service-centre.conf');
  writeFileSync(pgConf, SETTINGS(pgPort, creds), { mode: 0o600 });
  chmodSync(pgConf, 0o600);
  chownTo(user, pgConf);
  const pgLog = path.join(logs, 'postgresql.log');
  if (!existsSync(pgLog)) {
    closeSync(openSync(pgLog, 'a'));
    chownTo(user, pgLog);
  }
  const startPg = () => {
    const r = pgTool(user, 'pg_ctl', ['start', '-D', pgData, '-w', '-t', '120', '-l', pgLog]);
    if (r.status !== 0) {
      const tail = readFileSync(pgLog, 'utf8').trim().split('\n').slice(-3).join(' | ');
      throw new EmbeddedDbError(`PostgreSQL did not start on ${pgData} (port ${pgPort}): ${tail || r.stderr.trim()}`);
    }
  };
  const stopPg = () => {
    pgTool(user, 'pg_ctl', ['stop', '-D', pgData, '-m', 'fast', '-w', '-t', '60']);
  };
  startPg();

  const psql = (sql: string) => {
    const r = spawnSync(path.join(PG_BIN, 'psql'), ['-h', '127.0.0.1', '-p', String(pgPort), '-U', creds.user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: creds.password, PGCONNECT_TIMEOUT: '10' },
    });
    if (r.status !== 0) throw new EmbeddedDbError(`PostgreSQL refused "${sql}": ${r.stderr.trim()}`);
    return r.stdout.trim();
  };
  try {
    psql('CREATE EXTENSION IF NOT EXISTS documentdb CASCADE');
  } catch (err) {
    stopPg();
    throw err;
  }

  const port = await freePort();
  const stateDir = path.join(dataDir, 'ferretdb-state');
  mkdirSync(stateDir, { recursive: true });
  const ferretLog = openSync(path.join(logs, 'ferretdb.log'), 'a');
  const pgUrl = `postgres://${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@127.0.0.1:${pgPort}/postgres`;
  const child = spawn(
    binary,
    [
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${stateDir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      `--log-level=${opts.logLevel ?? 'warn'}`,
    ],
    // the PostgreSQL URL (with the password) goes by environment, not argv, which every local user can read in ps
    { env: { ...process.env, FERRETDB_POSTGRESQL_URL: pgUrl, DO_NOT_TRACK: '1', FERRETDB_TELEMETRY: 'disable' }, stdio: ['ignore', ferretLog, ferretLog] },
  );
  closeSync(ferretLog);
  if (child.pid) writeFileSync(ferretPidFile, `${child.pid}\n`);
  try {
    await waitForPort(port, 30_000, child, 'FerretDB');
  } catch (err) {
    child.kill('SIGKILL');
    stopPg();
    const tail = readFileSync(path.join(logs, 'ferretdb.log'), 'utf8').trim().split('\n').slice(-3).join(' | ');
    throw new EmbeddedDbError(`${(err as Error).message}: ${tail}`);
  }

  const uri = `mongodb://${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/`;
  let stopped = false;
  return {
    uri,
    uriFor: (dbName) => `${uri}${dbName}?authSource=admin`,
    port,
    pgPort,
    dataDir,
    stopPostgres: stopPg,
    startPostgres: startPg,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(ferretPidFile, { force: true });
      stopPg();
      if (readPid(platformPid) === process.pid) rmSync(platformPid, { force: true });
    },
  };
}
