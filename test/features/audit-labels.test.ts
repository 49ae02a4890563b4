/**
 * Every audit event type the server can write has a Chinese label on the case page (办理过程),
 * and every reason the system writes by itself reads in Chinese (issue 13: the history showed the
 * raw code `case.decision-undone` with "：interrupted").
 *
 * The event types are read from the engine's source, not listed by hand: the type argument of every
 * `audit.append(…)` / `appendNow(…)` — a literal, a choice between literals, or a dynamic one
 * expanded from the values its code can take (`task.${type}` from the `this.log(t, '<type>'` calls
 * beside it, `clock.${rung}` from RUNGS, `escalation.${to}` from the `transition(…, '<to>'` calls,
 * `${t.kind}.completed` from the feedback kinds). A new event type without a label — or a type
 * argument this test cannot read — fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { RUNGS } from '../../engine/supervision/clock-ledger';
import { en, zh } from '../../modeler-ui/src/areas/workbench/messages';
import { SYSTEM_REASONS } from '../../modeler-ui/src/areas/workbench/audit-text';
import { ROOT } from '../helpers/server';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === '__tests__' || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** The quoted first values of `pattern` (a regex with one capture group) in `text`. */
const all = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m[1]!);

interface Written { type: string; file: string }

/** The arguments of the call whose `(` is at `open` (top-level commas; strings and templates skipped whole). */
function callArgs(text: string, open: number): string[] {
  const args: string[] = [];
  let cur = '';
  let depth = 0;
  let quote: string | null = null;
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      cur += ch;
      if (ch === '\\') cur += text[++i] ?? '';
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) {
      if (depth === 0) break;
      depth--;
    } else if (ch === ',' && depth === 0) {
      args.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) args.push(cur.trim());
  return args;
}

/** Event types and system reasons the engine writes to a case's audit chain. */
function writtenByEngine(): { types: Written[]; unknown: string[]; reasons: string[] } {
  const types: Written[] = [];
  const unknown: string[] = [];
  const reasons: string[] = [];
  for (const file of sources(path.join(ROOT, 'engine'))) {
    const text = readFileSync(file, 'utf8');
    const rel = path.relative(ROOT, file);
    for (const m of text.matchAll(/\baudit\.(?:append|appendNow)\(/g)) {
      const [, type = '', actor, data] = callArgs(text, m.index! + m[0].length - 1);
      const literal = /^'([^']+)'$/.exec(type);
      const template = /^`([^`]+)`$/.exec(type);
      let found: string[] = [];
      if (literal) found = [literal[1]!];
      else if (template) {
        const raw = template[1]!;
        if (raw === 'task.${type}') found = all(text, /this\.log\(\s*t,\s*'([a-z-]+)'/g).map((x) => `task.${x}`);
        else if (raw === 'clock.${rung}') found = RUNGS.map((r) => `clock.${r}`);
        else if (raw === 'escalation.${to}') found = all(text, /this\.transition\(\s*id,\s*\[[^\]]*\],\s*'([a-z-]+)'/g).map((x) => `escalation.${x}`);
        else if (raw === '${t.kind}.completed') found = ['rectification', 'follow-up'].map((k) => `${k}.completed`);
      } else if (type.includes('?')) {
        // a choice between literals: rung === 'breach' ? 'escalation.opened' : 'escalation.serious'
        found = all(type, /'([a-z-]+\.[a-z.-]+)'/g);
      }
      if (!found.length) unknown.push(`${rel}: ${type}`);
      types.push(...found.map((t) => ({ type: t, file: rel })));
      // a reason the system writes on its own (no person typed it)
      if (actor === "'system'" && data) for (const r of all(data, /\breason:\s*'([^']+)'/g)) reasons.push(r);
    }
  }
  return { types, unknown, reasons };
}

describe('the case history names every audit event in Chinese', () => {
  const { types, unknown, reasons } = writtenByEngine();

  it('finds the engine\'s audit events (the scan works)', () => {
    const names = new Set(types.map((t) => t.type));
    // a few that must be there: if the scan broke, these go missing first
    for (const t of ['case.received', 'case.accepted', 'case.decision-undone', 'task.claimed', 'task.urged', 'clock.breach', 'escalation.opened', 'escalation.serious', 'escalation.closed', 'follow-up.completed']) expect(names).toContain(t);
    expect(names.size).toBeGreaterThan(40);
  });

  it('knows every event type argument (a new dynamic form needs its expansion here)', () => {
    expect(unknown).toEqual([]);
  });

  it('has a Chinese and an English label for each', () => {
    const key = (type: string) => type.replace(/\./g, '_');
    const missingZh = [...new Set(types.filter((t) => !(key(t.type) in zh.audit)).map((t) => `${t.type} (${t.file})`))];
    const missingEn = [...new Set(types.filter((t) => !(key(t.type) in en.audit)).map((t) => `${t.type} (${t.file})`))];
    expect(missingZh).toEqual([]);
    expect(missingEn).toEqual([]);
    // the Chinese label is Chinese (not the code again)
    for (const t of types) expect((zh.audit as Record<string, string>)[key(t.type)]).toMatch(/[\u4e00-\u9fff]/);
  });

  it('reads the reasons the system writes by itself in Chinese', () => {
    expect(reasons).toEqual(expect.arrayContaining(['interrupted', 'intake interrupted']));
    for (const r of reasons.filter((x) => !/[\u4e00-\u9fff]/.test(x))) expect([r, SYSTEM_REASONS[r]]).toEqual([r, expect.stringMatching(/[\u4e00-\u9fff]/)]);
  });
});
