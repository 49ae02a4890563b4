import { Alert, App as AntApp, Button, Card, DatePicker, Grid, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api-client';
import { ApiErrorAlert, useApi, useErrorToast } from '../../app/ApiError';
import { saveDownload } from '../../shared/download';
import { useSession } from '../../app/session';
import { Chart } from './Chart';

interface LimitStats { onTimeRate: number | null; overdueNow: number }
interface StatsRow {
  key: string; label: string; orgUnitName?: string; received: number; completed: number; rejected: number; open: number;
  statutory: LimitStats; promised: LimitStats; avgWorkingDays: number | null; escalations: number; complaints: number; violations: number;
  ratings: { count: number; satisfiedRate: number | null };
}
interface StatsReport { rows: StatsRow[]; total: StatsRow; meta?: { estimatedHandlingTimes?: number } }
interface RankingRow { rank: number | null; unranked?: string; key: string; label: string; orgUnitName?: string; score: number | null; stats: StatsRow; components: Record<string, { value: number | null; score: number | null; weight: number }> }
interface Ranking { rows: RankingRow[]; weights: Record<string, number> }

const DIMS = ['town', 'window', 'department', 'item', 'person', 'month', 'day'] as const;
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);


/** Today in Beijing time (the server names its files by the CST day). */
function cstToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

function useQuery(range: [Dayjs, Dayjs] | null) {
  return range ? `from=${range[0].format('YYYY-MM-DD')}&to=${range[1].format('YYYY-MM-DD')}` : '';
}

function ReportTab({ dim, query }: { dim: (typeof DIMS)[number]; query: string }) {
  const { t } = useTranslation('console');
  const { data, error, loading, reload } = useApi(() => api.get<StatsReport>(`/api/stats/${dim}${query ? `?${query}` : ''}`), [dim, query]);
  const rows = data?.rows ?? [];
  const option = useMemo(() => ({
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [t('stats.received'), t('stats.completed'), t('stats.overdue'), t('stats.onTime')] },
    grid: { left: 48, right: 56, bottom: rows.length > 20 ? 72 : 40, top: 48, containLabel: true },
    dataZoom: rows.length > 20 ? [{ type: 'slider', start: 0, end: Math.max(10, Math.round((20 / rows.length) * 100)) }] : [],
    xAxis: { type: 'category', data: rows.map((r) => r.label), axisLabel: { interval: 0, rotate: rows.length > 8 ? 35 : 0 } },
    yAxis: [{ type: 'value', name: t('stats.count'), minInterval: 1 }, { type: 'value', name: t('stats.rate'), max: 100, min: 0 }],
    series: [
      { name: t('stats.received'), type: 'bar', data: rows.map((r) => r.received) },
      { name: t('stats.completed'), type: 'bar', data: rows.map((r) => r.completed) },
      { name: t('stats.overdue'), type: 'bar', data: rows.map((r) => r.promised.overdueNow), itemStyle: { color: '#cf1322' } },
      { name: t('stats.onTime'), type: 'line', yAxisIndex: 1, data: rows.map((r) => (r.promised.onTimeRate === null ? null : Math.round(r.promised.onTimeRate * 1000) / 10)) },
    ],
  }), [rows, t]);
  // a phone (390 px): the table scrolls sideways inside its card with the name column held at the left
  const phone = !Grid.useBreakpoint().md;
  const columns: ColumnsType<StatsRow> = [
    { title: t('stats.name'), dataIndex: 'label', key: 'label', width: phone ? 108 : 150, fixed: phone ? 'left' : undefined, render: (l: string, r) => <span data-testid="stats-name">{r.orgUnitName ? `${l}（${r.orgUnitName}）` : l}</span> },
    { title: t('stats.received'), dataIndex: 'received', key: 'received', align: 'right', width: 68, sorter: (a, b) => a.received - b.received },
    { title: t('stats.completed'), dataIndex: 'completed', key: 'completed', align: 'right', width: 60 },
    { title: t('stats.open'), dataIndex: 'open', key: 'open', align: 'right', width: 60 },
    { title: t('stats.rejected'), dataIndex: 'rejected', key: 'rejected', align: 'right', width: 60 },
    { title: t('stats.statOnTime'), key: 'st', align: 'right', render: (_: unknown, r) => pct(r.statutory.onTimeRate) },
    { title: t('stats.onTime'), key: 'pt', align: 'right', render: (_: unknown, r) => pct(r.promised.onTimeRate) },
    { title: t('stats.overdue'), key: 'od', align: 'right', render: (_: unknown, r) => r.promised.overdueNow + r.statutory.overdueNow },
    { title: <span style={{ whiteSpace: 'pre-line' }}>{t('stats.avgDays').replace('(', '\n(')}</span>, dataIndex: 'avgWorkingDays', key: 'avg', align: 'right', render: (v: number | null) => v ?? '—' },
    { title: t('stats.escalations'), dataIndex: 'escalations', key: 'esc', align: 'right', width: 60 },
    { title: t('stats.complaints'), dataIndex: 'complaints', key: 'cmp', align: 'right', width: 60 },
    { title: t('stats.violations'), dataIndex: 'violations', key: 'vio', align: 'right', width: 60 },
    { title: t('stats.satisfied'), key: 'sat', align: 'right', render: (_: unknown, r) => pct(r.ratings.satisfiedRate) },
  ];
  return (
    <>
      <ApiErrorAlert error={error} onRetry={reload} />
      {dim === 'day' ? <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }} data-testid="stats-day-bound">{t('stats.dayBound')}</Typography.Paragraph> : null}
      {data?.meta?.estimatedHandlingTimes ? (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="stats-estimated" title={t('stats.estimated', { n: data.meta.estimatedHandlingTimes })} />
      ) : null}
      <Card size="small" style={{ marginBottom: 12 }}><Chart option={option} height={280} testId={`stats-chart-${dim}`} label={`${t(`stats.dims.${dim}`)} ${t('stats.chart')}`} /></Card>
      <Table<StatsRow>
        size="small" rowKey="key" loading={loading} dataSource={rows} pagination={rows.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
        columns={phone ? columns.map((c) => ({ ...c, onHeaderCell: () => ({ style: { whiteSpace: 'nowrap' } }) })) : columns}
        {...(phone ? { scroll: { x: 'max-content' as const }, className: 'phone-wide-table' } : { tableLayout: 'fixed' as const })}
        data-testid={`stats-table-${dim}`}
        summary={() => (data ? (
          <Table.Summary.Row>
            <Table.Summary.Cell index={0}><strong>{t('stats.total')}</strong></Table.Summary.Cell>
            <Table.Summary.Cell index={1} align="right">{data.total.received}</Table.Summary.Cell>
            <Table.Summary.Cell index={2} align="right">{data.total.completed}</Table.Summary.Cell>
            <Table.Summary.Cell index={3} align="right">{data.total.open}</Table.Summary.Cell>
            <Table.Summary.Cell index={4} align="right">{data.total.rejected}</Table.Summary.Cell>
            <Table.Summary.Cell index={5} align="right">{pct(data.total.statutory.onTimeRate)}</Table.Summary.Cell>
            <Table.Summary.Cell index={6} align="right">{pct(data.total.promised.onTimeRate)}</Table.Summary.Cell>
            <Table.Summary.Cell index={7} align="right">{data.total.promised.overdueNow + data.total.statutory.overdueNow}</Table.Summary.Cell>
            <Table.Summary.Cell index={8} align="right">{data.total.avgWorkingDays ?? '—'}</Table.Summary.Cell>
            <Table.Summary.Cell index={9} align="right">{data.total.escalations}</Table.Summary.Cell>
            <Table.Summary.Cell index={10} align="right">{data.total.complaints}</Table.Summary.Cell>
            <Table.Summary.Cell index={11} align="right">{data.total.violations}</Table.Summary.Cell>
            <Table.Summary.Cell index={12} align="right">{pct(data.total.ratings.satisfiedRate)}</Table.Summary.Cell>
          </Table.Summary.Row>
        ) : null)}
      />
    </>
  );
}

function RankingTab({ level, query }: { level: 'towns' | 'windows'; query: string }) {
  const { t } = useTranslation('console');
  const { data, error, loading, reload } = useApi(() => api.get<Ranking>(`/api/stats/rankings/${level}${query ? `?${query}` : ''}`), [level, query]);
  const rows = data?.rows ?? [];
  // the chart shows the ranked units only; those without a case are listed after them as 无办件
  const ranked = rows.filter((r) => r.rank !== null);
  const option = useMemo(() => ({
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 24, bottom: rows.length > 25 ? 72 : 40, top: 32, containLabel: true },
    dataZoom: ranked.length > 25 ? [{ type: 'slider' }] : [],
    xAxis: { type: 'category', data: ranked.map((r) => (r.orgUnitName ? `${r.orgUnitName} ${r.label}` : r.label)), axisLabel: { interval: 0, rotate: 35 } },
    yAxis: { type: 'value', name: t('stats.score'), min: 0, max: 100 },
    series: [{ name: t('stats.score'), type: 'bar', data: ranked.map((r) => r.score), itemStyle: { color: '#1677ff' } }],
  }), [ranked, t]);
  const comp = (name: string) => (_: unknown, r: RankingRow) => {
    const c = r.components[name];
    return c?.score === null || c?.score === undefined ? '—' : (c.score * 100).toFixed(1);
  };
  // a phone (390 px): rank and name in one column held at the left, 综合得分 right beside it on screen,
  // the components reached by scrolling the table sideways (the page itself never scrolls sideways)
  const phone = !Grid.useBreakpoint().md;
  const rankCell = (v: number | null, r: RankingRow) => <span data-testid="ranking-rank" data-rank={v ?? 'none'}>{v ?? <Tag>{r.unranked ?? t('stats.noCases')}</Tag>}</span>;
  const nameCell = (l: string, r: RankingRow) => <span data-testid="ranking-name">{r.orgUnitName ? `${r.orgUnitName} ${l}` : l}</span>;
  const scoreColumn = { title: <Tooltip title={t('stats.scoreHelp')}><span data-testid="ranking-score-header">{t('stats.score')}</span></Tooltip>, dataIndex: 'score', key: 'score', align: 'right' as const, width: phone ? 84 : undefined, render: (v: number | null) => <span data-testid="ranking-score">{v === null ? '—' : <strong>{v.toFixed(2)}</strong>}</span> };
  const leading: ColumnsType<RankingRow> = phone
    ? [
        { title: `${t('stats.rank')} · ${t('stats.name')}`, dataIndex: 'label', key: 'label', width: 136, fixed: 'left', render: (l: string, r) => <div style={{ display: 'flex', gap: 6, alignItems: 'baseline' }}>{rankCell(r.rank, r)}{nameCell(l, r)}</div> },
        scoreColumn,
      ]
    : [
        { title: t('stats.rank'), dataIndex: 'rank', key: 'rank', width: 70, render: rankCell },
        { title: t('stats.name'), dataIndex: 'label', key: 'label', width: 160, render: nameCell },
        scoreColumn,
      ];
  return (
    <>
      <ApiErrorAlert error={error} onRetry={reload} />
      <Typography.Paragraph type="secondary">{t('stats.scoreHelp')}</Typography.Paragraph>
      <Card size="small" style={{ marginBottom: 12 }}><Chart option={option} height={260} testId={`ranking-chart-${level}`} label={t('stats.ranking')} /></Card>
      <Table<RankingRow>
        size="small" rowKey="key" loading={loading} dataSource={rows} data-testid={`ranking-table-${level}`} pagination={rows.length > 25 ? { pageSize: 25, showSizeChanger: false } : false} scroll={{ x: phone ? 'max-content' : 1000 }}
        className={phone ? 'phone-wide-table' : undefined}
        onHeaderRow={phone ? () => ({ style: { whiteSpace: 'nowrap' } }) : undefined}
        columns={[
          ...leading,
          { title: t('stats.received'), key: 'rec', align: 'right', render: (_: unknown, r) => r.stats.received },
          { title: `${t('stats.onTime')}(30)`, key: 'c1', align: 'right', render: comp('onTimePromised') },
          { title: `${t('stats.speed')}(20)`, key: 'c2', align: 'right', render: comp('speed') },
          { title: `${t('stats.overdue')}(15)`, key: 'c3', align: 'right', render: comp('overdueNow') },
          { title: `${t('stats.escalations')}(15)`, key: 'c4', align: 'right', render: comp('escalations') },
          { title: `${t('stats.complaints')}(10)`, key: 'c5', align: 'right', render: comp('complaints') },
          { title: `${t('stats.satisfied')}(10)`, key: 'c6', align: 'right', render: comp('satisfaction') },
        ]}
      />
    </>
  );
}

/** 统计分析: the report dimensions and the rankings, each as a table with a chart; export to .xlsx. */
export default function StatsPage() {
  const { t } = useTranslation('console');
  const { message } = AntApp.useApp();
  const toast = useErrorToast();
  const session = useSession();
  // the town ranking is for supervisors and the city office; a town's manager starts with his windows
  const cityWide = session.hasRole('supervisor', 'admin');
  const [tab, setTab] = useState<string>(cityWide ? 'ranking' : 'windowRanking');
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(null);
  const [busy, setBusy] = useState(false);
  const query = useQuery(range);
  const exportXlsx = async () => {
    setBusy(true);
    try {
      const path = tab === 'ranking' ? '/api/stats/rankings/towns' : tab === 'windowRanking' ? '/api/stats/rankings/windows' : `/api/stats/${tab}`;
      const blob = await api.blob(`${path}?format=xlsx${query ? `&${query}` : ''}`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      // the file is named as the tab reads (统计-镇街效能排名-2026-12-08.xlsx), not by its code
      const label = tab === 'ranking' ? t('stats.ranking') : tab === 'windowRanking' ? t('stats.windowRanking') : t(`stats.dims.${tab}`);
      const name = `统计-${label}-${cstToday()}.xlsx`;
      saveDownload(blob, name);
      void message.success(t('stats.exported', { name }));
    } catch (e) {
      toast(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="console-stats">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('stats.title')}</Typography.Title>
        <Space wrap>
          <label>{t('stats.period')}{' '}
            <DatePicker.RangePicker aria-label={t('stats.period')} value={range} onChange={(v) => setRange(v && v[0] && v[1] ? [v[0], v[1]] : null)} allowClear />
          </label>
          <Button type="primary" loading={busy} onClick={() => void exportXlsx()} data-testid="stats-export">{t('stats.export')}</Button>
        </Space>
      </Space>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        destroyOnHidden
        items={[
          ...(cityWide ? [{ key: 'ranking', label: t('stats.ranking'), children: <RankingTab level="towns" query={query} /> }] : []),
          { key: 'windowRanking', label: t('stats.windowRanking'), children: <RankingTab level="windows" query={query} /> },
          ...DIMS.map((d) => ({ key: d, label: t(`stats.dims.${d}`), children: <ReportTab dim={d} query={query} /> })),
        ]}
      />
    </div>
  );
}
