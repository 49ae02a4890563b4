import { Badge, Button, Card, Col, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
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

/** 实时看板: every unit with its counts, live; expand a unit to see its windows. */
export default function BoardPage() {
  const { t } = useTranslation('console');
  const navigate = useNavigate();
  const { board, state, error } = useBoardStream();
  const [expanded, setExpanded] = useState<string[]>([]);

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
        <Space>
          <span data-testid="board-live" data-state={state} aria-live="polite">
            <Badge status={LIVE_BADGE[state]} text={t(`board.${state}`)} />
          </span>
          {board ? <Typography.Text type="secondary" data-testid="board-updated">{t('board.updatedAt', { time: formatDateTime(board.at) })}</Typography.Text> : null}
          <Button data-testid="board-to-escalations" onClick={() => navigate('/console/escalations')}>{t('board.toEscalations')}</Button>
        </Space>
      </Space>
      <ApiErrorAlert error={error} />
      <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
        {COUNT_KEYS.map((k) => (
          <Col key={k} xs={12} md={8} xl={4}>
            <Card size="small">
              <Statistic title={`${t('board.total')} · ${t(`board.${k}`)}`} value={total?.[k] ?? '—'} valueStyle={COLOUR[k] && total?.[k] ? { color: k === 'warned' ? '#d48806' : '#cf1322' } : undefined} />
            </Card>
          </Col>
        ))}
      </Row>
      <Table<BoardUnit>
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
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>{t('board.legend')}</Typography.Paragraph>
    </div>
  );
}
