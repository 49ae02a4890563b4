import { App as AntApp, Button, Card, Empty, Grid, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api-client';
import { ApiErrorAlert, useApi } from '../../app/ApiError';
import { formatDateTime } from '../../format';
import { ReasonDialog } from '../../shared/ReasonDialog';
import type { Complaint } from './types';

const COLOUR: Record<string, string> = { received: 'red', replied: 'green', closed: 'default' };

/** 答复: the reply to a complaint, the complaint's text above it (the shared ReasonDialog). */
function ReplyDialog({ complaint, onClose, onDone }: { complaint: Complaint; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation('console');
  return (
    <ReasonDialog
      title={`${t('complaints.reply')} · ${complaint.reference}`}
      hint={complaint.content}
      label={t('complaints.replyText')} requiredMessage={t('complaints.replyRequired')} maxLength={5000} rows={5}
      okText={t('esc.submit')} cancelText={t('esc.cancel')}
      submitTestId="complaint-reply-submit" inputTestId="complaint-reply-text"
      onSubmit={(text) => api.post(`/api/complaints/${encodeURIComponent(complaint.reference)}/reply`, { text })}
      onClose={onClose} onDone={onDone}
    />
  );
}

/** 投诉举报: complaints about cases, windows and staff, and the reply. */
export default function ComplaintsPage() {
  const { t } = useTranslation('console');
  const { message } = AntApp.useApp();
  const [status, setStatus] = useState('');
  const [replying, setReplying] = useState<Complaint>();
  const { data, error, loading, reload } = useApi(() => api.get<Complaint[]>(`/api/complaints${status ? `?status=${status}` : ''}`), [status]);
  const phone = !Grid.useBreakpoint().md;
  const targetText = (c: Complaint) => `${t(`complaints.targets.${c.target.kind}`)} ${c.target.caseNo ?? (c.target.windowId ? (c.target.windowName ?? c.target.windowId) : undefined) ?? (c.target.person ? (c.target.personName ?? c.target.person) : '')}`;
  const statusTag = (s: string) => <Tag color={COLOUR[s]} data-testid="complaint-status">{t(`complaints.statuses.${s}`, { defaultValue: s })}</Tag>;
  const replyButton = (c: Complaint) => (c.status === 'received' ? <Button size="small" type="primary" data-testid="complaint-reply" onClick={() => setReplying(c)}>{t('complaints.reply')}</Button> : null);
  return (
    <div data-testid="console-complaints">
      <Typography.Title level={3}>{t('complaints.title')}</Typography.Title>
      <Space style={{ marginBottom: 12 }}>
        <label>{t('complaints.status')}{' '}
          <Select aria-label={t('complaints.status')} style={{ width: 140 }} value={status} onChange={setStatus}
            options={[{ value: '', label: t('esc.all') }, ...(['received', 'replied', 'closed'] as const).map((s) => ({ value: s, label: t(`complaints.statuses.${s}`) }))]} />
        </label>
      </Space>
      <ApiErrorAlert error={error} onRetry={reload} />
      {phone ? (
        // a phone: one card per complaint, its whole text and the reply button on screen (the table hid them off the right edge)
        <div className="phone-cards" data-testid="complaint-cards">
          {!loading && !(data ?? []).length ? <Empty /> : null}
          {(data ?? []).slice(0, 50).map((c) => (
            <Card key={c.reference} size="small" className="phone-card" data-testid="complaint-row" data-id={c.reference} title={c.reference} extra={statusTag(c.status)}>
              <div className="phone-card-line"><span className="phone-card-label">{t('complaints.orgUnit')}</span><span data-testid="complaint-org">{c.orgUnitName ?? c.orgUnit}</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('complaints.target')}</span><span data-testid="complaint-target">{targetText(c)}</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('complaints.content')}</span><span data-testid="complaint-content">{c.content}</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('complaints.phone')}</span><span data-testid="complaint-phone">{c.phone ?? '—'}</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('complaints.createdAt')}</span><span>{formatDateTime(c.createdAt)}</span></div>
              {c.reply ? <div className="phone-card-line"><span className="phone-card-label">{t('complaints.reply')}</span><span>{c.reply.text}<Typography.Text type="secondary"> · {c.reply.byName ?? c.reply.by} · {formatDateTime(c.reply.at)}</Typography.Text></span></div> : null}
              <div style={{ marginTop: 6 }}>{replyButton(c)}</div>
            </Card>
          ))}
        </div>
      ) : <Table<Complaint>
        size="small"
        rowKey="reference"
        loading={loading}
        dataSource={data ?? []}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        onRow={(c) => ({ 'data-testid': 'complaint-row', 'data-id': c.reference } as React.HTMLAttributes<HTMLElement>)}
        expandable={{ expandedRowRender: (c) => (c.reply ? <div><strong>{t('complaints.reply')}：</strong>{c.reply.text}<Typography.Text type="secondary"> · {c.reply.byName ?? c.reply.by} · {formatDateTime(c.reply.at)}</Typography.Text></div> : null), rowExpandable: (c) => !!c.reply }}
        columns={[
          { title: t('complaints.reference'), dataIndex: 'reference', key: 'reference', width: 190 },
          { title: t('complaints.orgUnit'), dataIndex: 'orgUnit', key: 'orgUnit', width: 100, render: (v: string, c) => <span data-testid="complaint-org">{c.orgUnitName ?? v}</span> },
          { title: t('complaints.target'), key: 'target', width: 170, render: (_: unknown, c) => <span data-testid="complaint-target">{targetText(c)}</span> },
          // the whole text, wrapped: a complaint cut to "窗口办理拖延，三次…" cannot be judged from the list
          { title: t('complaints.content'), dataIndex: 'content', key: 'content', render: (v: string) => <div data-testid="complaint-content" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{v}</div> },
          { title: t('complaints.phone'), dataIndex: 'phone', key: 'phone', width: 120, render: (v?: string) => <span data-testid="complaint-phone">{v ?? '—'}</span> },
          { title: t('complaints.createdAt'), dataIndex: 'createdAt', key: 'createdAt', width: 170, render: (v: string) => formatDateTime(v) },
          { title: t('complaints.status'), dataIndex: 'status', key: 'status', width: 90, render: (s: string) => statusTag(s) },
          { title: '', key: 'act', width: 80, render: (_: unknown, c) => replyButton(c) },
        ]}
      />}
      {replying ? <ReplyDialog complaint={replying} onClose={() => setReplying(undefined)} onDone={() => { setReplying(undefined); void message.success(t('complaints.replied')); reload(); }} /> : null}
    </div>
  );
}
