import { EnvironmentOutlined, FileSearchOutlined, MessageOutlined, RightOutlined, SearchOutlined } from '@ant-design/icons';
import { Card, Col, Empty, Input, Pagination, Row, Select, Skeleton, Space, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useApi } from '../../app/ApiError';
import { publicApi, type ItemSummary } from './api';
import { PublicError, usePublicT } from './common';

const PAGE = 12;
const DEPARTMENTS = ['village-construction', 'land', 'social-affairs', 'family-planning', 'household', 'hr-social-security', 'agri-forestry-water', 'rural-assets', 'industry-tax'];

function matches(item: ItemSummary, q: string): boolean {
  if (!q) return true;
  const needle = q.trim().toLowerCase();
  return item.name.toLowerCase().includes(needle) || item.code.toLowerCase().includes(needle);
}

/** 首页: search the items, filter by department or level, choose a town centre; links to lookup and complaints. */
export function HomePage() {
  const { t } = usePublicT();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const dept = params.get('dept') ?? '';
  const level = params.get('level') ?? '';
  const items = useApi(() => publicApi.items(), []);
  const towns = useApi(() => publicApi.towns(), []);

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const shown = useMemo(
    () => (items.data ?? []).filter((i) => matches(i, q) && (!dept || i.department === dept) && (!level || i.orgLevel === level)),
    [items.data, q, dept, level],
  );
  const [page, setPage] = useState(1);
  useEffect(() => setPage(1), [q, dept, level]);

  return (
    <div data-testid="public-home">
      <Typography.Title level={3} style={{ marginTop: 4 }}>{t('home.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('home.intro')}</Typography.Paragraph>

      <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
        <Col xs={24} sm={12}>
          <Link to="/public/lookup" data-testid="home-lookup-link" className="public-quick-link">
            <Card size="small" hoverable>
              <Space align="start">
                <FileSearchOutlined style={{ fontSize: 24, color: '#1f5fbf' }} aria-hidden />
                <div>
                  <Typography.Text strong>{t('home.quick.lookup')}</Typography.Text>
                  <div><Typography.Text type="secondary">{t('home.quick.lookupDesc')}</Typography.Text></div>
                </div>
              </Space>
            </Card>
          </Link>
        </Col>
        <Col xs={24} sm={12}>
          <Link to="/public/complaints" data-testid="home-complaint-link" className="public-quick-link">
            <Card size="small" hoverable>
              <Space align="start">
                <MessageOutlined style={{ fontSize: 24, color: '#c23a2b' }} aria-hidden />
                <div>
                  <Typography.Text strong>{t('home.quick.complaint')}</Typography.Text>
                  <div><Typography.Text type="secondary">{t('home.quick.complaintDesc')}</Typography.Text></div>
                </div>
              </Space>
            </Card>
          </Link>
        </Col>
      </Row>

      <Card size="small" style={{ marginBottom: 16 }}>
        <Row gutter={[12, 12]}>
          <Col xs={24} md={12}>
            <Input
              id="public-search"
              data-testid="public-search"
              allowClear
              size="large"
              prefix={<SearchOutlined aria-hidden />}
              placeholder={t('home.searchPlaceholder')}
              value={q}
              onChange={(e) => set('q', e.target.value)}
              aria-label={t('home.searchLabel')}
            />
          </Col>
          <Col xs={12} md={6}>
            <Select
              data-testid="public-department"
              aria-label={t('home.department')}
              size="large"
              style={{ width: '100%' }}
              value={dept}
              onChange={(v) => set('dept', v)}
              options={[{ value: '', label: t('home.allDepartments') }, ...DEPARTMENTS.map((d) => ({ value: d, label: t(`departments.${d}`) }))]}
            />
          </Col>
          <Col xs={12} md={6}>
            <Select
              data-testid="public-level"
              aria-label={t('home.level')}
              size="large"
              style={{ width: '100%' }}
              value={level}
              onChange={(v) => set('level', v)}
              options={[{ value: '', label: t('home.allLevels') }, { value: 'town', label: t('levels.town') }, { value: 'city', label: t('levels.city') }]}
            />
          </Col>
        </Row>
      </Card>

      <PublicError error={items.error} onRetry={items.reload} />
      {items.loading && !items.data ? (
        <Skeleton active />
      ) : (
        <section data-testid="public-item-list" aria-label={t('home.searchLabel')} style={{ marginBottom: 24 }}>
          <Typography.Text type="secondary" role="status">{t('home.results', { count: shown.length })}</Typography.Text>
          {shown.length === 0 ? (
            <Card size="small" style={{ marginTop: 8 }}><Empty description={t('home.noResults')} /></Card>
          ) : (
            <Row gutter={[12, 12]} style={{ marginTop: 8 }}>
              {shown.slice((page - 1) * PAGE, page * PAGE).map((i) => (
                <Col xs={24} md={12} key={i.code}>
                  <Card size="small" data-testid="public-item" data-code={i.code} style={{ height: '100%' }}>
                    <Link to={`/public/items/${encodeURIComponent(i.code)}`} data-testid="public-item-link" data-code={i.code} className="public-item-link">
                      {i.name}
                    </Link>
                    <div style={{ marginTop: 6 }}>
                      <Space size={[4, 4]} wrap>
                        <Tag>{i.code}</Tag>
                        <Tag color="blue">{t(`departments.${i.department}`, { defaultValue: i.department })}</Tag>
                        <Tag>{t(`categories.${i.category}`, { defaultValue: i.category })}</Tag>
                        <Tag color="green">{i.promisedLimitDays === 0 ? t('home.sameDay') : t('home.promised', { days: i.promisedLimitDays })}</Tag>
                      </Space>
                    </div>
                  </Card>
                </Col>
              ))}
            </Row>
          )}
          {shown.length > PAGE ? (
            <Pagination style={{ marginTop: 12 }} align="center" size="small" current={page} pageSize={PAGE} total={shown.length} showSizeChanger={false} onChange={setPage} />
          ) : null}
        </section>
      )}

      <Card
        size="small"
        title={<Space><EnvironmentOutlined aria-hidden />{t('home.towns')}</Space>}
        extra={<Typography.Text type="secondary" className="hide-xs">{t('home.townsHint')}</Typography.Text>}
      >
        <PublicError error={towns.error} onRetry={towns.reload} />
        <Select
          showSearch
          optionFilterProp="label"
          data-testid="public-town-select"
          aria-label={t('home.townLabel')}
          placeholder={t('home.townPlaceholder')}
          style={{ width: '100%', marginBottom: 12 }}
          options={(towns.data ?? []).map((u) => ({ value: u.id, label: u.name }))}
          onChange={(v: string) => navigate(`/public/towns/${encodeURIComponent(v)}`)}
        />
        <Row gutter={[8, 8]}>
          {(towns.data ?? []).map((u) => (
            <Col xs={12} sm={8} md={6} key={u.id}>
              <Link to={`/public/towns/${encodeURIComponent(u.id)}`} data-testid="public-town-link" data-town={u.id} className="public-town-link">
                <span>{u.shortName}</span>
                <RightOutlined aria-hidden />
              </Link>
            </Col>
          ))}
        </Row>
      </Card>
    </div>
  );
}
