import { FileTextOutlined } from '@ant-design/icons';
import { App as AntApp, Alert, Button, Card, Checkbox, Col, Descriptions, Empty, Row, Space, Spin, Table, Tabs, Tag, Timeline, Tooltip, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api-client';
import { ApiErrorAlert, useApi, useErrorToast } from '../../app/ApiError';
import { BpmnDiagram, escapeHtml, type DiagramOverlay } from '../../shared/BpmnDiagram';
import { CategoryTag, StatusTag } from './common';
import { budgetText, cstDay, formatDateTime } from './format';
import { NoticeViewer } from './NoticeViewer';
import type { AuditEvent, CaseDetail, Clock, Item, NoticeRef, WindowView } from './types';

type CalendarDay = { day: string; working: boolean; estimated?: boolean };

/**
 * Working days in (from, to] by the platform calendar (the first day is not counted), and the
 * years among them that have no holiday notice yet (counted by the platform's estimate).
 * null when the calendar answer does not cover the range (shown as —, never as 0).
 */
function countWorking(days: CalendarDay[], from: string, to: string): { n: number; years: number[] } | null {
  if (to > from && (!days.length || days[0]!.day > addDay(from) || days[days.length - 1]!.day < to)) return null;
  const inRange = days.filter((d) => d.day > from && d.day <= to);
  const years = [...new Set(inRange.filter((d) => d.estimated).map((d) => Number(d.day.slice(0, 4))))].sort();
  return { n: inRange.filter((d) => d.working).length, years };
}

function addDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function signalOf(clock: Clock | undefined, now = Date.now()): 'current' | 'warned' | 'late' {
  if (!clock || clock.status === 'paused') return 'current';
  const at = (x?: string) => (x ? new Date(x).getTime() : Infinity);
  if (now >= Math.min(at(clock.signalsAt.breach), at(clock.dueAt))) return 'late';
  if (now >= Math.min(at(clock.signalsAt.warning), at(clock.signalsAt.reminder))) return 'warned';
  return 'current';
}

/** 办件: data, materials, timeline, clocks, and the diagram with finished and current steps. */
export default function CasePage() {
  const { t } = useTranslation('workbench');
  const { no = '' } = useParams();
  const [notice, setNotice] = useState<NoticeRef | null>(null);
  const data = useApi(async () => {
    const c = await api.get<CaseDetail & { definitionVersion?: number }>(`/api/service-cases/${encodeURIComponent(no)}`);
    const [audit, clocks, item, window] = await Promise.all([
      api.get<AuditEvent[]>(`/api/service-cases/${encodeURIComponent(no)}/audit`),
      api.get<Clock[]>(`/api/service-cases/${encodeURIComponent(no)}/clocks`),
      api.get<Item>(`/api/items/${encodeURIComponent(c.itemCode)}`).catch(() => null),
      // the receiving window by its name (窗口名称), not its code
      c.receivingWindow ? api.get<WindowView>(`/api/org/windows/${encodeURIComponent(c.receivingWindow)}`).catch(() => null) : Promise.resolve(null),
    ]);
    const xml = c.definitionKey
      ? await api.text(`/api/definitions/${encodeURIComponent(c.definitionKey)}/${c.definitionVersion ? `versions/${c.definitionVersion}/xml` : 'xml'}`, 'application/xml').catch(() => undefined)
      : undefined;
    // working days for used / remaining: from the earliest start to the latest of today and the deadlines
    const today = cstDay(new Date());
    const starts = clocks.map((k) => cstDay(k.startedAt));
    const ends = [today, ...clocks.map((k) => (k.dueAt ? cstDay(k.dueAt) : today))];
    const from = starts.sort()[0];
    const to = ends.sort().reverse()[0]!;
    // days of a year without its holiday notice come estimated (flagged), never as a 422
    const days = from ? await api.get<CalendarDay[]>(`/api/calendar/days?from=${from}&to=${to}`).catch(() => [] as CalendarDay[]) : [];
    return { c, audit, clocks, item, xml, days, windowName: window?.name };
  }, [no]);

  const d = data.data;
  const { markers, overlays } = useMemo(() => {
    const markers: Record<string, string[]> = {};
    const overlays: DiagramOverlay[] = [];
    if (!d) return { markers, overlays };
    for (const s of d.c.steps.filter((x) => x.kind === 'engine')) {
      if (s.status === 'completed') markers[s.elementId] = ['done'];
    }
    for (const s of d.c.steps.filter((x) => x.kind === 'engine' && x.status === 'open')) {
      const clock = d.clocks.find((k) => k.taskId === s.taskId);
      markers[s.elementId] = [signalOf(clock)];
      const due = clock?.dueAt ?? s.dueDate;
      const est = clock?.estimated ? `（${t('case.estimated')}）` : '';
      overlays.push({
        elementId: s.elementId,
        html: `<span class="deadline-badge ${signalOf(clock)}" data-testid="diagram-deadline">${escapeHtml(due ? t('case.deadlineOverlay', { at: formatDateTime(due) }) + est : s.name)}</span>`,
        position: { top: -26, left: 0 },
      });
    }
    return { markers, overlays };
  }, [d, t]);

  const currentStep = d?.c.steps.find((x) => x.kind === 'engine' && x.status === 'open')?.elementId;

  if (data.error && !d) return <ApiErrorAlert error={data.error} onRetry={data.reload} />;
  if (!d) return <Spin />;
  const { c, windowName } = d;
  const today = cstDay(new Date());
  const matName = (code: string) => d.item?.materials.find((m) => m.code === code)?.name ?? code;
  // what each working-day clock shows, and the years of it that are estimated (no notice yet)
  const figures = new Map(d.clocks.map((k) => {
    const wd = k.budget.unit === 'working-days';
    const used = wd ? countWorking(d.days, cstDay(k.startedAt), k.stoppedAt ? cstDay(k.stoppedAt) : today) : null;
    const remaining = wd && k.dueAt && k.status !== 'stopped' ? countWorking(d.days, today, cstDay(k.dueAt)) : null;
    const years = new Set<number>([...(k.status !== 'stopped' && k.estimated ? (k.estimatedYears ?? []) : []), ...(used?.years ?? []), ...(remaining?.years ?? [])]);
    return [k.id, { used, remaining, years: [...years].sort(), estimated: (k.status !== 'stopped' && k.estimated) || years.size > 0 }] as const;
  }));
  const estimatedYears = [...new Set([...figures.values()].flatMap((f) => f.years))].sort();
  const wdText = (x: { n: number; years: number[] } | null, estimated: boolean) =>
    x ? `${t('case.wd', { n: x.n })}${estimated ? `（${t('case.estimated')}）` : ''}` : '—';

  return (
    <div data-testid="case-page" data-case-no={c.caseNo} data-status={c.status}>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('case.title')} {c.caseNo}</Typography.Title>
        <Space><CategoryTag category={c.category} /><StatusTag status={c.status} />{c.outcome ? <Tag color={c.outcome === 'approved' ? 'green' : 'red'} data-testid="case-outcome">{t(`outcome.${c.outcome}`)}</Tag> : null}<Button onClick={data.reload}>{t('common.refresh')}</Button></Space>
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card title={t('case.data')} size="small">
            <Descriptions column={1} size="small" data-testid="case-data">
              <Descriptions.Item label={t('case.item')}>{c.itemCode} {c.itemName}</Descriptions.Item>
              <Descriptions.Item label={t('case.applicant')}>{c.applicant.name}</Descriptions.Item>
              <Descriptions.Item label={t('case.idNumber')}><span data-testid="case-id-number">{c.applicant.idNumber}</span></Descriptions.Item>
              {c.applicant.phone ? <Descriptions.Item label={t('case.phone')}><span data-testid="case-phone">{c.applicant.phone}</span></Descriptions.Item> : null}
              {c.applicant.address ? <Descriptions.Item label={t('case.address')}>{c.applicant.address}</Descriptions.Item> : null}
              <Descriptions.Item label={t('case.responsible')}><span data-testid="case-responsible">{c.responsibleName ?? c.responsible}</span>（{windowName ?? c.receivingWindow}）</Descriptions.Item>
              <Descriptions.Item label={t('case.receivedAt')}>{formatDateTime(c.receivedAt)}</Descriptions.Item>
              {c.acceptedAt ? <Descriptions.Item label={t('case.acceptedAt')}>{formatDateTime(c.acceptedAt)}</Descriptions.Item> : null}
              {c.endedAt ? <Descriptions.Item label={t('case.endedAt')}>{formatDateTime(c.endedAt)}</Descriptions.Item> : null}
              {c.rejectReason ? <Descriptions.Item label={t('case.rejectReason')}>{c.rejectReason}</Descriptions.Item> : null}
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          {c.status === 'awaiting-supplement' ? <SupplementCard c={c} onDone={data.reload} /> : null}
          <Card title={t('case.notices')} size="small" style={c.status === 'awaiting-supplement' ? { marginTop: 16 } : undefined}>
            {c.notices.length ? (
              <Space wrap>{c.notices.map((n) => <Button key={n.id} icon={<FileTextOutlined />} onClick={() => setNotice(n)} data-testid={`case-notice-${n.kind}`}>{n.title}</Button>)}</Space>
            ) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
          </Card>
        </Col>
      </Row>
      {/* the whole width: the path at 12 px labels fits a counter PC; a phone scrolls it to the current step */}
      <Card title={t('case.diagram')} size="small" style={{ marginTop: 16 }}>
        {d.xml ? <BpmnDiagram xml={d.xml} markers={markers} overlays={overlays} focus={currentStep} height={480} testId="case-diagram" /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
      </Card>
      <Card size="small" style={{ marginTop: 16 }}>
        <Tabs items={[
          {
            key: 'timeline', label: t('case.timeline'),
            children: (
              <Timeline data-testid="case-timeline" items={d.audit.map((e) => ({
                color: e.type.startsWith('case.ended') ? 'green' : e.type.includes('breach') || e.type.includes('rejected') ? 'red' : 'blue',
                content: (
                  <span data-type={e.type}>
                    <Typography.Text type="secondary">{formatDateTime(e.at)}</Typography.Text>{' '}
                    <Typography.Text strong>{t(`audit.${e.type.replace(/\./g, '_')}`, { defaultValue: e.type })}</Typography.Text>{' '}
                    {e.data?.name ?? e.data?.step ?? e.data?.title ?? ''} · <span data-testid="audit-actor">{e.actor === 'system' ? '系统' : (e.actorName ?? e.actor)}</span>
                    {e.data?.reason ? `：${e.data.reason}` : ''}
                    {e.data?.outcome?.decision ? <Tag style={{ marginLeft: 6 }}>{t(`decision.${e.data.outcome.decision}`, { defaultValue: e.data.outcome.decision })}</Tag> : null}
                    {e.data?.outcome?.opinion ? `${e.data.outcome.opinion}` : ''}
                  </span>
                ),
              }))} />
            ),
          },
          {
            key: 'materials', label: t('case.materials'),
            children: (
              <Table rowKey="code" size="small" pagination={false} dataSource={c.materials} columns={[
                { title: t('intake.material'), key: 'name', render: (_, m) => matName(m.code) },
                { title: t('case.status'), key: 's', render: (_, m) => (!m.provided ? <Tag color="red">{t('case.missing')}</Tag> : m.defect ? <Tag color="orange">{t('case.defect')}：{m.defect}</Tag> : <Tag color="green">{t('case.provided')}</Tag>) },
              ]} />
            ),
          },
          {
            key: 'clocks', label: t('case.clocks'),
            children: (
              <>
              {estimatedYears.length ? (
                <Alert type="warning" showIcon data-testid="calendar-estimated" data-years={estimatedYears.join(',')} style={{ marginBottom: 8 }}
                  title={t('case.estimateNote', { years: estimatedYears.join('、') })} description={t('case.estimateHelp')} />
              ) : null}
              <Table rowKey="id" size="small" pagination={false} dataSource={d.clocks} data-testid="case-clocks"
                onRow={(k) => ({ 'data-testid': `clock-${k.kind}`, 'data-estimated': figures.get(k.id)?.estimated ? 'true' : 'false' }) as never} columns={[
                { title: t('case.clocks'), key: 'kind', render: (_, k) => <span>{t(`case.clockKind.${k.kind}`, { defaultValue: k.kind })}{k.kind === 'step' ? ` · ${k.label ?? ''}` : ''}</span> },
                { title: t('case.budget'), key: 'b', render: (_, k) => budgetText(k.budget, (x, o) => String(t(x, o))) },
                {
                  title: t('case.dueAt'), key: 'due',
                  render: (_, k) => (
                    <span data-testid="clock-due">
                      {formatDateTime(k.dueAt)}
                      {k.dueAt && k.status !== 'stopped' && k.estimated ? (
                        <Tooltip title={t('case.estimateNote', { years: (k.estimatedYears ?? []).join('、') })}>
                          <Tag color="orange" style={{ marginLeft: 6 }} data-testid="clock-estimated">{t('case.estimated')}</Tag>
                        </Tooltip>
                      ) : null}
                    </span>
                  ),
                },
                {
                  title: t('case.used'), key: 'used',
                  render: (_, k) => <span data-testid="clock-used">{k.budget.unit === 'working-days' ? wdText(figures.get(k.id)?.used ?? null, (figures.get(k.id)?.used?.years.length ?? 0) > 0) : '—'}</span>,
                },
                {
                  title: t('case.remaining'), key: 'rem',
                  render: (_, k) => <span data-testid="clock-remaining">{wdText(figures.get(k.id)?.remaining ?? null, figures.get(k.id)?.estimated ?? false)}</span>,
                },
                {
                  title: t('case.status'), key: 'st',
                  render: (_, k) => {
                    const s = signalOf(k);
                    return <Space>{k.status === 'stopped' ? <Tag>{t('case.stopped')}</Tag> : k.status === 'paused' ? <Tag color="orange">{t('case.paused')}</Tag> : <Tag color={s === 'late' ? 'red' : s === 'warned' ? 'gold' : 'green'}>{t(`signal.${s === 'current' ? 'normal' : s}`)}</Tag>}</Space>;
                  },
                },
              ]} />
              </>
            ),
          },
          {
            key: 'steps', label: t('case.steps'),
            children: (
              <Table rowKey="taskId" size="small" pagination={false} dataSource={c.steps} columns={[
                { title: t('inbox.step'), dataIndex: 'name' },
                { title: t('case.status'), key: 's', render: (_, s) => <StatusTag status={s.status} /> },
                { title: t('inbox.assignee'), key: 'a', render: (_, s) => <span data-testid="step-person">{s.completedBy ? (s.completedByName ?? s.completedBy) : s.assignee ? (s.assigneeName ?? s.assignee) : '—'}</span> },
                { title: t('inbox.arrived'), key: 'c', render: (_, s) => formatDateTime(s.createdAt) },
                { title: t('case.endedAt'), key: 'e', render: (_, s) => formatDateTime(s.completedAt) },
                { title: t('task.opinion'), key: 'o', render: (_, s) => (s.outcome?.decision ? `${t(`decision.${s.outcome.decision}`, { defaultValue: s.outcome.decision })} ${s.outcome.opinion ?? ''}` : '') },
                { title: '', key: 'open', render: (_, s) => (s.status === 'open' ? <Link to={`/workbench/tasks/${encodeURIComponent(s.taskId)}`}>{t('inbox.handle')}</Link> : null) },
              ]} />
            ),
          },
          {
            key: 'proxy', label: t('case.proxy'),
            children: (
              <Timeline items={c.proxyRecord.map((p) => ({ content: `${formatDateTime(p.at)} ${p.type} ${p.fromOrgUnit ?? ''}/${p.fromWindow ?? ''} → ${p.toOrgUnit ?? ''}/${p.toWindow ?? ''} ${p.toPerson ? (c.people?.[p.toPerson] ?? p.toPerson) : ''} ${p.step ?? ''}${p.reason ? `：${p.reason}` : ''}` }))} />
            ),
          },
        ]} />
      </Card>
      <NoticeViewer caseNo={c.caseNo} notice={notice} onClose={() => setNotice(null)} />
    </div>
  );
}

/** 补正到件: the materials named in the last one-time notification arrive; when none is missing any more the case is accepted. */
function SupplementCard({ c, onDone }: { c: CaseDetail; onDone: () => void }) {
  const { t } = useTranslation('workbench');
  const { message } = AntApp.useApp();
  const toast = useErrorToast();
  const round = c.supplementRounds?.[c.supplementRounds.length - 1];
  const [ticked, setTicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  if (!round) return null;
  const submit = async () => {
    setBusy(true);
    try {
      const r = await api.post<CaseDetail>(`/api/service-cases/${encodeURIComponent(c.caseNo)}/supplements`, { materials: ticked.map((code) => ({ code, provided: true })) });
      void message.success(r.status === 'in-progress' ? t('case.supplementAccepted') : t('case.supplementRecorded'));
      setTicked([]);
      onDone();
    } catch (e) { toast(e); } finally { setBusy(false); }
  };
  return (
    <Card title={t('case.supplement')} size="small" style={{ marginTop: 16 }} data-testid="supplement-card">
      <Alert type="warning" showIcon title={t('case.supplementHelp', { round: round.round })} style={{ marginBottom: 8 }} />
      <Checkbox.Group value={ticked} onChange={(v) => setTicked(v as string[])} style={{ display: 'flex', flexDirection: 'column', gap: 4 }}
        options={round.materials.map((m) => ({ value: m.code, label: <span data-testid={`supplement-${m.code}`}>{m.name}（{m.reason}）</span> }))} />
      <Button type="primary" style={{ marginTop: 8 }} disabled={!ticked.length} loading={busy} onClick={() => void submit()} data-testid="supplement-submit">{t('case.supplementSubmit')}</Button>
    </Card>
  );
}
