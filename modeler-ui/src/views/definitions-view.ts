import { listDefinitions, type DefinitionSummary } from '../api-client';
import { clear, el } from '../dom';
import { toUserMessage } from '../errors';
import { formatDateTime, formatVersion } from '../format';
import { CASE_CATEGORIES } from '../modeler/svc-properties/svc-options';
import { showStatus } from '../status';
import type { AppContext, View } from './view';

/** 流程定义 — every deployed process key with its latest version. */
export function renderDefinitionsView(root: HTMLElement, app: AppContext): View {
  const body = el('div', { class: 'definitions-body' }, el('p', { class: 'muted loading' }, '正在加载流程定义……'));
  const refresh = el('button', { type: 'button', class: 'btn', onclick: () => void load() }, '刷新');
  const create = el(
    'button',
    { type: 'button', class: 'btn btn-primary', 'data-testid': 'new-definition', onclick: () => app.navigate({ name: 'modeler-new' }) },
    '新建流程',
  );

  root.appendChild(
    el(
      'section',
      { class: 'page definitions-page' },
      el(
        'div',
        { class: 'page-head' },
        el('div', {}, el('h1', { class: 'page-title' }, '流程定义'), el('p', { class: 'muted' }, '各服务事项的审批流程。部署会生成新版本，办理中的案件仍按原版本运行。')),
        el('div', { class: 'page-actions' }, refresh, create),
      ),
      el('div', { class: 'card' }, body),
    ),
  );

  let disposed = false;

  async function load(): Promise<void> {
    refresh.disabled = true;
    try {
      const definitions = await listDefinitions();
      if (disposed) return;
      renderTable(definitions);
    } catch (error) {
      if (disposed) return;
      clear(body);
      body.appendChild(el('p', { class: 'muted empty' }, '流程定义加载失败。'));
      const { message, details } = toUserMessage(error, '流程定义加载失败。');
      showStatus('error', message, details);
    } finally {
      refresh.disabled = false;
    }
  }

  function renderTable(definitions: DefinitionSummary[]): void {
    clear(body);
    if (definitions.length === 0) {
      body.appendChild(el('p', { class: 'muted empty' }, '暂无流程定义。点击「新建流程」开始设计第一个流程。'));
      return;
    }
    const sorted = [...definitions].sort((a, b) => (a.name || a.key).localeCompare(b.name || b.key, 'zh-CN'));
    const tbody = el('tbody');
    for (const definition of sorted) {
      const latest = definition.versions.find((v) => v.version === definition.latestVersion);
      tbody.appendChild(
        el(
          'tr',
          { 'data-testid': 'definition-row', 'data-key': definition.key },
          el('td', { class: 'cell-name' }, definition.name || '（未命名）'),
          el('td', {}, el('code', { class: 'key' }, definition.key)),
          el('td', {}, caseCategoryLabel(definition.caseCategory)),
          el('td', {}, el('span', { class: 'badge' }, formatVersion(definition.latestVersion))),
          el('td', { class: 'muted' }, latest ? `${formatDateTime(latest.deployedAt)} · ${latest.deployedBy}` : '—'),
          el(
            'td',
            { class: 'cell-actions' },
            el(
              'button',
              {
                type: 'button',
                class: 'btn btn-small',
                'data-testid': 'open-definition',
                'data-key': definition.key,
                onclick: () => app.navigate({ name: 'modeler', key: definition.key, version: definition.latestVersion }),
              },
              '打开',
            ),
          ),
        ),
      );
    }
    body.appendChild(
      el(
        'table',
        { class: 'table' },
        el(
          'thead',
          {},
          el('tr', {}, el('th', {}, '流程名称'), el('th', {}, '流程标识'), el('th', {}, '办件类型'), el('th', {}, '最新版本'), el('th', {}, '最近部署'), el('th', { class: 'cell-actions' }, '操作')),
        ),
        tbody,
      ),
    );
  }

  void load();
  return {
    destroy() {
      disposed = true;
    },
  };
}

function caseCategoryLabel(value: string | undefined): string {
  if (!value) return '—';
  return CASE_CATEGORIES.find((c) => c.value === value)?.label ?? value;
}
