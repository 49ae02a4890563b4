/**
 * The one dependency rule (ARCHITECTURE.md), checked on the source text: common/ is pure and
 * imports nothing but common/ (no Node built-ins, no packages, no engine/api/workers/modeler-ui),
 * and the browser app reaches the server's code only through common/ (and the data both read in
 * processes/: diagrams, the moddle descriptor) — never engine/, api/ or workers/ — so nothing of
 * the server (mongoose, node:crypto …) can be bundled into it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/server';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sources(p);
    return /\.(ts|tsx|mts)$/.test(name) ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gm)) found.push(m[1]);
  for (const m of text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) found.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]);
  return found;
}

describe('the one dependency rule', () => {
  it('common/ imports only common/', () => {
    const files = sources(path.join(ROOT, 'common'));
    expect(files.length).toBeGreaterThan(0);
    const outside = files.flatMap((f) =>
      imports(f)
        .filter((spec) => !spec.startsWith('.') || !path.resolve(path.dirname(f), spec).startsWith(path.join(ROOT, 'common') + path.sep))
        .map((spec) => `${path.relative(ROOT, f)} imports ${spec}`),
    );
    expect(outside).toEqual([]);
  });

  it('the browser app imports no server code: only common/ and processes/ outside modeler-ui', () => {
    const ui = path.join(ROOT, 'modeler-ui');
    const files = sources(path.join(ui, 'src'));
    expect(files.length).toBeGreaterThan(20);
    const server = files.flatMap((f) =>
      imports(f)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => path.resolve(path.dirname(f), spec))
        .filter((target) => ![ui, path.join(ROOT, 'common'), path.join(ROOT, 'processes')].some((dir) => target.startsWith(dir + path.sep)))
        .map((target) => `${path.relative(ROOT, f)} imports ${path.relative(ROOT, target)}`),
    );
    expect(server).toEqual([]);
  });

  it('api/ and workers/ reach the engine only through its one door, engine/index.ts', () => {
    const engine = path.join(ROOT, 'engine');
    const files = [...sources(path.join(ROOT, 'api')), ...sources(path.join(ROOT, 'workers'))].filter((f) => !f.includes(`${path.sep}__tests__${path.sep}`));
    expect(files.length).toBeGreaterThan(15);
    const bypass = files.flatMap((f) =>
      imports(f)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => path.resolve(path.dirname(f), spec))
        .filter((target) => target.startsWith(engine + path.sep) && target !== path.join(engine, 'index'))
        .map((target) => `${path.relative(ROOT, f)} imports ${path.relative(ROOT, target)}`),
    );
    expect(bypass).toEqual([]);
  });

  it('no import cycles among the server modules (engine/, api/, workers/, common/), type imports included', () => {
    const files = ['engine', 'api', 'workers', 'common'].flatMap((d) => sources(path.join(ROOT, d))).filter((f) => !f.includes(`${path.sep}__tests__${path.sep}`));
    const known = new Set(files);
    const resolve = (from: string, spec: string) => [`${path.resolve(path.dirname(from), spec)}.ts`, path.join(path.resolve(path.dirname(from), spec), 'index.ts')].find((f) => known.has(f));
    const edges = new Map(files.map((f) => [f, imports(f).filter((s) => s.startsWith('.')).map((s) => resolve(f, s)).filter((x): x is string => !!x)]));
    // Tarjan's strongly connected components: every component of more than one module is a cycle
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    let next = 0;
    const visit = (v: string) => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      onStack.add(v);
      for (const w of edges.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(path.relative(ROOT, w));
        } while (w !== v);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const f of files) if (!index.has(f)) visit(f);
    expect(files.length).toBeGreaterThan(100);
    expect(cycles).toEqual([]);
  });
});
