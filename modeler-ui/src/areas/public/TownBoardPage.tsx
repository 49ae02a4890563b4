import { Card, Col, Collapse, Descriptions, Empty, Result, Row, Select, Skeleton, Space, Spin, Tag, Typography } from 'antd';
import { useMemo } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiProblem } from '../../api-client';
import { useApi } from '../../app/ApiError';
import { publicApi, type BoardPost, type TownItem } from './api';
import { formatDate, formatDateTime, PageHead, PublicError, usePublicT } from './common';

const POST_COLORS: Record<string, string> = { weather: 'red', 'pest-alert': 'orange', 'produce-price': 'green', notice: 'blue' };

/** 公告栏: a centre, its windows with the items each takes in, and what its windows publish (not expired), newest first. */
export function TownBoardPage() {
  const { id = '' } = useParams();
  const { t } = usePublicT();
  const navigate = useNavigate();
  const towns = useApi(() => publicApi.towns(), []);
  const windows = useApi(() => publicApi.townWindows(id), [id]);
  const items = useApi(() => publicApi.townItems(id), [id]);
  const board = useApi(() => publicApi.board(id), [id]);
  const town = towns.data?.find((u) => u.id === id);

  /** Items per window: the window the API routes each item to, plus every item of a department the window accepts (the comprehensive window). */
  const byWindow = useMemo(() => {
    const m = new Map<string, TownItem[]>();
    for (const w of windows.data ?? []) {
      const accepts = new Set(w.accepts ?? []);
      m.set(w.id, (items.data ?? []).filter((i) => i.window?.id === w.id || accepts.has(i.department)));
    }
    return m;
  }, [items.data, windows.data]);

  if (windows.error instanceof ApiProblem && windows.error.status === 404) {
    return <Result status="404" title={t('town.centre')} subTitle={id} extra={<Link to="/">{t('nav.home')}</Link>} />;
  }

  const hours = town?.openingHours?.weekdays?.map((h) => `${h.from}–${h.to}`).join('，');
  return (
    <div data-testid="town-board-page" data-town={id}>
      <PageHead
        title={<span data-testid="town-name">{town?.name ?? id}</span>}
        crumbs={[{ label: town?.shortName ?? id }]}
        extra={
          <Select
            showSearch
            optionFilterProp="label"
            aria-label={t('town.otherTowns')}
            placeholder={t('town.otherTowns')}
            style={{ minWidth: 180 }}
            value={id}
            options={(towns.data ?? []).map((u) => ({ value: u.id, label: u.name }))}
            onChange={(v: string) => navigate(`/public/towns/${encodeURIComponent(v)}`)}
          />
        }
      />
      <PublicError error={towns.error ?? windows.error ?? items.error} />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Card size="small" title={t('town.centre')} style={{ marginBottom: 16 }} data-testid="town-centre">
            {town ? (
              <Descriptions size="small" column={1}>
                <Descriptions.Item label={t('town.address')}>{town.address ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('town.phone')}>{town.phone ? <a href={`tel:${town.phone}`}>{town.phone}</a> : '—'}</Descriptions.Item>
                <Descriptions.Item label={t('town.hours')}>{hours ? `${t('town.weekdays')} ${hours}` : '—'}</Descriptions.Item>
              </Descriptions>
            ) : (
              <Skeleton active paragraph={{ rows: 2 }} />
            )}
          </Card>
          <Card size="small" title={t('town.windows')} data-testid="town-windows">
            {windows.data ? (
              <Collapse
                size="small"
                items={windows.data.map((w) => {
                  const its = byWindow.get(w.id) ?? [];
                  return {
                    key: w.id,
                    label: (
                      <span data-testid="town-window" data-window={w.id}>
                        <Typography.Text strong>{t('town.windowNo', { no: w.no })}</Typography.Text> {w.name}
                      </span>
                    ),
                    extra: items.data ? <Tag data-testid="town-window-count" data-count={its.length}>{t('town.itemsCount', { count: its.length })}</Tag> : <Spin size="small" />,
                    children: (
                      <>
                        {w.departmentName ? <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>{w.departmentName}</Typography.Paragraph> : null}
                        {its.length ? (
                          <ul className="public-plain-list">
                            {its.map((i) => (
                              <li key={i.code}>
                                <Link to={`/public/items/${encodeURIComponent(i.code)}`}>{i.name}</Link>{' '}
                                <Typography.Text type="secondary">（{t(`categories.${i.category}`, { defaultValue: i.category })}）</Typography.Text>
                              </li>
                            ))}
                          </ul>
                        ) : (
                          <Typography.Text type="secondary">{t('town.noItems')}</Typography.Text>
                        )}
                      </>
                    ),
                  };
                })}
              />
            ) : (
              <Skeleton active />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card size="small" title={t('town.board')} data-testid="town-board">
            <PublicError error={board.error} onRetry={board.reload} />
            {board.data ? (
              board.data.length ? (
                <Space orientation="vertical" size={12} style={{ width: '100%' }}>
                  {board.data.map((p) => <Post key={p.id} post={p} />)}
                </Space>
              ) : (
                <Empty description={t('town.noPosts')} />
              )
            ) : board.loading ? (
              <Skeleton active />
            ) : null}
          </Card>
        </Col>
      </Row>
    </div>
  );
}

function Post({ post }: { post: BoardPost }) {
  const { t } = usePublicT();
  return (
    <article className="public-post" data-testid="board-post" data-kind={post.kind}>
      <Space size={[4, 4]} wrap>
        <Tag color={POST_COLORS[post.kind] ?? 'default'}>{t(`postKinds.${post.kind}`, { defaultValue: post.kind })}</Tag>
        <Typography.Text strong>{post.title}</Typography.Text>
      </Space>
      <Typography.Paragraph ellipsis={{ rows: 3, expandable: true, symbol: t('town.more') }} style={{ margin: '6px 0 4px' }}>{post.body}</Typography.Paragraph>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {post.windowName ? `${t('town.by')}：${post.windowName} · ` : ''}
        {t('town.publishedAt')} {formatDateTime(post.publishAt)} · {t('town.expireAt')} {formatDate(post.expireAt)}
      </Typography.Text>
    </article>
  );
}
