import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Form, Input, Modal, Space, Table, Tag, Typography, type ButtonProps } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiErrorAlert, useApi } from '../../app/ApiError';
import { formatDateTime, formatVersion } from '../../format';
import { hitPolicyName } from './decision-errors';
import { DECISION_KEY_PATTERN } from './decision-template';
import { decisionsApi, type DecisionEntry } from './decisions-api';

/**
 * 决策表 — every deployed decision (DMN decision table) with its latest version, hit policy and the
 * change note of that version; 打开 edits the latest (older versions read-only from there);
 * 新建决策表 starts from a template.
 */
export default function DecisionsPage() {
  const { t } = useTranslation('designer');
  const navigate = useNavigate();
  const { data, error, loading, reload } = useApi(decisionsApi.list, []);
  const [creating, setCreating] = useState(false);
  const rows = [...(data ?? [])].sort((a, b) => (a.name || a.key).localeCompare(b.name || b.key, 'zh-CN'));

  return (
    <div className="designer-page" data-view="decisions">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} align="start" wrap>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>{t('decisions.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('decisions.intro')}</Typography.Text>
        </div>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={reload} loading={loading}>{t('list.refresh')}</Button>
          <Button type="primary" icon={<PlusOutlined />} data-testid="new-decision" onClick={() => setCreating(true)}>{t('decisions.create')}</Button>
        </Space>
      </Space>
      <ApiErrorAlert error={error} onRetry={reload} />
      <Card size="small">
        <Table<DecisionEntry>
          rowKey="key"
          size="middle"
          loading={loading && !data}
          dataSource={rows}
          pagination={rows.length > 20 ? { pageSize: 20 } : false}
          locale={{ emptyText: t('decisions.empty') }}
          onRow={(d) => ({ 'data-testid': 'decision-row', 'data-key': d.key }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            {
              title: t('decisions.name'),
              dataIndex: 'name',
              render: (name: string, d) => (
                <div>
                  <div data-testid="decision-name" style={{ fontWeight: 500, wordBreak: 'break-word' }}>{name || d.key}</div>
                  <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }}>{t('decisions.key')}：{d.key}</Typography.Text>
                </div>
              ),
            },
            { title: t('decisions.hitPolicy'), width: 150, render: (_: unknown, d) => <Tag>{hitPolicyName(d.versions[0]?.hitPolicy ?? '')}</Tag> },
            { title: t('list.latest'), dataIndex: 'latestVersion', width: 90, render: (v: number) => <Tag color="blue" data-testid="decision-latest">{formatVersion(v)}</Tag> },
            {
              title: t('decisions.lastDeploy'),
              render: (_: unknown, d) => {
                const v = d.versions[0];
                return v ? (
                  <Space direction="vertical" size={0}>
                    <Typography.Text type="secondary">{formatDateTime(v.deployedAt)} · {v.deployedBy === 'system' ? t('decisions.system') : v.deployedBy}</Typography.Text>
                    <Typography.Text ellipsis style={{ maxWidth: 360 }} title={v.changeNote}>{v.changeNote}</Typography.Text>
                  </Space>
                ) : '—';
              },
            },
            {
              title: t('list.actions'),
              width: 90,
              render: (_: unknown, d) => (
                <Button size="small" data-testid="open-decision" data-key={d.key} onClick={() => navigate(`/designer/decisions/${encodeURIComponent(d.key)}/${d.latestVersion}`)}>{t('list.open')}</Button>
              ),
            },
          ]}
        />
      </Card>
      <CreateDecisionDialog open={creating} existing={data ?? []} onClose={() => setCreating(false)} />
    </div>
  );
}

interface CreateValues {
  key: string;
  name: string;
}

/** 新建决策表: the decision's id (what a business rule task names) and name → the editor with a template. */
function CreateDecisionDialog({ open, existing, onClose }: { open: boolean; existing: DecisionEntry[]; onClose: () => void }) {
  const { t } = useTranslation('designer');
  const navigate = useNavigate();
  const [form] = Form.useForm<CreateValues>();
  const submit = (values: CreateValues) => {
    onClose();
    navigate(`/designer/decisions/new?${new URLSearchParams({ key: values.key, name: values.name.trim() }).toString()}`);
  };
  return (
    <Modal open={open} title={t('decisions.createTitle')} okText={t('create.ok')} cancelText={t('create.cancel')} onCancel={onClose} onOk={() => form.submit()} destroyOnHidden okButtonProps={{ 'data-testid': 'decision-create-submit' } as ButtonProps}>
      <Form<CreateValues> form={form} layout="vertical" onFinish={submit} preserve={false}>
        <Form.Item
          name="key"
          label={t('decisions.key')}
          extra={t('decisions.keyHelp')}
          rules={[
            { required: true, pattern: DECISION_KEY_PATTERN, message: t('decisions.keyInvalid') },
            {
              validator: async (_, value: string) => {
                const taken = existing.find((d) => d.key === value);
                if (taken) throw new Error(t('decisions.keyTaken', { name: taken.name || taken.key }));
              },
            },
          ]}
        >
          <Input data-testid="decision-create-key" autoComplete="off" />
        </Form.Item>
        <Form.Item name="name" label={t('decisions.name')} rules={[{ required: true, whitespace: true, max: 100 }]}>
          <Input data-testid="decision-create-name" autoComplete="off" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
