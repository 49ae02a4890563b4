import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const db = (globalThis as any).__EMBEDDED_DB__;
  if (db) await db.stop();
  if (process.env.TEST_DB_DATA_DIR) rmSync(process.env.TEST_DB_DATA_DIR, { recursive: true, force: true });
}
