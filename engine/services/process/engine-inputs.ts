/**
 * What a command hands the engine besides the state (issue 11): the definition version's cached
 * context (engine/runtime/definition-cache.ts — no command parses XML or deserializes the 27 KB
 * context again) and the timers' clock with the working-day step deadlines of the instance's
 * centre (engine/runtime/platform-timers.ts, engine/supervision/step-deadlines.ts).
 */
import type { DefinitionContext } from '../../runtime/definition-cache';
import type { TimerClock } from '../../runtime/platform-timers';
import type { RunResult } from '../../runtime/run-engine';
import type { ProcessContext } from './context';

export async function engineInputs(ctx: ProcessContext, def: any, orgUnit?: string | null): Promise<{ context: DefinitionContext; timerClock: TimerClock }> {
  const [context, stepDeadline] = await Promise.all([
    ctx.contexts.get(String(def._id), { sourceContext: def.sourceContext, xml: def.xml }),
    ctx.deps.stepDeadlines ? ctx.deps.stepDeadlines(orgUnit ?? undefined) : undefined,
  ]);
  const now = () => ctx.deps.clock.now();
  return { context, timerClock: stepDeadline ? { now, stepDeadline } : { now } };
}

/**
 * The state to store for a run: without the definition's context when the run left it out —
 * the first run of a version stores that context once on the definition (every later state of
 * the version recovers on it) — else as the engine gave it (an inline context of another engine
 * version stays inline).
 */
export async function stateToStore(ctx: ProcessContext, run: RunResult, def: any): Promise<string> {
  if (run.omittedSource === undefined) return run.state;
  if (!def.sourceContext) {
    await ctx.deps.models.Definition.updateOne({ _id: def._id }, { $set: { sourceContext: run.omittedSource } });
    def.sourceContext = run.omittedSource;
    return run.state;
  }
  if (def.sourceContext === run.omittedSource) return run.state;
  // the version's stored context differs from the one this process ran with: keep this one inline
  const parsed = JSON.parse(run.state);
  parsed.definitions[0].source = run.omittedSource;
  return JSON.stringify(parsed);
}
