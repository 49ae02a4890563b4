import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import '@bpmn-io/form-js-editor/dist/assets/form-js-editor.css';
import './designer.css';

import { ArrowLeftOutlined, SaveOutlined } from '@ant-design/icons';
import { FormEditor } from '@bpmn-io/form-js-editor';
import { App as AntApp, Button, Input, Select, Space, Tag, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { ApiProblem } from '../../api-client';
import { ApiErrorAlert, useErrorToast } from '../../app/ApiError';
import { formatVersion } from '../../format';
import { blankSchema, formsApi } from './forms-api';
import { localizeFormEditor } from './form-editor-zh';

/** 表单编辑 — one form in the form-js editor; saving makes a new version (PUT /api/forms/:id). */
export default function FormEditorPage() {
  const { t } = useTranslation('designer');
  const { message } = AntApp.useApp();
  const toastError = useErrorToast();
  const navigate = useNavigate();
  const id = useParams().id!;
  const [search] = useSearchParams();
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<FormEditor | null>(null);
  const [name, setName] = useState(search.get('name') ?? '');
  const [version, setVersion] = useState<number | null>(null);
  const [latest, setLatest] = useState<number | null>(null);
  const [shown, setShown] = useState<number | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const e = new FormEditor({ container: host.current! });
    editor.current = e;
    const stopLocalizing = localizeFormEditor(host.current!); // the editor's palette and properties in Chinese
    return () => { stopLocalizing(); e.destroy(); editor.current = null; };
  }, []);

  useEffect(() => {
    let cancelled = false;
    setReady(false);
    void (async () => {
      let schema: Record<string, unknown>;
      try {
        const doc = await formsApi.get(id, shown);
        if (cancelled) return;
        schema = doc.schema;
        setName(doc.name);
        setVersion(doc.version);
        setLatest(doc.latestVersion ?? (shown ? null : doc.version));
      } catch (err) {
        if (cancelled) return;
        if (!(err instanceof ApiProblem && err.status === 404)) { setError(err); return; }
        schema = blankSchema(id); // a new form
        setVersion(null);
        setLatest(null);
      }
      try {
        await editor.current?.importSchema(schema);
        setError(null);
        setReady(true);
      } catch (err) {
        if (!cancelled) setError(err);
      }
    })();
    return () => { cancelled = true; };
  }, [id, shown]);

  const save = async () => {
    if (!editor.current || !name.trim()) return;
    setSaving(true);
    try {
      const result = await formsApi.save(id, name.trim(), editor.current.saveSchema(), latest ?? 0);
      setVersion(result.version);
      setLatest(result.version);
      setShown(undefined);
      void message.success(t('forms.saved', { id: result.id, version: result.version }));
    } catch (err) {
      toastError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="designer-page">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} wrap>
        <Space wrap>
          <Button icon={<ArrowLeftOutlined />} onClick={() => navigate('/designer/forms')}>{t('forms.back')}</Button>
          <Typography.Text code>{id}</Typography.Text>
          <Input aria-label={t('forms.name')} placeholder={t('forms.name')} value={name} onChange={(e) => setName(e.target.value)} style={{ width: 260 }} data-testid="form-name" status={name.trim() ? undefined : 'error'} />
          {version ? <Tag color="blue" data-testid="form-version">{formatVersion(version)}</Tag> : <Tag>新表单</Tag>}
          {latest && latest > 1 ? (
            <Select aria-label={t('forms.version')} style={{ width: 120 }} value={shown ?? latest} onChange={(v: number) => setShown(v === latest ? undefined : v)}
              options={Array.from({ length: latest }, (_, i) => latest - i).map((v) => ({ value: v, label: formatVersion(v) }))} />
          ) : null}
        </Space>
        <Button type="primary" icon={<SaveOutlined />} loading={saving} disabled={!ready || !name.trim()} onClick={() => void save()} data-testid="save-form">{t('forms.save')}</Button>
      </Space>
      <ApiErrorAlert error={error} />
      <div ref={host} className="form-editor-host" data-testid="form-editor" data-ready={ready ? 'true' : 'false'} />
    </div>
  );
}
