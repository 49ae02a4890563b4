/**
 * Starts one throw-away FerretDB for the whole run (data in .test-data/, deleted afterwards).
 * Test files isolate themselves by database name (see helpers/db.ts).
 */
import { mkdtempSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ferretdbBinary, startEmbeddedDb } from '../../engine/persistence/embedded-db';

export default async function globalSetup() {
  const root = path.resolve(__dirname, '..', '..');
  if (process.env.TEST_MONGODB_URI) {
    process.env.TEST_DB_BASE_URI = process.env.TEST_MONGODB_URI.replace(/\/[^/]*$/, '/');
    return;
  }
  mkdirSync(path.join(root, '.test-data'), { recursive: true });
  const dataDir = mkdtempSync(path.join(root, '.test-data', 'ferretdb-'));
  const db = await startEmbeddedDb({ binary: ferretdbBinary(root), dataDir });
  process.env.TEST_DB_BASE_URI = db.uri;
  process.env.TEST_DB_DATA_DIR = dataDir;
  (globalThis as any).__FERRETDB__ = db;
}
