/**
 * `npm run db:backup -- <folder>`: a physical backup of the embedded database (pg_basebackup of
 * the PostgreSQL cluster, WAL streamed, so it is consistent while the platform runs) plus the
 * generated credential it needs. `npm run db:restore -- <folder>` puts it back. DATA_DIR as for
 * `npm start` (default `.data`). On an external database use its own tools (pg_basebackup on
 * the PostgreSQL under FerretDB, or mongodump for MongoDB): README "Production".
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PG_BIN, startEmbeddedDb, type EmbeddedDb } from '../engine/persistence/embedded-db';

const ROOT = path.resolve(__dirname, '..');

function fail(msg: string): never {
  process.stderr.write(`[db:backup] ${msg}\n`);
  process.exit(1);
}

/** The port of a PostgreSQL running on the cluster (postmaster.pid line 4), if it runs. */
function runningPort(pgData: string): number | undefined {
  try {
    const lines = readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n');
    process.kill(Number(lines[0]), 0);
    return Number(lines[3]);
  } catch {
    return undefined;
  }
}

export async function backup(dataDir: string, out: string): Promise<void> {
  const credFile = path.join(dataDir, 'credentials.json');
  if (!existsSync(path.join(dataDir, 'pg', 'PG_VERSION')) || !existsSync(credFile)) fail(`${dataDir} holds no embedded database (pg/ and credentials.json)`);
  if (existsSync(out) && readdirSync(out).length > 0) fail(`${out} is not empty: choose a new folder`);
  mkdirSync(out, { recursive: true });
  const creds = JSON.parse(readFileSync(credFile, 'utf8')) as { user: string; password: string };
  let started: EmbeddedDb | undefined;
  let port = runningPort(path.join(dataDir, 'pg'));
  if (!port) {
    started = await startEmbeddedDb({ dataDir });
    port = started.pgPort;
  }
  try {
    const t0 = Date.now();
    const r = spawnSync(path.join(PG_BIN, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(port), '-U', creds.user, '-D', path.join(out, 'pg'), '-Fp', '-X', 'stream', '-c', 'fast', '--no-password'], {
      env: { ...process.env, PGPASSWORD: creds.password },
      encoding: 'utf8',
    });
    if (r.status !== 0) fail(`pg_basebackup failed: ${r.stderr.trim()}`);
    copyFileSync(credFile, path.join(out, 'credentials.json'));
    process.stdout.write(`[db:backup] ${dataDir} → ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } finally {
    await started?.stop();
  }
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) fail('usage: npm run db:backup -- <new folder>');
  const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(ROOT, '.data'));
  backup(dataDir, path.resolve(out)).catch((err) => fail(err.message));
}
