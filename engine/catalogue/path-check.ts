/**
 * A new version of a path (办理路径) against the catalogue items that use it (issue 13).
 *
 * The catalogue rules (item-rules.ts) tie an item's category to the steps of its path: a 上报件
 * needs a city step, a 联办件 two departments' approvals, a 即办件 only the window's own steps.
 * Loading and editing the catalogue check them; so does deploying a path, since a new version
 * changes the steps of every item on it at once. What a city office wants then is a refusal, not
 * a warning: a 上报件 whose path lost its city step would be accepted and run as a town case
 * while its published guide still promises city approval, and nobody reads a warning after the
 * deploy button. The deploy is refused (422 ITEM_RULE_VIOLATION) naming every item and rule; the
 * designer changes those items first (another path or category), or deploys the new path under
 * a new process id and moves the items to it one by one (each move checked by the rules).
 * The steps of a called process count as the caller's (调用活动: a 上报件's city approval is the city's
 * own process): deploying a new version of the city's process checks the items of every path that
 * calls its latest version, and their items are named in the answer.
 */
import { BusinessRuleError } from '../domain/errors';
import { validateDefinition } from '../runtime/validate-definition';
import type { CatalogueService } from './catalogue-service';
import { checkItemRules, type ItemRuleViolation } from './item-rules';

export interface PathItemCheck {
  /** the process id (key) the diagram deploys to */
  key: string;
  /** the items on this path, all consistent with the new version */
  items: { code: string; name: string }[];
}

/**
 * Checks every catalogue item whose path is the diagram's process id against the diagram's
 * steps, as if it were deployed. Returns the items on the path (for the deploy's answer).
 * @throws BusinessRuleError `ITEM_RULE_VIOLATION` (422) naming each item, field and rule it would break
 * @throws ValidationError / BusinessRuleError from `validateDefinition` for an invalid diagram
 */
export async function checkItemsOnPath(catalogue: CatalogueService, xml: string): Promise<PathItemCheck> {
  const v = await validateDefinition(xml);
  // the whole catalogue (tens of items, read by _id): no per-path index needed
  const all = await catalogue.listItems();
  const onPath = all.filter((i) => i.procedure === v.processId);
  // a call activity's called process (调用活动: the city's part of a 上报件) brings its steps to the path, in place;
  // one not deployed is the deploy's own refusal, naming the call activity (CALLED_PROCESS_NOT_FOUND)
  for (const c of v.callActivities) {
    if (c.calledElement !== v.processId && !(await catalogue.calledDeployed(c))) return { key: v.processId, items: onPath.map((i) => ({ code: i.code, name: i.name })) };
  }
  const steps = await catalogue.stepsOf(v.processId, [...v.userTasks, { callActivities: v.callActivities }]);
  const paths: { key: string; name: string; steps: typeof steps; items: typeof onPath }[] = [{ key: v.processId, name: v.name, steps, items: onPath }];
  // a new version of a called process (the city's 市中心审批) changes the steps of every path calling its latest version
  for (const caller of await catalogue.callersOf(v.processId)) {
    const items = all.filter((i) => i.procedure === caller.key);
    if (!items.length) continue;
    const callerSteps = await catalogue.stepsOf(caller.key, caller.userTasks, { replace: { key: v.processId, steps } });
    paths.push({ key: caller.key, name: caller.key, steps: callerSteps, items });
  }
  const refused: { code: string; name: string; violations: ItemRuleViolation[] }[] = [];
  for (const p of paths) {
    for (const item of p.items) {
      // only the rules about the path: a limit the item already broke is the item's own matter
      const violations = checkItemRules(item, { key: p.key, name: p.key === v.processId ? v.name : undefined, archived: false, steps: p.steps }).filter((x) => x.field === 'procedure');
      if (violations.length) refused.push({ code: item.code, name: item.name, violations });
    }
  }
  const items = paths.flatMap((p) => p.items.map((i) => ({ code: i.code, name: i.name })));
  if (refused.length) {
    const first = refused[0];
    // one sentence per broken rule with the items it concerns (16 上报件 break the same rule)
    const byReason = new Map<string, string[]>();
    for (const r of refused) for (const v of r.violations) byReason.set(v.message, [...(byReason.get(v.message) ?? []), `“${r.name}”（${r.code}）`]);
    throw new BusinessRuleError(
      'ITEM_RULE_VIOLATION',
      `新版本与使用该路径的${refused.length}个事项不一致，未部署。${[...byReason].map(([reason, names]) => `${reason}涉及事项：${names.join('、')}。`).join('')}请先修改这些事项（改用其他路径或改定办件类型），或将新路径以新的流程标识部署后再把事项逐个改到新路径。`,
      { key: v.processId, items: refused, itemCode: first.code, field: first.violations[0].field, rule: first.violations[0].rule, violations: first.violations },
    );
  }
  return { key: v.processId, items };
}
