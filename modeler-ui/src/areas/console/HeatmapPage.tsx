import { Card, Col, DatePicker, Empty, Row, Segmented, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { cstDay } from '../../../../common/cst';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { api } from '../../api-client';
import { ApiErrorAlert, useApi } from '../../app/ApiError';
import { BpmnDiagram, escapeHtml, type DiagramOverlay } from '../../shared/BpmnDiagram';
import { formatDateTime } from '../../format';
import type { Heatmap, HeatStep, ServiceItemSummary } from './types';

/** Colours of heat-0 … heat-5 (as styles.css draws them on the diagram), for the legend. */
const HEAT_COLOURS = ['#ffffff', '#fff7e6', '#ffe7ba', '#ffc069', '#ff7a45', '#f5222d'];

/** `2026-11-08` → 2026年11月8日 */
const zhDay = (day: string) => { const [y, m, d] = day.split('-').map(Number); return `${y}年${m}月${d}日`; };

/** 热力图: where the cases of an item wait longest and where breaches happen, on its diagram. */
export default function HeatmapPage() {
  const { t } = useTranslation('console');
  const navigate = useNavigate();
  const { itemCode } = useParams();
  const [mode, setMode] = useState<'wait' | 'breach'>('wait');
  // 统计区间: tasks created in the period (the server's default: the 30 days to today; at most 366 days)
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(null);
  const period = range ? `&from=${range[0].format('YYYY-MM-DD')}&to=${range[1].format('YYYY-MM-DD')}` : '';
  const items = useApi(() => api.get<ServiceItemSummary[]>('/api/items'), []);
  const heat = useApi(() => (itemCode ? api.get<Heatmap>(`/api/supervision/heatmap?itemCode=${encodeURIComponent(itemCode)}${period}`) : Promise.resolve(undefined)), [itemCode, period]);
  const key = heat.data?.definitionKey;
  const xml = useApi(() => (key ? api.text(`/api/definitions/${encodeURIComponent(key)}/xml`, 'application/xml') : Promise.resolve(undefined)), [key]);

  const steps = heat.data?.steps ?? [];
  const markers = useMemo(() => Object.fromEntries(steps.map((s) => [s.elementId, [`heat-${mode === 'wait' ? s.heatWait : s.heatBreach}`]])), [steps, mode]);
  const overlays = useMemo<DiagramOverlay[]>(() => steps.map((s) => ({
    elementId: s.elementId,
    position: { top: -34, left: 0 },
    html: `<span class="heat-overlay" data-testid="heat-overlay" data-element="${escapeHtml(s.elementId)}" style="background:#fff;border:1px solid #d9d9d9;border-radius:4px;padding:1px 4px;">`
      + escapeHtml([
        t('heat.ovTasks', { n: s.tasks }),
        mode === 'wait' ? t('heat.ovWait', { avg: s.avgHours ?? '—', p90: s.p90Hours ?? '—' }) : t('heat.ovBreach', { n: s.breaches }),
        ...(s.open ? [t('heat.ovOpen', { n: s.open })] : []),
      ].join(' · '))
      + '</span>',
  })), [steps, mode, t]);

  return (
    <div data-testid="console-heatmap">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('heat.title')}</Typography.Title>
        <Space wrap>
          <label>{t('heat.item')}{' '}
            <Select aria-label={t('heat.item')} style={{ width: 320, maxWidth: 'calc(100vw - 110px)' }} showSearch optionFilterProp="label" placeholder={t('heat.pick')} value={itemCode} loading={items.loading}
              data-testid="heat-item" onChange={(v: string) => navigate(`/console/heatmap/${encodeURIComponent(v)}`)}
              options={(items.data ?? []).map((i) => ({ value: i.code, label: `${i.name}（${i.code}）` }))} />
          </label>
          <label>{t('heat.period')}{' '}
            <DatePicker.RangePicker aria-label={t('heat.period')} data-testid="heat-period" value={range} allowClear placeholder={[t('heat.last30'), t('heat.today')]}
              disabledDate={(d) => d.isAfter(dayjs(), 'day')}
              onChange={(v) => setRange(v && v[0] && v[1] ? [v[0], v[1]] : null)} />
          </label>
          <Segmented aria-label={t('heat.mode')} value={mode} onChange={(v) => setMode(v as 'wait' | 'breach')} options={[{ value: 'wait', label: t('heat.wait') }, { value: 'breach', label: t('heat.breach') }]} data-testid="heat-mode" />
        </Space>
      </Space>
      <ApiErrorAlert error={items.error ?? heat.error ?? xml.error} />
      {!itemCode ? <Empty description={t('heat.pick')} /> : null}
      {heat.data ? (
        <>
          <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
            <Col xs={24} sm={12} md={6}><Card size="small"><Statistic title={t('heat.definition')} value={heat.data.definitionName ?? heat.data.definitionKey} valueStyle={{ fontSize: 16 }} data-testid="heat-definition" /></Card></Col>
            <Col xs={8} sm={12} md={6}><Card size="small"><Statistic title={t('heat.cases')} value={heat.data.totals.cases} /></Card></Col>
            <Col xs={8} sm={12} md={6}><Card size="small"><Statistic title={t('heat.open')} value={heat.data.totals.open} /></Card></Col>
            <Col xs={8} sm={12} md={6}><Card size="small"><Statistic title={t('heat.breaches')} value={heat.data.totals.breaches} valueStyle={heat.data.totals.breaches ? { color: '#cf1322' } : undefined} /></Card></Col>
          </Row>
          <Typography.Paragraph type="secondary" data-testid="heat-covered" style={{ marginBottom: 8 }}>
            {t('heat.covered', { from: zhDay(cstDay(heat.data.from)), to: zhDay(cstDay(new Date(new Date(heat.data.to).getTime() - 1))) })}
          </Typography.Paragraph>
          {/* the whole item name in the title, wrapping on a phone (never cut to 个体…); the legend under it, in the body */}
          <Card size="small" className="heat-card" data-testid="heat-card"
            title={<span data-testid="heat-card-title">{heat.data.itemName ?? ''}<Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 12, marginInlineStart: 8, whiteSpace: 'nowrap' }}>{formatDateTime(heat.data.at)}</Typography.Text></span>}>
            <Space size={2} wrap aria-label={t('heat.legend')} data-testid="heat-legend" style={{ marginBottom: 8 }}>
              <span>{t('heat.legend')}：{t('heat.none')}</span>
              {HEAT_COLOURS.map((c, i) => <span key={i} title={`heat-${i}`} style={{ display: 'inline-block', width: 20, height: 14, background: c, border: '1px solid #bfbfbf' }} />)}
              <span>{t('heat.high')}</span>
            </Space>
            {steps.length ? null : <Empty description={t('heat.empty')} />}
            <BpmnDiagram xml={xml.data} markers={markers} overlays={overlays} height={480} testId="heat-diagram" />
          </Card>
          <Table<HeatStep>
            style={{ marginTop: 12 }} size="small" rowKey="elementId" dataSource={steps} pagination={false} data-testid="heat-table"
            columns={[
              { title: t('heat.step'), dataIndex: 'name', key: 'name', render: (n: string, s) => <Space><Tag color={HEAT_COLOURS[mode === 'wait' ? s.heatWait : s.heatBreach] === '#ffffff' ? 'default' : undefined} style={{ background: HEAT_COLOURS[mode === 'wait' ? s.heatWait : s.heatBreach] }}>&nbsp;</Tag>{n}</Space> },
              { title: t('heat.tasks'), dataIndex: 'tasks', key: 'tasks', align: 'right' },
              { title: t('heat.open'), dataIndex: 'open', key: 'open', align: 'right' },
              { title: t('heat.avgHours'), dataIndex: 'avgHours', key: 'ah', align: 'right', render: (v: number | null) => v ?? '—' },
              { title: t('heat.p90Hours'), dataIndex: 'p90Hours', key: 'ph', align: 'right', render: (v: number | null) => v ?? '—' },
              { title: t('heat.avgDays'), dataIndex: 'avgWorkingDays', key: 'ad', align: 'right', render: (v: number | null) => v ?? '—' },
              { title: t('heat.p90Days'), dataIndex: 'p90WorkingDays', key: 'pd', align: 'right', render: (v: number | null) => v ?? '—' },
              { title: t('heat.breaches'), dataIndex: 'breaches', key: 'b', align: 'right', render: (v: number) => (v ? <Tag color="red">{v}</Tag> : 0) },
            ]}
          />
        </>
      ) : null}
    </div>
  );
}
