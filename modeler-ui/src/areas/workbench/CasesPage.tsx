import { Card, Checkbox, Empty, Grid, Pagination, Space, Spin, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../api-client';
import { ApiErrorAlert, useApi } from '../../app/ApiError';
import { CategoryTag, StatusTag } from './common';
import { formatDateTime } from './format';
import type { CaseSummary } from './types';

/** 办件查询: the cases of the clerk's centre, newest first (name, ID and phone masked by the server, by the public lookup's rule). */
export function CasesPage() {
  const { t } = useTranslation('workbench');
  const [mine, setMine] = useState(false);
  const cases = useApi(() => api.get<CaseSummary[]>(`/api/service-cases?limit=200${mine ? '&mine=true' : ''}`), [mine]);
  const phone = !Grid.useBreakpoint().md;
  const [page, setPage] = useState(1);
  const list = cases.data ?? [];
  return (
    <div data-testid="cases-page">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('cases.title')}</Typography.Title>
        <Checkbox checked={mine} onChange={(e) => setMine(e.target.checked)}>{t('cases.mine')}</Checkbox>
      </Space>
      <ApiErrorAlert error={cases.error} onRetry={cases.reload} />
      {phone ? (
        // a phone: one card per case (number, item, applicant masked, category and status, received), 20 a page
        <div className="phone-cards" data-testid="cases-cards">
          {cases.loading && !cases.data ? <Spin /> : null}
          {cases.data && !list.length ? <Empty /> : null}
          {list.slice((page - 1) * 20, page * 20).map((c) => (
            <Card key={c.caseNo} size="small" className="phone-card" data-testid="case-row" data-case-no={c.caseNo}
              title={<Link to={`/workbench/cases/${c.caseNo}`}>{c.caseNo}</Link>} extra={<StatusTag status={c.status} />}>
              <div className="phone-card-line"><span className="phone-card-label">{t('cases.item')}</span><span>{c.itemName}</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('cases.applicant')}</span><span data-testid="case-row-applicant">{c.applicant.name}（{c.applicant.idNumber}）</span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('cases.category')}</span><span><CategoryTag category={c.category} /></span></div>
              <div className="phone-card-line"><span className="phone-card-label">{t('cases.receivedAt')}</span><span>{formatDateTime(c.receivedAt)}</span></div>
            </Card>
          ))}
          {list.length > 20 ? <Pagination simple current={page} pageSize={20} total={list.length} onChange={setPage} style={{ alignSelf: 'center' }} /> : null}
        </div>
      ) : <Table<CaseSummary> rowKey="caseNo" size="middle" loading={cases.loading} dataSource={cases.data ?? []} scroll={{ x: 900 }} pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={(c) => ({ 'data-testid': 'case-row', 'data-case-no': c.caseNo }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('inbox.caseNo'), key: 'no', width: 170, render: (_, c) => <Link to={`/workbench/cases/${c.caseNo}`}>{c.caseNo}</Link> },
          { title: t('cases.item'), dataIndex: 'itemName' },
          { title: t('cases.applicant'), key: 'a', render: (_, c) => <span data-testid="case-row-applicant">{c.applicant.name}（{c.applicant.idNumber}）</span> },
          { title: t('cases.category'), key: 'cat', width: 90, render: (_, c) => <CategoryTag category={c.category} /> },
          { title: t('cases.status'), key: 'st', width: 100, render: (_, c) => <StatusTag status={c.status} /> },
          { title: t('cases.receivedAt'), key: 'r', width: 170, render: (_, c) => formatDateTime(c.receivedAt) },
        ]} />}
    </div>
  );
}
