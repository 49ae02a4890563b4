import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import './designer.css';

import { ArrowLeftOutlined, CloudUploadOutlined, EyeOutlined } from '@ant-design/icons';
import { Alert, Button, Input, Modal, Select, Space, Spin, Tag, Typography, type ButtonProps } from 'antd';
import DmnModeler from 'dmn-js/lib/Modeler';
import DmnViewer from 'dmn-js/lib/Viewer';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBlocker, useLocation, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { ApiProblem } from '../../api-client';
import { toUserMessage } from '../../errors';
import { formatDateTime, formatVersion } from '../../format';
import { clearStatus, showStatus } from '../../status';
import { explainDecisionProblem, hitPolicyName, type DecisionProblem } from './decision-errors';
import { decisionTemplate } from './decision-template';
import { decisionsApi, type DecisionEntry } from './decisions-api';
import { dmnTranslateModule } from './dmn-zh';
import { ChangeNoteField } from './ChangeNoteField';

/**
 * 决策表编辑 — a decision (DMN decision table) in dmn-js's table editor, in Chinese: the latest
 * version to edit and deploy with a change note (变更说明, required), an older version read-only
 * (dmn-js's viewer), a new decision from the template. A refused deploy (422) says in Chinese which
 * decision, rule and column and why (decision-errors.ts), in the dialog.
 */
export default function DecisionEditorPage() {
  const { t } = useTranslation('designer');
  const navigate = useNavigate();
  const params = useParams();
  const [search] = useSearchParams();
  const key = params.key ?? search.get('key') ?? '';
  const version = params.version ? Number(params.version) : null;
  const newName = search.get('name') ?? '';
  const isNew = !params.key;

  const containerRef = useRef<HTMLDivElement>(null);
  const pageRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<DmnModeler | null>(null);
  const dirtyRef = useRef(false);

  const [entry, setEntry] = useState<DecisionEntry | null>(null);
  const [entryLoaded, setEntryLoaded] = useState(isNew);
  const [ready, setReady] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [dirty, setDirtyState] = useState(false);
  const [title, setTitle] = useState('');
  const [confirm, setConfirm] = useState(false);
  const [note, setNote] = useState('');
  const [noteTouched, setNoteTouched] = useState(false);
  const [deploying, setDeploying] = useState(false);
  const [problem, setProblem] = useState<DecisionProblem | null>(null);

  const latest = entry?.latestVersion ?? null;
  const readOnly = !isNew && latest !== null && version !== null && version < latest;
  const shown = entry?.versions.find((v) => v.version === version);

  const setDirty = useCallback((value: boolean) => {
    dirtyRef.current = value;
    setDirtyState(value);
  }, []);

  // ---------------------------------------------------------------- fill the window below the shell
  useEffect(() => {
    const page = pageRef.current!;
    const fit = () => { page.style.height = `${Math.max(460, Math.floor(window.innerHeight - page.getBoundingClientRect().top - 16))}px`; };
    fit();
    window.addEventListener('resize', fit);
    return () => window.removeEventListener('resize', fit);
  }, []);

  // ---------------------------------------------------------------- the decision's versions
  const loadEntry = useCallback(async () => {
    if (isNew) return;
    try {
      setEntry(await decisionsApi.entry(key));
    } catch (error) {
      const m = toUserMessage(error, '决策表加载失败。');
      setLoadError(error instanceof ApiProblem && error.status === 404 ? t('decisions.notFound', { key }) : m.message);
    } finally {
      setEntryLoaded(true);
    }
  }, [isNew, key, t]);
  useEffect(() => { void loadEntry(); }, [loadEntry]);

  // ---------------------------------------------------------------- the editor (or the viewer, for an older version)
  useEffect(() => {
    if (!entryLoaded || (!isNew && !entry)) return;
    let cancelled = false;
    setReady(false);
    const Editor = readOnly ? DmnViewer : DmnModeler;
    // the Chinese translate module per view: dmn-js gives each view its own additionalModules (a `common` list is dropped)
    const zh = { additionalModules: [dmnTranslateModule] };
    const editor = new Editor({ container: containerRef.current!, drd: zh, decisionTable: zh, literalExpression: zh, boxedExpression: zh });
    editorRef.current = editor;
    const onChange = () => {
      if (readOnly) return;
      setDirty(true);
      setProblem(null);
      const d = editor.getDefinitions()?.drgElement?.find((e) => e.id === key);
      if (d) setTitle(d.name ?? key);
    };
    void (async () => {
      try {
        const xml = isNew ? decisionTemplate(key, newName || key) : await decisionsApi.xml(key, version ?? undefined);
        if (cancelled) return;
        await editor.importXML(xml);
        const tables = editor.getViews().filter((v) => v.type === 'decisionTable');
        const view = tables.find((v) => v.element.id === key) ?? tables[0];
        if (!view) throw new Error(t('decisions.noTable'));
        await editor.open(view);
        if (cancelled) return;
        setTitle(view.element.name ?? view.element.id);
        editor.getActiveViewer()?.on('elements.changed', onChange);
        setDirty(isNew);
        setLoadError(null);
        setReady(true);
      } catch (error) {
        if (cancelled) return;
        const m = toUserMessage(error, '决策表无法打开。');
        setLoadError(m.message);
        showStatus('error', m.message, m.details);
      }
    })();
    return () => {
      cancelled = true;
      editor.destroy();
      if (editorRef.current === editor) editorRef.current = null;
    };
  }, [entryLoaded, entry, isNew, key, version, readOnly, newName, setDirty, t]);

  useEffect(() => () => clearStatus(), []);
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

  // ---------------------------------------------------------------- deploy
  const sentXml = useRef<string | undefined>(undefined);
  const deploy = async () => {
    const editor = editorRef.current;
    if (!editor || readOnly || deploying) return;
    if (!note.trim()) {
      setNoteTouched(true);
      return;
    }
    setDeploying(true);
    setProblem(null);
    try {
      const { xml } = await editor.saveXML({ format: true });
      sentXml.current = xml;
      const stored = await decisionsApi.deploy(xml, note.trim());
      const mine = stored.find((v) => v.key === key) ?? stored[0];
      setConfirm(false);
      setDirty(false);
      const deployed = t('decisions.deployed', { name: mine.name || mine.key, version: formatVersion(mine.version) });
      navigate(`/designer/decisions/${encodeURIComponent(mine.key)}/${mine.version}`, { replace: true, state: { deployed } });
      if (!isNew) void loadEntry();
    } catch (error) {
      setProblem(explainDecisionProblem(error, sentXml.current));
    } finally {
      setDeploying(false);
    }
  };

  const versions = [...(entry?.versions ?? [])].sort((a, b) => b.version - a.version);
  return (
    <div className="decision-page" data-view="decision-editor" ref={pageRef}>
      <div className="modeler-toolbar" role="toolbar" aria-label={t('decisions.toolbar')}>
        <Space size="middle" style={{ minWidth: 0 }}>
          <Button icon={<ArrowLeftOutlined />} data-testid="decisions-back" onClick={() => navigate('/designer/decisions')}>{t('decisions.back')}</Button>
          <div className="modeler-title">
            <strong data-testid="decision-title">{title || key || '—'}</strong>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {isNew ? t('decisions.newDecision', { key }) : `${key} · ${version ? formatVersion(version) : ''}${shown ? ` · ${hitPolicyName(shown.hitPolicy)}` : ''}`}
            </Typography.Text>
          </div>
          {readOnly ? <Tag icon={<EyeOutlined />} data-testid="decision-readonly">{t('decisions.readOnly')}</Tag> : null}
          {dirty ? <Tag color="warning" data-testid="decision-dirty">{t('modeler.dirty')}</Tag> : null}
        </Space>
        <Space wrap size="small">
          {versions.length ? (
            <Select
              aria-label={t('modeler.version')}
              data-testid="decision-version-select"
              style={{ width: 200 }}
              value={version ?? undefined}
              onChange={(v: number) => navigate(`/designer/decisions/${encodeURIComponent(key)}/${v}`)}
              options={versions.map((v) => ({ value: v.version, label: `${formatVersion(v.version)} · ${formatDateTime(v.deployedAt).split(' ')[0]}${v.version === latest ? ' · 最新' : ''}` }))}
            />
          ) : null}
          {readOnly ? (
            <Button data-testid="decision-open-latest" onClick={() => navigate(`/designer/decisions/${encodeURIComponent(key)}/${latest}`)}>{t('decisions.openLatest', { version: formatVersion(latest!) })}</Button>
          ) : (
            <Button type="primary" icon={<CloudUploadOutlined />} data-testid="decision-deploy" disabled={!ready} onClick={() => { setNote(''); setNoteTouched(false); setProblem(null); setConfirm(true); }}>{t('modeler.deploy')}</Button>
          )}
        </Space>
      </div>
      {readOnly && shown ? (
        <Alert type="info" showIcon data-testid="decision-readonly-banner" style={{ margin: '0 0 8px' }}
          title={t('decisions.readOnlyBanner', { version: formatVersion(shown.version), at: formatDateTime(shown.deployedAt), by: shown.deployedBy === 'system' ? t('decisions.system') : shown.deployedBy, latest: formatVersion(latest!) })}
          description={shown.changeNote ? `${t('modeler.noteLabel')}：${shown.changeNote}` : undefined} />
      ) : null}
      {loadError ? <Alert type="error" showIcon data-testid="decision-load-error" title={loadError} style={{ marginBottom: 8 }} /> : null}
      <div className="decision-main">
        {!ready && !loadError ? <Spin style={{ position: 'absolute', left: '50%', top: 48 }} /> : null}
        <div className="decision-canvas" ref={containerRef} data-testid="decision-editor" data-ready={ready ? 'true' : 'false'} data-readonly={readOnly ? 'true' : 'false'} />
      </div>
      <Modal
        open={confirm}
        title={t('decisions.confirmTitle')}
        okText={t('modeler.confirmOk')}
        cancelText={t('modeler.cancel')}
        width={620}
        onCancel={() => { if (!deploying) setConfirm(false); }}
        onOk={() => void deploy()}
        confirmLoading={deploying}
        okButtonProps={{ 'data-testid': 'decision-deploy-confirm' } as ButtonProps}
        cancelButtonProps={{ 'data-testid': 'decision-deploy-cancel' } as ButtonProps}
        destroyOnHidden
      >
        <div data-testid="decision-deploy-dialog">
          <Typography.Paragraph data-testid="decision-deploy-target">
            {t('decisions.confirmTarget', { name: title || key, version: formatVersion((latest ?? 0) + 1) })}
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary">{t('decisions.confirmBody')}</Typography.Paragraph>
          {problem ? (
            <Alert type="error" showIcon role="alert" data-testid="decision-deploy-error" style={{ marginBottom: 12 }} title={<span title={problem.technical}>{problem.message}</span>}
              description={problem.details.length ? <ul style={{ margin: 0, paddingLeft: 18 }}>{problem.details.map((d, i) => <li key={i}>{d}</li>)}</ul> : undefined} />
          ) : null}
          <ChangeNoteField value={note} onChange={setNote} touched={noteTouched} onTouched={() => setNoteTouched(true)} placeholder={t('decisions.notePlaceholder')} testId="decision-note" />
        </div>
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
