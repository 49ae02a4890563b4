/**
 * The record checks of the HTTP access guard (api/http/access.ts): whether an actor may see the
 * one record a request path names — a service case, a process instance, a task, an escalation —
 * and which tasks of a list. The rules are engine/org/scope.ts's; this is where they meet the
 * database, so that api/ queries no model. A record that does not exist passes (the use case
 * answers 404 for it); a foreign one is refused, and the guard answers it 404 the same way.
 * Supervisors and admins are let through by the guard before any of these runs.
 */
import type { Models } from '../persistence/models';
import { actorReachesTask, actorReadsEscalation, actorReadsInstance, reachesTask, readsCase, seesAcross, taskFacts, type ScopeActor } from './scope';

export class RecordAccess {
  constructor(private readonly models: Models) {}

  /** The service case `no` is absent, or of the actor's org unit or one it was handed to. One read by `_id`. */
  async readsCase(actor: ScopeActor, no: string): Promise<boolean> {
    const kase = await this.models.ServiceCase.findById(no, { orgUnit: 1, involvedOrgUnits: 1 }).lean();
    return !kase || readsCase(actor, kase);
  }

  /** The process instance `id` is absent or readable by the actor (scope.ts `actorReadsInstance`). */
  async readsInstance(actor: ScopeActor, id: string): Promise<boolean> {
    return (await actorReadsInstance(this.models, actor, id)) !== false;
  }

  /** The task `id` is absent or reaches the actor (the people it names, its window, its case's org units). */
  async reachesTask(actor: ScopeActor, id: string): Promise<boolean> {
    const t = await this.models.Task.findById(id).lean();
    return !t || reachesTask(actor, (await taskFacts(this.models, [t]))[0]);
  }

  /**
   * Whether a task read with its instance head (`ProcessService.taskWithHead`: what a completion
   * works on, read once by the guard and handed to it) reaches the actor — the same rule as
   * `reachesTask`; with the instance in hand, the case is read only when the task does not tell.
   */
  reachesLoadedTask(actor: ScopeActor, loaded: { task: any; head: { inst?: any } | null }): Promise<boolean> {
    return actorReachesTask(this.models, actor, loaded.task, loaded.head?.inst);
  }

  /** The escalation `id` is absent or of the actor's org unit (the city office supervises its towns; a bare instance's goes by the instance). */
  async readsEscalation(actor: ScopeActor, id: string): Promise<boolean> {
    const e: any = await this.models.Escalation.findById(id, { orgUnit: 1, instanceId: 1 }).lean();
    return !e || (await actorReadsEscalation(this.models, actor, e));
  }

  /** The tasks of a list (task views: `id`) the actor may see: the foreign ones are left out. */
  async visibleTasks<T extends object>(actor: ScopeActor, tasks: T[]): Promise<T[]> {
    if (seesAcross(actor) || !tasks.length) return tasks;
    const facts = await taskFacts(this.models, tasks.map((t: any) => ({ ...t, _id: t.id })));
    return tasks.filter((_t, i) => reachesTask(actor, facts[i]));
  }
}
