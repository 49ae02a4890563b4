/**
 * A case's progress as the public sees it (办件进度), for a case the lookup has already
 * authenticated by its number and query code or phone: the steps done (name, dates, decision —
 * no staff names, no opinions) and the case deadlines, each marked when it is counted over a year
 * whose holiday notice is not out yet (预计，2027年放假安排尚未公布).
 */
import { estimateNote } from '../calendar/working-calendar';
import type { Models } from '../persistence/models';

export interface PublicStep {
  name: string;
  since: Date;
  completedAt?: Date;
  decision?: string;
}

export interface PublicDeadline {
  dueAt?: Date;
  status: string;
  estimated?: true;
  estimatedYears?: number[];
  estimateNote?: string;
}

export interface PublicProgress {
  stepsDone: PublicStep[];
  deadline: { promised?: PublicDeadline; statutory?: PublicDeadline };
}

/** Three reads by key: the case's instance id, its completed steps, its two case clocks. */
export async function publicProgress(models: Models, caseNo: string): Promise<PublicProgress> {
  const kase = await models.ServiceCase.findById(caseNo, { instanceId: 1 }).lean();
  const done = kase?.instanceId ? await models.Task.find({ instanceId: kase.instanceId, status: 'completed' }, { name: 1, createdAt: 1, completedAt: 1, kind: 1, outcome: 1 }).lean() : [];
  const stepsDone = done
    .filter((t) => (t.kind ?? 'engine') === 'engine')
    .sort((a, b) => new Date(a.completedAt ?? a.createdAt).getTime() - new Date(b.completedAt ?? b.createdAt).getTime())
    .map((t) => ({ name: t.name ?? '', since: t.createdAt, completedAt: t.completedAt ?? undefined, decision: typeof (t.outcome as any)?.decision === 'string' ? (t.outcome as any).decision : undefined }));
  const clocks = await models.Clock.find({ _id: { $in: [`${caseNo}:promised`, `${caseNo}:statutory`] } }, { dueAt: 1, status: 1, estimated: 1, estimatedYears: 1 }).lean();
  const byId = new Map(clocks.map((c: any) => [String(c._id), c]));
  const view = (c: any): PublicDeadline | undefined =>
    c ? { dueAt: c.dueAt ?? undefined, status: c.status, ...(c.estimated && c.status !== 'stopped' ? { estimated: true as const, estimatedYears: c.estimatedYears ?? [], estimateNote: estimateNote(c.estimatedYears ?? []) } : {}) } : undefined;
  return { stepsDone, deadline: { promised: view(byId.get(`${caseNo}:promised`)), statutory: view(byId.get(`${caseNo}:statutory`)) } };
}
