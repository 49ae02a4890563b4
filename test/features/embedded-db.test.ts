/**
 * The embedded database as `npm start` runs it: PostgreSQL 15 + DocumentDB under FerretDB 2,
 * in a data folder of its own. Each test here starts its own (the rest of the suite shares one).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startEmbeddedDb, type EmbeddedDb } from '../../engine/persistence/embedded-db';
import { ROOT } from '../helpers/server';

const dirs: string[] = [];
function dataDir(): string {
  mkdirSync(path.join(ROOT, '.test-data'), { recursive: true });
  const d = mkdtempSync(path.join(ROOT, '.test-data', 'edb-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the database in a child process that a test can SIGKILL. */
function holdInChild(dir: string): Promise<{ pid: number; uri: string; pgPort: number; exited: Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/hold-embedded-db.ts')], { cwd: ROOT, env: { ...process.env, DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      const line = buf.split('\n')[0];
      if (!buf.includes('\n')) return;
      const msg = JSON.parse(line);
      if (msg.ready) resolve({ pid: child.pid!, uri: msg.uri, pgPort: msg.pgPort, exited });
      else reject(new Error(msg.error));
    });
  });
}

describe('the embedded database (FerretDB 2 on PostgreSQL 15 + DocumentDB)', () => {
  it('starts in its data folder with a generated credential, and nobody gets in without it', async () => {
    const dir = dataDir();
    const db = await startEmbeddedDb({ dataDir: dir });
    try {
      const cred = path.join(dir, 'credentials.json');
      expect(statSync(cred).mode & 0o777).toBe(0o600);
      expect(existsSync(path.join(dir, 'pg', 'PG_VERSION'))).toBe(true);
      if (process.getuid?.() === 0) {
        // PostgreSQL refuses root: the cluster belongs to Debian's postgres user
        const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
        expect(statSync(path.join(dir, 'pg')).uid).toBe(uid);
      }
      const client = await MongoClient.connect(db.uriFor('fresh'));
      await client.db().collection('cases').insertOne({ _id: 'C1' as any, applicant: '欧阳·娜娜' });
      const info = await client.db().admin().command({ buildInfo: 1 });
      expect(info.ferretdb.version).toBe('v2.7.0');
      await client.close();

      const anonymous = await MongoClient.connect(`mongodb://127.0.0.1:${db.port}/fresh`);
      await expect(anonymous.db().collection('cases').findOne({})).rejects.toThrow(/authentication/i);
      await anonymous.close();
      await expect(MongoClient.connect(db.uriFor('fresh').replace(/:[^:@/]+@/, ':wrong@'), { serverSelectionTimeoutMS: 5000 })).rejects.toThrow(/Authentication failed/);
      // PostgreSQL listens on loopback only, and asks for the password too
      const psql = spawnSync('/usr/lib/postgresql/15/bin/psql', ['-h', '127.0.0.1', '-p', String(db.pgPort), '-U', 'postgres', '-w', '-c', 'select 1'], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: '' } });
      expect(psql.status).not.toBe(0);
      expect(psql.stderr).toMatch(/password/);
      // the password is in no process's command line (ps shows those to every local user)
      const { password } = JSON.parse(readFileSync(cred, 'utf8'));
      const ferretPid = readFileSync(path.join(dir, 'ferretdb.pid'), 'utf8').trim();
      expect(readFileSync(`/proc/${ferretPid}/cmdline`, 'utf8')).not.toContain(password);
    } finally {
      await db.stop();
    }
    expect(existsSync(path.join(dir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  it("runs DocumentDB's scheduled jobs: a TTL index removes expired documents within about a minute", async () => {
    const db = await startEmbeddedDb({ dataDir: dataDir() });
    try {
      const c = await MongoClient.connect(db.uriFor('ttl'));
      const coll = c.db().collection('idempotency_like');
      await coll.createIndex({ at: 1 }, { expireAfterSeconds: 1 });
      await coll.insertMany([{ _id: 'old' as any, at: new Date(Date.now() - 60_000) }, { _id: 'fresh' as any, at: new Date(Date.now() + 3_600_000) }]);
      const deadline = Date.now() + 90_000; // pg_cron runs the delete once a minute
      while ((await coll.countDocuments({})) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
      expect((await coll.find({}).toArray()).map((d) => d._id)).toEqual(['fresh']);
      await c.close();
    } finally {
      await db.stop();
    }
  }, 120_000);

  it('comes back after the platform was SIGKILLed, with every document, and refuses a second live platform', async () => {
    const dir = dataDir();
    const first = await holdInChild(dir);
    const c1 = await MongoClient.connect(first.uri);
    await c1.db().collection('cases').insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `C${i}` as any, phone: '13800138000' })));
    await c1.close();

    // a second platform on the same folder while the first lives: one clear line, nothing touched
    await expect(startEmbeddedDb({ dataDir: dir })).rejects.toThrow(/another platform process \(pid \d+\) is using the data folder/);

    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    const orphanPg = Number(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const orphanFerret = Number(readFileSync(path.join(dir, 'ferretdb.pid'), 'utf8').trim());
    expect(alive(orphanPg)).toBe(true); // left running by the killed platform
    expect(alive(orphanFerret)).toBe(true);

    const notes: string[] = [];
    const second = await startEmbeddedDb({ dataDir: dir, log: (m) => notes.push(m) });
    try {
      expect(notes.join('\n')).toMatch(/stopping a FerretDB .* left running/);
      expect(notes.join('\n')).toMatch(/stopping a PostgreSQL .* left running/);
      expect(alive(orphanFerret)).toBe(false);
      const c2 = await MongoClient.connect(second.uriFor('held'));
      expect(await c2.db().collection('cases').countDocuments({})).toBe(50);
      await c2.close();
    } finally {
      await second.stop();
    }
  });

  it('names the old FerretDB 1.24 SQLite data and leaves it as it was', async () => {
    const dir = dataDir();
    mkdirSync(path.join(dir, 'ferretdb'));
    const old = path.join(dir, 'ferretdb', 'service_centre.sqlite');
    writeFileSync(old, 'SQLite format 3\0');
    const notes: string[] = [];
    const db = await startEmbeddedDb({ dataDir: dir, log: (m) => notes.push(m) });
    await db.stop();
    expect(notes.join('\n')).toMatch(/warning: .*FerretDB 1\.24 SQLite data \(service_centre\.sqlite\).*npm run db:copy/);
    expect(readFileSync(old, 'utf8')).toBe('SQLite format 3\0');
  });

  it('is backed up while it runs and restored into a new folder (npm run db:backup / db:restore), and copied by db:copy', async () => {
    const dir = dataDir();
    const db = await startEmbeddedDb({ dataDir: dir });
    const backupDir = path.join(dataDir(), 'backup');
    try {
      const c = await MongoClient.connect(db.uriFor('service_centre'));
      await c.db().collection('cases').createIndex({ town: 1, status: 1 });
      await c.db().collection('cases').insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: `2026-${i}` as any, town: i % 2 ? 'dingbao' : 'dongzhen', status: 'open' })));
      await c.close();
      const b = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/db-backup.ts', backupDir], { cwd: ROOT, env: { ...process.env, DATA_DIR: dir }, encoding: 'utf8' });
      expect(b.stderr).toBe('');
      expect(b.status).toBe(0);

      // db:copy into another database on the same server, indexes included
      const copy = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/db-copy.ts', db.uriFor('service_centre'), db.uriFor('copied')], { cwd: ROOT, encoding: 'utf8' });
      expect(copy.status).toBe(0);
      expect(copy.stdout).toMatch(/cases: 500 documents, 1 indexes/);
    } finally {
      await db.stop();
    }
    const target = dataDir();
    const refused = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/db-restore.ts', backupDir], { cwd: ROOT, env: { ...process.env, DATA_DIR: dir }, encoding: 'utf8' });
    expect(refused.status).toBe(1); // never over an existing cluster
    expect(refused.stderr).toMatch(/exists: move it away first/);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/db-restore.ts', backupDir], { cwd: ROOT, env: { ...process.env, DATA_DIR: target }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const restored = await startEmbeddedDb({ dataDir: target });
    try {
      const c = await MongoClient.connect(restored.uriFor('service_centre'));
      expect(await c.db().collection('cases').countDocuments({ town: 'dingbao' })).toBe(250);
      expect((await c.db().collection('cases').listIndexes().toArray()).map((i) => i.name)).toContain('town_1_status_1');
      await c.close();
    } finally {
      await restored.stop();
    }
  });
});
