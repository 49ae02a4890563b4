/**
 * Parsed definitions, once per deployed version (issue 11: a timer firing cost ~35–40 ms of the
 * Node thread, most of it turning the definition into something the engine can run again).
 *
 * bpmn-engine runs a definition from its serialized moddle context (moddle-context-serializer's
 * `ContextApi`). Given diagram XML it parses it with bpmn-moddle and serializes the context on
 * every `new Engine`; given a saved state that carries the context inline (`definitions[].source`,
 * ~27 KB of JSON) it `JSON.parse`s and deserializes it on every `recover`, and `getState()`
 * `JSON.stringify`s it again. The context never changes for a deployed version, and bpmn-engine
 * takes a ready one (`new Engine({ sourceContext })`, used by `recover` for a state without
 * `source` — the pattern its author gives for small states, paed01/bpmn-engine#137). So it is built
 * here once per version — from the serialized context stored on the definition (`sourceContext`,
 * what every saved state of the version was run with) or, for a version that has none yet, from
 * its XML — and handed to every engine of that version. Nothing in bpmn-elements writes to it:
 * each engine makes its own element instances from it (`Context.upsertActivity`), and an
 * activity copies its behaviour (`{ ...behaviour }`) before extensions change it.
 *
 * Its `serialize()` returns the stored text instead of stringifying again, so `getState()` costs
 * nothing for it and `runEngine` can tell it from an inline context by identity and drop it.
 *
 * Bounded: the least recently used versions are dropped beyond `max` (a city deploys a few
 * hundred versions over years; a context is a few hundred KB of objects).
 */
import { createRequire } from 'node:module';
import { templateEngine } from './engine-factory';

// moddle-context-serializer is bpmn-engine's own dependency: taken from where bpmn-engine loads it,
// so the contexts built here are of the very classes the engine deserializes with
const fromEngine = createRequire(require.resolve('bpmn-engine'));
const { deserialize } = fromEngine('moddle-context-serializer') as { deserialize: (ctx: unknown, typeResolver: unknown) => any };

/** A definition version's context, ready for `new Engine({ sourceContext })`. */
export interface DefinitionContext {
  /** moddle-context-serializer's ContextApi (shared, read-only for the engines). */
  readonly context: any;
  /** Its serialized form: what `getState()` reports as the definition's `source`, and what is stored on the definition. */
  readonly serialized: string;
  /** The definition's id in the diagram (`bpmn:definitions` `id`), as in saved states. */
  readonly id: string;
}

/** Where a context is built from: the stored serialized context when there is one, else the XML. */
export interface DefinitionSource {
  sourceContext?: string | null;
  xml?: string | null;
}

async function build(source: DefinitionSource): Promise<DefinitionContext> {
  const engine: any = templateEngine();
  let context: any;
  let serialized: string;
  if (typeof source.sourceContext === 'string' && source.sourceContext) {
    serialized = source.sourceContext;
    context = deserialize(JSON.parse(serialized), engine[Symbol.for('type resolver')]);
  } else if (typeof source.xml === 'string' && source.xml) {
    // the engine's own parse and serialization (bpmn-moddle with the platform's moddle options)
    context = await engine._serializeSource(source.xml);
    serialized = context.serialize();
  } else {
    throw new Error('a definition context needs the stored sourceContext or the XML');
  }
  // getState() serializes the context of every definition: the stored text, not a new stringify
  Object.defineProperty(context, 'serialize', { value: () => serialized, enumerable: false });
  return { context, serialized, id: String(context.id) };
}

export class DefinitionContexts {
  private readonly entries = new Map<string, Promise<DefinitionContext>>();

  constructor(private readonly max = 200) {}

  /**
   * The context of definition version `key` (the definition's `_id`), built on first use.
   * Concurrent first uses share one build; a failed build is not kept.
   */
  get(key: string, source: DefinitionSource): Promise<DefinitionContext> {
    const hit = this.entries.get(key);
    if (hit) {
      // most recently used last
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const p = build(source);
    this.entries.set(key, p);
    p.then(
      () => {
        while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
      },
      () => {
        if (this.entries.get(key) === p) this.entries.delete(key);
      },
    );
    return p;
  }

  /** Number of versions held (tests). */
  get size(): number {
    return this.entries.size;
  }
}
