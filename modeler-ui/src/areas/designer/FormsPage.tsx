import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Form, Input, Modal, Space, Table, Tag, Typography, type ButtonProps } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiErrorAlert, useApi } from '../../app/ApiError';
import { formatDateTime, formatVersion } from '../../format';
import { FORM_ID_PATTERN, formsApi, type FormSummary } from './forms-api';

/** 表单 — the forms of task steps and intake (form-js schemas), each opened in the form editor. */
export default function FormsPage() {
  const { t } = useTranslation('designer');
  const navigate = useNavigate();
  const { data, error, loading, reload } = useApi(formsApi.list, []);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<{ id: string; name: string }>();
  const rows = [...(data ?? [])].sort((a, b) => a.id.localeCompare(b.id));
  const open = (id: string, name?: string) => navigate(`/designer/forms/${encodeURIComponent(id)}${name ? `?name=${encodeURIComponent(name)}` : ''}`);

  return (
    <div className="designer-page">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} align="start" wrap>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>{t('forms.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('forms.intro')}</Typography.Text>
        </div>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={reload} loading={loading}>{t('list.refresh')}</Button>
          <Button type="primary" icon={<PlusOutlined />} data-testid="new-form" onClick={() => setCreating(true)}>{t('forms.create')}</Button>
        </Space>
      </Space>
      <ApiErrorAlert error={error} onRetry={reload} />
      <Card size="small">
        <Table<FormSummary>
          rowKey="id"
          size="middle"
          loading={loading && !data}
          dataSource={rows}
          pagination={rows.length > 20 ? { pageSize: 20 } : false}
          locale={{ emptyText: t('forms.empty') }}
          onRow={(f) => ({ 'data-testid': 'form-row', 'data-id': f.id }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('forms.name'), dataIndex: 'name' },
            { title: t('forms.id'), dataIndex: 'id', render: (id: string) => <Typography.Text code>{id}</Typography.Text> },
            { title: t('forms.version'), dataIndex: 'version', width: 90, render: (v: number) => <Tag color="blue">{formatVersion(v)}</Tag> },
            { title: t('forms.updated'), render: (_: unknown, f) => <Typography.Text type="secondary">{formatDateTime(f.updatedAt)} · <span data-testid="form-updated-by">{f.updatedBy === 'system' ? t('forms.system') : (f.updatedByName ?? f.updatedBy ?? '—')}</span></Typography.Text> },
            { title: t('list.actions'), width: 90, render: (_: unknown, f) => <Button size="small" data-testid="open-form" onClick={() => open(f.id)}>{t('forms.open')}</Button> },
          ]}
        />
      </Card>
      <Modal open={creating} title={t('forms.create')} onCancel={() => setCreating(false)} onOk={() => form.submit()} destroyOnHidden okText={t('create.ok')} cancelText={t('create.cancel')} okButtonProps={{ 'data-testid': 'create-form-submit' } as ButtonProps}>
        <Form form={form} layout="vertical" preserve={false} onFinish={(v) => { setCreating(false); open(v.id, v.name); }}>
          <Form.Item name="id" label={t('forms.id')} extra={t('create.keyHelp')} rules={[
            { required: true, pattern: FORM_ID_PATTERN, message: t('create.keyInvalid') },
            { validator: async (_, v: string) => { const f = rows.find((r) => r.id === v); if (f) throw new Error(t('create.keyTaken', { name: f.name })); } },
          ]}>
            <Input data-testid="create-form-id" autoComplete="off" />
          </Form.Item>
          <Form.Item name="name" label={t('forms.name')} rules={[{ required: true, whitespace: true, max: 100 }]}>
            <Input data-testid="create-form-name" autoComplete="off" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
