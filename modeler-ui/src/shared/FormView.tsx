import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import { Form } from '@bpmn-io/form-js-viewer';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';

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
}

export interface FormViewProps {
  schema: unknown;
  data?: Record<string, unknown>;
  readOnly?: boolean;
  onChange?: (data: Record<string, unknown>, errors: Record<string, string[]>) => void;
  testId?: string;
}

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

function translateErrors(root: HTMLElement) {
  for (const li of root.querySelectorAll('.fjs-form-field-error li, .fjs-form-field-error')) {
    if (li.children.length) continue;
    const text = li.textContent?.trim() ?? '';
    for (const [re, zh] of MESSAGES) if (re.test(text)) { li.textContent = text.replace(re, zh); break; }
  }
}

export const FormView = forwardRef<FormViewHandle, FormViewProps>(function FormView({ schema, data, readOnly, onChange, testId = 'form-view' }, ref) {
  const container = useRef<HTMLDivElement>(null);
  const form = useRef<Form | null>(null);
  const [error, setError] = useState<string | null>(null);
  const changeRef = useRef(onChange);
  changeRef.current = onChange;

  useEffect(() => {
    const f = new Form({ container: container.current! });
    form.current = f;
    f.on('changed', (e: { data: Record<string, unknown>; errors: Record<string, string[]> }) => {
      changeRef.current?.(e.data, e.errors);
      queueMicrotask(() => container.current && translateErrors(container.current));
    });
    return () => { f.destroy(); form.current = null; };
  }, []);

  useEffect(() => {
    const f = form.current;
    if (!f || !schema) return;
    f.importSchema(schema, data ?? {}).then(
      () => {
        setError(null);
        if (readOnly) f.setProperty('readOnly', true);
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
  }), []);

  return (
    <div data-testid={testId}>
      {error ? <div role="alert" style={{ color: '#c23a2b' }}>表单无法显示：{error}</div> : null}
      <div ref={container} className="form-view" />
    </div>
  );
});
