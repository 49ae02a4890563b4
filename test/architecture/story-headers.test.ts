/**
 * Every feature test tells a story, and says which at its top (issue 14): a file under
 * test/features/ opens with a doc comment — `/** … *\/` before any import — of at least a
 * sentence, so a newcomer reads what the file proves before reading how.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/server';

/** The story a file opens with (its leading doc comment, stars stripped), or undefined. */
function leadingStory(text: string): string | undefined {
  const m = /^\uFEFF?\s*\/\*\*([\s\S]*?)\*\//.exec(text);
  if (!m) return undefined;
  return m[1].replace(/^\s*\*[ \t]?/gm, '').trim();
}

/** Shortest story that counts: one sentence, not a placeholder. */
const MIN_STORY_CHARS = 60;

describe('every feature test opens with the story it tells', () => {
  const dir = path.join(ROOT, 'test', 'features');
  const files = readdirSync(dir).filter((f) => f.endsWith('.test.ts'));

  it('finds the feature tests', () => {
    expect(files.length).toBeGreaterThan(40);
  });

  it('each test/features/*.test.ts starts with a /** … */ comment of at least a sentence', () => {
    const missing = files.filter((f) => (leadingStory(readFileSync(path.join(dir, f), 'utf8')) ?? '').length < MIN_STORY_CHARS);
    expect(missing).toEqual([]);
  });

  it('tells a header from what is not one', () => {
    expect(leadingStory('/**\n * A clerk takes in a case and the town approves it within its limit.\n */\nimport x from "y";')).toBe('A clerk takes in a case and the town approves it within its limit.');
    expect(leadingStory('import x from "y";\n/** later */')).toBeUndefined();
    expect(leadingStory('// a line comment\n/** not first */')).toBeUndefined();
    expect(leadingStory('/* a plain block comment */')).toBeUndefined();
  });
});
