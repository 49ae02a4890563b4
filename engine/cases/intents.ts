/**
 * The intent journal (`case_intents`): a decision under way on a case — intake, examination,
 * deemed acceptance, a completed supplement — is recorded before its first write and removed when
 * it is settled, so the repair sweep (`repair-cases.ts`) finds and finishes (or undoes) the
 * decisions a killed process left half-done.
 */
import type { CaseContext } from './context';

export type IntentOp = 'intake' | 'examine' | 'deem' | 'supplement';

/** Records a decision under way (see `case_intents`), before its first write. */
export async function intend(ctx: CaseContext, caseNo: string, op: IntentOp, decision: 'accept' | 'reject' | 'supplement' | 'examine', by: string, acceptedAt?: Date) {
  await ctx.deps.models.CaseIntent.updateOne({ _id: `${caseNo}:${op}` }, { $set: { op, decision, by, acceptedAt, at: ctx.deps.clock.now() } }, { upsert: true });
}

export async function settled(ctx: CaseContext, caseNo: string, op: string) {
  await ctx.deps.models.CaseIntent.deleteOne({ _id: `${caseNo}:${op}` });
}
