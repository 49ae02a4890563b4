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

type Translate = (template: string, replacements?: Record<string, string>) => string;

/**
 * The properties panel's own strings in Chinese too. bpmn-js-properties-panel builds its groups
 * without a `translate` prop, so @bpmn-io/properties-panel's Group and ListGroup fall back to
 * English ("Toggle section", "Section contains edits", "Create new list item"): this provider,
 * the last to run, hands every group the translate service. Tooltips the inner components set
 * with their own English fallback ("Open pop-up editor", "Delete item") are translated where the
 * panel renders them, by their `title` attribute.
 */
class ZhPanelTranslate {
  static $inject = ['propertiesPanel', 'translate', 'config.propertiesPanel'];

  constructor(propertiesPanel: { registerProvider(priority: number, provider: unknown): void }, private readonly translate: Translate, config?: { parent?: HTMLElement }) {
    propertiesPanel.registerProvider(1, this);
    const parent = config?.parent;
    if (parent && typeof MutationObserver !== 'undefined') {
      const fix = (root: ParentNode) => {
        for (const el of Array.from(root.querySelectorAll<HTMLElement>('[title]'))) {
          const title = el.getAttribute('title') ?? '';
          if (zhCN[title]) el.setAttribute('title', zhCN[title]);
        }
      };
      new MutationObserver(() => fix(parent)).observe(parent, { subtree: true, childList: true, attributes: true, attributeFilter: ['title'] });
      fix(parent);
    }
  }

  getGroups() {
    return (groups: Array<Record<string, unknown>>) => groups.map((g) => ({ ...g, translate: this.translate }));
  }
}

export default {
  __init__: ['zhPanelTranslate'],
  translate: ['value', translateZh],
  zhPanelTranslate: ['type', ZhPanelTranslate],
};
