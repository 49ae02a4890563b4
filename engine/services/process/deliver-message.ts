/**
 * Deliver a message (消息) to the catch waiting on its name, through the command pipeline; and
 * the reads the message correlation (engine/services/messages.ts) makes of an instance.
 */
import { ConflictError } from '../../domain/errors';
import type { Actor } from '../../domain/types';
import type { MessageWait } from '../../runtime/run-engine';
import { checkVariables } from '../variables';
import { runCommand } from './command';
import { latestRevision } from './instance-head';
import { SYSTEM_ACTOR, type ProcessContext } from './context';

/**
 * The message catches the instance waits on, with its variables and business key, from the
 * latest revision (the head may lag). Null when the instance is not running.
 */
export async function messageWaitsOf(ctx: ProcessContext, instanceId: string): Promise<{ waits: MessageWait[]; variables: Record<string, unknown> } | null> {
  const latest: any = await latestRevision(ctx, instanceId);
  if (!latest || latest.status !== 'running') return null;
  return { waits: JSON.parse(latest.messageWaits ?? '[]') as MessageWait[], variables: JSON.parse(latest.variables) as Record<string, unknown> };
}

/** The revision of `instanceId` that took message `messageId`, if one did (within the instance's revisions). */
export async function messageTakenBy(ctx: ProcessContext, instanceId: string, messageId: string): Promise<{ revision: number; elementId?: string } | null> {
  const rev: any = await ctx.deps.models.Revision.findOne({ instanceId, 'command.type': 'message', 'command.messageId': messageId }, { revision: 1, command: 1 }).lean();
  return rev ? { revision: rev.revision as number, elementId: rev.command?.elementId } : null;
}

/**
 * The "message delivered" command: the catch waiting on a message named `name` takes it with its
 * `variables` (copied into the process variables). The same conditional revision write as a
 * task's completion: of two deliveries racing for one wait only one moves the instance.
 * @returns the revision written and the element that took the message
 * @throws ConflictError MESSAGE_NOT_WAITING when nothing waits on that name (any more), CASE_ENDED
 */
export async function deliverMessage(ctx: ProcessContext, instanceId: string, message: { id: string; name: string; variables: Record<string, unknown> }, actor: Actor = SYSTEM_ACTOR): Promise<{ revision: number; elementId: string }> {
  checkVariables(message.variables);
  let elementId = '';
  const command: Record<string, unknown> = { type: 'message', messageId: message.id, name: message.name };
  const head = await runCommand(ctx, instanceId, command, actor, (prev) => {
    // a catch; else a message start event (an instance the message itself started, messages.ts)
    const w = prev.messageWaits.find((m) => m.kind === 'catch' && (m.messageName ?? m.messageId) === message.name) ?? prev.messageWaits.find((m) => m.kind === 'start' && (m.messageName ?? m.messageId) === message.name);
    if (!w) throw new ConflictError('MESSAGE_NOT_WAITING', `case ${instanceId} does not wait for message ${message.name}`, { name: message.name });
    elementId = w.elementId;
    command.elementId = w.elementId;
    return (engine) => {
      engine.deliverMessage(w.messageId, message.variables);
    };
  });
  return { revision: head?.headRevision ?? 0, elementId };
}
