import { InboxOutlined, PlusOutlined, ReloadOutlined, UndoOutlined } from '@ant-design/icons';
import { App as AntApp, Button, Card, Form, Input, Modal, Radio, Space, Switch, Table, Tag, Typography, type ButtonProps } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { listDefinitions, setDefinitionArchived, type DefinitionSummary } from '../../api-client';
import { toUserMessage } from '../../errors';
import { ApiErrorAlert, useApi } from '../../app/ApiError';
import { formatDateTime, formatVersion } from '../../format';
import { CASE_CATEGORIES } from '../../modeler/svc-properties/svc-options';
import { KEY_PATTERN, PATTERNS } from './pattern-list';

/** 流程定义 — every deployed process key with its latest version; 新建流程 from a path pattern. */
export function DefinitionsPage() {
  const { t } = useTranslation('designer');
  const navigate = useNavigate();
  const { data, error, loading, reload } = useApi(listDefinitions, []);
  const [creating, setCreating] = useState(false);
  const [showArchived, setShowArchived] = useState(true);
  const [archiving, setArchiving] = useState<DefinitionSummary | null>(null);
  // archived definitions last, each group by name
  const rows = [...(data ?? [])]
    .filter((d) => showArchived || !d.archived)
    .sort((a, b) => Number(!!a.archived) - Number(!!b.archived) || (a.name || a.key).localeCompare(b.name || b.key, 'zh-CN'));

  return (
    <div className="designer-page">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} align="start" wrap>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>{t('list.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('list.intro')}</Typography.Text>
        </div>
        <Space>
          <Space size={4}>
            <Switch size="small" checked={showArchived} onChange={setShowArchived} data-testid="show-archived" aria-label={t('list.showArchived')} />
            <span>{t('list.showArchived')}</span>
          </Space>
          <Button icon={<ReloadOutlined />} onClick={reload} loading={loading}>{t('list.refresh')}</Button>
          <Button type="primary" icon={<PlusOutlined />} data-testid="new-definition" onClick={() => setCreating(true)}>{t('list.create')}</Button>
        </Space>
      </Space>
      <ApiErrorAlert error={error} onRetry={reload} />
      <Card size="small">
        <Table<DefinitionSummary>
          rowKey="key"
          size="middle"
          loading={loading && !data}
          dataSource={rows}
          pagination={rows.length > 20 ? { pageSize: 20 } : false}
          locale={{ emptyText: t('list.empty') }}
          onRow={(d) => ({ 'data-testid': 'definition-row', 'data-key': d.key, 'data-archived': d.archived ? 'true' : 'false', style: d.archived ? { opacity: 0.75 } : undefined }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            {
              // the process's name is what a designer looks for; its key (流程标识) is secondary, below it
              title: t('list.name'),
              dataIndex: 'name',
              render: (name: string, d) => (
                <div>
                  <div data-testid="definition-name" style={{ fontWeight: 500, wordBreak: 'break-word' }}>{name || t('list.unnamed')}</div>
                  <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }} data-testid="definition-key">{t('list.key')}：{d.key}</Typography.Text>
                </div>
              ),
            },
            { title: t('list.category'), dataIndex: 'caseCategory', render: (c?: string) => (c ? <Tag>{CASE_CATEGORIES.find((x) => x.value === c)?.label ?? c}</Tag> : '—') },
            { title: t('list.latest'), dataIndex: 'latestVersion', width: 100, render: (v: number) => <Tag color="blue">{formatVersion(v)}</Tag> },
            {
              title: t('list.state'),
              width: 130,
              render: (_: unknown, d) => (d.archived
                ? (
                  <Space direction="vertical" size={0}>
                    <Tag color="default" data-testid="definition-state" data-state="archived">{t('list.archived')}</Tag>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="definition-archived-by">{t('list.archivedBy', { by: d.archivedByName ?? d.archivedBy ?? '—', at: formatDateTime(d.archivedAt ?? '').split(' ')[0] })}</Typography.Text>
                  </Space>
                )
                : <Tag color="green" data-testid="definition-state" data-state="active">{t('list.active')}</Tag>),
            },
            {
              title: t('list.deployed'),
              render: (_: unknown, d) => {
                const latest = d.versions.find((v) => v.version === d.latestVersion);
                return latest ? <Typography.Text type="secondary">{formatDateTime(latest.deployedAt)} · {latest.deployedByName || latest.deployedBy || '—'}</Typography.Text> : '—';
              },
            },
            {
              title: t('list.actions'),
              width: 160,
              render: (_: unknown, d) => (
                <Space size={4}>
                  <Button size="small" data-testid="open-definition" data-key={d.key} onClick={() => navigate(`/designer/modeler/${encodeURIComponent(d.key)}/${d.latestVersion}`)}>
                    {t('list.open')}
                  </Button>
                  {d.archived
                    ? <Button size="small" icon={<UndoOutlined />} data-testid="restore-definition" onClick={() => setArchiving(d)}>{t('list.restore')}</Button>
                    : <Button size="small" icon={<InboxOutlined />} data-testid="archive-definition" onClick={() => setArchiving(d)}>{t('list.archive')}</Button>}
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <CreateDialog open={creating} existing={data ?? []} onClose={() => setCreating(false)} />
      <ArchiveDialog definition={archiving} onClose={() => setArchiving(null)} onDone={reload} />
    </div>
  );
}

/** 归档 / 恢复 a definition, with an optional reason kept in its log. */
function ArchiveDialog({ definition, onClose, onDone }: { definition: DefinitionSummary | null; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation('designer');
  const { message } = AntApp.useApp();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const archive = !definition?.archived;
  const name = definition?.name || definition?.key || '';
  const submit = async () => {
    if (!definition) return;
    setBusy(true);
    setError(null);
    try {
      await setDefinitionArchived(definition.key, archive, reason);
      void message.success(t(archive ? 'list.archived_ok' : 'list.restored_ok', { name }));
      setReason('');
      onClose();
      onDone();
    } catch (e) {
      setError(toUserMessage(e, archive ? '归档失败。' : '恢复失败。').message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={!!definition}
      title={t(archive ? 'list.archiveTitle' : 'list.restoreTitle', { name })}
      okText={t(archive ? 'list.archive' : 'list.restore')}
      cancelText={t('create.cancel')}
      okButtonProps={{ danger: archive, 'data-testid': 'archive-confirm' } as ButtonProps}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={() => { setReason(''); setError(null); onClose(); }}
      destroyOnHidden
    >
      <Typography.Paragraph>{t(archive ? 'list.archiveBody' : 'list.restoreBody')}</Typography.Paragraph>
      <Input.TextArea data-testid="archive-reason" aria-label={t('list.reason')} placeholder={t('list.reason')} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} autoSize={{ minRows: 2, maxRows: 4 }} />
      {error ? <Typography.Text type="danger" data-testid="archive-error">{error}</Typography.Text> : null}
    </Modal>
  );
}

interface CreateValues {
  pattern: string;
  key: string;
  name: string;
}

/** 新建流程: a path pattern (or blank), the new process key and name → the modeler. */
function CreateDialog({ open, existing, onClose }: { open: boolean; existing: DefinitionSummary[]; onClose: () => void }) {
  const { t } = useTranslation('designer');
  const navigate = useNavigate();
  const [form] = Form.useForm<CreateValues>();
  const submit = (values: CreateValues) => {
    const q = new URLSearchParams({ key: values.key, name: values.name });
    if (values.pattern !== 'blank') q.set('pattern', values.pattern);
    onClose();
    navigate(`/designer/modeler/new?${q.toString()}`);
  };
  return (
    <Modal open={open} title={t('create.title')} okText={t('create.ok')} cancelText={t('create.cancel')} onCancel={onClose} onOk={() => form.submit()} destroyOnHidden okButtonProps={{ 'data-testid': 'create-submit' } as ButtonProps}>
      <Form<CreateValues> form={form} layout="vertical" initialValues={{ pattern: 'report-up-item' }} onFinish={submit} preserve={false}>
        <Form.Item name="pattern" label={t('create.pattern')}>
          <Radio.Group data-testid="create-pattern">
            <Space direction="vertical">
              {PATTERNS.map((p) => <Radio key={p.id} value={p.id}>{t(`patterns.${p.id}`)}</Radio>)}
              <Radio value="blank">{t('create.blank')}</Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        <Form.Item
          name="key"
          label={t('create.key')}
          extra={t('create.keyHelp')}
          rules={[
            { required: true, pattern: KEY_PATTERN, message: t('create.keyInvalid') },
            {
              validator: async (_, value: string) => {
                const taken = existing.find((d) => d.key === value);
                if (taken) throw new Error(t('create.keyTaken', { name: taken.name || taken.key }));
              },
            },
          ]}
        >
          <Input data-testid="create-key" autoComplete="off" />
        </Form.Item>
        <Form.Item name="name" label={t('create.name')} rules={[{ required: true, whitespace: true, max: 100 }]}>
          <Input data-testid="create-name" autoComplete="off" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
