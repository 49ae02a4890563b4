import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import { Form } from '@bpmn-io/form-js-viewer';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { normalizePhone } from '../../../common/identity/phone';

/**
 * A form-js schema (Camunda Forms format) rendered with `@bpmn-io/form-js-viewer`.
 *
 *   const ref = useRef<FormViewHandle>(null);
 *   <FormView ref={ref} schema={task.form.schema} data={task.form.data} />
 *   const { data, errors } = ref.current!.submit();   // errors: { fieldId: ['必填'] } — empty when valid
 *
 * `data` are the initial values and option lists (e.g. `decisionOptions`). The server checks the
 * same schema again on submit (FORM_INVALID with `issues`), so this is convenience, not the guard.
 */
export interface FormViewHandle {
  submit(): { data: Record<string, unknown>; errors: Record<string, string[]> };
  reset(): void;
  /** Shows problems the server found on fields (by field id), outlined red like form-js's own. */
  showErrors(errors: Record<string, string[]>): void;
}

export interface FormViewProps {
  schema: unknown;
  data?: Record<string, unknown>;
  readOnly?: boolean;
  onChange?: (data: Record<string, unknown>, errors: Record<string, string[]>) => void;
  /**
   * An extra check of one field (by its key) with the form's other data: a message, or null.
   * Its message shows on the field itself (outlined red) like form-js's own rules.
   */
  check?: (key: string, value: unknown, data: Record<string, unknown>) => string | null;
  testId?: string;
}

/** What a `phone` field accepts: the platform's own rule (engine/cases/phone.ts), not form-js's +country-code one. */
export const PHONE_MESSAGE = '请输入手机号或带区号的固定电话';

/** form-js's English validation messages, in Chinese. */
const MESSAGES: [RegExp, string][] = [
  [/^Field is required\.?$/, '此项为必填项'],
  [/^Field must have minimum length of (\d+)\.?$/, '至少 $1 个字'],
  [/^Field must have maximum length of (\d+)\.?$/, '最多 $1 个字'],
  [/^Field must have minimum value of (.+?)\.?$/, '不能小于 $1'],
  [/^Field must have maximum value of (.+?)\.?$/, '不能大于 $1'],
  [/^Field must match pattern (.+?)\.?$/, '格式不正确'],
  [/^Field must be a valid email\.?$/, '请输入有效的电子邮箱'],
  [/^Field must be a valid\s+international phone number.*$/, '请输入有效的电话号码'],
  [/^Value is not a number\.?$/, '请输入数字'],
];

/** A form-js message in Chinese (unchanged when it is one already). */
export function translateMessage(text: string): string {
  for (const [re, zh] of MESSAGES) if (re.test(text.trim())) return text.trim().replace(re, zh);
  return text;
}

type FieldInstance = { id: string };
type Validator = { validateFieldInstance(fieldInstance: FieldInstance, value: unknown): string[] };
type FieldRegistry = { get(id: string): { key?: string; validate?: { validationType?: string } } | undefined };

/**
 * form-js's validator with the platform's rules: a `phone` field takes mainland mobiles and
 * landlines with area code (form-js wants +country code and refused 13800138000), and the
 * caller's `check` adds its own per-field problems.
 */
function platformValidation(f: Form, check: () => FormViewProps['check']) {
  const validator = (f as unknown as { get(name: string): unknown }).get('validator') as Validator;
  const registry = (f as unknown as { get(name: string): unknown }).get('formFieldRegistry') as FieldRegistry;
  const base = validator.validateFieldInstance.bind(validator);
  validator.validateFieldInstance = (fieldInstance, value) => {
    const field = registry.get(fieldInstance.id);
    let errors = base(fieldInstance, value);
    if (field?.validate?.validationType === 'phone') {
      errors = errors.filter((e) => !/phone number/i.test(e));
      if (typeof value === 'string' && value.trim() && !normalizePhone(value)) errors.push(PHONE_MESSAGE);
    }
    const extra = field?.key ? check()?.(field.key, value, ((f as unknown as { _getState(): { data?: Record<string, unknown> } })._getState().data ?? {})) : null;
    if (extra && !errors.includes(extra)) errors.push(extra);
    return errors;
  };
}

/**
 * form-js's own words in Chinese. The viewer (1.23) has no translation option: "Add new",
 * "Collapse"/"Expand all", the select's "Select" and "Search" are literals in its components
 * (dist/index.es.js), so they are replaced in the rendered DOM — by a MutationObserver, as
 * Preact writes them again when it re-renders a field. The "powered by bpmn.io" mark stays:
 * the form-js licence says it must not be removed, changed or overlapped.
 */
const UI_TEXT: [RegExp, string][] = [
  [/^Add new$/, '新增'],
  [/^Collapse$/, '收起'],
  [/^Expand all \((\d+)\)$/, '展开全部（$1）'],
  [/^Select$/, '请选择'],
  [/^Search$/, '搜索'],
  [/^No results$/, '无匹配项'],
  [/^All values selected$/, '已全部选择'],
];
const UI_ATTRS: [string, RegExp, string][] = [
  ['placeholder', /^Search$/, '搜索'],
  ['aria-label', /^Remove list item (\d+)$/, '删除第 $1 项'],
  ['title', /^Remove tag$/, '移除'],
  ['aria-label', /^Remove tag$/, '移除'],
];

export function localizeFormJs(root: HTMLElement) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue ?? '';
    const trimmed = text.trim();
    if (!trimmed || !/^[A-Z]/.test(trimmed)) continue;
    for (const [re, zh] of UI_TEXT) {
      if (re.test(trimmed)) { n.nodeValue = text.replace(trimmed, trimmed.replace(re, zh)); break; }
    }
  }
  for (const [attr, re, zh] of UI_ATTRS) {
    for (const el of root.querySelectorAll(`[${attr}]`)) {
      const v = el.getAttribute(attr) ?? '';
      if (re.test(v)) el.setAttribute(attr, v.replace(re, zh));
    }
  }
}

function translateErrors(root: HTMLElement) {
  for (const li of root.querySelectorAll('.fjs-form-field-error li, .fjs-form-field-error')) {
    if (li.children.length) continue;
    const text = li.textContent?.trim() ?? '';
    for (const [re, zh] of MESSAGES) if (re.test(text)) { li.textContent = text.replace(re, zh); break; }
  }
}

export const FormView = forwardRef<FormViewHandle, FormViewProps>(function FormView({ schema, data, readOnly, onChange, check, testId = 'form-view' }, ref) {
  const container = useRef<HTMLDivElement>(null);
  const form = useRef<Form | null>(null);
  const [error, setError] = useState<string | null>(null);
  const changeRef = useRef(onChange);
  changeRef.current = onChange;
  const checkRef = useRef(check);
  checkRef.current = check;

  useEffect(() => {
    const f = new Form({ container: container.current! });
    form.current = f;
    platformValidation(f, () => checkRef.current);
    f.on('changed', (e: { data: Record<string, unknown>; errors: Record<string, string[]> }) => {
      changeRef.current?.(e.data, e.errors);
      queueMicrotask(() => container.current && translateErrors(container.current));
    });
    const root = container.current!;
    const observer = new MutationObserver(() => localizeFormJs(root));
    observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['placeholder', 'aria-label', 'title'] });
    return () => { observer.disconnect(); f.destroy(); form.current = null; };
  }, []);

  useEffect(() => {
    const f = form.current;
    if (!f || !schema) return;
    f.importSchema(schema, data ?? {}).then(
      () => {
        setError(null);
        if (readOnly) f.setProperty('readOnly', true);
        if (container.current) localizeFormJs(container.current);
      },
      (e: Error) => setError(e.message),
    );
  }, [schema, data, readOnly]);

  useImperativeHandle(ref, () => ({
    submit() {
      const result = form.current!.submit() as { data: Record<string, unknown>; errors: Record<string, string[]> };
      queueMicrotask(() => container.current && translateErrors(container.current));
      return result;
    },
    reset() { form.current?.reset(); },
    showErrors(errors) {
      const f = form.current as unknown as { _getState(): { errors?: Record<string, unknown> }; _setState(s: { errors: Record<string, unknown> }): void } | null;
      if (!f) return;
      f._setState({ errors: { ...(f._getState().errors ?? {}), ...errors } });
      queueMicrotask(() => container.current && translateErrors(container.current));
    },
  }), []);

  return (
    <div data-testid={testId}>
      {error ? <div role="alert" style={{ color: '#c23a2b' }}>表单无法显示：{error}</div> : null}
      <div ref={container} className="form-view" />
    </div>
  );
});
