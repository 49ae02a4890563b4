import { App as AntApp, Button, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api-client';
import { ApiErrorAlert, useApi } from '../../app/ApiError';
import { useSession } from '../../app/session';
import { ReasonDialog } from '../../shared/ReasonDialog';
import { formatDateTime } from '../../format';
import type { IncidentViewOf } from '../../../../common/incidents';

/** An incident as the API answers it (common/incidents.ts). */
type Incident = IncidentViewOf<string>;

const COLOUR: Record<string, string> = { open: 'red', retrying: 'orange', resolved: 'green', cancelled: 'default' };

/** 终止: cancels the incident's case with a reason (the shared ReasonDialog). */
function CancelDialog({ incident, onClose, onDone }: { incident: Incident; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation('console');
  return (
    <ReasonDialog
      title={`${t('incidents.cancel')} · ${incident.caseNo ?? incident.elementName ?? incident.elementId}`}
      hint={t('incidents.cancelHint')}
      label={t('esc.reason')} requiredMessage={t('esc.reasonRequired')} maxLength={500} rows={3}
      okText={t('esc.submit')} cancelText={t('esc.cancel')} danger
      submitTestId="incident-cancel-submit" inputTestId="incident-cancel-reason"
      onSubmit={(reason) => api.post(`/api/incidents/${encodeURIComponent(incident.id)}/cancel`, { reason })}
      onClose={onClose} onDone={onDone}
    />
  );
}

/**
 * 事件/故障: jobs of service and send tasks that failed their last attempt — which case, which step,
 * which job, the error, attempts and times. Admins retry one (重试) or cancel its case (终止).
 */
export default function IncidentsPage() {
  const { t } = useTranslation('console');
  const { message } = AntApp.useApp();
  const session = useSession();
  const canAct = session.hasRole('admin');
  const [status, setStatus] = useState<'open' | 'resolved' | 'all'>('open');
  const [cancelling, setCancelling] = useState<Incident>();
  const [busy, setBusy] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();
  const { data, error, loading, reload } = useApi(() => api.get<Incident[]>(`/api/incidents?status=${status}`), [status]);
  const retry = async (i: Incident) => {
    setBusy(i.id);
    setActionError(undefined);
    try {
      await api.post(`/api/incidents/${encodeURIComponent(i.id)}/retry`, {});
      void message.success(t('incidents.retried'));
      reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <div data-testid="console-incidents">
      <Typography.Title level={3}>{t('incidents.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('incidents.subtitle')}</Typography.Paragraph>
      <Space style={{ marginBottom: 12 }}>
        <label>{t('incidents.status')}{' '}
          <Select aria-label={t('incidents.status')} data-testid="incident-filter" style={{ width: 140 }} value={status} onChange={setStatus}
            options={(['open', 'resolved', 'all'] as const).map((s) => ({ value: s, label: t(`incidents.filters.${s}`) }))} />
        </label>
      </Space>
      <ApiErrorAlert error={error ?? actionError} onRetry={reload} />
      <Table<Incident>
        size="small"
        rowKey="id"
        loading={loading}
        dataSource={data ?? []}
        locale={{ emptyText: t('incidents.none') }}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        onRow={(i) => ({ 'data-testid': 'incident-row', 'data-id': i.id, 'data-status': i.status } as React.HTMLAttributes<HTMLElement>)}
        expandable={{ expandedRowRender: (i) => (
          <div>
            {i.history.map((h, n) => (
              <div key={n}>{formatDateTime(h.at)} · {t(`incidents.actions.${h.action}`, { defaultValue: h.action })} · {h.by === 'system' ? t('incidents.system') : h.by}{h.note ? ` · ${h.note}` : ''}</div>
            ))}
          </div>
        ) }}
        columns={[
          { title: t('incidents.caseNo'), key: 'case', width: 170, render: (_: unknown, i) => i.caseNo ?? '—' },
          { title: t('incidents.step'), key: 'step', width: 150, render: (_: unknown, i) => <span data-testid="incident-step">{i.elementName ?? i.elementId}</span> },
          { title: t('incidents.topic'), dataIndex: 'topic', key: 'topic', width: 140, render: (v: string) => t(`incidents.topics.${v}`, { defaultValue: v }) },
          { title: t('incidents.error'), dataIndex: 'error', key: 'error', ellipsis: true },
          { title: t('incidents.attempts'), key: 'attempts', width: 80, render: (_: unknown, i) => `${i.attempts}/${i.maxAttempts}` },
          { title: t('incidents.firstFailedAt'), dataIndex: 'firstFailedAt', key: 'first', width: 160, render: (v?: string) => formatDateTime(v) },
          { title: t('incidents.lastFailedAt'), dataIndex: 'lastFailedAt', key: 'last', width: 160, render: (v?: string) => formatDateTime(v) },
          { title: t('incidents.status'), dataIndex: 'status', key: 'status', width: 90, render: (s: string) => <Tag color={COLOUR[s]}>{t(`incidents.statuses.${s}`, { defaultValue: s })}</Tag> },
          ...(canAct
            ? [{
                title: '', key: 'act', width: 150,
                render: (_: unknown, i: Incident) => (i.status === 'open' ? (
                  <Space size="small">
                    <Button size="small" type="primary" loading={busy === i.id} data-testid="incident-retry" onClick={() => void retry(i)}>{t('incidents.retry')}</Button>
                    <Button size="small" danger data-testid="incident-cancel" onClick={() => setCancelling(i)}>{t('incidents.cancel')}</Button>
                  </Space>
                ) : null),
              }]
            : []),
        ]}
      />
      {cancelling ? <CancelDialog incident={cancelling} onClose={() => setCancelling(undefined)} onDone={() => { setCancelling(undefined); void message.success(t('incidents.cancelled')); reload(); }} /> : null}
    </div>
  );
}
