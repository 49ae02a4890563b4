/**
 * A database of a test's own, for tests that stop PostgreSQL under a running platform
 * (database-outage, resend-after-outage): FerretDB 2 on PostgreSQL 15 + DocumentDB in a temporary
 * folder under `.test-data`, with PostgreSQL stopped and started by `pg_ctl`.
 *
 * `pg_ctl` runs synchronously (spawnSync) and blocks this process's event loop for a second or
 * more: `stopPostgres` / `startPostgres` then let the sockets the server closed meanwhile
 * (keep-alive timeout) be noticed before the next request, or fetch reuses one and fails with
 * "other side closed".
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedDb, type EmbeddedDb } from '../../engine/persistence/embedded-db';
import { ApiClient, waitFor } from './api';
import { ROOT } from './server';

export interface OwnDatabase {
  readonly db: EmbeddedDb;
  readonly dataDir: string;
  uriFor(name: string): string;
  /** Stops PostgreSQL (FerretDB stays up and answers errors). */
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** For afterEach: PostgreSQL running again whatever a failed case left. */
  ensurePostgresRunning(): void;
  /** For afterAll: PostgreSQL started if stopped, everything stopped, the folder removed. */
  close(): Promise<void>;
}

/** Lets closed keep-alive sockets be noticed after a blocking pg_ctl. */
export const settle = () => new Promise((res) => setTimeout(res, 100));

export async function startOwnDatabase(prefix: string): Promise<OwnDatabase> {
  mkdirSync(path.join(ROOT, '.test-data'), { recursive: true });
  const dataDir = mkdtempSync(path.join(ROOT, '.test-data', `${prefix}-`));
  const db = await startEmbeddedDb({ dataDir });
  const running = () => existsSync(path.join(dataDir, 'pg', 'postmaster.pid'));
  return {
    db,
    dataDir,
    uriFor: (name) => db.uriFor(name),
    async stopPostgres() {
      db.stopPostgres();
      await settle();
    },
    async startPostgres() {
      db.startPostgres();
      await settle();
    },
    ensurePostgresRunning() {
      if (!running()) db.startPostgres();
    },
    async close() {
      try {
        if (!running()) db.startPostgres();
      } catch {
        /* running */
      }
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the server answers /api/health 200 again (PostgreSQL back, no restart). */
export async function healthyAgain(client: ApiClient, what = 'health 200 after PostgreSQL is back', timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await client.get('/api/health')).status === 200, what, timeoutMs, 100);
}
