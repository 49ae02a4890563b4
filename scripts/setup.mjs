#!/usr/bin/env node
/**
 * Project setup, run before `npm start` and `npm test` (idempotent, skips what is done):
 *  1. builds FerretDB v1.24.2 (the embedded MongoDB-wire database) into .tools/bin with Go;
 *  2. builds the browser app (modeler-ui) with Vite when its sources are newer than the build.
 *
 * Why not plain `go install …@v1.24.2`: a binary built that way panics at start-up
 * ("Invalid build/version/version.txt file content"), because FerretDB embeds its version from
 * a generated file that the module zip does not contain. So we copy the module source from
 * the Go module cache, write that file, and `go build` the official cmd/ferretdb from it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, statSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';
const BIN = path.join(ROOT, '.tools', 'bin', 'ferretdb');
const log = (m) => process.stdout.write(`[setup] ${m}\n`);

function findGo() {
  for (const c of ['go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go']) {
    const r = spawnSync(c, ['version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  throw new Error('Go is needed once to build the embedded FerretDB, and was not found (looked for go, /usr/local/go/bin/go)');
}

function ferretOk() {
  if (!existsSync(BIN)) return false;
  const r = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes(`version: ${VERSION}`);
}

function buildFerret() {
  const go = findGo();
  const t0 = Date.now();
  log(`building FerretDB ${VERSION} with ${execFileSync(go, ['version'], { encoding: 'utf8' }).trim()} (first time only, a few minutes)…`);
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
  const info = JSON.parse(execFileSync(go, ['mod', 'download', '-json', `${MODULE}@${VERSION}`], { encoding: 'utf8', env, cwd: ROOT }));
  const src = path.join(ROOT, '.tools', 'src', `ferretdb-${VERSION}`);
  rmSync(src, { recursive: true, force: true });
  mkdirSync(path.dirname(src), { recursive: true });
  cpSync(info.Dir, src, { recursive: true });
  const makeWritable = (p) => {
    chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) makeWritable(path.join(p, e));
  };
  makeWritable(src);
  writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${VERSION}\n`);
  writeFileSync(path.join(src, 'build', 'version', 'package.txt'), 'service-centre-embedded\n');
  mkdirSync(path.dirname(BIN), { recursive: true });
  execFileSync(go, ['build', '-trimpath', '-o', BIN, './cmd/ferretdb'], { cwd: src, env, stdio: 'inherit' });
  rmSync(src, { recursive: true, force: true });
  if (!ferretOk()) throw new Error(`FerretDB built but "${BIN} --version" does not report ${VERSION}`);
  log(`FerretDB ${VERSION} built in ${((Date.now() - t0) / 1000).toFixed(0)} s → ${path.relative(ROOT, BIN)}`);
}

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

function buildUi() {
  const ui = path.join(ROOT, 'modeler-ui');
  const out = path.join(ui, 'dist', 'index.html');
  if (!existsSync(path.join(ui, 'vite.config.mts'))) return;
  const srcTime = Math.max(newestMtime(ui), statSync(path.join(ROOT, 'processes', 'moddle')).mtimeMs);
  if (existsSync(out) && statSync(out).mtimeMs >= srcTime) return;
  log('building the browser app (modeler-ui) with Vite…');
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'modeler-ui/vite.config.mts', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

try {
  if (!ferretOk()) buildFerret();
  buildUi();
} catch (err) {
  process.stderr.write(`[setup] failed: ${err.message}\n`);
  process.exit(1);
}
