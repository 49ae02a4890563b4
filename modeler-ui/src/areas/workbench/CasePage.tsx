import { FileTextOutlined } from '@ant-design/icons';
import { App as AntApp, Alert, Breadcrumb, Button, Card, Checkbox, Col, Descriptions, Empty, Grid, Row, Space, Spin, Table, Tabs, Tag, Timeline, Tooltip, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api } from '../../api-client';
import { ApiErrorAlert, useApi, useErrorToast } from '../../app/ApiError';
import { BpmnDiagram, escapeHtml, type DiagramOverlay } from '../../shared/BpmnDiagram';
import { CategoryTag, StatusTag } from './common';
import { budgetText, cstDay, formatDateTime } from './format';
import { NoticeViewer } from './NoticeViewer';
import { reasonText, UNDONE_DECISIONS } from './audit-text';
import type { AuditEvent, CalledCaseView, CaseDetail, CaseStep, Clock, InstanceView, Item, Me, NoticeRef, WindowView } from './types';
import { completeTree, flattenTree, nodeOfTask, pathTo, within, type CalledNode } from './called-tree';

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

const SIGNAL_RANK = { current: 0, warned: 1, late: 2 } as const;

/** The name (label) of a diagram element, read from its XML; undefined when not found. */
function elementName(xml: string | undefined, elementId: string): string | undefined {
  if (!xml) return undefined;
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const el = [...doc.getElementsByTagName('*')].find((e) => e.getAttribute('id') === elementId);
  return el?.getAttribute('name')?.trim() || undefined;
}

type CalledCase = CalledCaseView;
/** A row of the step list: a step, or a call activity (调用活动) standing for the steps of the process it started; `depth`: how far it is indented. */
type StepRow = (CaseStep & { rowKey: string; call?: undefined; calledOf?: CalledNode; depth: number }) | { rowKey: string; call: CalledNode; depth: number; name: string; status: string; createdAt: string; taskId?: undefined; kind: 'call' };

/** 办件: data, materials, timeline, clocks, and the diagram with finished and current steps. */
export default function CasePage() {
  const { t } = useTranslation('workbench');
  const { no = '' } = useParams();
  // 调用活动: `?instance=` shows a process one of the case's call activities started (its diagram and steps)
  const [params] = useSearchParams();
  const viewing = params.get('instance') ?? '';
  const [notice, setNotice] = useState<NoticeRef | null>(null);
  const phone = !Grid.useBreakpoint().md;
  const data = useApi(async () => {
    const c = await api.get<CaseDetail & { definitionVersion?: number }>(`/api/service-cases/${encodeURIComponent(no)}`);
    const [audit, clocks, item, window] = await Promise.all([
      api.get<AuditEvent[]>(`/api/service-cases/${encodeURIComponent(no)}/audit`),
      api.get<Clock[]>(`/api/service-cases/${encodeURIComponent(no)}/clocks`),
      api.get<Item>(`/api/items/${encodeURIComponent(c.itemCode)}`).catch(() => null),
      // the receiving window by its name (窗口名称), not its code
      c.receivingWindow ? api.get<WindowView>(`/api/org/windows/${encodeURIComponent(c.receivingWindow)}`).catch(() => null) : Promise.resolve(null),
    ]);
    const rootXml = c.definitionKey
      ? await api.text(`/api/definitions/${encodeURIComponent(c.definitionKey)}/${c.definitionVersion ? `versions/${c.definitionVersion}/xml` : 'xml'}`, 'application/xml').catch(() => undefined)
      : undefined;
    // the case's instance with the instances its call activities started, and the one on show if it is one of those
    const root = c.instanceId ? await api.get<InstanceView>(`/api/cases/${encodeURIComponent(c.instanceId)}`).catch(() => null) : null;
    const child = viewing && viewing !== c.instanceId ? await api.get<InstanceView>(`/api/cases/${encodeURIComponent(viewing)}`) : null;
    // the XML of a definition version, read once per version (the case's own is rootXml)
    const xmls = new Map<string, Promise<string | undefined>>();
    const xmlOf = (key?: string, version?: number) => {
      if (!key || !version) return Promise.resolve(undefined);
      const k = `${key}@${version}`;
      if (!xmls.has(k)) xmls.set(k, api.text(`/api/definitions/${encodeURIComponent(key)}/versions/${version}/xml`, 'application/xml').catch(() => undefined));
      return xmls.get(k)!;
    };
    const xml = child ? await xmlOf(child.definitionKey, child.definitionVersion) : rootXml;
    // 调用活动 within 调用活动: the whole tree (the server's, or asked for level by level), each call activity by its label
    const nodes = root ? flattenTree(root.id, await completeTree(root.calledCases, (id) => api.get<InstanceView>(`/api/cases/${encodeURIComponent(id)}`))) : [];
    const activityNames = new Map<string, string>();
    await Promise.all(nodes.map(async (n) => {
      const caller = n.depth === 1 ? undefined : nodes.find((x) => x.instanceId === n.parentId);
      const callerXml = n.depth === 1 ? rootXml : await xmlOf(caller?.definitionKey, caller?.definitionVersion);
      const name = elementName(callerXml, n.elementId);
      if (name) activityNames.set(n.instanceId, name);
    }));
    // working days for used / remaining: from the earliest start to the latest of today and the deadlines
    const today = cstDay(new Date());
    const starts = clocks.map((k) => cstDay(k.startedAt));
    const ends = [today, ...clocks.map((k) => (k.dueAt ? cstDay(k.dueAt) : today))];
    const from = starts.sort()[0];
    const to = ends.sort().reverse()[0]!;
    // days of a year without its holiday notice come estimated (flagged), never as a 422
    const days = from ? await api.get<CalendarDay[]>(`/api/calendar/days?from=${from}&to=${to}`).catch(() => [] as CalendarDay[]) : [];
    // 代办记录 names org units and windows by their names, not their codes (dingbao, dingbao-w10);
    // so does an open step that is someone else's (由 信宜市行政服务中心 · 市自然资源局窗口 办理)
    const openSteps = c.steps.filter((s) => s.status === 'open');
    const proxyWindows = [...new Set([...c.proxyRecord.flatMap((p) => [p.fromWindow, p.toWindow]), ...openSteps.map((s) => s.windowId)].filter((w): w is string => !!w && w !== c.receivingWindow))];
    const [units, windows, me] = await Promise.all([
      c.proxyRecord.length || openSteps.length ? api.get<{ id?: string; _id?: string; name?: string; shortName?: string }[]>('/api/org/units').catch(() => []) : Promise.resolve([]),
      Promise.all(proxyWindows.map((w) => api.get<WindowView>(`/api/org/windows/${encodeURIComponent(w)}`).catch(() => null))),
      api.get<Me>('/api/me').catch(() => null),
    ]);
    const placeNames = new Map<string, string>([
      ...units.map((u) => [String(u.id ?? u._id), String(u.shortName ?? u.name ?? '')] as [string, string]),
      ...[window, ...windows].filter((w): w is WindowView => !!w).map((w) => [`w:${w.id}`, w.name] as [string, string]),
    ]);
    const unitNames = new Map(units.map((u) => [String(u.id ?? u._id), String(u.name ?? u.shortName ?? '')] as [string, string]));
    return { c, audit, clocks, item, xml, rootXml, root, child, nodes, activityNames, days, windowName: window?.name, placeNames, unitNames, me };
  }, [no, viewing]);

  const d = data.data;
  const nodes = d?.nodes ?? [];
  /** The called process a step belongs to (at any depth), else undefined: the case's own. */
  const calledOf = (s: CaseStep) => nodeOfTask(nodes, s.taskId);
  const shownId = d?.child?.id ?? d?.c.instanceId;
  // the steps of the process on show; a called process deeper than the case's own read lists comes with its own (GET /api/cases/{id})
  const listed = (d?.c.steps ?? []).filter((x) => x.kind === 'engine' && (d?.child ? x.taskId.startsWith(`${d.child.id}:`) : !calledOf(x)));
  const shownSteps: CaseStep[] = d?.child && !listed.length
    ? (d.child.tasks ?? []).filter((x) => (x.kind ?? 'engine') === 'engine').map((x) => ({ ...x, taskId: x.id, kind: x.kind ?? 'engine' }))
    : listed;
  /** The call activities of the process on show: the processes they started, from the tree (or, not in it, the instance's own answer). */
  const callsHere: CalledCase[] = shownId ? (nodes.some((n) => n.parentId === shownId) ? nodes.filter((n) => n.parentId === shownId) : (d?.child ? (d.child.calledCases ?? []) : [])) : [];
  const { markers, overlays, callCurrent } = useMemo(() => {
    const markers: Record<string, string[]> = {};
    const overlays: DiagramOverlay[] = [];
    let callCurrent: string | undefined;
    if (!d) return { markers, overlays, callCurrent };
    for (const s of shownSteps) {
      if (s.status === 'completed') markers[s.elementId] = ['done'];
    }
    // a call activity whose process (or one it called in turn) has a step open is the current step of its caller (its steps' worst signal)
    {
      for (const cc of callsHere) {
        const open = d.c.steps.filter((s) => {
          if (s.kind !== 'engine' || s.status !== 'open') return false;
          const n = nodeOfTask(d.nodes, s.taskId);
          return n ? within(n, cc.instanceId) : s.taskId.startsWith(`${cc.instanceId}:`);
        });
        if (open.length) {
          const signal = open.map((s) => signalOf(d.clocks.find((k) => k.taskId === s.taskId))).sort((a, b) => SIGNAL_RANK[b] - SIGNAL_RANK[a])[0]!;
          markers[cc.elementId] = [signal];
          callCurrent ??= cc.elementId;
          const href = `#/workbench/cases/${encodeURIComponent(d.c.caseNo)}?instance=${encodeURIComponent(cc.instanceId)}`;
          overlays.push({
            elementId: cc.elementId,
            html: `<a class="deadline-badge ${signal}" data-testid="diagram-called-link" data-instance="${escapeHtml(cc.instanceId)}" href="${escapeHtml(href)}">${escapeHtml(t('case.calledNow', { steps: open.map((s) => s.name).join('、') }))} ›</a>`,
            position: { top: -26, left: 0 },
          });
        } else if (cc.status === 'running' || cc.status === 'starting') {
          // running, its open step not among the case's listed ones (a process it called in turn): current, and a link to it
          markers[cc.elementId] = ['current'];
          callCurrent ??= cc.elementId;
          const href = `#/workbench/cases/${encodeURIComponent(d.c.caseNo)}?instance=${encodeURIComponent(cc.instanceId)}`;
          overlays.push({
            elementId: cc.elementId,
            html: `<a class="deadline-badge current" data-testid="diagram-called-link" data-instance="${escapeHtml(cc.instanceId)}" href="${escapeHtml(href)}">${escapeHtml(t('case.calledRunning'))} ›</a>`,
            position: { top: -26, left: 0 },
          });
        } else if (cc.status === 'completed') markers[cc.elementId] = ['done'];
      }
    }
    for (const s of shownSteps.filter((x) => x.status === 'open')) {
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
    return { markers, overlays, callCurrent };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [d, t]);

  const currentStep = shownSteps.find((x) => x.status === 'open')?.elementId ?? callCurrent;
  const calledLink = (instanceId: string) => `/workbench/cases/${encodeURIComponent(no)}?instance=${encodeURIComponent(instanceId)}`;
  const activityName = (cc: CalledCase) => d?.activityNames.get(cc.instanceId) ?? (d?.child?.id === cc.instanceId || !d?.child ? elementName(d?.rootXml, cc.elementId) : undefined) ?? t('case.callActivity');
  // the step list: each call activity stands before the steps of the process it started (indented by its depth), open while one of them is
  const stepRows: StepRow[] = [];
  for (const s of d?.c.steps ?? []) {
    const cc = calledOf(s);
    for (const n of cc ? pathTo(nodes, cc.instanceId) : []) {
      if (stepRows.some((r) => r.call?.instanceId === n.instanceId)) continue;
      const open = n.status === 'running' || n.status === 'starting' || (d?.c.steps ?? []).some((x) => x.status === 'open' && x.taskId.startsWith(`${n.instanceId}:`));
      stepRows.push({ rowKey: `call:${n.instanceId}`, kind: 'call', call: n, depth: n.depth - 1, name: activityName(n), status: open ? 'open' : (n.status ?? 'open'), createdAt: s.createdAt });
    }
    stepRows.push({ ...s, rowKey: s.taskId, calledOf: cc, depth: cc?.depth ?? 0 });
  }
  // the way from the case's own process down to the one on show (面包屑), each a link
  const trail = d?.child ? pathTo(nodes, d.child.id) : [];

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
  // an open step the reader is likely to work on (办理): held by them, or unheld at their window; any other
  // open step is 查看 — its page says whose it is and offers only what the server allows
  const me = d.me;
  const likelyMine = (s: CaseStep) => !!me && (me.roles.includes('admin') || s.assignee === me.username || (!s.assignee && !!s.windowId && s.windowId === me.windowId));
  const whose = (s: CaseStep) => [d.unitNames.get(s.orgUnit ?? '') ?? '', s.windowId ? (d.placeNames.get(`w:${s.windowId}`) ?? (s.windowId === c.receivingWindow ? windowName : undefined) ?? '') : ''].filter(Boolean).join(' · ');
  /** The cells of a step row (the desktop's columns, a phone's two). */
  const stepName = (s: StepRow) => (s.call ? (
    <Space size={4} wrap style={{ paddingLeft: 16 * s.depth }}>
      <span>{s.name}</span><Tag>{t('case.callActivity')}</Tag>
      <Link to={calledLink(s.call.instanceId)} data-testid="step-called-link">{t('case.calledOpen')}</Link>
    </Space>
  ) : (
    <span style={s.depth ? { paddingLeft: 16 * s.depth, display: 'inline-block' } : undefined}>
      {s.name}{s.calledOf ? ' ' : null}
      {s.calledOf ? <Typography.Text type="secondary" data-testid="step-called-of">（{t('case.calledOf', { process: s.calledOf.name ?? '' })}）</Typography.Text> : null}
      {s.status === 'open' && !likelyMine(s) && whose(s) ? <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }} data-testid="step-whose">{t('case.stepWhose', { place: whose(s) })}</Typography.Text> : null}
    </span>
  ));
  const personName = (s: StepRow) => (s.call ? '' : s.completedBy ? (s.completedByName ?? s.completedBy) : s.assignee ? (s.assigneeName ?? s.assignee) : '');
  const personOf = (s: StepRow) => (s.call ? '' : <span data-testid="step-person">{personName(s) || '—'}</span>);
  const opinionOf = (s: StepRow) => (!s.call && s.outcome?.decision ? `${t(`decision.${s.outcome.decision}`, { defaultValue: s.outcome.decision })} ${s.outcome.opinion ?? ''}` : '');
  const openLink = (s: StepRow) => (!s.call && s.status === 'open' ? <Link to={`/workbench/tasks/${encodeURIComponent(s.taskId)}`} data-testid="step-open-link" data-mine={likelyMine(s) ? 'true' : 'false'}>{likelyMine(s) ? t('inbox.handle') : t('common.view')}</Link> : null);
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
      <Card title={d.child ? `${t('case.diagram')} · ${d.child.name ?? ''}` : t('case.diagram')} size="small" style={{ marginTop: 16 }} data-testid="case-diagram-card" data-instance={shownId}>
        {d.child ? (
          <>
          {/* 面包屑: the case's own process › each call activity and the process it started, down to the one on show */}
          <div data-testid="called-breadcrumb" style={{ marginBottom: 8 }}>
          <Breadcrumb items={[
            { title: <Link to={`/workbench/cases/${encodeURIComponent(no)}`} data-testid="called-crumb" data-instance={c.instanceId}>{d.root?.name ?? t('case.ownProcess')}</Link> },
            ...(trail.length ? trail : [{ instanceId: d.child.id, name: d.child.name, elementId: d.child.parent?.elementId ?? '' } as CalledCase]).map((n) => ({
              title: n.instanceId === d.child!.id
                ? <span data-testid="called-crumb" data-instance={n.instanceId} data-current="true">{activityName(n)} → <Typography.Text strong>{n.name ?? ''}</Typography.Text></span>
                : <Link to={calledLink(n.instanceId)} data-testid="called-crumb" data-instance={n.instanceId}>{activityName(n)} → {n.name ?? ''}</Link>,
            })),
          ]} />
          </div>
          <Alert type="info" showIcon style={{ marginBottom: 8 }} data-testid="called-banner"
            title={t('case.calledBanner', { activity: activityName(trail[trail.length - 1] ?? { instanceId: d.child.id, elementId: d.child.parent?.elementId ?? '' }), process: d.child.name ?? '', version: d.child.definitionVersion })}
            action={<Link to={d.child.parent && d.child.parent.instanceId !== c.instanceId ? calledLink(d.child.parent.instanceId) : `/workbench/cases/${encodeURIComponent(no)}`} data-testid="called-back">{t('case.calledBack')}</Link>} />
          </>
        ) : null}
        {d.xml ? <BpmnDiagram key={shownId} xml={d.xml} markers={markers} overlays={overlays} focus={currentStep} height={480} testId="case-diagram" /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
        {!d.child && nodes.length ? (
          // the called processes as a tree: each indented under the one that called it
          <div style={{ marginTop: 8 }} data-testid="called-cases">
            <Typography.Text type="secondary">{t('case.calledList')}：</Typography.Text>
            {nodes.map((cc) => (
              <div key={cc.instanceId} style={{ paddingLeft: 16 * cc.depth }} data-testid="called-case" data-depth={cc.depth}>
                {cc.depth > 1 ? <Typography.Text type="secondary" aria-hidden>└ </Typography.Text> : null}
                <Link to={calledLink(cc.instanceId)} data-testid="called-case-link" data-instance={cc.instanceId} data-depth={cc.depth}>
                  {activityName(cc)} → {cc.name ?? ''}（{t(`case.calledStatus.${cc.status ?? 'running'}`, { defaultValue: t('case.calledStatus.running') })}）
                </Link>
                {cc.truncated ? <Typography.Text type="secondary" data-testid="called-truncated">（{t('case.calledTruncated')}）</Typography.Text> : null}
              </div>
            ))}
          </div>
        ) : null}
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
                    <Typography.Text strong>{t(`audit.${e.type.replace(/\./g, '_')}`, { defaultValue: t('case.otherEvent') })}</Typography.Text>{' '}
                    {e.data?.name ?? e.data?.step ?? e.data?.title ?? ''} · <span data-testid="audit-actor">{e.actor === 'system' ? '系统' : (e.actorName ?? e.actor)}</span>
                    {e.type === 'case.failed' && e.data?.reason ? (
                      <>：{t('case.failedReason')} <Tooltip title={`${t('case.technical')}：${String(e.data.reason)}`}><Typography.Text type="secondary" underline data-testid="audit-technical">{t('case.technical')}</Typography.Text></Tooltip></>
                    ) : e.data?.reason ? <span data-testid="audit-reason">：{reasonText(e.data.reason)}</span> : ''}
                    {e.type === 'case.decision-undone' && e.data?.decision ? t('case.undoneDecision', { decision: UNDONE_DECISIONS[e.data.decision] ?? e.data.decision }) : ''}
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
              <Table rowKey="id" size="small" pagination={false} dataSource={d.clocks} data-testid="case-clocks" scroll={phone ? { x: 720 } : undefined}
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
              <Table<StepRow> rowKey="rowKey" size="small" pagination={false} dataSource={stepRows} data-testid="case-steps"
                onRow={(s) => ({ 'data-testid': 'case-step-row', 'data-kind': s.call ? 'call' : 'task', 'data-status': s.status, ...(s.call ? { 'data-element-id': s.call.elementId } : { 'data-element-id': s.elementId }) }) as never}
                columns={phone ? [
                // a phone: the step with who, when and the opinion under it; its state and link beside (seven columns broke a character a line)
                { title: t('inbox.step'), key: 'name', render: (_, s) => (
                  <div>
                    {stepName(s)}
                    {s.call ? null : (
                      <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }} data-testid="step-phone-detail">
                        {[personName(s), formatDateTime(s.createdAt), s.completedAt ? `${t('case.endedAt')} ${formatDateTime(s.completedAt)}` : '', opinionOf(s)].filter(Boolean).join(' · ')}
                      </Typography.Text>
                    )}
                  </div>
                ) },
                { title: t('case.status'), key: 's', width: 84, render: (_, s) => <Space orientation="vertical" size={4}><StatusTag status={s.status} />{openLink(s)}</Space> },
              ] : [
                { title: t('inbox.step'), key: 'name', render: (_, s) => stepName(s) },
                { title: t('case.status'), key: 's', render: (_, s) => <StatusTag status={s.status} /> },
                { title: t('inbox.assignee'), key: 'a', render: (_, s) => (s.call ? '—' : personOf(s)) },
                { title: t('inbox.arrived'), key: 'c', render: (_, s) => formatDateTime(s.createdAt) },
                { title: t('case.endedAt'), key: 'e', render: (_, s) => (s.call ? '' : formatDateTime(s.completedAt)) },
                { title: t('task.opinion'), key: 'o', render: (_, s) => opinionOf(s) },
                { title: '', key: 'open', render: (_, s) => openLink(s) },
              ]} />
            ),
          },
          {
            key: 'proxy', label: t('case.proxy'),
            children: (
              <Timeline data-testid="case-proxy" items={c.proxyRecord.map((p) => {
                const place = (unit?: string, w?: string) => [unit ? (d.placeNames.get(unit) ?? t('case.otherUnit')) : '', w ? (d.placeNames.get(`w:${w}`) ?? t('case.otherWindow')) : ''].filter(Boolean).join(' · ');
                return {
                  content: (
                    <span data-testid="case-proxy-entry" data-type={p.type}>
                      <Typography.Text type="secondary">{formatDateTime(p.at)}</Typography.Text>{' '}
                      <Typography.Text strong>{t(`case.proxyType.${p.type}`, { defaultValue: t('case.proxyType.hand-over') })}</Typography.Text>{p.step ? `（${p.step}）` : ''}：
                      {place(p.fromOrgUnit, p.fromWindow)} → {place(p.toOrgUnit, p.toWindow)}
                      {p.toPerson ? ` · ${c.people?.[p.toPerson] ?? p.toPerson}` : ''}
                      {p.reason ? `：${p.reason}` : ''}
                    </span>
                  ),
                };
              })} />
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
