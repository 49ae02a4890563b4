import { ReloadOutlined } from '@ant-design/icons';
import { App as AntApp, Button, Card, Empty, Grid, Pagination, Segmented, Space, Spin, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../../api-client';
import { ApiErrorAlert, useApi, useErrorToast } from '../../app/ApiError';
import { useSession } from '../../app/session';
import { DeadlineTag, dueText, RemainingText } from './common';
import { formatDateTime } from './format';
import type { Task } from './types';

type Filter = 'mine' | 'window' | 'groups' | 'cc';
const FILTERS: Filter[] = ['mine', 'window', 'groups', 'cc'];

/** What `GET /api/inbox/counts` answers: the size of each inbox (the tabs' badges, the home page's cards). */
export interface InboxCounts { mine: { total: number; late: number; warned: number; capped?: boolean }; window: number; cc: number; groups: number }
/** Rows per page: the server reads one page (its enrichment — clocks, cases, names — is per row). */
const PAGE = 50;
const totalOf = (c: InboxCounts | undefined, f: Filter) => (c ? (f === 'mine' ? c.mine.total : c[f]) : undefined);

const dueMs = (t: Task) => (t.deadline?.dueAt ? new Date(t.deadline.dueAt).getTime() : Number.POSITIVE_INFINITY);

/** 待办: the clerk's tasks sorted by deadline, with 正常 / 即将到期 / 已超期 marks; claim and open. */
export function InboxPage() {
  const { t } = useTranslation('workbench');
  const navigate = useNavigate();
  const session = useSession();
  const { message } = AntApp.useApp();
  const toast = useErrorToast();
  const [params, setParams] = useSearchParams();
  const filter = (FILTERS.includes(params.get('filter') as Filter) ? params.get('filter') : 'mine') as Filter;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const tasks = useApi(() => api.get<Task[]>(`/api/inbox?filter=${filter}&limit=${PAGE}&offset=${(page - 1) * PAGE}`), [filter, page]);
  const counts = useApi(() => api.get<InboxCounts>('/api/inbox/counts'), [filter]);
  const total = totalOf(counts.data, filter);
  const goPage = (p: number) => setParams({ filter, ...(p > 1 ? { page: String(p) } : {}) });
  const reload = () => { tasks.reload(); counts.reload(); };
  const [claiming, setClaiming] = useState<string | null>(null);
  const me = session.user?.username;
  const phone = !Grid.useBreakpoint().md;

  // copies come newest first; the others by deadline (the server's order, kept within the page)
  const rows = filter === 'cc' ? (tasks.data ?? []) : [...(tasks.data ?? [])].sort((a, b) => dueMs(a) - dueMs(b) || a.createdAt.localeCompare(b.createdAt));

  const claim = async (task: Task) => {
    setClaiming(task.id);
    try {
      await api.post(`/api/tasks/${encodeURIComponent(task.id)}/claim`, {});
      void message.success(t('inbox.claimed'));
      reload();
    } catch (e) {
      toast(e);
    } finally {
      setClaiming(null);
    }
  };

  return (
    <div data-testid="inbox-page">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('inbox.title')}</Typography.Title>
        <Space wrap>
          <Segmented<Filter>
            value={filter}
            onChange={(v) => setParams({ filter: v })}
            options={FILTERS.map((f) => {
              const n = totalOf(counts.data, f);
              return { value: f, label: <span data-testid={`inbox-filter-${f}`}>{t(`inbox.filters.${f}`)}{n ? <span data-testid={`inbox-count-${f}`}>（{n}）</span> : null}</span> };
            })}
          />
          <Button icon={<ReloadOutlined />} onClick={reload} aria-label={t('common.refresh')} data-testid="inbox-refresh" />
        </Space>
      </Space>
      <ApiErrorAlert error={tasks.error} onRetry={reload} />
      {phone ? (
        // a phone: one card per step, the deadline first, nothing to scroll sideways
        <div className="phone-cards" data-testid="inbox-cards">
          {tasks.loading && !tasks.data ? <Spin /> : null}
          {tasks.data && !rows.length ? <Empty description={t('inbox.empty')} /> : null}
          {rows.map((r) => (
            <Card key={r.id} size="small" className="phone-card" data-testid="inbox-row" data-case-no={r.caseNo ?? ''} data-element-id={r.elementId} data-task-id={r.id} data-signal={r.deadline?.signal ?? 'none'}
              title={r.caseNo ? <Link to={`/workbench/cases/${r.caseNo}`} data-testid="inbox-case-no">{r.caseNo}</Link> : r.name}
              extra={<DeadlineTag task={r} />}>
              <div className="phone-card-line"><span className="phone-card-label">{t('inbox.item')}</span><span data-testid="inbox-item">{r.case?.itemName ?? '—'}</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('inbox.applicant')}</span>
                <span data-testid="inbox-applicant"><span data-testid="inbox-applicant-name">{r.case?.applicant.name ?? '—'}</span>{r.case?.applicant.phone ? <Typography.Text type="secondary" data-testid="inbox-applicant-phone"> {r.case.applicant.phone}</Typography.Text> : null}</span>
              </div>
              <div className="phone-card-line"><span className="phone-card-label">{t('inbox.step')}</span>
                <span><span data-testid="inbox-step">{r.name}</span>{r.assignee ? <Typography.Text type="secondary" data-testid="inbox-assignee">（{r.assigneeName ?? r.assignee}）</Typography.Text> : <Tag color="orange" style={{ marginInlineStart: 4 }}>{t('inbox.unclaimed')}</Tag>}</span>
              </div>
              <div className="phone-card-line"><span className="phone-card-label">{t('inbox.deadline')}</span><span data-testid="inbox-due">{dueText(r)}{r.deadline?.remaining ? <span style={{ display: 'block' }}><RemainingText task={r} /></span> : null}</span></div>
              <Space size={8} style={{ marginTop: 8 }}>
                {filter !== 'cc' && r.assignee !== me && r.status === 'open'
                  ? <Button loading={claiming === r.id} onClick={() => void claim(r)} data-testid="claim-task">{t('inbox.claim')}</Button>
                  : null}
                <Button type="primary" onClick={() => navigate(`/workbench/tasks/${encodeURIComponent(r.id)}`)} data-testid="open-task">{filter === 'cc' ? t('common.view') : t('inbox.handle')}</Button>
              </Space>
            </Card>
          ))}
          {(total ?? 0) > PAGE ? <Pagination simple current={page} pageSize={PAGE} total={total} onChange={goPage} style={{ marginTop: 12 }} data-testid="inbox-pager" /> : null}
        </div>
      ) : <Table<Task>
        rowKey="id"
        size="middle"
        loading={tasks.loading}
        dataSource={rows}
        // one page from the server; the total from /api/inbox/counts
        pagination={{ current: page, pageSize: PAGE, total: Math.max(total ?? 0, (page - 1) * PAGE + rows.length), hideOnSinglePage: true, showSizeChanger: false, onChange: goPage, showTotal: (n) => t('inbox.total', { n }) }}
        locale={{ emptyText: t('inbox.empty') }}
        tableLayout="fixed"
        onRow={(r) => ({ 'data-testid': 'inbox-row', 'data-case-no': r.caseNo ?? '', 'data-element-id': r.elementId, 'data-task-id': r.id, 'data-signal': r.deadline?.signal ?? 'none' }) as never}
        // every column fits 1366×768 beside the menu (no horizontal scroll, nothing cut): long item names wrap
        columns={[
          { title: t('inbox.caseNo'), key: 'caseNo', width: 150, render: (_, r) => (r.caseNo ? <Link to={`/workbench/cases/${r.caseNo}`} data-testid="inbox-case-no" style={{ wordBreak: 'break-all' }}>{r.caseNo}</Link> : '—') },
          { title: t('inbox.item'), key: 'item', render: (_, r) => <span data-testid="inbox-item" style={{ wordBreak: 'break-word' }}>{r.case?.itemName ?? '—'}</span> },
          {
            title: t('inbox.applicant'), key: 'applicant', width: 150,
            render: (_, r) => (r.case ? (
              <div data-testid="inbox-applicant">
                <div data-testid="inbox-applicant-name">{r.case.applicant.name}</div>
                {r.case.applicant.phone ? <Typography.Text type="secondary" style={{ fontSize: 12, display: 'block' }} data-testid="inbox-applicant-phone">{r.case.applicant.phone}</Typography.Text> : null}
                {r.case.applicant.idNumber ? <Typography.Text type="secondary" style={{ fontSize: 12, display: 'block' }} data-testid="inbox-applicant-id">{r.case.applicant.idNumber}</Typography.Text> : null}
              </div>
            ) : '—'),
          },
          {
            title: t('inbox.step'), key: 'name', width: 170,
            render: (_, r) => (
              <div>
                <div data-testid="inbox-step">{r.name}{r.kind !== 'engine' ? <Tag style={{ marginInlineStart: 4 }}>{t(`kind.${r.kind}`, { defaultValue: r.kind })}</Tag> : null}</div>
                {r.assignee
                  ? <Space size={2} wrap data-testid="inbox-assignee"><Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('inbox.assignee')}：{r.assigneeName ?? r.assignee}</Typography.Text>{r.post ? <Tag style={{ fontSize: 11 }}>{t(`post.${r.post}`, { defaultValue: r.post })}</Tag> : null}{r.claimedAt ? <Tag color="blue" style={{ fontSize: 11 }}>{t('inbox.claimed')}</Tag> : null}</Space>
                  : <Tag color="orange">{t('inbox.unclaimed')}</Tag>}
              </div>
            ),
          },
          { title: t('inbox.arrived'), key: 'createdAt', width: 120, render: (_, r) => { const [day, time] = formatDateTime(r.createdAt).split(' '); return <span data-testid="inbox-arrived">{day}<br />{time}</span>; } },
          {
            title: t('inbox.deadline'), key: 'due', width: 180, defaultSortOrder: 'ascend', sorter: (a, b) => dueMs(a) - dueMs(b),
            render: (_, r) => <div data-testid="inbox-due"><DeadlineTag task={r} /><div style={{ fontSize: 12 }}>{dueText(r)}</div>{r.deadline?.remaining ? <div style={{ fontSize: 12 }}><RemainingText task={r} /></div> : null}</div>,
          },
          {
            title: t('inbox.actions'), key: 'actions', width: 130,
            render: (_, r) => (
              <Space size={4} wrap>
                {filter !== 'cc' && r.assignee !== me && r.status === 'open'
                  ? <Button size="small" loading={claiming === r.id} onClick={() => void claim(r)} data-testid="claim-task">{t('inbox.claim')}</Button>
                  : null}
                <Button size="small" type="primary" onClick={() => navigate(`/workbench/tasks/${encodeURIComponent(r.id)}`)} data-testid="open-task">{filter === 'cc' ? t('common.view') : t('inbox.handle')}</Button>
              </Space>
            ),
          },
        ]}
      />}
    </div>
  );
}
