/**
 * Versions of the embedded database's parts (embedded-db.json, also read by
 * engine/persistence/embedded-db.ts, which runs them) and where the setup script builds them.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DB_VERSIONS = JSON.parse(readFileSync(new URL('./embedded-db.json', import.meta.url), 'utf8'));

export const PG_BIN = `/usr/lib/postgresql/${DB_VERSIONS.postgresql.major}/bin`;
export const PG_LIB = `/usr/lib/postgresql/${DB_VERSIONS.postgresql.major}/lib`;
export const PG_SHARE = `/usr/share/postgresql/${DB_VERSIONS.postgresql.major}`;

/** Build cache outside the clone, one folder per set of versions. */
export function cacheDir() {
  const base = process.env.SERVICE_CENTRE_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'service-centre');
  const v = DB_VERSIONS;
  return path.join(base, `pg${v.postgresql.major}-documentdb-${v.documentdb.version}-pgvector-${v.pgvector.version}-ferretdb-${v.ferretdb.version}`);
}

export function ferretdbBinaryPath() {
  return path.join(cacheDir(), 'bin', 'ferretdb');
}
