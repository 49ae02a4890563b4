import { App as AntApp, Button, Card, Descriptions, Drawer, Empty, Form, Grid, Input, Select, Space, Table, Tag, Timeline, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useSearchParams } from 'react-router-dom';
import { api } from '../../api-client';
import { ApiErrorAlert, useApi, useErrorToast } from '../../app/ApiError';
import { useSession } from '../../app/session';
import { formatDateTime } from '../../format';
import { saveDownload } from '../../shared/download';
import { ReasonDialog } from '../../shared/ReasonDialog';
import { cstDay } from '../../../../common/cst';
import type { Escalation } from './types';

const STATUSES = ['open', 'acknowledged', 'notified', 'replied', 'closed'] as const;
const STATUS_COLOUR: Record<string, string> = { open: 'red', acknowledged: 'orange', notified: 'blue', replied: 'cyan', closed: 'default' };
type Action = 'acknowledge' | 'notice' | 'close' | 'reescalate';
/** Which life-cycle actions a status allows (as the server's SupervisionService does). */
const ALLOWED: Record<Action, string[]> = {
  acknowledge: ['open'],
  notice: ['open', 'acknowledged'],
  close: ['open', 'acknowledged', 'replied'],
  reescalate: ['acknowledged', 'notified', 'replied'],
};

/** '2WD' → 2个工作日, 'PT3H' → 3小时 (else as given). */
function replyWithinText(v: string, t: TFunction<'console'>) {
  const wd = /^(\d+)\s*WD$/i.exec(v);
  if (wd) return t('esc.wdN', { n: Number(wd[1]) });
  const h = /^PT(\d+)H$/.exec(v);
  return h ? t('esc.hN', { n: Number(h[1]) }) : v;
}

interface OrgUnit { _id?: string; id?: string; shortName?: string; name?: string }

/** The subject in Chinese: a clock kind the server had no label for came as its code (complaint超期). */
export function escName(e: Pick<Escalation, 'name' | 'code' | 'limitKind'>, t: TFunction<'console'>): string {
  if (e.name && !/[A-Za-z]/.test(e.name)) return e.name;
  return `${e.limitKind ? t(`esc.limitKinds.${e.limitKind}`, { defaultValue: t('esc.anyLimit') }) : t('esc.anyLimit')}${t('esc.overdue')}`;
}

export function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation('console');
  return <Tag color={STATUS_COLOUR[status]} data-testid="escalation-status" data-status={status}>{t(`esc.statuses.${status}`, { defaultValue: status })}</Tag>;
}

/**
 * One life-cycle action as a dialog — the shared ReasonDialog (busy, refusal shown inside, stays
 * open) of 终止 and 答复: every action needs a reason; the notice its text and reply deadline.
 */
function ActionDialog({ esc, action, onClose, onDone }: { esc: Escalation; action: Action; onClose: () => void; onDone: (e: Escalation) => void }) {
  const { t } = useTranslation('console');
  const id = encodeURIComponent(esc.id);
  const notice = action === 'notice';
  let updated: Escalation | undefined;
  const send = async (text: string, v: Record<string, unknown>) => {
    updated = notice
      ? await api.post<Escalation>(`/api/escalations/${id}/notice`, { text, replyWithin: v.unit === 'hours' ? `PT${String(v.replyWithin)}H` : `${String(v.replyWithin)}WD` })
      : await api.post<Escalation>(`/api/escalations/${id}/${action}`, { reason: text });
  };
  // what the action is about, so the supervisor sees which breach he acts on without the drawer
  const about = [escName(esc, t), esc.taskName, esc.responsibleName ?? esc.responsible].filter(Boolean).join(' · ');
  return (
    <ReasonDialog
      title={`${t(`esc.actions.${action}`)} · ${esc.caseNo ?? esc.id}`}
      hint={<span data-testid="action-hint">{about ? `${about}。` : ''}{t(`esc.actionHints.${action}`)}</span>}
      label={notice ? t('esc.noticeText') : t('esc.reason')}
      requiredMessage={notice ? t('esc.noticeRequired') : t('esc.reasonRequired')}
      maxLength={notice ? 2000 : 500} rows={notice ? 4 : 3}
      okText={t('esc.submit')} cancelText={t('esc.cancel')} danger={action === 'reescalate'}
      submitTestId="action-submit" inputTestId={notice ? 'notice-text' : 'action-reason'}
      initialValues={notice ? { unit: 'working-days', replyWithin: '3' } : undefined}
      onSubmit={send} onClose={onClose} onDone={() => onDone(updated!)}
    >
      {notice ? (
        <Space align="start">
          <Form.Item name="replyWithin" label={t('esc.replyDays')} rules={[{ required: true, pattern: /^(?:[1-9]|[12]\d|30)$/, message: t('esc.replyRequired') }]}>
            <Input inputMode="numeric" style={{ width: 120 }} data-testid="notice-reply-within" />
          </Form.Item>
          <Form.Item name="unit" label={t('esc.replyUnit')}>
            <Select style={{ width: 120 }} options={[{ value: 'working-days', label: t('esc.workingDays') }, { value: 'hours', label: t('esc.hours') }]} />
          </Form.Item>
        </Space>
      ) : null}
    </ReasonDialog>
  );
}

/** The notice's reply deadline as GET /api/escalations/{id} gives it (replyDueAt, estimated and why). */
interface ReplyDue { replyDueAt?: string; replyEstimated?: boolean; replyEstimatedYears?: number[]; replyEstimateNote?: string }
const replyDue = (e: Escalation): ReplyDue | undefined => e.notice as ReplyDue | undefined;

/** The detail drawer: what broke, when, the notice and reply, the history, and the actions. */
function EscalationDrawer({ id, units, onClose, onChanged }: { id: string; units: Map<string, string>; onClose: () => void; onChanged: () => void }) {
  const { t } = useTranslation('console');
  const { message } = AntApp.useApp();
  const session = useSession();
  const { data: esc, error, reload } = useApi(() => api.get<Escalation>(`/api/escalations/${encodeURIComponent(id)}`), [id]);
  const [action, setAction] = useState<Action>();
  const canAct = session.hasRole('supervisor', 'admin');
  const actions = (Object.keys(ALLOWED) as Action[]).filter((a) => esc && ALLOWED[a].includes(esc.status));
  const phone = !Grid.useBreakpoint().md;
  return (
    <Drawer open onClose={onClose} size={phone ? '100%' : 640} title={esc ? `${t('esc.title')} · ${esc.caseNo ?? esc.id}` : t('esc.title')} data-testid="escalation-drawer">
      <ApiErrorAlert error={error} onRetry={reload} />
      {esc ? (
        <>
          <Space style={{ marginBottom: 12 }} wrap>
            <StatusTag status={esc.status} />
            <Tag>{t('esc.levelN', { n: esc.level })}</Tag>
            {esc.severity ? <Tag color={esc.severity === 'serious' ? 'magenta' : 'red'}>{t(`esc.severities.${esc.severity}`, { defaultValue: esc.severity })}</Tag> : null}
          </Space>
          <Descriptions size="small" column={1} bordered styles={{ label: { whiteSpace: 'nowrap' } }}>
            <Descriptions.Item label={t('esc.caseNo')}>{esc.caseNo ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('esc.name')}>{escName(esc, t) ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('esc.limitKind')}>{esc.limitKind ? t(`esc.limitKinds.${esc.limitKind}`, { defaultValue: esc.limitKind }) : '—'}</Descriptions.Item>
            <Descriptions.Item label={t('esc.task')}>{esc.taskName ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('esc.orgUnit')}>{units.get(esc.orgUnit ?? '') ?? esc.orgUnit ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('esc.responsible')}><span data-testid="escalation-responsible">{esc.responsibleName ?? esc.responsible ?? '—'}</span></Descriptions.Item>
            <Descriptions.Item label={t('esc.dueAt')}>{formatDateTime(esc.dueAt)}</Descriptions.Item>
            <Descriptions.Item label={t('esc.raisedAt')}>{formatDateTime(esc.raisedAt)}</Descriptions.Item>
            {esc.notice ? (
              <Descriptions.Item label={t('esc.notice')}>
                <div data-testid="escalation-notice">{esc.notice.text}</div>
                <Typography.Text type="secondary">{esc.people?.[esc.notice.issuedBy] ?? esc.notice.issuedBy} · {formatDateTime(esc.notice.issuedAt)} · {t('esc.replyWithin')} {replyWithinText(esc.notice.replyWithin, t)}</Typography.Text>
              </Descriptions.Item>
            ) : null}
            {replyDue(esc)?.replyDueAt ? (
              <Descriptions.Item label={t('esc.replyDue')}>
                {/* counted over a year without its holiday notice: estimated, and it says so */}
                <span data-testid="escalation-reply-due" data-estimated={replyDue(esc)!.replyEstimated ? 'true' : 'false'}>
                  {formatDateTime(replyDue(esc)!.replyDueAt)}{replyDue(esc)!.replyEstimated ? `（${t('esc.estimated')}）` : ''}
                </span>
                {replyDue(esc)!.replyEstimated ? (
                  <div><Typography.Text type="warning" data-testid="escalation-reply-estimate">{replyDue(esc)!.replyEstimateNote}</Typography.Text></div>
                ) : null}
              </Descriptions.Item>
            ) : null}
            {esc.reply ? (
              <Descriptions.Item label={t('esc.reply')}>
                <div>{esc.reply.text}</div>
                <Typography.Text type="secondary">{esc.people?.[esc.reply.by] ?? esc.reply.by} · {formatDateTime(esc.reply.at)}</Typography.Text>
              </Descriptions.Item>
            ) : null}
          </Descriptions>
          {canAct ? (
            <Space style={{ margin: '16px 0' }} wrap>
              {actions.length ? actions.map((a) => (
                <Button key={a} type={a === 'notice' ? 'primary' : 'default'} danger={a === 'reescalate'} data-testid={`action-${a}`} onClick={() => setAction(a)}>{t(`esc.actions.${a}`)}</Button>
              )) : <Typography.Text type="secondary">{t('esc.noActions')}</Typography.Text>}
            </Space>
          ) : null}
          <Typography.Title level={5}>{t('esc.history')}</Typography.Title>
          <Timeline
            data-testid="escalation-history"
            items={esc.history.map((h) => ({
              color: STATUS_COLOUR[h.status] === 'default' ? 'gray' : STATUS_COLOUR[h.status] ?? 'blue',
              content: (
                <div>
                  <strong>{t(`esc.statuses.${h.status}`, { defaultValue: t('esc.raisedEntry') })}</strong> · {formatDateTime(h.at)} · {h.by === 'system' ? '系统' : (esc.people?.[h.by] ?? h.by)}
                  {h.reason ? <div>{h.reason}</div> : null}
                </div>
              ),
            }))}
          />
          {action ? (
            <ActionDialog
              esc={esc}
              action={action}
              onClose={() => setAction(undefined)}
              onDone={() => {
                setAction(undefined);
                void message.success(t('esc.done', { what: t(`esc.actions.${action}`) }));
                reload();
                onChanged();
              }}
            />
          ) : null}
        </>
      ) : null}
    </Drawer>
  );
}

/** 督办: escalations with filters (status, unit, level) and the detail drawer. */
export default function EscalationsPage() {
  const { t } = useTranslation('console');
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const orgUnit = params.get('orgUnit') ?? '';
  const level = params.get('level') ?? '';
  const openId = params.get('id');
  const toast = useErrorToast();
  const { message } = AntApp.useApp();
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  const qs = new URLSearchParams({ ...(status ? { status } : {}), ...(orgUnit ? { orgUnit } : {}) }).toString();
  const { data, error, loading, reload } = useApi(() => api.get<Escalation[]>(`/api/escalations${qs ? `?${qs}` : ''}`), [qs]);
  const unitsApi = useApi(() => api.get<OrgUnit[]>('/api/org/units').catch((e) => { toast(e); return [] as OrgUnit[]; }), []);
  const units = useMemo(() => new Map((unitsApi.data ?? []).map((u) => [String(u.id ?? u._id), String(u.shortName ?? u.name)])), [unitsApi.data]);
  const rows = (data ?? []).filter((e) => !level || String(e.level) === level || (level === '3' && e.level >= 3));

  const phone = !Grid.useBreakpoint().md;
  // 督办台账: the list as filtered, as an Excel workbook by names (机构, 窗口, 责任人), not codes
  const [exporting, setExporting] = useState(false);
  const exportXlsx = async () => {
    setExporting(true);
    try {
      const blob = await api.blob(`/api/escalations?format=xlsx${qs ? `&${qs}` : ''}`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const name = `督办台账-${cstDay(new Date())}.xlsx`;
      saveDownload(blob, name);
      void message.success(t('esc.exported', { name }));
    } catch (e) {
      toast(e);
    } finally {
      setExporting(false);
    }
  };
  return (
    <div data-testid="console-escalations">
      <Typography.Title level={3}>{t('esc.title')}</Typography.Title>
      <Space wrap style={{ marginBottom: 12 }}>
        <label>{t('esc.status')}{' '}
          <Select aria-label={t('esc.status')} style={{ width: 150 }} value={status} onChange={(v) => set('status', v)} data-testid="filter-status"
            options={[{ value: '', label: t('esc.all') }, ...STATUSES.map((s) => ({ value: s, label: t(`esc.statuses.${s}`) }))]} />
        </label>
        <label>{t('esc.orgUnit')}{' '}
          <Select aria-label={t('esc.orgUnit')} style={{ width: 150 }} value={orgUnit} onChange={(v) => set('orgUnit', v)} showSearch optionFilterProp="label" data-testid="filter-org"
            options={[{ value: '', label: t('esc.all') }, ...[...units.entries()].map(([k, v]) => ({ value: k, label: v }))]} />
        </label>
        <label>{t('esc.level')}{' '}
          <Select aria-label={t('esc.level')} style={{ width: 110 }} value={level} onChange={(v) => set('level', v)} data-testid="filter-level"
            options={[{ value: '', label: t('esc.all') }, { value: '1', label: t('esc.levelN', { n: 1 }) }, { value: '2', label: t('esc.levelN', { n: 2 }) }, { value: '3', label: `${t('esc.levelN', { n: 3 })}+` }]} />
        </label>
        <Button onClick={reload} aria-label={t('esc.refresh')} title={t('esc.refresh')}>↻</Button>
        <Button loading={exporting} onClick={() => void exportXlsx()} data-testid="escalations-export">{t('esc.export')}</Button>
      </Space>
      <ApiErrorAlert error={error} onRetry={reload} />
      {phone ? (
        // a phone: one card per escalation (its headers broke one character a line in the table)
        <div className="phone-cards" data-testid="escalation-cards">
          {!loading && !rows.length ? <Empty /> : null}
          {rows.slice(0, 50).map((e) => (
            <Card key={e.id} size="small" className="phone-card" data-testid="escalation-row" data-id={e.id}
              title={e.caseNo ?? '—'} extra={<StatusTag status={e.status} />}>
              <div className="phone-card-line"><span className="phone-card-label">{t('esc.name')}</span><span>{escName(e, t)}{e.taskName ? ` · ${e.taskName}` : ''}</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('esc.orgUnit')}</span><span>{units.get(e.orgUnit ?? '') ?? e.orgUnit ?? '—'}</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('esc.responsible')}</span><span data-testid="escalation-row-responsible">{e.responsibleName ?? e.responsible ?? '—'}</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('esc.level')}</span><span>{t('esc.levelN', { n: e.level })}</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('esc.raisedAt')}</span><span>{formatDateTime(e.raisedAt)}</span></div>
              <Button size="small" style={{ marginTop: 6 }} data-testid="escalation-open" onClick={() => set('id', e.id)}>{t('esc.open')}</Button>
            </Card>
          ))}
        </div>
      ) : <Table<Escalation>
        size="small"
        rowKey="id"
        loading={loading}
        dataSource={rows}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        onRow={(e) => ({ 'data-testid': 'escalation-row', 'data-id': e.id } as React.HTMLAttributes<HTMLElement>)}
        columns={[
          { title: t('esc.caseNo'), dataIndex: 'caseNo', key: 'caseNo', render: (v?: string) => v ?? '—' },
          { title: t('esc.name'), key: 'name', render: (_: unknown, e) => <span>{escName(e, t)}{e.taskName ? ` · ${e.taskName}` : ''}</span> },
          { title: t('esc.orgUnit'), dataIndex: 'orgUnit', key: 'orgUnit', render: (v?: string) => units.get(v ?? '') ?? v ?? '—' },
          { title: t('esc.responsible'), dataIndex: 'responsible', key: 'responsible', render: (v: string | undefined, e) => <span data-testid="escalation-row-responsible">{e.responsibleName ?? v ?? '—'}</span> },
          { title: t('esc.level'), dataIndex: 'level', key: 'level', width: 70, render: (n: number) => t('esc.levelN', { n }) },
          { title: t('esc.status'), dataIndex: 'status', key: 'status', render: (s: string) => <StatusTag status={s} /> },
          { title: t('esc.raisedAt'), dataIndex: 'raisedAt', key: 'raisedAt', render: (v: string) => formatDateTime(v) },
          { title: '', key: 'open', width: 80, render: (_: unknown, e) => <Button size="small" data-testid="escalation-open" onClick={() => set('id', e.id)}>{t('esc.open')}</Button> },
        ]}
      />}
      {openId ? <EscalationDrawer id={openId} units={units} onClose={() => set('id', '')} onChanged={reload} /> : null}
    </div>
  );
}
