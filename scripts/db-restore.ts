/**
 * `npm run db:restore -- <backup folder>`: puts a backup made by `npm run db:backup` into an
 * empty data folder (DATA_DIR, default `.data`); the next `npm start` runs it. It refuses to
 * touch a data folder that already holds a cluster: nothing is overwritten or deleted.
 */
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

function fail(msg: string): never {
  process.stderr.write(`[db:restore] ${msg}\n`);
  process.exit(1);
}

export function restore(from: string, dataDir: string): void {
  if (!existsSync(path.join(from, 'pg', 'PG_VERSION')) || !existsSync(path.join(from, 'credentials.json'))) fail(`${from} is not a backup made by npm run db:backup`);
  if (existsSync(path.join(dataDir, 'pg'))) fail(`${dataDir}/pg exists: move it away first (restore never overwrites a cluster)`);
  mkdirSync(dataDir, { recursive: true });
  cpSync(path.join(from, 'pg'), path.join(dataDir, 'pg'), { recursive: true });
  cpSync(path.join(from, 'credentials.json'), path.join(dataDir, 'credentials.json'));
  chmodSync(path.join(dataDir, 'credentials.json'), 0o600);
  chmodSync(path.join(dataDir, 'pg'), 0o700);
  if (process.getuid?.() === 0) {
    // the cluster belongs to the postgres user (PostgreSQL refuses root)
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const own = (p: string) => {
      chownSync(p, uid, gid);
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) own(path.join(p, e));
    };
    own(path.join(dataDir, 'pg'));
  }
  process.stdout.write(`[db:restore] ${from} → ${dataDir}; start the platform to use it\n`);
}

if (require.main === module) {
  const from = process.argv[2];
  if (!from) fail('usage: npm run db:restore -- <backup folder>');
  restore(path.resolve(from), path.resolve(process.env.DATA_DIR ?? path.join(ROOT, '.data')));
}
