import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Input, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiErrorAlert, useApi } from '../../app/ApiError';
import { formatDateTime, formatVersion } from '../../format';
import { catalogueApi, type CatalogueItem, type ItemChangeEntry } from './catalogue-api';

const CATEGORY_COLORS: Record<string, string> = { immediate: 'green', promised: 'blue', 'report-up': 'orange', joint: 'purple' };

/** 事项目录 — every catalogue item with its category, limits and current version; each opens in the item editor. */
export default function CataloguePage() {
  const { t } = useTranslation('designer');
  const navigate = useNavigate();
  const { data, error, loading, reload } = useApi(catalogueApi.list, []);
  const windows = useApi(catalogueApi.cityWindows, []);
  const [q, setQ] = useState('');
  const [tab, setTab] = useState('items');
  const deptName = useMemo(() => new Map((windows.data ?? []).filter((w) => w.kind === 'department').map((w) => [w.department, w.name])), [windows.data]);
  const rows = (data ?? []).filter((i) => !q.trim() || i.name.includes(q.trim()) || i.code.toLowerCase().includes(q.trim().toLowerCase()));

  return (
    <div className="designer-page">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} align="start" wrap>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>{t('catalogue.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('catalogue.intro')}</Typography.Text>
        </div>
        <Space>
          <Input.Search allowClear placeholder={t('catalogue.search')} onChange={(e) => setQ(e.target.value)} style={{ width: 220 }} data-testid="catalogue-search" />
          <Button icon={<ReloadOutlined />} onClick={reload} loading={loading}>{t('list.refresh')}</Button>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/designer/catalogue/new')} data-testid="new-item">{t('catalogue.new')}</Button>
        </Space>
      </Space>
      <ApiErrorAlert error={error} onRetry={reload} />
      <Card size="small">
        <Tabs
          activeKey={tab}
          onChange={setTab}
          size="small"
          items={[
            { key: 'items', label: t('catalogue.tabItems'), children: (
        <Table<CatalogueItem>
          rowKey="code"
          size="small"
          loading={loading && !data}
          dataSource={rows}
          pagination={false}
          scroll={{ y: 'calc(100vh - 310px)' }}
          onRow={(i) => ({ 'data-testid': 'catalogue-row', 'data-code': i.code }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('catalogue.code'), dataIndex: 'code', width: 80 },
            { title: t('catalogue.name'), dataIndex: 'name', render: (n: string) => <span style={{ wordBreak: 'keep-all' }}>{n}</span> },
            { title: t('catalogue.department'), dataIndex: 'department', width: 190, render: (d: string) => deptName.get(d) ?? d },
            { title: t('catalogue.category'), dataIndex: 'defaultCategory', width: 84, render: (c: string) => <Tag color={CATEGORY_COLORS[c]}>{t(`catalogue.categories.${c}`, { defaultValue: c })}</Tag> },
            { title: t('catalogue.limits'), width: 128, render: (_: unknown, i) => t('catalogue.limitsValue', { s: i.statutoryLimitDays, p: i.promisedLimitDays }) },
            { title: t('catalogue.version'), dataIndex: 'version', width: 64, render: (v?: number) => (v ? <Tag color="blue">{formatVersion(v)}</Tag> : '—') },
            { title: t('catalogue.updated'), width: 150, render: (_: unknown, i) => <Typography.Text type="secondary" style={{ fontSize: 12 }}>{formatDateTime(i.updatedAt)}</Typography.Text> },
            { title: t('list.actions'), width: 72, render: (_: unknown, i) => <Button size="small" data-testid="edit-item" onClick={() => navigate(`/designer/catalogue/${encodeURIComponent(i.code)}`)}>{t('catalogue.edit')}</Button> },
          ]}
        />
            ) },
            { key: 'changes', label: <span data-testid="tab-changes">{t('catalogue.tabChanges')}</span>, children: tab === 'changes' ? <ChangeLog /> : null },
          ]}
        />
      </Card>
    </div>
  );
}

/** 修改记录 — the catalogue's change log (审计): who changed which item when, why and what, newest first (last 90 days). */
function ChangeLog() {
  const { t } = useTranslation('designer');
  const navigate = useNavigate();
  const { data, error, loading, reload } = useApi(catalogueApi.changes, []);
  return (
    <>
      <ApiErrorAlert error={error} onRetry={reload} />
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>{t('catalogue.changesIntro')}</Typography.Paragraph>
      <Table<ItemChangeEntry>
        rowKey={(c) => `${c.code}@${c.version}`}
        size="small"
        loading={loading && !data}
        dataSource={data ?? []}
        pagination={(data?.length ?? 0) > 50 ? { pageSize: 50 } : false}
        scroll={{ y: 'calc(100vh - 340px)' }}
        onRow={(c) => ({ 'data-testid': 'change-row', 'data-code': c.code, 'data-version': c.version }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('catalogue.changedAt'), dataIndex: 'savedAt', width: 172, render: (v: string) => formatDateTime(v) },
          { title: t('catalogue.name'), width: 260, render: (_: unknown, c) => <a onClick={() => navigate(`/designer/catalogue/${encodeURIComponent(c.code)}`)}>{c.itemName}</a> },
          { title: t('catalogue.version'), dataIndex: 'version', width: 64, render: (v: number) => <Tag color="blue">{formatVersion(v)}</Tag> },
          { title: t('catalogue.changedBy'), dataIndex: 'savedByName', width: 150 },
          { title: t('catalogue.whatChanged'), render: (_: unknown, c) => (
            <div>
              {c.note && <div>{t('catalogue.noteShort')}：{c.note}</div>}
              <ul style={{ margin: 0, paddingLeft: 16, fontSize: 12 }}>{c.changes.map((x, i) => <li key={i}>{x.summary}</li>)}</ul>
            </div>
          ) },
        ]}
      />
    </>
  );
}
