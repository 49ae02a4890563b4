import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import './designer.css';

import { ArrowLeftOutlined, CheckCircleOutlined, CloudUploadOutlined, DownloadOutlined, ExclamationCircleOutlined, FolderOpenOutlined, LoadingOutlined } from '@ant-design/icons';
import { Alert, App as AntApp, Button, Empty, Input, List, Modal, Select, Space, Spin, Switch, Tabs, Tag, Timeline, Tooltip, Typography, type ButtonProps } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBlocker, useLocation, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { ApiProblem, api, deployDefinition, listDefinitions, getDefinition, getDefinitionXml, type DefinitionDetail } from '../../api-client';
import { toUserMessage } from '../../errors';
import { formatDateTime, formatVersion } from '../../format';
import { createModeler, type Modeler } from '../../modeler/create-modeler';
import { diffCounts, diffDiagrams, type DiffEntry, type DiffKind } from '../../modeler/diff';
import { flattenIssues, setDeployedDecisions, setDeployedProcesses, setThrownMessages, type LintIssue } from '../../modeler/lint';
import { ruleTitle, typeName } from '../../modeler/lint-messages';
import { setFormOptions } from '../../modeler/svc-properties/svc-options';
import { ChangeNoteField } from './ChangeNoteField';
import { saveDownload } from '../../shared/download';
import { clearStatus, showStatus } from '../../status';
import { importWarningZh } from './import-warnings';
import { patternXml } from './patterns';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

interface ProcessInfo {
  id: string;
  name: string;
}

/** 建模器 — bpmn-js canvas with properties panel, lint, versions, diff, download / open file, deploy. */
export default function ModelerPage() {
  const { t } = useTranslation('designer');
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const params = useParams();
  const [search] = useSearchParams();
  const key = params.key ?? null;
  const version = params.version ? Number(params.version) : null;

  const canvasRef = useRef<HTMLDivElement>(null);
  const propertiesRef = useRef<HTMLDivElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const pageRef = useRef<HTMLDivElement>(null);
  const modelerRef = useRef<Modeler | null>(null);
  const dirtyRef = useRef(false);
  const diffMarkers = useRef<Array<[string, string]>>([]);
  const diffOverlays = useRef<string[]>([]);

  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [process, setProcess] = useState<ProcessInfo | null>(null);
  const [dirty, setDirtyState] = useState(false);
  const [fileName, setFileName] = useState<string | null>(null);
  const [definition, setDefinition] = useState<DefinitionDetail | null>(null);
  const [confirm, setConfirm] = useState<null | { computing: boolean; target: string; live: string | null; entries: DiffEntry[]; first?: number; failed?: string }>(null);
  // the catalogue items on the path (a deploy is checked against them) and a refusal, inside the dialog
  const [pathItems, setPathItems] = useState<{ code: string; name: string }[] | null>(null);
  const [deployError, setDeployError] = useState<{ message: string; details: string[]; hint?: string } | null>(null);
  const [note, setNote] = useState('');
  const [noteTouched, setNoteTouched] = useState(false);
  const [issues, setIssues] = useState<LintIssue[] | null>(null);
  const [deploying, setDeploying] = useState(false);
  const [tab, setTab] = useState('properties');
  const [diffOn, setDiffOn] = useState(false);
  const [diff, setDiff] = useState<{ from: string; to: string; entries: DiffEntry[] } | null | 'none'>(null);
  const [changes, setChanges] = useState(0);

  const setDirty = useCallback((value: boolean) => {
    dirtyRef.current = value;
    setDirtyState(value);
  }, []);

  const readProcess = useCallback((): ProcessInfo | null => {
    const defs = (modelerRef.current as Any)?.getDefinitions();
    const p = defs?.rootElements?.find((e: Any) => e.$type === 'bpmn:Process' && e.isExecutable) ?? defs?.rootElements?.find((e: Any) => e.$type === 'bpmn:Process');
    return p ? { id: p.id, name: p.name ?? '' } : null;
  }, []);

  // ---------------------------------------------------------------- fill the window below the shell's message area
  useEffect(() => {
    const page = pageRef.current!;
    const status = document.querySelector('[data-testid="status-message"]');
    const fit = () => { page.style.height = `${Math.max(480, Math.floor(window.innerHeight - page.getBoundingClientRect().top - 16))}px`; };
    fit();
    window.addEventListener('resize', fit);
    const observer = status ? new ResizeObserver(fit) : null;
    if (status) observer!.observe(status);
    return () => { window.removeEventListener('resize', fit); observer?.disconnect(); };
  }, []);

  // ---------------------------------------------------------------- the modeler instance
  useEffect(() => {
    const modeler = createModeler({ canvas: canvasRef.current!, properties: propertiesRef.current! });
    modelerRef.current = modeler;
    modeler.on('commandStack.changed', (event: { trigger?: string }) => {
      if (event.trigger === 'clear') return;
      setDirty(true);
      setIssues(null);
      setProcess(readProcess());
      setChanges((n) => n + 1);
    });
    modeler.on('linting.completed', (event: Any) => setIssues(flattenIssues(event.issues ?? {})));
    api.get<Array<{ id: string; name: string }>>('/api/forms').then(
      (forms) => setFormOptions(Array.isArray(forms) ? forms : []),
      () => setFormOptions([]),
    );
    // the deployed processes a call activity may call (调用活动), then lint again with them known
    // and the message names they throw (a catch nobody sends to is warned about), when the server says them
    listDefinitions().then(
      (defs) => {
        setDeployedProcesses(defs.map((d) => d.key));
        const thrown = defs.map((d) => (d as { thrownMessages?: string[] }).thrownMessages);
        setThrownMessages(thrown.every(Array.isArray) ? thrown.flat() as string[] : undefined);
        if (modelerRef.current === modeler) (modeler.get('linting') as Any).update?.();
      },
      () => {
        setDeployedProcesses(undefined);
        setThrownMessages(undefined);
      },
    );
    // the deployed decision tables a business rule task may use (决策表)
    api.get<Array<{ key: string }>>('/api/decisions').then(
      (decisions) => {
        setDeployedDecisions(Array.isArray(decisions) ? decisions.map((d) => d.key) : undefined);
        if (modelerRef.current === modeler) (modeler.get('linting') as Any).update?.();
      },
      () => setDeployedDecisions(undefined),
    );
    return () => {
      modeler.destroy();
      modelerRef.current = null;
      clearStatus(); // the modeler's messages (deployed, import warnings) belong to this page
    };
  }, [readProcess, setDirty]);

  const importXml = useCallback(async (xml: string, label: string): Promise<boolean> => {
    const modeler = modelerRef.current;
    if (!modeler) return false;
    setIssues(null);
    try {
      const result = (await modeler.importXML(xml)) as { warnings?: Array<{ message?: string }> };
      const canvas = modeler.get('canvas') as Any;
      const zoom = canvas.zoom('fit-viewport', 'auto');
      if (zoom > 1) canvas.zoom(1, 'auto');
      setProcess(readProcess());
      const warnings = (result.warnings ?? []).map((w) => importWarningZh(w.message ?? String(w)));
      if (warnings.length > 0) showStatus('warning', `已打开${label}，但导入时有 ${warnings.length} 条警告，请检查后再部署。`, warnings);
      setLoadError(null);
      return true;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      showStatus('error', `无法打开${label}：流程图无法解析。`, [importWarningZh(text)]);
      setLoadError(text);
      return false;
    }
  }, [readProcess]);

  const loadDefinition = useCallback(async () => {
    if (!key) return setDefinition(null);
    try {
      setDefinition(await getDefinition(key));
    } catch (error) {
      if (!(error instanceof ApiProblem) || error.status === 404) setDefinition(null);
    }
  }, [key]);

  // ---------------------------------------------------------------- open what the address says
  const pattern = search.get('pattern');
  const newKey = search.get('key');
  const newName = search.get('name');
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    setFileName(null);
    setDiffOn(false);
    setTab('properties');
    void (async () => {
      if (key && version) {
        let xml: string;
        try {
          xml = await getDefinitionXml(key, version);
        } catch (error) {
          if (cancelled) return;
          const m = toUserMessage(error, '流程图加载失败。');
          showStatus('error', m.message, m.details);
          setLoadError(m.message);
          setLoading(false);
          return;
        }
        if (cancelled) return;
        await importXml(xml, `「${key} ${formatVersion(version)}」`);
        setDirty(false);
      } else {
        const ok = await importXml(patternXml(pattern), '新流程');
        if (ok && newKey) {
          // the pattern's process becomes the new definition: its id is the key
          const modeler = modelerRef.current as Any;
          const root = modeler.get('canvas').getRootElement();
          modeler.get('modeling').updateProperties(root, { id: newKey, name: newName || newKey });
        }
        setDirty(!!newKey);
      }
      if (!cancelled) setLoading(false);
    })();
    void loadDefinition();
    return () => { cancelled = true; };
  }, [key, version, pattern, newKey, newName, importXml, loadDefinition, setDirty]);

  const location = useLocation();
  const deployedMessage = (location.state as { deployed?: string } | null)?.deployed;
  useEffect(() => {
    if (deployedMessage) showStatus('success', deployedMessage);
  }, [deployedMessage, location.key]);

  // ---------------------------------------------------------------- leaving with undeployed changes
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirtyRef.current && (currentLocation.pathname !== nextLocation.pathname || currentLocation.search !== nextLocation.search));
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => { if (dirtyRef.current) event.preventDefault(); };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);

  // ---------------------------------------------------------------- diff against the previous version
  const clearDiff = useCallback(() => {
    const modeler = modelerRef.current as Any;
    if (!modeler) return;
    const canvas = modeler.get('canvas');
    for (const [id, c] of diffMarkers.current) canvas.removeMarker(id, c);
    for (const id of diffOverlays.current) modeler.get('overlays').remove(id);
    diffMarkers.current = [];
    diffOverlays.current = [];
  }, []);

  useEffect(() => {
    if (!diffOn || loading) {
      clearDiff();
      if (!diffOn) setDiff(null);
      return;
    }
    let cancelled = false;
    const timer = setTimeout(() => void (async () => {
      const modeler = modelerRef.current as Any;
      if (!modeler) return;
      // working copy against the version it came from; a clean version against the one before it
      let base: number | null = null;
      if (key && version) base = dirtyRef.current ? version : version > 1 ? version - 1 : null;
      if (!key || !base) {
        clearDiff();
        setDiff('none');
        return;
      }
      try {
        const [oldXml, current] = await Promise.all([getDefinitionXml(key, base), modeler.saveXML({ format: false })]);
        const entries = await diffDiagrams(modeler.get('moddle'), oldXml, current.xml);
        if (cancelled) return;
        clearDiff();
        const registry = modeler.get('elementRegistry');
        const canvas = modeler.get('canvas');
        for (const e of entries) {
          if (e.kind === 'removed' || !registry.get(e.id)) continue;
          const cls = `diff-${e.kind}`;
          canvas.addMarker(e.id, cls);
          diffMarkers.current.push([e.id, cls]);
          if (registry.get(e.id).waypoints) continue;
          const badge = document.createElement('span');
          badge.className = `diff-badge ${cls}`;
          badge.textContent = t(`modeler.${e.kind}`);
          diffOverlays.current.push(modeler.get('overlays').add(e.id, 'diff', { position: { top: -18, right: 10 }, html: badge }));
        }
        setDiff({ from: formatVersion(base), to: dirtyRef.current ? t('modeler.working') : formatVersion(version!), entries });
      } catch (error) {
        if (!cancelled) showStatus('error', toUserMessage(error, '版本对比失败。').message);
      }
    })(), 300);
    return () => { cancelled = true; clearTimeout(timer); };
  }, [diffOn, loading, key, version, changes, clearDiff, t]);

  // ---------------------------------------------------------------- actions
  const errors = issues?.filter((i) => i.category === 'error' || i.category === 'rule-error').length ?? 0;
  const warnings = issues?.filter((i) => i.category === 'warn').length ?? 0;

  // 部署是慎重的操作: first a confirmation with what changes against the live version and a change note
  const openConfirm = async () => {
    const modeler = modelerRef.current as Any;
    if (!modeler || deploying || errors > 0 || issues === null || definition?.archived) return;
    const processId = readProcess()?.id ?? key ?? '';
    const name = readProcess()?.name || processId;
    // the live version is the latest of the process id the diagram deploys to (a file may name another key)
    let live: DefinitionDetail | null = processId === key ? definition : null;
    if (processId && processId !== key) live = await getDefinition(processId).catch(() => null);
    const nextVersion = formatVersion((live?.latestVersion ?? 0) + 1);
    const target = t('modeler.confirmTarget', { name, version: nextVersion });
    setNote('');
    setNoteTouched(false);
    setDeployError(null);
    setPathItems(null);
    void api.get<{ code: string; name: string; procedure: string }[]>('/api/items')
      .then((all) => setPathItems(all.filter((i) => i.procedure === processId).map((i) => ({ code: i.code, name: i.name }))))
      .catch(() => setPathItems(null));
    if (!live) {
      const count = modeler.get('elementRegistry').filter((e: Any) => e.type !== 'label' && e.parent).length;
      setConfirm({ computing: false, target, live: null, entries: [], first: count });
      return;
    }
    const liveLabel = formatVersion(live.latestVersion);
    setConfirm({ computing: true, target, live: liveLabel, entries: [] });
    try {
      const [oldXml, current] = await Promise.all([getDefinitionXml(live.key, live.latestVersion), modeler.saveXML({ format: false })]);
      const entries = await diffDiagrams(modeler.get('moddle'), oldXml, current.xml);
      setConfirm({ computing: false, target, live: liveLabel, entries });
    } catch (error) {
      setConfirm({ computing: false, target, live: liveLabel, entries: [], failed: toUserMessage(error, '版本对比失败。').message });
    }
  };

  const deploy = async () => {
    const modeler = modelerRef.current;
    if (!modeler || deploying || errors > 0 || issues === null) return;
    if (!note.trim()) {
      setNoteTouched(true);
      return;
    }
    setDeploying(true);
    showStatus('info', '正在部署……');
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const result = await deployDefinition(xml!, note.trim());
      setConfirm(null);
      setDirty(false);
      // shown by the page at the new address (a new diagram's page is a new route: this one unmounts)
      const deployed = `已部署 ${result.name || result.key} 版本 ${formatVersion(result.version)}`;
      navigate(`/designer/modeler/${encodeURIComponent(result.key)}/${result.version}`, { replace: true, state: { deployed } });
    } catch (error) {
      const m = toUserMessage(error, '部署失败。');
      showStatus('error', `部署失败：${m.message}`, m.details);
      // the dialog is still open: say it there too — a refusal by the catalogue rules as one line per
      // rule with the items it concerns, not the whole paragraph
      const items = error instanceof ApiProblem && error.code === 'ITEM_RULE_VIOLATION'
        ? ((error.problem.details as { items?: { code: string; name: string; violations: { message: string }[] }[] } | undefined)?.items ?? [])
        : [];
      if (items.length) {
        const byReason = new Map<string, string[]>();
        for (const it of items) for (const v of it.violations) byReason.set(v.message, [...(byReason.get(v.message) ?? []), `${it.name}（${it.code}）`]);
        setDeployError({ message: t('modeler.refusedByItems', { count: items.length }), details: [...byReason].map(([reason, names]) => `${reason} ${t('modeler.refusedItems')}${names.join('、')}`), hint: t('modeler.refusedHint') });
      } else setDeployError({ message: `部署失败：${m.message}`, details: m.details });
    } finally {
      setDeploying(false);
    }
  };

  const download = async () => {
    const modeler = modelerRef.current;
    if (!modeler) return;
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const base = key ?? readProcess()?.id ?? 'process';
      const name = `${base}${version && !dirtyRef.current ? `-v${version}` : ''}.bpmn`;
      saveDownload(new Blob([xml!], { type: 'application/xml' }), name);
    } catch (error) {
      showStatus('error', toUserMessage(error, '导出失败。').message);
    }
  };

  const openFile = async (file: File) => {
    if (file.size > 2 * 1024 * 1024) {
      showStatus('error', `文件 ${file.name} 过大（超过 2 MB）。`);
      return;
    }
    clearStatus();
    setDiffOn(false);
    const ok = await importXml(await file.text(), `文件「${file.name}」`);
    if (ok) {
      setFileName(file.name);
      setDirty(true);
      void message.success(`已打开 ${file.name}`);
    }
  };

  const selectElement = (id: string) => {
    const modeler = modelerRef.current as Any;
    const element = modeler?.get('elementRegistry').get(id);
    if (!element) return;
    modeler.get('selection').select(element);
    if (!element.waypoints && element.parent) modeler.get('canvas').scrollToElement(element);
  };

  // ---------------------------------------------------------------- view
  const latest = definition?.latestVersion ?? null;
  const versions = [...(definition?.versions ?? [])].sort((a, b) => b.version - a.version);
  const lintTag = issues === null
    ? <Tag icon={<LoadingOutlined />} data-testid="lint-status" data-state="running">{t('modeler.lintRunning')}</Tag>
    : errors + warnings === 0
      ? <Tag color="success" icon={<CheckCircleOutlined />} data-testid="lint-status" data-state="clean" data-errors="0">{t('modeler.lintOk')}</Tag>
      : <Tag color={errors ? 'error' : 'warning'} icon={<ExclamationCircleOutlined />} data-testid="lint-status" data-state={errors ? 'errors' : 'warnings'} data-errors={errors} style={{ cursor: 'pointer' }} onClick={() => setTab('problems')}>{t('modeler.lintCount', { errors, warnings })}</Tag>;

  return (
    <div className="modeler-page2" data-view="modeler" ref={pageRef}>
      <div className="modeler-toolbar" role="toolbar" aria-label="流程图工具栏">
        <Space size="middle" style={{ minWidth: 0 }}>
          <Button icon={<ArrowLeftOutlined />} data-testid="back-to-list" onClick={() => navigate('/designer')}>{t('modeler.back')}</Button>
          <div className="modeler-title">
            <strong data-testid="modeler-title">{loading ? t('modeler.loading') : process?.name || process?.id || '—'}</strong>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {fileName ? t('modeler.fromFile', { file: fileName }) : key && version ? `${key} · ${formatVersion(version)}${latest && version < latest ? `（${t('modeler.history', { latest: formatVersion(latest) })}）` : ''}` : t('modeler.newDiagram')}
            </Typography.Text>
          </div>
          {dirty ? <Tag color="warning" data-testid="dirty-badge">{t('modeler.dirty')}</Tag> : null}
        </Space>
        <Space wrap size="small">
          {key && versions.length > 0 ? (
            <Select
              aria-label={t('modeler.version')}
              data-testid="version-select"
              size="middle"
              style={{ width: 180 }}
              value={version ?? undefined}
              onChange={(v: number) => navigate(`/designer/modeler/${encodeURIComponent(key)}/${v}`)}
              options={versions.map((v) => ({ value: v.version, label: `${formatVersion(v.version)} · ${formatDateTime(v.deployedAt).split(' ')[0]}${v.version === latest ? ' · 最新' : ''}` }))}
            />
          ) : null}
          {lintTag}
          <Tooltip title={key && version ? '' : t('modeler.diffNone')}>
            <Space size={4}>
              <Switch checked={diffOn} onChange={setDiffOn} data-testid="diff-toggle" aria-label={t('modeler.diff')} disabled={!key || loading} onClick={(on) => on && setTab('diff')} />
              <span>{t('modeler.diff')}</span>
            </Space>
          </Tooltip>
          <Button icon={<DownloadOutlined />} data-testid="download" onClick={() => void download()} disabled={loading || !!loadError}>{t('modeler.download')}</Button>
          <Button icon={<FolderOpenOutlined />} data-testid="open-file" onClick={() => fileRef.current?.click()}>{t('modeler.openFile')}</Button>
          <input ref={fileRef} type="file" accept=".bpmn,.xml,application/xml,text/xml" hidden data-testid="open-file-input" aria-label={t('modeler.openFile')} onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ''; if (f) void openFile(f); }} />
          <Tooltip title={definition?.archived ? t('modeler.archivedBlocked') : errors > 0 ? t('modeler.deployBlocked', { errors }) : ''}>
            <Button type="primary" icon={<CloudUploadOutlined />} data-testid="deploy" loading={deploying} disabled={loading || !!loadError || issues === null || errors > 0 || !!definition?.archived} onClick={() => void openConfirm()}>{t('modeler.deploy')}</Button>
          </Tooltip>
        </Space>
      </div>
      {definition?.archived ? (
        <Alert type="warning" showIcon data-testid="archived-banner" style={{ margin: '0 0 8px' }} title={t('modeler.archivedBanner', { at: formatDateTime(definition.archivedAt ?? ''), by: definition.archivedByName ?? definition.archivedBy ?? '—' })} />
      ) : null}
      <div className="modeler-main">
        <div className="modeler-canvas" ref={canvasRef} data-testid="canvas" />
        <aside className="modeler-side">
          <Tabs
            activeKey={tab}
            onChange={setTab}
            size="small"
            items={[
              { key: 'properties', label: t('modeler.tabProperties'), forceRender: true, children: <div ref={propertiesRef} className="modeler-properties" data-testid="properties-panel" /> },
              {
                key: 'problems',
                label: <span data-testid="tab-problems">{t('modeler.tabProblems')}{issues && issues.length ? `（${issues.length}）` : ''}</span>,
                children: (
                  <div className="side-list">
                    {issues && issues.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('modeler.noProblems')} /> : null}
                    <List
                      size="small"
                      dataSource={issues ?? []}
                      renderItem={(i) => (
                        <List.Item data-testid="lint-issue" data-element-id={i.id} data-rule={i.rule} data-category={i.category}>
                          <Space direction="vertical" size={0}>
                            <Space size={4}>
                              <Tag color={i.category === 'warn' ? 'warning' : 'error'}>{i.category === 'warn' ? '警告' : '错误'}</Tag>
                              <Button type="link" size="small" style={{ padding: 0 }} onClick={() => selectElement(i.id)} data-testid="lint-issue-element">{i.label}</Button>
                            </Space>
                            <span data-testid="lint-issue-message">{i.message}</span>
                            <Typography.Text type="secondary" style={{ fontSize: 12 }}>规则：{ruleTitle(i.rule)}</Typography.Text>
                          </Space>
                        </List.Item>
                      )}
                    />
                  </div>
                ),
              },
              {
                key: 'diff',
                label: t('modeler.tabDiff'),
                children: (
                  <div className="side-list" data-testid="diff-panel">
                    {!diffOn ? <Typography.Text type="secondary">{t('modeler.diffOff')}</Typography.Text> : null}
                    {diffOn && diff === 'none' ? <Alert type="info" title={t('modeler.diffNone')} /> : null}
                    {diffOn && diff && diff !== 'none' ? (
                      <>
                        <Typography.Text strong data-testid="diff-between">{t('modeler.diffBetween', { from: diff.from, to: diff.to })}</Typography.Text>
                        {diff.entries.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('modeler.diffEmpty')} /> : null}
                        <List
                          size="small"
                          dataSource={diff.entries}
                          renderItem={(e) => (
                            <List.Item data-testid="diff-entry" data-element-id={e.id} data-kind={e.kind}>
                              <Space direction="vertical" size={0} style={{ minWidth: 0 }}>
                                <Space size={4} wrap>
                                  <span className={`diff-badge diff-${e.kind === 'removed' ? 'changed' : e.kind}`} style={e.kind === 'removed' ? { background: '#c0392b' } : undefined}>{t(`modeler.${e.kind}`)}</span>
                                  <Button type="link" size="small" style={{ padding: 0 }} onClick={() => selectElement(e.id)} disabled={e.kind === 'removed'}>{e.name ? `「${e.name}」` : e.id}</Button>
                                  <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="diff-type">{e.typeName}</Typography.Text>
                                </Space>
                                {(e.attrs ?? []).map((a) => (
                                  <Typography.Text key={a.attr} style={{ fontSize: 12 }} data-testid="diff-attr" data-attr={a.attr}>
                                    {a.label}：<del>{a.oldValue}</del> → <ins>{a.newValue}</ins>
                                  </Typography.Text>
                                ))}
                              </Space>
                            </List.Item>
                          )}
                        />
                      </>
                    ) : null}
                  </div>
                ),
              },
              {
                key: 'history',
                label: <span data-testid="tab-history">{t('modeler.tabHistory')}</span>,
                children: (
                  <div className="side-list" data-testid="version-history">
                    {!definition ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('modeler.historyEmpty')} /> : (
                      <Timeline
                        items={historyItems(definition).map((h) => ({
                          color: h.kind === 'archived' ? 'gray' : h.kind === 'restored' ? 'green' : 'blue',
                          content: (
                            <div data-testid="history-entry" data-kind={h.kind} data-version={h.version ?? ''}>
                              <Space size={4} wrap>
                                {h.version ? <Tag color={h.version === latest ? 'blue' : undefined}>{formatVersion(h.version)}</Tag> : null}
                                <strong>{t(`modeler.log${h.kind[0].toUpperCase()}${h.kind.slice(1)}`)}</strong>
                                <Typography.Text type="secondary" style={{ fontSize: 12 }}>{formatDateTime(h.at)} · {h.actor || '—'}</Typography.Text>
                              </Space>
                              <div data-testid="history-note" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                                {h.note ? h.note : h.kind === 'deployed' ? <Typography.Text type="secondary">{t('modeler.historyNoNote')}</Typography.Text> : null}
                              </div>
                            </div>
                          ),
                        }))}
                      />
                    )}
                  </div>
                ),
              },
            ]}
          />
        </aside>
      </div>
      <Modal
        open={!!confirm}
        title={t('modeler.confirmTitle')}
        okText={t('modeler.confirmOk')}
        cancelText={t('modeler.cancel')}
        width={640}
        onCancel={() => { if (!deploying) setConfirm(null); }}
        onOk={() => void deploy()}
        confirmLoading={deploying}
        okButtonProps={{ 'data-testid': 'deploy-confirm', disabled: !!confirm?.computing } as ButtonProps}
        cancelButtonProps={{ 'data-testid': 'deploy-cancel' } as ButtonProps}
        destroyOnHidden
      >
        {confirm ? (
          <div data-testid="deploy-dialog">
            <Typography.Paragraph data-testid="deploy-target">{confirm.target}</Typography.Paragraph>
            <DeployLint issues={issues ?? []} onSelect={(id) => { if (!deploying) { setConfirm(null); selectElement(id); } }} />
            <DeploySummary confirm={confirm} />
            {pathItems && pathItems.length ? (
              <Typography.Paragraph type="secondary" data-testid="deploy-items">
                {t('modeler.confirmItems', { count: pathItems.length, names: pathItems.slice(0, 5).map((i) => `“${i.name}”`).join('、') + (pathItems.length > 5 ? '等' : '') })}
              </Typography.Paragraph>
            ) : null}
            {deployError ? (
              <Alert type="error" showIcon role="alert" data-testid="deploy-error" style={{ marginBottom: 12, maxHeight: 260, overflow: 'auto' }} title={deployError.message}
                description={deployError.details.length || deployError.hint ? (
                  <>
                    {deployError.details.length ? <ul style={{ margin: 0, paddingLeft: 18 }}>{deployError.details.map((d, i) => <li key={i}>{d}</li>)}</ul> : null}
                    {deployError.hint ? <div style={{ marginTop: 4 }}>{deployError.hint}</div> : null}
                  </>
                ) : undefined} />
            ) : null}
            <ChangeNoteField value={note} onChange={setNote} touched={noteTouched} onTouched={() => setNoteTouched(true)} placeholder={t('modeler.notePlaceholder')} testId="deploy-note" />
          </div>
        ) : null}
      </Modal>
      <Modal
        open={blocker.state === 'blocked'}
        title={t('modeler.leaveTitle')}
        okText={t('modeler.leave')}
        cancelText={t('modeler.stay')}
        okButtonProps={{ danger: true, 'data-testid': 'leave-confirm' } as ButtonProps}
        cancelButtonProps={{ 'data-testid': 'leave-cancel' } as ButtonProps}
        onOk={() => { setDirty(false); blocker.proceed?.(); }}
        onCancel={() => blocker.reset?.()}
      >
        {t('modeler.leaveBody')}
      </Modal>
    </div>
  );
}

interface HistoryItem {
  kind: 'deployed' | 'archived' | 'restored';
  version?: number;
  at: string;
  actor: string;
  note?: string;
}

/** Versions (each with its change note) and the archive / restore entries of the log, newest first. */
function historyItems(d: DefinitionDetail): HistoryItem[] {
  const items: HistoryItem[] = d.versions.map((v) => ({ kind: 'deployed', version: v.version, at: v.deployedAt, actor: v.deployedByName ?? v.deployedBy, note: v.changeNote }));
  for (const e of d.log ?? []) if (e.action !== 'deployed') items.push({ kind: e.action, at: e.at, actor: e.actorName ?? e.actor, note: e.note });
  return items.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}

const KIND_COLORS: Record<DiffKind, string> = { added: 'green', removed: 'red', changed: 'orange', layout: 'default' };
const SUMMARY_LIMIT = 12;

/**
 * The lint result inside the deploy confirmation (one action: the check is shown where the deploy is
 * confirmed). Errors never get here (they disable 部署); warnings are listed by element label.
 */
function DeployLint({ issues, onSelect }: { issues: LintIssue[]; onSelect: (id: string) => void }) {
  const { t } = useTranslation('designer');
  const warnings = issues.filter((i) => i.category === 'warn');
  if (!warnings.length) return <Alert type="success" showIcon data-testid="deploy-lint" data-warnings="0" style={{ marginBottom: 12 }} title={t('modeler.confirmLintClean')} />;
  return (
    <Alert type="warning" showIcon data-testid="deploy-lint" data-warnings={warnings.length} style={{ marginBottom: 12 }} title={t('modeler.confirmLintWarnings', { count: warnings.length })}
      description={(
        <ul style={{ margin: 0, paddingLeft: 18 }}>
          {warnings.slice(0, 5).map((w, n) => (
            <li key={`${w.id}:${w.rule}:${n}`} data-testid="deploy-lint-issue" data-element-id={w.id}>
              <Button type="link" size="small" style={{ padding: 0, height: 'auto' }} onClick={() => onSelect(w.id)}>{w.label}</Button>：{w.message}
            </li>
          ))}
          {warnings.length > 5 ? <li>{t('modeler.confirmLintMore', { count: warnings.length - 5 })}</li> : null}
        </ul>
      )} />
  );
}

/** What the deploy changes against the live version: counts per kind, then the changes themselves (not the moves). */
function DeploySummary({ confirm }: { confirm: { computing: boolean; live: string | null; entries: DiffEntry[]; first?: number; failed?: string } }) {
  const { t } = useTranslation('designer');
  if (confirm.computing) return <Typography.Paragraph><Spin size="small" /> {t('modeler.confirmComputing')}</Typography.Paragraph>;
  if (confirm.failed) return <Alert type="warning" title={t('modeler.confirmDiffFailed', { message: confirm.failed })} style={{ marginBottom: 12 }} />;
  if (confirm.first !== undefined) return <Typography.Paragraph data-testid="deploy-summary" data-first="true">{t('modeler.confirmFirst', { count: confirm.first })}</Typography.Paragraph>;
  if (confirm.entries.length === 0) return <Alert type="info" data-testid="deploy-summary" data-empty="true" title={t('modeler.confirmNoChange', { live: confirm.live })} style={{ marginBottom: 12 }} />;
  const counts = diffCounts(confirm.entries);
  const shown = confirm.entries.filter((e) => e.kind !== 'layout');
  return (
    <div data-testid="deploy-summary" style={{ marginBottom: 12 }}>
      <Space size={4} wrap style={{ marginBottom: 8 }}>
        <span>{t('modeler.confirmAgainst', { live: confirm.live })}</span>
        {(['added', 'changed', 'removed', 'layout'] as const).filter((k) => counts[k] > 0).map((k) => (
          <Tag key={k} color={KIND_COLORS[k]} data-testid="deploy-count" data-kind={k}>{t(`modeler.${k}`)} {counts[k]}</Tag>
        ))}
      </Space>
      <div style={{ maxHeight: 220, overflow: 'auto', border: '1px solid #f0f0f0', borderRadius: 6, padding: '4px 8px' }}>
        {shown.slice(0, SUMMARY_LIMIT).map((e) => (
          <div key={`${e.kind}:${e.id}`} data-testid="deploy-change" data-element-id={e.id} data-kind={e.kind} style={{ padding: '2px 0' }}>
            <Tag color={KIND_COLORS[e.kind]}>{t(`modeler.${e.kind}`)}</Tag>
            <span>{e.name ? `「${e.name}」` : `${typeName(e.type)} ${e.id}`}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}> {e.name ? e.typeName : ''}</Typography.Text>
            {(e.attrs ?? []).map((a) => (
              <div key={a.attr} style={{ fontSize: 12, paddingLeft: 8 }} data-testid="deploy-change-attr">
                {a.label}：<del>{a.oldValue}</del> → <ins>{a.newValue}</ins>
              </div>
            ))}
          </div>
        ))}
        {shown.length > SUMMARY_LIMIT ? <Typography.Text type="secondary">{t('modeler.confirmMore', { count: shown.length - SUMMARY_LIMIT })}</Typography.Text> : null}
      </div>
    </div>
  );
}
