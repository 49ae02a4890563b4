#!/usr/bin/env node
/**
 * Project setup, run before `npm start` and `npm test` (idempotent: every step is skipped when
 * it is already done, and says how long it took when it ran):
 *
 *  1. Debian packages of the embedded database (PostgreSQL 15, its server headers, pg_cron,
 *     PostGIS, RUM, libbson, the Intel decimal library, …). As root they are installed with
 *     apt-get; otherwise setup stops with the exact `apt-get install` line to run.
 *  2. pgvector 0.8.0 and DocumentDB (FerretDB's fork, 0.107) built from their source archives
 *     (`../shared/vendor/`, or downloaded from the projects' release pages) after a sha256
 *     check, and installed into PostgreSQL 15 (needs root once).
 *  3. FerretDB v2.7.0 built from the Go module proxy.
 *  4. The browser app (modeler-ui) built with Vite when its sources are newer than the build.
 *
 * Builds go to a cache outside the clone (`$SERVICE_CENTRE_CACHE`, default
 * `~/.cache/service-centre/<versions>/`), so a second clone and CI reuse them. The data folder
 * and the running servers are the platform's business (engine/persistence/embedded-db.ts).
 * Recipe and the measurements behind it: README "Embedded database", shared DATABASE.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DB_VERSIONS, PG_BIN, PG_SHARE, PG_LIB, cacheDir, ferretdbBinaryPath } from './db-versions.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (m) => process.stdout.write(`[setup] ${m}\n`);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

class SetupError extends Error {}

/** Runs `fn`, logging what it does and how long it took. */
async function step(title, fn) {
  const t0 = Date.now();
  log(`${title}…`);
  await fn();
  log(`${title}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8', ...opts });
  if (r.error) throw new SetupError(`${cmd} could not be run: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = opts.quiet ? `\n${(r.stdout ?? '').slice(-2000)}${(r.stderr ?? '').slice(-2000)}` : '';
    throw new SetupError(`${[cmd, ...args].join(' ')} failed with exit code ${r.status}${tail}`);
  }
  return r.stdout ?? '';
}

// ---------------------------------------------------------------------------------------------
// 1. Debian packages

export const DEBIAN_PACKAGES = [
  'postgresql-15',
  'postgresql-server-dev-15',
  'postgresql-15-rum',
  'postgresql-15-cron',
  'postgresql-15-postgis-3',
  'libbson-dev',
  'libintelrdfpmath-dev',
  'libpcre2-dev',
  'libkrb5-dev',
  'pkg-config',
  'build-essential',
];

function missingPackages() {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...DEBIAN_PACKAGES], { encoding: 'utf8' });
  const installed = new Set(
    (r.stdout ?? '')
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(' ')[0]),
  );
  return DEBIAN_PACKAGES.filter((p) => !installed.has(p));
}

async function ensurePackages() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const line = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (!isRoot) throw new SetupError(`the embedded database needs Debian packages that are missing; run as root:\n  sudo sh -c '${line}'`);
  await step(`installing Debian packages: ${missing.join(' ')}`, () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', ['install', '-y', '-qq', ...missing], { env });
  });
}

// ---------------------------------------------------------------------------------------------
// 2. pgvector and DocumentDB

function sha256(file) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** The source archive, from ../shared/vendor when present, else downloaded; sha256-checked. */
async function sourceArchive(src) {
  const candidates = [
    process.env.SERVICE_CENTRE_VENDOR && path.join(process.env.SERVICE_CENTRE_VENDOR, src.file),
    path.join(ROOT, '..', 'shared', 'vendor', src.file),
    path.join(cacheDir(), 'downloads', src.file),
  ].filter(Boolean);
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    const sum = await sha256(c);
    if (sum === src.sha256) return c;
    log(`warning: ${c} has sha256 ${sum}, expected ${src.sha256}; not used`);
  }
  const dest = path.join(cacheDir(), 'downloads', src.file);
  mkdirSync(path.dirname(dest), { recursive: true });
  log(`downloading ${src.url}`);
  let res;
  try {
    res = await fetch(src.url, { redirect: 'follow' });
  } catch (err) {
    throw new SetupError(`cannot download ${src.url} (${err.message}); put ${src.file} (sha256 ${src.sha256}) into ${path.dirname(dest)} and run again`);
  }
  if (!res.ok) throw new SetupError(`cannot download ${src.url}: HTTP ${res.status}; put ${src.file} into ${path.dirname(dest)} and run again`);
  const buf = Buffer.from(await res.arrayBuffer());
  const sum = createHash('sha256').update(buf).digest('hex');
  if (sum !== src.sha256) throw new SetupError(`${src.url} has sha256 ${sum}, expected ${src.sha256}: refusing to build it`);
  writeFileSync(`${dest}.part`, buf);
  renameSync(`${dest}.part`, dest);
  return dest;
}

function extensionsInstalled() {
  const v = DB_VERSIONS;
  const control = path.join(PG_SHARE, 'extension', 'documentdb.control');
  if (!existsSync(control) || !readFileSync(control, 'utf8').includes(`default_version = '${v.documentdb.extensionVersion}'`)) return false;
  const vec = path.join(PG_SHARE, 'extension', 'vector.control');
  if (!existsSync(vec) || !readFileSync(vec, 'utf8').includes(`default_version = '${v.pgvector.version}'`)) return false;
  return ['pg_documentdb.so', 'pg_documentdb_core.so', 'vector.so'].every((f) => existsSync(path.join(PG_LIB, f)));
}

async function ensureExtensions() {
  if (extensionsInstalled()) return;
  if (!isRoot) {
    throw new SetupError(`DocumentDB and pgvector are not installed into PostgreSQL 15 (${PG_LIB}); installing them needs root once: sudo npm run setup`);
  }
  const work = path.join(cacheDir(), 'build');
  // Debian ships the Intel decimal library as libbidgcc000 without the pkg-config file DocumentDB asks for.
  const pc = path.join(work, 'pkgconfig');
  mkdirSync(pc, { recursive: true });
  writeFileSync(
    path.join(pc, 'intelmathlib.pc'),
    'Name: intelmathlib\nDescription: Intel decimal floating point (Debian libintelrdfpmath-dev)\nVersion: 2.0\nCflags: -I/usr/include\nLibs: -L/usr/lib/x86_64-linux-gnu -lbidgcc000\n',
  );
  const env = { ...process.env, PG_CONFIG: path.join(PG_BIN, 'pg_config'), PKG_CONFIG_PATH: [pc, process.env.PKG_CONFIG_PATH].filter(Boolean).join(':') };
  const jobs = `-j${Math.max(1, os.cpus().length)}`;

  for (const key of ['pgvector', 'documentdb']) {
    const src = DB_VERSIONS[key];
    await step(`building ${key} ${src.version} (first time only, about a minute)`, async () => {
      const archive = await sourceArchive(src);
      const dir = path.join(work, key);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      run('tar', ['xzf', archive, '-C', dir, '--strip-components=1']);
      if (key === 'pgvector') {
        run('make', [jobs, 'OPTFLAGS='], { cwd: dir, env, quiet: true });
        run('make', ['install'], { cwd: dir, env, quiet: true });
      } else {
        // Debian's libbson 1.23 lacks BSON_SUBTYPE_SENSITIVE (1.28); with_llvm=no skips JIT bitcode.
        const vars = ['with_llvm=no', 'COPT=-DBSON_SUBTYPE_SENSITIVE=0x08 -Wno-switch'];
        for (const sub of ['pg_documentdb_core', 'pg_documentdb']) {
          run('make', [jobs, ...vars], { cwd: path.join(dir, sub), env, quiet: true });
          run('make', ['install', ...vars], { cwd: path.join(dir, sub), env, quiet: true });
        }
      }
      rmSync(dir, { recursive: true, force: true });
    });
  }
  if (!extensionsInstalled()) throw new SetupError(`pgvector and DocumentDB were built, but their files are not in ${PG_SHARE}/extension and ${PG_LIB}`);
}

// ---------------------------------------------------------------------------------------------
// 3. FerretDB

function findGo() {
  for (const c of ['go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go']) {
    const r = spawnSync(c, ['version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  throw new SetupError('Go is needed once to build FerretDB, and was not found (looked for go, /usr/local/go/bin/go)');
}

function ferretOk() {
  const bin = ferretdbBinaryPath();
  if (!existsSync(bin)) return false;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && `${r.stdout}${r.stderr}`.includes(`version: ${DB_VERSIONS.ferretdb.version}`);
}

async function ensureFerret() {
  if (ferretOk()) return;
  const { version, module } = DB_VERSIONS.ferretdb;
  await step(`building FerretDB ${version} from the Go module proxy (first time only, a few minutes)`, () => {
    const go = findGo();
    const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
    const info = JSON.parse(run(go, ['mod', 'download', '-json', `${module}@${version}`], { env, cwd: ROOT, quiet: true }));
    if (info.Error) throw new SetupError(`go mod download ${module}@${version}: ${info.Error}`);
    // FerretDB embeds its version from build/version/version.txt, which the module zip lacks:
    // build from a writable copy with that file written (a plain `go install` panics at start).
    const src = path.join(cacheDir(), 'build', `ferretdb-${version}`);
    rmSync(src, { recursive: true, force: true });
    mkdirSync(path.dirname(src), { recursive: true });
    cpSync(info.Dir, src, { recursive: true });
    const makeWritable = (p) => {
      const dir = statSync(p).isDirectory();
      chmodSync(p, dir ? 0o755 : 0o644);
      if (dir) for (const e of readdirSync(p)) makeWritable(path.join(p, e));
    };
    makeWritable(src);
    writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${version}\n`);
    writeFileSync(path.join(src, 'build', 'version', 'package.txt'), 'service-centre-embedded\n');
    const bin = ferretdbBinaryPath();
    mkdirSync(path.dirname(bin), { recursive: true });
    run(go, ['build', '-trimpath', '-o', `${bin}.part`, './cmd/ferretdb'], { cwd: src, env });
    renameSync(`${bin}.part`, bin);
    rmSync(src, { recursive: true, force: true });
  });
  if (!ferretOk()) throw new SetupError(`FerretDB built but "${ferretdbBinaryPath()} --version" does not report ${version}`);
}

// ---------------------------------------------------------------------------------------------
// 4. Browser app

function newestMtime(dir) {
  let m = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return m;
}

async function ensureUi() {
  const ui = path.join(ROOT, 'modeler-ui');
  const out = path.join(ui, 'dist', 'index.html');
  if (!existsSync(path.join(ui, 'vite.config.mts'))) return;
  // the app bundles common/ (code the server shares with it) and reads the moddle descriptor
  const srcTime = Math.max(newestMtime(ui), newestMtime(path.join(ROOT, 'common')), statSync(path.join(ROOT, 'processes', 'moddle')).mtimeMs);
  if (existsSync(out) && statSync(out).mtimeMs >= srcTime) return;
  await step('building the browser app (modeler-ui) with Vite', () => {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'modeler-ui/vite.config.mts', '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  });
}

// ---------------------------------------------------------------------------------------------

const onlyUi = process.argv.includes('--ui-only');
try {
  // An external database needs none of the embedded one's parts.
  const external = process.env.MONGODB_URI || (process.argv.includes('--test') && process.env.TEST_MONGODB_URI);
  if (!onlyUi && !external) {
    await ensurePackages();
    await ensureExtensions();
    await ensureFerret();
  }
  await ensureUi();
} catch (err) {
  process.stderr.write(`[setup] failed: ${err.message}\n`);
  if (!(err instanceof SetupError)) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}
