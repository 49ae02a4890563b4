/**
 * Forms (表单) are form-js schemas — the Camunda Forms format (`@bpmn-io/form-js`, schemaVersion ≤ 18) —
 * linked from user tasks by `camunda:formKey="form:<formId>"`. The browser renders them with
 * form-js; the server checks every submission against the same schema (`validateFormData`), so a
 * form is never only a client-side promise.
 *
 * Accepted subset (anything else is refused with 422 at save time, so a saved form can always be
 * validated on the server and never runs code):
 * - input components: textfield, textarea, number, select, radio, checkbox, checklist, taglist, datetime;
 * - layout/display components: text (markdown, rendered escaped by form-js), group (with or without `path`),
 *   dynamiclist (a repeatable group with a `path`; its value is a list of objects, at most 100), separator, spacer;
 * - refused: html, iframe, expression, script, button, filepicker, documentPreview and any
 *   unknown type; FEEL expressions (strings starting with `=`) only in `label`, `description`,
 *   `conditional.hide` and `readonly` (form-js evaluates them with feelin, an interpreter, not `eval`).
 * - keys are JavaScript-identifier-like (`/^[A-Za-z_][A-Za-z0-9_]{0,63}$/`), never `__proto__`/`constructor`/`prototype`;
 *   they become process variables.
 */
import { z } from 'zod';

export const INPUT_TYPES = ['textfield', 'textarea', 'number', 'select', 'radio', 'checkbox', 'checklist', 'taglist', 'datetime'] as const;
export const LAYOUT_TYPES = ['text', 'group', 'dynamiclist', 'separator', 'spacer'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_COMPONENTS = 200;
const MAX_PATTERN = 200;

export interface FormComponent {
  type: string;
  id?: string;
  key?: string;
  path?: string;
  label?: string;
  description?: string;
  text?: string;
  defaultValue?: unknown;
  values?: { label: string; value: string | number | boolean }[];
  valuesKey?: string;
  validate?: { required?: boolean; minLength?: number; maxLength?: number; pattern?: string; min?: number; max?: number; validationType?: string };
  conditional?: { hide?: string };
  readonly?: boolean | string;
  disabled?: boolean;
  subtype?: 'date' | 'time' | 'datetime';
  decimalDigits?: number;
  components?: FormComponent[];
  [other: string]: unknown;
}

export interface FormSchema {
  type: 'default';
  id?: string;
  schemaVersion?: number;
  components: FormComponent[];
  [other: string]: unknown;
}

export interface SchemaProblem {
  path: string;
  message: string;
}

const valueOption = z.object({ label: z.string().max(200), value: z.union([z.string().max(200), z.number(), z.boolean()]) }).passthrough();

/** Checks a schema against the accepted subset; returns the problems (empty = fine). */
export function checkFormSchema(input: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  if (!input || typeof input !== 'object' || Array.isArray(input)) return [{ path: '', message: 'a form schema is a JSON object' }];
  const schema = input as Record<string, unknown>;
  if (schema.type !== 'default') problems.push({ path: 'type', message: 'a form-js schema has type "default"' });
  if (!Array.isArray(schema.components)) return [...problems, { path: 'components', message: 'components must be a list' }];
  if (JSON.stringify(input).length > 200_000) problems.push({ path: '', message: 'the schema is larger than 200 KB' });
  let count = 0;
  const keys = new Map<string, string>();
  const walk = (list: unknown[], at: string, prefix: string) => {
    list.forEach((raw, i) => {
      const path = `${at}[${i}]`;
      count++;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return void problems.push({ path, message: 'a component is an object' });
      const c = raw as FormComponent;
      const type = String(c.type);
      const isInput = (INPUT_TYPES as readonly string[]).includes(type);
      if (!isInput && !(LAYOUT_TYPES as readonly string[]).includes(type)) {
        return void problems.push({ path, message: `component type "${type}" is not allowed (allowed: ${[...INPUT_TYPES, ...LAYOUT_TYPES].join(', ')})` });
      }
      for (const [prop, v] of Object.entries(c)) {
        if (typeof v === 'string' && v.startsWith('=') && !['label', 'description', 'readonly'].includes(prop)) {
          problems.push({ path: `${path}.${prop}`, message: `FEEL expressions are allowed only in label, description, readonly and conditional.hide` });
        }
      }
      if (c.conditional !== undefined && (typeof c.conditional !== 'object' || Object.keys(c.conditional).some((k) => k !== 'hide'))) {
        problems.push({ path: `${path}.conditional`, message: 'conditional may only have "hide"' });
      }
      if (isInput) {
        if (typeof c.key !== 'string' || !KEY.test(c.key) || FORBIDDEN_KEYS.has(c.key)) {
          problems.push({ path: `${path}.key`, message: 'an input needs a key like "opinion" (letters, digits, _; at most 64)' });
        } else {
          const full = prefix + c.key;
          if (keys.has(full)) problems.push({ path: `${path}.key`, message: `key "${full}" is used twice (also at ${keys.get(full)})` });
          keys.set(full, path);
        }
        if (c.values !== undefined && !z.array(valueOption).max(500).safeParse(c.values).success) {
          problems.push({ path: `${path}.values`, message: 'values must be a list of { label, value }' });
        }
        if (c.valuesKey !== undefined && (typeof c.valuesKey !== 'string' || !KEY.test(c.valuesKey))) {
          problems.push({ path: `${path}.valuesKey`, message: 'valuesKey must be a plain key' });
        }
        const v = c.validate;
        if (v !== undefined) {
          if (typeof v !== 'object' || v === null) problems.push({ path: `${path}.validate`, message: 'validate must be an object' });
          else if (v.pattern !== undefined) {
            if (typeof v.pattern !== 'string' || v.pattern.length > MAX_PATTERN) problems.push({ path: `${path}.validate.pattern`, message: `a pattern is a string of at most ${MAX_PATTERN} characters` });
            else {
              try {
                new RegExp(v.pattern);
                if (/\([^)]*[+*][^)]*\)[+*{]/.test(v.pattern)) problems.push({ path: `${path}.validate.pattern`, message: 'nested repetition like (a+)+ is refused (catastrophic backtracking)' });
              } catch {
                problems.push({ path: `${path}.validate.pattern`, message: 'the pattern is not a valid regular expression' });
              }
            }
          }
        }
      }
      if (type === 'group' || type === 'dynamiclist') {
        const needsPath = type === 'dynamiclist';
        if ((needsPath || (c.path !== undefined && c.path !== '')) && (typeof c.path !== 'string' || !KEY.test(c.path) || FORBIDDEN_KEYS.has(c.path))) {
          problems.push({ path: `${path}.path`, message: needsPath ? 'a dynamic list needs a path (a plain key)' : 'a group path is a plain key' });
        }
        if (!Array.isArray(c.components)) problems.push({ path: `${path}.components`, message: `a ${type} has a components list` });
        else if (needsPath) {
          if (typeof c.path === 'string') {
            const full = prefix + c.path;
            if (keys.has(full)) problems.push({ path: `${path}.path`, message: `key "${full}" is used twice (also at ${keys.get(full)})` });
            keys.set(full, path);
          }
          // the items have their own key scope
          const outer = new Map(keys);
          keys.clear();
          walk(c.components, `${path}.components`, '');
          keys.clear();
          for (const [k, v] of outer) keys.set(k, v);
        } else walk(c.components, `${path}.components`, c.path ? `${prefix}${c.path}.` : prefix);
      }
    });
  };
  walk(schema.components as unknown[], 'components', '');
  if (count > MAX_COMPONENTS) problems.push({ path: 'components', message: `at most ${MAX_COMPONENTS} components` });
  return problems;
}

/** The input components with their full key (group paths joined with '.'). */
export function inputFields(schema: FormSchema): { key: string[]; component: FormComponent }[] {
  const out: { key: string[]; component: FormComponent }[] = [];
  const walk = (list: FormComponent[], prefix: string[]) => {
    for (const c of list) {
      if (c.type === 'group') walk(c.components ?? [], c.path ? [...prefix, c.path] : prefix);
      else if (c.type === 'dynamiclist' && c.path) out.push({ key: [...prefix, c.path], component: c });
      else if ((INPUT_TYPES as readonly string[]).includes(c.type) && c.key) out.push({ key: [...prefix, c.key], component: c });
    }
  };
  walk(schema.components, []);
  return out;
}
