import { FileSearchOutlined } from '@ant-design/icons';
import { Button, Card, Col, Descriptions, Grid, Result, Row, Skeleton, Space, Statistic, Table, Tag, Typography } from 'antd';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiProblem } from '../../api-client';
import { useApi } from '../../app/ApiError';
import { publicApi, type Fees, type Guide, type GuideMaterial } from './api';
import { PageHead, PublicError, usePublicT, yuan } from './common';
import { ProcedureView } from './ProcedureView';

/** 办事指南: the five disclosures of one item and its procedure (step list and flow chart). */
export function ItemGuidePage() {
  const { code = '' } = useParams();
  const { t } = usePublicT();
  const navigate = useNavigate();
  const guide = useApi(() => publicApi.guide(code), [code]);

  if (guide.error instanceof ApiProblem && guide.error.status === 404) {
    return (
      <Result
        status="404"
        title={t('home.noResults')}
        extra={<Button type="primary" onClick={() => navigate('/')}>{t('item.back')}</Button>}
      />
    );
  }
  if (!guide.data) {
    return guide.error ? <PublicError error={guide.error} onRetry={guide.reload} /> : <Skeleton active paragraph={{ rows: 8 }} />;
  }
  return <Guide guide={guide.data} />;
}

function Guide({ guide }: { guide: Guide }) {
  const { t } = usePublicT();
  const screens = Grid.useBreakpoint();
  const d = guide.disclosures;
  const days = (n: number) => (n === 0 ? t('item.sameDay') : t('item.workingDays', { days: n }));
  return (
    <div data-testid="item-guide" data-code={guide.code}>
      <PageHead
        title={<span data-testid="guide-title">{d.name}</span>}
        crumbs={[{ label: t('nav.guide'), to: '/' }, { label: guide.code }]}
        extra={
          <Link to="/public/lookup" data-testid="guide-lookup-link">
            <Space size={4}><FileSearchOutlined aria-hidden />{t('item.lookupLink')}</Space>
          </Link>
        }
      />
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Card title={`1. ${t('item.name')}`} size="small" data-testid="disclosure-name">
          <Descriptions bordered size="small" column={{ xs: 1, sm: 1, md: 2 }} layout={screens.sm ? 'horizontal' : 'vertical'}>
            <Descriptions.Item label={t('item.name')}>{d.name}</Descriptions.Item>
            <Descriptions.Item label={t('item.code')}>{guide.code}</Descriptions.Item>
            <Descriptions.Item label={t('item.department')}>{t(`departments.${guide.department}`, { defaultValue: guide.department })}</Descriptions.Item>
            <Descriptions.Item label={t('item.level')}>{t(`levels.${guide.orgLevel}`, { defaultValue: guide.orgLevel })}</Descriptions.Item>
            <Descriptions.Item label={t('item.category')}>{t(`categories.${guide.category}`, { defaultValue: guide.category })}</Descriptions.Item>
            {d.procedure.outcome ? <Descriptions.Item label={t('item.outcome')}>{d.procedure.outcome}</Descriptions.Item> : null}
            {d.procedure.conditions ? <Descriptions.Item label={t('item.conditions')} span={{ xs: 1, sm: 1, md: 2 }}>{d.procedure.conditions}</Descriptions.Item> : null}
            {d.procedure.legalBasis?.length ? (
              <Descriptions.Item label={t('item.legalBasis')} span={{ xs: 1, sm: 1, md: 2 }}>
                <ul className="public-plain-list">{d.procedure.legalBasis.map((b) => <li key={b}>{b}</li>)}</ul>
              </Descriptions.Item>
            ) : null}
          </Descriptions>
        </Card>

        <Card title={`2. ${t('item.procedure')}`} size="small" data-testid="disclosure-procedure">
          <ProcedureView guide={guide} />
        </Card>

        <Card title={`3. ${t('item.materials')}`} size="small" data-testid="disclosure-materials">
          <Materials materials={d.materials} table={!!screens.md} />
        </Card>

        <Card title={`4. ${t('item.timeLimit')}`} size="small" data-testid="disclosure-time-limit">
          <Row gutter={[16, 16]}>
            <Col xs={12}>
              <Statistic title={t('item.statutory')} value={days(d.timeLimit.statutoryWorkingDays)} data-testid="time-statutory" />
            </Col>
            <Col xs={12}>
              <Statistic title={t('item.promised')} value={days(d.timeLimit.promisedWorkingDays)} styles={{ content: { color: '#1d7a46' } }} data-testid="time-promised" />
            </Col>
          </Row>
        </Card>

        <Card title={`5. ${t('item.fees')}`} size="small" data-testid="disclosure-fees">
          <FeesView fees={d.fees} />
        </Card>
      </Space>
    </div>
  );
}

function Materials({ materials, table }: { materials: GuideMaterial[]; table: boolean }) {
  const { t } = usePublicT();
  const requirement = (m: GuideMaterial) =>
    m.requirement === 'mandatory' ? <Tag color="red">{t('item.mandatory')}</Tag> : <Tag color="orange">{t('item.conditional')}</Tag>;
  if (table) {
    return (
      <Table<GuideMaterial>
        data-testid="materials-table"
        size="small"
        rowKey="code"
        pagination={false}
        dataSource={materials}
        columns={[
          { title: '#', key: 'i', width: 48, render: (_v, _m, i) => i + 1 },
          {
            title: t('item.materialName'),
            key: 'name',
            render: (_v, m) => (
              <>
                <div>{m.name}</div>
                {m.condition ? <Typography.Text type="secondary">{m.condition}</Typography.Text> : null}
                {m.note ? <div><Typography.Text type="secondary">{m.note}</Typography.Text></div> : null}
              </>
            ),
          },
          { title: t('item.form'), dataIndex: 'form', width: 130 },
          { title: t('item.copies'), dataIndex: 'copies', width: 70 },
          { title: t('item.requirement'), key: 'req', width: 120, render: (_v, m) => requirement(m) },
        ]}
      />
    );
  }
  return (
    <ol className="public-material-list" data-testid="materials-list">
      {materials.map((m) => (
        <li key={m.code}>
          <div>{m.name}</div>
          <Space size={[4, 4]} wrap>
            {requirement(m)}
            <Tag>{m.form}</Tag>
            <Tag>{t('item.copies')} {m.copies}</Tag>
          </Space>
          {m.condition ? <div><Typography.Text type="secondary">{m.condition}</Typography.Text></div> : null}
        </li>
      ))}
    </ol>
  );
}

function FeesView({ fees }: { fees: Fees }) {
  const { t } = usePublicT();
  if (fees.free) {
    return (
      <div data-testid="fees-free">
        <Tag color="green" style={{ fontSize: 14, padding: '2px 10px' }}>{t('item.free')}</Tag>
        {fees.basis ? <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>{fees.basis}</Typography.Paragraph> : null}
      </div>
    );
  }
  return (
    <Table
      data-testid="fees-table"
      size="small"
      rowKey="name"
      pagination={false}
      dataSource={fees.items}
      scroll={{ x: 'max-content' }}
      columns={[
        { title: t('item.feeName'), dataIndex: 'name' },
        { title: t('item.amount'), dataIndex: 'amountFen', render: (v: number) => yuan(v), width: 100 },
        { title: t('item.basis'), dataIndex: 'basis' },
      ]}
    />
  );
}
