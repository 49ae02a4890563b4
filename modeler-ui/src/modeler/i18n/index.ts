import { translateLintMessage } from '../lint';
import { zhCN } from './zh-cn';

/**
 * Replaces bpmn-js's `translate` service (the documented i18n pattern of
 * bpmn-js-examples): look the template up in the Chinese table, then fill
 * `{placeholders}`.
 */
export function translateZh(template: string, replacements: Record<string, string> = {}): string {
  const translated = zhCN[template] ?? translateLintMessage(template) ?? template;
  return translated.replace(/{([^}]+)}/g, (_, key: string) => replacements[key] ?? `{${key}}`);
}

export default {
  translate: ['value', translateZh],
};
