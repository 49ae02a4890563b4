import { Badge, Button, Card, Col, Grid, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiErrorAlert } from '../../app/ApiError';
import { formatDateTime } from '../../format';
import type { BoardCounts, BoardUnit, BoardWindow } from './types';
import { useBoardStream, type LiveState } from './useBoardStream';

const COUNT_KEYS: (keyof BoardCounts)[] = ['openCases', 'openSteps', 'warned', 'breached', 'serious', 'openEscalations'];
const COLOUR: Partial<Record<keyof BoardCounts, string>> = { warned: 'gold', breached: 'red', serious: 'magenta', openEscalations: 'volcano' };
const LIVE_BADGE: Record<LiveState, 'success' | 'processing' | 'warning' | 'error'> = { live: 'success', connecting: 'processing', polling: 'warning', offline: 'error' };

/** A count cell: coloured when it is a warning sign and not zero; stable test hooks. */
function CountCell({ k, n, unit, window }: { k: keyof BoardCounts; n: number; unit: string; window?: string }) {
  const hook = { 'data-testid': `board-${k}`, 'data-unit': unit, 'data-window': window, 'data-count': String(n) };
  if (!n || !COLOUR[k]) return <span {...hook}>{n}</span>;
  return <Tag color={COLOUR[k]} {...hook} style={{ minWidth: 32, textAlign: 'center', marginInlineEnd: 0 }}>{n}</Tag>;
}

function rowClass(c: BoardCounts) {
  return c.breached ? 'board-row-breached' : c.warned ? 'board-row-warned' : '';
}

/**
 * A phone (below md, 768 px): each centre a card — its name, the six counts in a 3 × 2 grid
 * (warning counts coloured), 查看窗口 opening its windows as compact lines. The same test hooks
 * as the table (board-unit, board-<count>, board-drill).
 */
function UnitCards({ units, expanded, toggle }: { units: BoardUnit[]; expanded: string[]; toggle: (key: string) => void }) {
  const { t } = useTranslation('console');
  return (
    <div data-testid="board-units" className="board-cards">
      {units.map((u) => (
        <Card key={u.key} size="small" className={`board-card ${rowClass(u)}`} data-testid="board-unit" data-unit={u.key}
          title={<strong>{u.label}</strong>}
          extra={u.windows.length ? (
            <Button type="link" size="small" data-testid="board-drill" data-unit={u.key} aria-expanded={expanded.includes(u.key)} onClick={() => toggle(u.key)}>
              {t('board.drill')}
            </Button>
          ) : null}>
          <div className="board-card-counts">
            {COUNT_KEYS.map((k) => (
              <div key={k} className="board-card-count">
                <span className="board-card-label">{t(`board.${k}`)}</span>
                <CountCell k={k} n={u[k]} unit={u.key} />
              </div>
            ))}
          </div>
          {expanded.includes(u.key) ? (
            <ul className="board-card-windows" data-testid="board-windows">
              {u.windows.map((w) => (
                <li key={w.key} className={rowClass(w)}>
                  <span className="board-card-window">{w.no ? `${w.no}. ` : ''}{w.label}</span>
                  <span className="board-card-window-counts">
                    {COUNT_KEYS.filter((k) => w[k] || k === 'openCases').map((k) => (
                      <span key={k} className="board-card-wcount">{t(`board.${k}`)} <CountCell k={k} n={w[k]} unit={u.key} window={w.key} /></span>
                    ))}
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
        </Card>
      ))}
    </div>
  );
}

/** 实时看板: every unit with its counts, live; expand a unit to see its windows. */
export default function BoardPage() {
  const { t } = useTranslation('console');
  const navigate = useNavigate();
  const { board, state, error } = useBoardStream();
  const [expanded, setExpanded] = useState<string[]>([]);
  const phone = !Grid.useBreakpoint().md;

  const countColumns = <T extends BoardCounts & { key: string }>(unitOf: (r: T) => string, windowOf?: (r: T) => string): ColumnsType<T> =>
    COUNT_KEYS.map((k) => ({
      title: t(`board.${k}`),
      dataIndex: k,
      key: k,
      align: 'center' as const,
      width: 96,
      sorter: (a: T, b: T) => a[k] - b[k],
      render: (_: unknown, r: T) => <CountCell k={k} n={r[k]} unit={unitOf(r)} window={windowOf?.(r)} />,
    }));

  const windowTable = (u: BoardUnit) => (
    <Table<BoardWindow>
      size="small"
      rowKey="key"
      pagination={false}
      data-testid="board-windows"
      dataSource={u.windows}
      rowClassName={rowClass}
      columns={[
        { title: t('board.window'), dataIndex: 'label', key: 'label', render: (l: string, w) => <span>{w.no ? `${w.no}. ` : ''}{l}</span> },
        ...countColumns<BoardWindow>(() => u.key, (w) => w.key),
      ]}
    />
  );

  const total = board?.total;
  return (
    <div data-testid="console-board">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} wrap>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>{t('board.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('board.subtitle')}</Typography.Text>
        </div>
        <Space wrap>
          <span data-testid="board-live" data-state={state} aria-live="polite" style={{ whiteSpace: 'nowrap' }}>
            <Badge status={LIVE_BADGE[state]} text={t(`board.${state}`)} />
          </span>
          {board ? <Typography.Text type="secondary" data-testid="board-updated">{t('board.updatedAt', { time: formatDateTime(board.at) })}</Typography.Text> : null}
          <Button data-testid="board-to-escalations" onClick={() => navigate('/console/escalations')}>{t('board.toEscalations')}</Button>
        </Space>
      </Space>
      <ApiErrorAlert error={error} />
      {phone ? <Typography.Text strong style={{ display: 'block', marginBottom: 8 }}>{t('board.total')}</Typography.Text> : null}
      <Row gutter={[8, 8]} style={{ marginBottom: 12 }}>
        {COUNT_KEYS.map((k) => (
          <Col key={k} xs={8} md={8} xl={4}>
            <Card size="small">
              <Statistic title={phone ? t(`board.${k}`) : `${t('board.total')} · ${t(`board.${k}`)}`} value={total?.[k] ?? '—'} valueStyle={COLOUR[k] && total?.[k] ? { color: k === 'warned' ? '#d48806' : '#cf1322' } : undefined} />
            </Card>
          </Col>
        ))}
      </Row>
      {phone ? (
        <UnitCards units={board?.units ?? []} expanded={expanded} toggle={(key) => setExpanded((e) => (e.includes(key) ? e.filter((x) => x !== key) : [...e, key]))} />
      ) : <Table<BoardUnit>
        size="small"
        rowKey="key"
        loading={!board && !error}
        pagination={false}
        data-testid="board-units"
        dataSource={board?.units ?? []}
        onRow={(u) => ({ 'data-testid': 'board-unit', 'data-unit': u.key }) as never}
        rowClassName={rowClass}
        // all 20 centres in the page itself, no inner scroll box: the page scrolls, the header row stays on top
        sticky={{ offsetHeader: -16, getContainer: () => (document.querySelector('.app-content') as HTMLElement) ?? window }}
        expandable={{
          expandedRowKeys: expanded,
          onExpandedRowsChange: (keys) => setExpanded(keys as string[]),
          expandedRowRender: windowTable,
          rowExpandable: (u) => u.windows.length > 0,
        }}
        columns={[
          {
            title: t('board.unit'),
            dataIndex: 'label',
            key: 'label',
            width: 160,
            render: (l: string, u) => (
              <Space size={4}>
                <strong>{l}</strong>
                <Button type="link" size="small" data-testid="board-drill" data-unit={u.key} aria-expanded={expanded.includes(u.key)}
                  onClick={() => setExpanded((e) => (e.includes(u.key) ? e.filter((x) => x !== u.key) : [...e, u.key]))}>
                  {t('board.drill')}
                </Button>
              </Space>
            ),
          },
          ...countColumns<BoardUnit>((u) => u.key),
        ]}
      />}
      <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>{t('board.legend')}</Typography.Paragraph>
    </div>
  );
}
