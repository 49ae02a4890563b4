/**
 * What the reader of one task may do with it (`offer` on `GET /api/tasks/{id}`), so the browser
 * offers only the actions that will not be refused — a town clerk reading the city's step of a
 * 上报件 is offered none and told whose step it is, instead of 签收 → 403 CANNOT_CLAIM.
 *
 * Each answer is the condition the action itself checks (engine/cases/task-actions.ts and
 * engine/services/process/complete-task.ts `canWorkOn`), read from the task's view — no query:
 * - claim (签收): open, not already the reader's, and the reader is a member of its window, a
 *   candidate (its group while nobody holds it, or named), or its holder (admins hold any);
 *   a step claimed by someone else stays theirs unless the reader staffs its window.
 * - complete (办理): open and held by the reader (an assigned task is its assignee's; admins any).
 * - return (退回): open, held by the reader, a step of the diagram (co-signs and feedback steps have no return path).
 * - transfer / cosign (转办、加签): open and held by the reader; no co-sign of a co-sign.
 * - cc (抄送): the holder, or whoever completed it.
 * - withdraw (撤回): completed by the reader (the engine checks that nothing moved on since).
 * - urge (催办): open, held by someone else, and the reader is a manager, supervisor or admin
 *   (the case's responsible person may urge too: the case page knows the case, so the browser adds it).
 * Runtime conditions (an open co-sign, a step without a return path) are still answered by the action.
 */
export interface TaskOfferView {
  status: string;
  kind?: string;
  assignee?: string;
  claimedBy?: string;
  completedBy?: string;
  windowId?: string;
  candidateGroups?: string[];
  candidateUsers?: string[];
}

export interface TaskOfferActor {
  username: string;
  roles: string[];
  groups: string[];
  windowId?: string;
}

export interface TaskOffer {
  claim: boolean;
  complete: boolean;
  return: boolean;
  transfer: boolean;
  cosign: boolean;
  cc: boolean;
  withdraw: boolean;
  urge: boolean;
}

export function taskOffer(t: TaskOfferView, actor: TaskOfferActor): TaskOffer {
  const open = t.status === 'open';
  const admin = actor.roles.includes('admin');
  const holder = admin || (!!t.assignee && t.assignee === actor.username);
  const member = !!t.windowId && actor.windowId === t.windowId;
  const candidate = (!t.assignee && (t.candidateGroups ?? []).some((g) => actor.groups.includes(g))) || (t.candidateUsers ?? []).includes(actor.username);
  const claimedByOther = !!t.claimedBy && t.claimedBy !== actor.username && t.assignee !== actor.username && !member;
  const mine = t.assignee === actor.username;
  return {
    claim: open && !mine && (member || candidate || holder) && !claimedByOther,
    complete: open && (mine || admin),
    return: open && holder && (t.kind ?? 'engine') === 'engine',
    transfer: open && holder,
    cosign: open && holder && t.kind !== 'cosign',
    cc: holder || (!!t.completedBy && t.completedBy === actor.username),
    withdraw: !open && !!t.completedBy && t.completedBy === actor.username && (t.kind ?? 'engine') === 'engine',
    urge: open && !!t.assignee && !mine && actor.roles.some((r) => r === 'supervisor' || r === 'admin' || r === 'manager'),
  };
}
