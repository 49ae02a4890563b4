import {
  deployDefinition,
  getDefinitionXml,
  listDefinitions,
  type DefinitionVersion,
} from '../api-client';
import { clear, el } from '../dom';
import { toUserMessage } from '../errors';
import { formatDateTime, formatVersion } from '../format';
import { createBlankDiagram } from '../modeler/blank-diagram';
import { createModeler, type Modeler } from '../modeler/create-modeler';
import { showStatus } from '../status';
import type { AppContext, View } from './view';

/** What is open: a deployed version, or a new diagram (key null). */
interface Opened {
  key: string | null;
  version: number | null;
}

interface ImportWarning {
  message?: string;
}

interface Canvas {
  zoom(level: number | 'fit-viewport', center?: 'auto' | { x: number; y: number }): number;
}

interface ModdleElement {
  $type: string;
  id?: string;
  name?: string;
  rootElements?: ModdleElement[];
}

/** 建模器 — bpmn-js canvas, properties panel, version history, deploy. */
export function renderModelerView(root: HTMLElement, app: AppContext, target: { key: string; version: number } | null): View {
  const opened: Opened = { key: target?.key ?? null, version: target?.version ?? null };
  let latestVersion: number | null = null;
  let dirty = false;
  let busy = false;
  let disposed = false;
  let imported = false;

  // ---------------------------------------------------------------- layout
  const titleName = el('span', { class: 'toolbar-name' }, '正在加载……');
  const titleMeta = el('span', { class: 'toolbar-meta' });
  const dirtyBadge = el('span', { class: 'badge badge-warning', hidden: true }, '有未部署的修改');

  const backButton = el('button', { type: 'button', class: 'btn btn-ghost', 'data-testid': 'back-to-list', onclick: () => app.navigate({ name: 'definitions' }) }, '← 返回列表');
  const downloadButton = el('button', { type: 'button', class: 'btn', 'data-testid': 'download', onclick: () => void download() }, '下载 BPMN');
  const deployButton = el('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'deploy', onclick: () => void deploy() }, '部署为新版本');

  const canvasContainer = el('div', { class: 'canvas', 'data-testid': 'canvas' });
  const propertiesContainer = el('div', { class: 'properties-panel-parent', 'data-testid': 'properties-panel' });
  const versionsList = el('div', { class: 'versions', 'data-testid': 'version-history' });

  const tabProperties = el('button', { type: 'button', role: 'tab', class: 'tab', 'aria-selected': 'true' }, '属性');
  const tabVersions = el('button', { type: 'button', role: 'tab', class: 'tab', 'aria-selected': 'false', 'data-testid': 'tab-versions' }, '版本历史');
  const versionsPanel = el('div', { class: 'sidebar-panel', role: 'tabpanel', hidden: true }, versionsList);
  const propertiesPanel = el('div', { class: 'sidebar-panel', role: 'tabpanel' }, propertiesContainer);
  const selectTab = (versions: boolean): void => {
    tabProperties.setAttribute('aria-selected', String(!versions));
    tabVersions.setAttribute('aria-selected', String(versions));
    propertiesPanel.hidden = versions;
    versionsPanel.hidden = !versions;
  };
  tabProperties.addEventListener('click', () => selectTab(false));
  tabVersions.addEventListener('click', () => selectTab(true));

  root.appendChild(
    el(
      'section',
      { class: 'modeler-page' },
      el(
        'div',
        { class: 'toolbar' },
        backButton,
        el('div', { class: 'toolbar-title' }, titleName, titleMeta, dirtyBadge),
        el('div', { class: 'toolbar-actions' }, downloadButton, deployButton),
      ),
      el(
        'div',
        { class: 'modeler-body' },
        canvasContainer,
        el('aside', { class: 'sidebar' }, el('div', { class: 'tabs', role: 'tablist' }, tabProperties, tabVersions), propertiesPanel, versionsPanel),
      ),
    ),
  );

  const modeler: Modeler = createModeler({ canvas: canvasContainer, properties: propertiesContainer });

  modeler.on('commandStack.changed', (event: { trigger?: string }) => {
    if (event.trigger === 'clear') return;
    setDirty(true);
    renderTitle();
  });

  const onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (dirty) event.preventDefault();
  };
  window.addEventListener('beforeunload', onBeforeUnload);

  // ---------------------------------------------------------------- state → DOM
  function setDirty(value: boolean): void {
    dirty = value;
    dirtyBadge.hidden = !value;
  }

  function setBusy(value: boolean): void {
    busy = value;
    // nothing to deploy or download until a diagram is on the canvas
    deployButton.disabled = value || !imported;
    downloadButton.disabled = value || !imported;
  }

  function mainProcess(): ModdleElement | undefined {
    const definitions = (modeler as unknown as { getDefinitions(): ModdleElement | undefined }).getDefinitions();
    return definitions?.rootElements?.find((e) => e.$type === 'bpmn:Process');
  }

  function renderTitle(): void {
    if (!imported) return;
    const process = mainProcess();
    titleName.textContent = process?.name || process?.id || '未命名流程';
    if (opened.key && opened.version) {
      const suffix = latestVersion && opened.version < latestVersion ? `（历史版本，最新为 ${formatVersion(latestVersion)}）` : '';
      titleMeta.textContent = `${opened.key} · ${formatVersion(opened.version)}${suffix}`;
    } else {
      titleMeta.textContent = '新流程 · 尚未部署';
    }
  }

  function renderVersions(versions: DefinitionVersion[] | null, failed = false): void {
    clear(versionsList);
    if (failed) {
      versionsList.appendChild(el('p', { class: 'muted empty' }, '版本历史加载失败。'));
      return;
    }
    if (!opened.key || !versions || versions.length === 0) {
      versionsList.appendChild(el('p', { class: 'muted empty' }, '此流程尚未部署，部署后将在此显示各版本。'));
      return;
    }
    const list = el('ol', { class: 'version-list' });
    const key = opened.key;
    for (const v of [...versions].sort((a, b) => b.version - a.version)) {
      const isCurrent = v.version === opened.version;
      list.appendChild(
        el(
          'li',
          { class: `version-item${isCurrent ? ' is-current' : ''}`, 'data-testid': 'version-item', 'data-version': v.version },
          el(
            'div',
            { class: 'version-main' },
            el('span', { class: 'badge' }, formatVersion(v.version)),
            v.version === latestVersion ? el('span', { class: 'tag' }, '最新') : null,
            isCurrent ? el('span', { class: 'tag tag-accent' }, '当前打开') : null,
          ),
          el('div', { class: 'version-meta' }, el('time', { datetime: v.deployedAt }, formatDateTime(v.deployedAt)), el('span', {}, `部署人：${v.deployedBy || '—'}`)),
          isCurrent
            ? null
            : el(
                'button',
                {
                  type: 'button',
                  class: 'btn btn-small',
                  'data-testid': 'open-version',
                  'data-version': v.version,
                  onclick: () => app.navigate({ name: 'modeler', key, version: v.version }),
                },
                '打开',
              ),
        ),
      );
    }
    versionsList.appendChild(list);
  }

  // ---------------------------------------------------------------- actions
  async function importDiagram(xml: string, label: string, fit: boolean): Promise<boolean> {
    try {
      const result = (await modeler.importXML(xml)) as { warnings?: ImportWarning[] };
      if (disposed) return false;
      imported = true;
      if (fit) fitViewport();
      setDirty(false);
      renderTitle();
      const warnings = (result.warnings ?? []).map((w) => w.message ?? String(w));
      if (warnings.length > 0) {
        showStatus('warning', `已打开${label}，但导入时有 ${warnings.length} 条警告，请检查后再部署。`, warnings);
      }
      return true;
    } catch (error) {
      if (disposed) return false;
      const message = error instanceof Error ? error.message : String(error);
      showStatus('error', `无法打开${label}：流程图无法解析。`, [message]);
      titleName.textContent = '无法打开流程图';
      return false;
    }
  }

  function fitViewport(): void {
    const canvas = modeler.get('canvas') as Canvas;
    const zoom = canvas.zoom('fit-viewport', 'auto');
    if (zoom > 1) canvas.zoom(1, 'auto');
  }

  async function loadVersions(): Promise<void> {
    if (!opened.key) {
      renderVersions(null);
      return;
    }
    try {
      const definitions = await listDefinitions();
      if (disposed) return;
      const definition = definitions.find((d) => d.key === opened.key);
      latestVersion = definition?.latestVersion ?? null;
      renderVersions(definition?.versions ?? []);
      tabVersions.textContent = definition ? `版本历史（${definition.versions.length}）` : '版本历史';
      renderTitle();
    } catch {
      if (!disposed) renderVersions(null, true);
    }
  }

  async function open(): Promise<void> {
    setBusy(true);
    try {
      if (opened.key && opened.version) {
        let xml: string;
        try {
          xml = await getDefinitionXml(opened.key, opened.version);
        } catch (error) {
          if (disposed) return;
          const { message, details } = toUserMessage(error, '流程图加载失败。');
          showStatus('error', message, details);
          titleName.textContent = '流程图加载失败';
          return;
        }
        if (disposed) return;
        await importDiagram(xml, `「${opened.key} ${formatVersion(opened.version)}」`, true);
      } else {
        await importDiagram(createBlankDiagram(), '新流程', false);
      }
    } finally {
      if (!disposed) setBusy(false);
    }
  }

  async function saveXml(): Promise<string> {
    const { xml } = await modeler.saveXML({ format: true });
    if (!xml) throw new Error('saveXML 未返回内容');
    return xml;
  }

  async function deploy(): Promise<void> {
    if (busy) return;
    setBusy(true);
    showStatus('info', '正在部署……');
    try {
      const xml = await saveXml();
      const result = await deployDefinition(xml);
      if (disposed) return;
      opened.key = result.key;
      opened.version = result.version;
      latestVersion = result.version;
      setDirty(false);
      app.replaceRoute({ name: 'modeler', key: result.key, version: result.version });
      showStatus('success', `已部署 ${result.name || result.key} 版本 ${formatVersion(result.version)}`);
      renderTitle();
      await loadVersions();
    } catch (error) {
      if (disposed) return;
      const { message, details } = toUserMessage(error, '部署失败。');
      showStatus('error', `部署失败：${message}`, details);
    } finally {
      if (!disposed) setBusy(false);
    }
  }

  async function download(): Promise<void> {
    try {
      const xml = await saveXml();
      const process = mainProcess();
      const base = opened.key ?? process?.id ?? 'process';
      const fileName = `${base}${opened.version && !dirty ? `-v${opened.version}` : ''}.bpmn`;
      const url = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
      const link = el('a', { href: url, download: fileName, hidden: true });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      const { message } = toUserMessage(error, '导出失败。');
      showStatus('error', message);
    }
  }

  renderVersions(null);
  void open();
  void loadVersions();

  return {
    canLeave() {
      return !dirty || window.confirm('当前流程有未部署的修改，离开后将丢失。确定离开吗？');
    },
    destroy() {
      disposed = true;
      window.removeEventListener('beforeunload', onBeforeUnload);
      modeler.destroy();
    },
  };
}
