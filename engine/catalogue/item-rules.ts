/**
 * The catalogue is consistent by rule (issue 13): an item's category (办件类型) must agree with
 * its time limits and with the steps of its path. Loading the catalogue (seed) and editing an
 * item both check every rule; a violation names the field, the rule and the reason in Chinese.
 *
 *  - 承诺时限 ≤ 法定时限 (every category);
 *  - 即办件: promised within one working day, the path only the window's own steps (no review or
 *    approval by a department, no city step);
 *  - 承诺件: finished at its own level within the promised working days (at least one): no city step
 *    in a town item's path (that is a 上报件);
 *  - 上报件: approved by the city: level 市级 and a city step in the path;
 *  - 联办件: two or more departments (jointDepartments) and two or more departments' approval
 *    steps in the path — steps at a department's own window (svc:window="land"), or the steps of
 *    a process called once per joint department of the item (a multi-instance call activity over
 *    `jointDepartments`, the department passed in as the called process's `department`: the shipped
 *    joint path calling department-review), which count as one approval per department the item names;
 *  - a path that calls a review per joint department needs the item to name its departments.
 * The path must be deployed (or shipped, when the catalogue is loaded before the diagrams) and
 * not archived.
 */
import { CATEGORY_NAMES, ITEM_CATEGORIES, ITEM_FIELD_LABELS, type ItemCategory, type ItemRuleViolation } from '../../common/catalogue';
import type { UserTaskMeta } from '../domain/types';

// the categories, their names, the field labels and the violation's shape are the catalogue's
// contract with the designer's browser form (common/catalogue.ts)
export { CATEGORY_NAMES, ITEM_CATEGORIES, ITEM_FIELD_LABELS, type ItemCategory, type ItemRuleViolation };

/**
 * A step of a path as the rules read it. `perJointDepartment`: the step belongs to a process the
 * path calls once per department of the item's `jointDepartments` (联办件), its window being that
 * department's (svc:window="item-department" in the called process, `department` passed in).
 */
export type PathStep = Pick<UserTaskMeta, 'elementId' | 'name' | 'stepKind' | 'orgLevel' | 'window'> & { perJointDepartment?: boolean };

export interface PathInfo {
  key: string;
  name?: string;
  archived?: boolean;
  steps: PathStep[];
}

/** A call activity as the rules read it (engine/runtime/validate-definition's CallActivityMeta). */
export interface RuleCheckedCall {
  inputs: ({ all: true } | { source: string; target: string })[];
  loop?: { collection?: string; elementVariable?: string };
}

/**
 * Whether a call activity calls its process once per joint department of the item: multi-instance
 * over the case variable `jointDepartments` (which intake sets from the item), with the element
 * reaching the called process as `department` (a `camunda:in` from the element variable, or the
 * element variable named `department`, which is passed on as is) — the variable the called
 * process's svc:window="item-department" steps are routed by.
 */
export function callsPerJointDepartment(c: RuleCheckedCall): boolean {
  const collection = String(c.loop?.collection ?? '').trim().replace(/^\$\{\s*(.*?)\s*\}$/, '$1').replace(/^=\s*/, '').replace(/^environment\.variables\./, '').trim();
  const element = c.loop?.elementVariable;
  if (collection !== 'jointDepartments' || !element) return false;
  const toDepartment = c.inputs.filter((m): m is { source: string; target: string } => 'target' in m && m.target === 'department');
  if (toDepartment.length) return toDepartment.every((m) => m.source === element);
  return element === 'department';
}

export interface RuleCheckedItem {
  code: string;
  name: string;
  orgLevel: string;
  defaultCategory: string;
  procedure: string;
  statutoryLimitDays: number;
  promisedLimitDays: number;
  jointDepartments?: string[];
}

/** A window's own steps: the receiving window accepts, hands out, notifies. */
const WINDOW_KINDS = new Set(['accept', 'notify', 'await-applicant']);
/** Steps of a department's review or approval. */
const DEPARTMENT_KINDS = new Set(['review', 'approve']);
/** svc:window values that are not one department (the receiving window, the item's own department). */
const NOT_A_DEPARTMENT = new Set(['receiving', 'item-department', '']);

const quote = (s: string) => `“${s}”`;

/** Every rule the item breaks (empty: consistent). */
export function checkItemRules(item: RuleCheckedItem, path: PathInfo | null): ItemRuleViolation[] {
  const out: ItemRuleViolation[] = [];
  const add = (field: string, rule: string, message: string) => out.push({ field, rule, message });
  const cat = item.defaultCategory;
  const catName = CATEGORY_NAMES[cat] ?? cat;
  const pathName = path ? `${quote(path.name ?? path.key)}（${path.key}）` : quote(item.procedure);

  if (item.promisedLimitDays > item.statutoryLimitDays) {
    add('promisedLimitDays', 'promised-within-statutory', `承诺时限（${item.promisedLimitDays}个工作日）不得超过法定时限（${item.statutoryLimitDays}个工作日）。`);
  }
  if (!path) {
    add('procedure', 'path-deployed', `办理路径${quote(item.procedure)}尚未部署，请先在流程设计中部署该路径，或选择已部署的路径。`);
  } else if (path.archived) {
    add('procedure', 'path-not-archived', `办理路径${pathName}已归档，不能再受理新办件，请选择在用的路径。`);
  }
  const steps = path?.steps ?? [];
  const citySteps = steps.filter((s) => s.orgLevel === 'city');
  const deptSteps = steps.filter((s) => DEPARTMENT_KINDS.has(s.stepKind ?? '') || (s.window && s.window !== 'receiving') || (s.stepKind && !WINDOW_KINDS.has(s.stepKind)));
  const names = (ss: typeof steps) => ss.map((s) => quote(s.name || s.elementId)).join('、');

  switch (cat) {
    case 'immediate':
      if (item.promisedLimitDays > 1) {
        add('promisedLimitDays', 'immediate-within-one-day', `即办件须当场或一个工作日内办结，承诺时限不得超过1个工作日（现为${item.promisedLimitDays}个工作日）；需要部门审查的事项应定为承诺件、上报件或联办件。`);
      }
      if (path && (deptSteps.length || citySteps.length)) {
        add('procedure', 'immediate-window-only', `即办件由窗口当场办结，办理路径${pathName}却含窗口以外的审查步骤${names([...new Set([...deptSteps, ...citySteps])])}；请选用即办件路径，或改定办件类型。`);
      }
      break;
    case 'promised':
      if (item.promisedLimitDays < 1) {
        add('promisedLimitDays', 'promised-at-least-one-day', '承诺件须承诺办结的工作日数（至少1个工作日）；当场办结的事项应定为即办件。');
      }
      if (path && item.orgLevel === 'town' && citySteps.length) {
        add('procedure', 'promised-no-city-step', `承诺件在本级办结，办理路径${pathName}却含市级步骤${names(citySteps)}；需报市中心审批的事项应定为上报件。`);
      }
      break;
    case 'report-up':
      if (item.orgLevel !== 'city') {
        add('orgLevel', 'report-up-city-level', '上报件由镇初审后报市中心审批，审批层级须为“市级”。');
      }
      if (path && !citySteps.length) {
        add('procedure', 'report-up-city-step', `上报件须报市中心审批，办理路径${pathName}没有市级步骤；请选用含市中心审批的路径，或改定办件类型。`);
      }
      break;
    case 'joint': {
      const depts = new Set((item.jointDepartments ?? []).filter(Boolean));
      if (depts.size < 2) {
        add('jointDepartments', 'joint-two-departments', `联办件须由两个或以上部门并联审批，联办部门现有${depts.size}个。`);
      }
      // a department's own window (svc:window="land"), or each joint department of the item when the
      // path calls a department's review per joint department (department-review)
      const approving = new Set(steps.filter((s) => s.stepKind === 'approve' && !NOT_A_DEPARTMENT.has(s.window ?? '')).map((s) => s.window));
      if (steps.some((s) => s.perJointDepartment && s.stepKind === 'approve')) for (const d of depts) approving.add(d);
      if (path && approving.size < 2) {
        add('procedure', 'joint-parallel-steps', `联办件须有两个或以上部门的并联审批步骤，办理路径${pathName}只有${approving.size}个部门审批；请选用联办件路径。`);
      }
      break;
    }
    default:
      add('defaultCategory', 'known-category', `办件类型${quote(cat)}不在目录的类型之中（即办件、承诺件、上报件、联办件）。`);
  }
  const perDepartment = steps.filter((s) => s.perJointDepartment);
  if (path && perDepartment.length && cat !== 'joint' && !(item.jointDepartments ?? []).filter(Boolean).length) {
    add('jointDepartments', 'joint-departments-named', `办理路径${pathName}按事项的联办部门逐一调用部门审查（${names(perDepartment)}），事项却没有填写联办部门；请选用本类型的路径，或改为联办件并填写联办部门。`);
  }
  return out;
}

/** The reason of all violations as one Chinese sentence list, for problem+json `detail`. */
export function describeViolations(item: { code: string; name: string }, v: ItemRuleViolation[]): string {
  return `事项${quote(item.name)}（${item.code}）与目录规则不一致：${v.map((x) => `【${ITEM_FIELD_LABELS[x.field] ?? x.field}】${x.message}`).join('')}`;
}

/** The longest way through an item's path by its steps' limits (path-limits.ts), for {@link checkPromiseAgainstPath}. */
export interface PathLimitInfo {
  days: number;
  steps: { name: string; days: number; via?: string; times?: number }[];
}

const days = (d: number) => (Number.isInteger(d) ? String(d) : String(Math.round(d * 10) / 10));

/**
 * 环节时限之和不超过承诺时限 — a warning, not a refusal: the sum of the step limits on the path's
 * longest way (path-limits.ts) must not exceed the item's promise (承诺时限; a same-day promise,
 * 0, counts as one working day, as for 即办件). Beyond it, every step can be inside its own limit
 * while the case breaks its promise, and no step's clock warns in time.
 *
 * Why a warning: the step limits belong to the path, which many items share (the 上报件 path
 * serves 15 items promising 2 to 20 days), and the promise is the item's published commitment.
 * The fix is a faster path or a corrected promise — work for the path's owner, sometimes the
 * city's — and refusing every save of the item meanwhile (a material's wording, a fee) would stop
 * the catalogue from being kept up to date without making the promise any easier to keep. The
 * designer sees it in the editor, the list and the API (`GET /api/items/{code}/rule-check`), with the
 * steps that make up the sum.
 */
export function checkPromiseAgainstPath(item: RuleCheckedItem, path: { key: string; name?: string } | null, limit: PathLimitInfo | null): ItemRuleViolation[] {
  if (!path || !limit || !limit.days) return [];
  const promise = Math.max(item.promisedLimitDays, 1);
  if (limit.days <= promise + 1e-9) return [];
  const parts = limit.steps.map((s) => `${s.name}${s.times && s.times > 1 ? `×${s.times}` : ''} ${days(s.days * (s.times ?? 1))}`).join(' + ');
  const promised = item.promisedLimitDays === 0 ? '当场办结（按1个工作日计）' : `${item.promisedLimitDays}个工作日`;
  return [{
    field: 'promisedLimitDays',
    rule: 'path-within-promise',
    message: `办理路径${quote(path.name ?? path.key)}（${path.key}）最长的一条各环节时限合计${days(limit.days)}个工作日（${parts}），超过承诺时限${promised}：各环节都在自己的时限内办理，本件也可能超过对申请人承诺的期限。请缩短路径中环节的时限（修改或另选办理路径），或核实承诺时限。`,
  }];
}
