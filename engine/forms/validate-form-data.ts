/**
 * Server-side check of a form submission against its form-js schema — the same rules form-js
 * applies in the browser (required, minLength/maxLength, pattern, email/phone validationType,
 * min/max, option lists), so a hand-made request cannot skip them.
 *
 * Rules:
 * - only keys the form declares are accepted (an unknown key is a problem, not a silent variable);
 * - a field whose `conditional.hide` is a FEEL expression may be hidden in the browser; the server
 *   cannot evaluate FEEL, so such a field is never *required* here — its other checks still apply;
 * - readonly / disabled fields are accepted only with their initial value (from `initial`);
 * - option fields (select, radio, checklist, taglist) accept only listed values; with `valuesKey`
 *   the list comes from the initial data (e.g. `decisionOptions`, computed from the diagram).
 * - phone validationType accepts what `normalizePhone` accepts (engine/cases/phone.ts, the browser's rule
 *   too): Chinese mobile numbers (1[3-9]xxxxxxxxx, +86 optional) and fixed lines with area code and extension.
 */
import { normalizePhone } from '../cases/phone';
import { inputFields, type FormComponent, type FormSchema } from './form-schema';

export interface FieldProblem {
  path: string;
  message: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?$/;
const MAX_TEXT = 10_000;

function get(obj: unknown, key: string[]): unknown {
  let v: unknown = obj;
  for (const k of key) {
    if (!v || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function optionValues(c: FormComponent, initial: Record<string, unknown>): unknown[] | null {
  if (Array.isArray(c.values)) return c.values.map((o) => o.value);
  if (c.valuesKey) {
    const list = initial[c.valuesKey];
    if (Array.isArray(list)) return list.map((o) => (o && typeof o === 'object' ? (o as { value: unknown }).value : o));
    return [];
  }
  return null;
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** Checks `data` against `schema`; `initial` is what the form was opened with (option lists, readonly values). */
export function validateFormData(schema: FormSchema, data: unknown, initial: Record<string, unknown> = {}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!data || typeof data !== 'object' || Array.isArray(data)) return [{ path: '', message: '表单数据应为对象' }];
  const fields = inputFields(schema);
  const known = new Set(fields.map((f) => f.key.join('.')));
  // unknown keys (walk the submitted object to the depth of the declared groups)
  const groupPrefixes = new Set(fields.flatMap((f) => f.key.slice(0, -1).map((_, i) => f.key.slice(0, i + 1).join('.'))));
  const walkUnknown = (obj: Record<string, unknown>, prefix: string) => {
    for (const k of Object.keys(obj)) {
      const full = prefix ? `${prefix}.${k}` : k;
      if (known.has(full)) continue;
      const v = obj[k];
      if (groupPrefixes.has(full) && v && typeof v === 'object' && !Array.isArray(v)) walkUnknown(v as Record<string, unknown>, full);
      else problems.push({ path: full, message: `表单中没有“${full}”这一项` });
    }
  };
  walkUnknown(data as Record<string, unknown>, '');

  for (const { key, component: c } of fields) {
    const path = key.join('.');
    const label = c.label && !c.label.startsWith('=') ? c.label : path;
    const v = get(data, key);
    const rules = c.validate ?? {};
    const conditional = typeof c.conditional?.hide === 'string' && c.conditional.hide.trim() !== '';
    if (c.readonly === true || c.disabled === true) {
      const init = get(initial, key);
      if (v !== undefined && JSON.stringify(v) !== JSON.stringify(init ?? c.defaultValue)) problems.push({ path, message: `“${label}”为只读项，不能修改` });
      continue;
    }
    if (isEmpty(v)) {
      if (rules.required && !conditional) problems.push({ path, message: `请填写“${label}”` });
      continue;
    }
    switch (c.type) {
      case 'dynamiclist': {
        if (!Array.isArray(v)) { problems.push({ path, message: `“${label}”应为列表` }); break; }
        if (v.length > 100) { problems.push({ path, message: `“${label}”最多 100 项` }); break; }
        const itemSchema: FormSchema = { type: 'default', components: c.components ?? [] };
        v.forEach((item, i) => {
          for (const p of validateFormData(itemSchema, item, {})) problems.push({ path: `${path}[${i}]${p.path ? '.' + p.path : ''}`, message: `${label}第 ${i + 1} 项：${p.message}` });
        });
        break;
      }
      case 'textfield':
      case 'textarea': {
        if (typeof v !== 'string') { problems.push({ path, message: `“${label}”应为文字` }); break; }
        if (v.length > MAX_TEXT) problems.push({ path, message: `“${label}”不能超过 ${MAX_TEXT} 字` });
        if (rules.minLength !== undefined && [...v].length < rules.minLength) problems.push({ path, message: `“${label}”至少 ${rules.minLength} 字` });
        if (rules.maxLength !== undefined && [...v].length > rules.maxLength) problems.push({ path, message: `“${label}”最多 ${rules.maxLength} 字` });
        if (rules.pattern && v.length <= 2000 && !new RegExp(rules.pattern).test(v)) problems.push({ path, message: `“${label}”格式不正确` });
        if (rules.validationType === 'email' && !EMAIL.test(v)) problems.push({ path, message: `“${label}”不是有效的电子邮箱` });
        if (rules.validationType === 'phone' && !normalizePhone(v)) problems.push({ path, message: `“${label}”不是有效的电话号码` });
        break;
      }
      case 'number': {
        const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isFinite(n)) { problems.push({ path, message: `“${label}”应为数字` }); break; }
        if (rules.min !== undefined && n < rules.min) problems.push({ path, message: `“${label}”不能小于 ${rules.min}` });
        if (rules.max !== undefined && n > rules.max) problems.push({ path, message: `“${label}”不能大于 ${rules.max}` });
        break;
      }
      case 'checkbox':
        if (typeof v !== 'boolean') problems.push({ path, message: `“${label}”应为是或否` });
        else if (rules.required && v !== true) problems.push({ path, message: `请勾选“${label}”` });
        break;
      case 'select':
      case 'radio': {
        const allowed = optionValues(c, initial);
        if (allowed && !allowed.some((a) => a === v)) problems.push({ path, message: `“${label}”的选项无效` });
        break;
      }
      case 'checklist':
      case 'taglist': {
        if (!Array.isArray(v)) { problems.push({ path, message: `“${label}”应为列表` }); break; }
        const allowed = optionValues(c, initial);
        if (allowed && v.some((x) => !allowed.some((a) => a === x))) problems.push({ path, message: `“${label}”包含无效选项` });
        break;
      }
      case 'datetime': {
        if (typeof v !== 'string') { problems.push({ path, message: `“${label}”应为日期或时间` }); break; }
        const ok = c.subtype === 'time' ? ISO_TIME.test(v) : c.subtype === 'datetime' ? !Number.isNaN(Date.parse(v)) : ISO_DATE.test(v) && !Number.isNaN(Date.parse(v));
        if (!ok) problems.push({ path, message: `“${label}”的日期格式不正确` });
        break;
      }
    }
  }
  return problems;
}
