/**
 * Starts one throw-away embedded database for the whole run — PostgreSQL 15 + DocumentDB and
 * FerretDB 2, the product's own default, data in .test-data/ and deleted afterwards — or uses
 * TEST_MONGODB_URI. Test files isolate themselves by database name (helpers/server.ts
 * `uniqueDbName`), and each file's databases are dropped after it (setup/drop-databases.ts).
 */
import { mkdtempSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedDb } from '../../engine/persistence/embedded-db';

export default async function globalSetup() {
  const root = path.resolve(__dirname, '..', '..');
  if (process.env.TEST_MONGODB_URI) {
    const u = new URL(process.env.TEST_MONGODB_URI);
    u.pathname = '/{db}';
    process.env.TEST_DB_URI_TEMPLATE = u.toString().replace('%7Bdb%7D', '{db}');
    return;
  }
  mkdirSync(path.join(root, '.test-data'), { recursive: true });
  const dataDir = mkdtempSync(path.join(root, '.test-data', 'db-'));
  const t0 = Date.now();
  const db = await startEmbeddedDb({ dataDir, log: (m) => process.stdout.write(`[test db] ${m}\n`) });
  process.stdout.write(`\n[test db] FerretDB 2 on PostgreSQL + DocumentDB ready on 127.0.0.1:${db.port} in ${Date.now() - t0} ms\n`);
  process.env.TEST_DB_URI_TEMPLATE = db.uriFor('{db}');
  process.env.TEST_DB_DATA_DIR = dataDir;
  (globalThis as any).__EMBEDDED_DB__ = db;
}
