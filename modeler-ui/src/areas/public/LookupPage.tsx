import { CheckCircleOutlined, ClockCircleOutlined, FileTextOutlined, MessageOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Descriptions, Form, Grid, Input, Radio, Result, Row, Space, Tag, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useApi } from '../../app/ApiError';
import { CASE_NO, publicApi, type CaseView, type RatingResult } from './api';
import { formatDateTime, PageHead, PublicError, usePublicT } from './common';

type Secret = { caseNo: string; queryCode?: string; phone?: string };

const STATUS_COLORS: Record<string, string> = { completed: 'green', rejected: 'red', 'awaiting-supplement': 'orange', 'in-progress': 'blue', accepting: 'blue', void: 'default' };

/** 办件查询: case number + query code (or phone) → status, current step, steps done, deadline; then 好差评. */
export function LookupPage() {
  const { t } = usePublicT();
  const [params] = useSearchParams();
  const [form] = Form.useForm<{ caseNo: string; by: 'code' | 'phone'; queryCode?: string; phone?: string }>();
  const by = Form.useWatch('by', form) ?? 'code';
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [found, setFound] = useState<{ view: CaseView; secret: Secret }>();

  const submit = async (v: { caseNo: string; by: 'code' | 'phone'; queryCode?: string; phone?: string }) => {
    const secret: Secret = { caseNo: v.caseNo.trim().toUpperCase(), ...(v.by === 'code' ? { queryCode: v.queryCode?.trim() } : { phone: v.phone?.trim() }) };
    setBusy(true);
    setError(undefined);
    try {
      setFound({ view: await publicApi.lookup(secret), secret });
    } catch (e) {
      setFound(undefined);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="lookup-page">
      <PageHead title={t('lookup.title')} crumbs={[{ label: t('lookup.title') }]} />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={9}>
          <Card size="small">
            <Typography.Paragraph type="secondary">{t('lookup.intro')}</Typography.Paragraph>
            <Form
              form={form}
              layout="vertical"
              requiredMark={false}
              initialValues={{ caseNo: params.get('caseNo') ?? '', by: 'code' }}
              onFinish={(v) => void submit(v)}
            >
              <Form.Item
                name="caseNo"
                label={t('lookup.caseNo')}
                rules={[
                  { required: true, whitespace: true, message: t('lookup.required', { what: t('lookup.caseNo') }) },
                  { pattern: CASE_NO, message: t('lookup.caseNoInvalid'), transform: (v: string) => v?.trim() },
                ]}
              >
                <Input data-testid="lookup-caseno" placeholder={t('lookup.caseNoPlaceholder')} autoComplete="off" size="large" />
              </Form.Item>
              <Form.Item name="by" label={t('lookup.by')}>
                <Radio.Group data-testid="lookup-by" optionType="button" buttonStyle="solid" options={[{ value: 'code', label: t('lookup.byCode') }, { value: 'phone', label: t('lookup.byPhone') }]} />
              </Form.Item>
              {by === 'code' ? (
                <Form.Item name="queryCode" label={t('lookup.queryCode')} rules={[{ required: true, whitespace: true, message: t('lookup.required', { what: t('lookup.queryCode') }) }]}>
                  <Input data-testid="lookup-code" placeholder={t('lookup.queryCodePlaceholder')} autoComplete="off" maxLength={20} size="large" />
                </Form.Item>
              ) : (
                <Form.Item name="phone" label={t('lookup.phone')} rules={[{ required: true, whitespace: true, message: t('lookup.required', { what: t('lookup.phone') }) }]}>
                  <Input data-testid="lookup-phone" placeholder={t('lookup.phonePlaceholder')} inputMode="tel" autoComplete="tel" maxLength={20} size="large" />
                </Form.Item>
              )}
              <Button type="primary" htmlType="submit" size="large" block loading={busy} data-testid="lookup-submit">{t('lookup.submit')}</Button>
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={15}>
          <div aria-live="polite">
            <PublicError error={error} notFound={t('lookup.notFound')} />
            {found ? (
              <Space orientation="vertical" size={16} style={{ width: '100%' }}>
                <CaseResult view={found.view} />
                <RatingForm key={found.view.caseNo} view={found.view} secret={found.secret} />
              </Space>
            ) : null}
          </div>
        </Col>
      </Row>
    </div>
  );
}

function CaseResult({ view }: { view: CaseView }) {
  const { t } = usePublicT();
  const screens = Grid.useBreakpoint();
  const towns = useApi(() => publicApi.towns(), []);
  const orgUnit = towns.data?.find((u) => u.code === view.caseNo.slice(0, 2))?.id;
  const promised = view.deadline?.promised;
  const statutory = view.deadline?.statutory;
  const due = (c: typeof promised) => (c?.dueAt ? `${formatDateTime(c.dueAt)}${c.status === 'paused' ? t('lookup.paused') : ''}${c.estimated && c.estimateNote ? `（${c.estimateNote}）` : ''}` : '—');
  const ended = view.status === 'completed' || view.status === 'rejected';

  const timeline = [
    { key: 'received', color: 'green', title: formatDateTime(view.receivedAt), content: t('lookup.received') },
    ...(view.acceptedAt ? [{ key: 'accepted', color: 'green', title: formatDateTime(view.acceptedAt), content: t('lookup.accepted') }] : []),
    ...(view.stepsDone ?? []).map((s, i) => ({
      key: `done-${i}`,
      color: 'green',
      icon: <CheckCircleOutlined aria-hidden />,
      title: formatDateTime(s.completedAt),
      content: (
        <span data-testid="lookup-step-done" data-level={s.level}>
          {s.name}
          {s.office ? <Typography.Text type="secondary" data-testid="lookup-step-office"> · {s.office}</Typography.Text> : null}
          {s.decision ? <Typography.Text type="secondary">（{t(`decisions.${s.decision}`, { defaultValue: s.decision })}）</Typography.Text> : null}
        </span>
      ),
    })),
    ...view.currentSteps.map((s, i) => ({
      key: `open-${i}`,
      color: 'blue',
      icon: <ClockCircleOutlined aria-hidden />,
      title: `${t('lookup.since')} ${formatDateTime(s.since)}`,
      content: (
        <span data-testid="lookup-step-open" data-level={s.level}>
          <Typography.Text strong>{s.name}</Typography.Text>
          {s.office ? <Typography.Text type="secondary"> · {s.office}</Typography.Text> : null}
          {s.dueDate ? <Typography.Text type="secondary">（{t('lookup.due')} {formatDateTime(s.dueDate)}）</Typography.Text> : null}
        </span>
      ),
    })),
    ...(view.endedAt ? [{ key: 'ended', color: view.status === 'rejected' ? 'red' : 'green', title: formatDateTime(view.endedAt), content: t('lookup.ended') }] : []),
  ];

  return (
    <Card
      size="small"
      title={t('lookup.result')}
      data-testid="lookup-result"
      data-status={view.status}
      extra={orgUnit ? (
        <Link to={`/public/complaints?orgUnit=${encodeURIComponent(orgUnit)}&caseNo=${encodeURIComponent(view.caseNo)}`} data-testid="lookup-complain">
          <Space size={4}><MessageOutlined aria-hidden /><span>{t('lookup.complain')}</span></Space>
        </Link>
      ) : null}
    >
      <Descriptions bordered size="small" column={{ xs: 1, sm: 1, md: 2 }} layout={screens.sm ? 'horizontal' : 'vertical'}>
        <Descriptions.Item label={t('lookup.caseNo')}><span data-testid="lookup-caseno-value">{view.caseNo}</span></Descriptions.Item>
        <Descriptions.Item label={t('lookup.status')}>
          <Tag color={STATUS_COLORS[view.status] ?? 'default'} data-testid="lookup-status">{t(`statuses.${view.status}`, { defaultValue: view.status })}</Tag>
          {view.outcome ? <Tag>{t(`outcomes.${view.outcome}`, { defaultValue: view.outcome })}</Tag> : null}
        </Descriptions.Item>
        <Descriptions.Item label={t('lookup.item')}>{view.itemName}</Descriptions.Item>
        <Descriptions.Item label={t('lookup.category')}>{t(`categories.${view.category}`, { defaultValue: view.category })}</Descriptions.Item>
        <Descriptions.Item label={t('lookup.applicant')}>{view.applicantName}</Descriptions.Item>
        <Descriptions.Item label={t('lookup.centre')}>
          {view.centre ?? '—'}
          {view.centrePhone ? <div><a href={`tel:${view.centrePhone}`}>{view.centrePhone}</a></div> : null}
        </Descriptions.Item>
        <Descriptions.Item label={t('lookup.current')}>
          <span data-testid="lookup-current">{view.currentSteps.length ? view.currentSteps.map((s) => s.name).join('、') : ended ? t('lookup.ended') : t('lookup.none')}</span>
          {view.currentSteps.filter((s) => s.deadline?.dueAt || s.dueDate).map((s, i) => <StepDue key={i} step={s} many={view.currentSteps.length > 1} promised={!ended && promised?.status === 'running' ? promised.dueAt : undefined} />)}
        </Descriptions.Item>
        <Descriptions.Item label={t('lookup.promisedDue')}>
          <span data-testid="lookup-deadline">{due(promised)}</span>
          {/* a 上报件 passes through the city: its approval is inside the promise, not added to it */}
          {!ended && view.category === 'report-up' && promised?.dueAt ? <div><Typography.Text type="secondary" data-testid="lookup-promise-note">{t('lookup.reportUpNote')}</Typography.Text></div> : null}
        </Descriptions.Item>
        {!ended && statutory?.dueAt ? <Descriptions.Item label={t('lookup.statutoryDue')}>{due(statutory)}</Descriptions.Item> : null}
        {view.endedAt ? <Descriptions.Item label={t('lookup.endedAt')}>{formatDateTime(view.endedAt)}</Descriptions.Item> : null}
      </Descriptions>

      {view.awaitingMaterials.length ? (
        <Alert
          style={{ marginTop: 12 }}
          type="warning"
          showIcon
          title={t('lookup.awaiting')}
          description={<ul className="public-plain-list">{view.awaitingMaterials.map((m, i) => <li key={i}>{m.name}{m.reason ? `：${m.reason}` : ''}</li>)}</ul>}
        />
      ) : null}

      <Typography.Title level={5} style={{ marginTop: 16 }}>{t('lookup.progress')}</Typography.Title>
      <Timeline data-testid="lookup-progress" items={timeline} />

      {view.notices.length ? (
        <>
          <Typography.Title level={5}>{t('lookup.notices')}</Typography.Title>
          <ul className="public-plain-list">
            {view.notices.map((n, i) => (
              <li key={i}><FileTextOutlined aria-hidden /> {n.title} <Typography.Text type="secondary">{formatDateTime(n.issuedAt)}</Typography.Text></li>
            ))}
          </ul>
        </>
      ) : null}
    </Card>
  );
}

/**
 * 当前环节的时限: the step's deadline from its clock, what is left of it (剩余 N 个工作日 / 小时 /
 * 今日到期) and, counted over a year without its holiday notice, that it is an estimate and why.
 */
function StepDue({ step, many, promised }: { step: CaseView['currentSteps'][number]; many: boolean; promised?: string }) {
  const { t } = usePublicT();
  const d = step.deadline;
  const dueAt = d?.dueAt ?? step.dueDate;
  const r = d?.remaining;
  const left = d?.status === 'paused' ? t('lookup.paused').replace(/^（|）$/g, '')
    : d?.overdue ? t('lookup.stepOverdue')
    : !r ? undefined
    : r.unit === 'working-days' ? (r.value === 0 ? t('lookup.dueToday') : t('lookup.remainingWd', { n: r.value }))
    : r.unit === 'hours' ? t('lookup.remainingHours', { n: r.value }) : t('lookup.remainingMinutes', { n: r.value });
  const estimated = !!(d?.estimated || r?.estimated);
  // a step's own limit (the centre's working limit) may end after the case's promise: the promise is what holds for the applicant
  const beyond = !!promised && !!dueAt && new Date(dueAt).getTime() > new Date(promised).getTime();
  return (
    <div data-testid="lookup-step-deadline" data-step={step.name} data-estimated={estimated ? 'true' : 'false'} style={{ marginTop: 4 }}>
      <Typography.Text type="secondary">{many ? `${step.name} · ` : ''}{t('lookup.stepDue')}：</Typography.Text>
      <span data-testid="lookup-step-due">{formatDateTime(dueAt)}</span>
      {left ? <Tag style={{ marginLeft: 6 }} color={d?.overdue ? 'red' : d?.status === 'paused' ? 'orange' : r?.value === 0 ? 'gold' : 'blue'} data-testid="lookup-step-remaining">{left}</Tag> : null}
      {beyond ? <div><Typography.Text type="secondary" data-testid="lookup-step-beyond">{t('lookup.stepBeyond', { due: formatDateTime(promised) })}</Typography.Text></div> : null}
      {estimated ? (
        <div><Typography.Text type="warning" data-testid="lookup-step-estimate">{d?.estimateNote ?? t('lookup.estimated')}</Typography.Text></div>
      ) : null}
    </div>
  );
}

function RatingForm({ view, secret }: { view: CaseView; secret: Secret }) {
  const { t } = usePublicT();
  const ended = view.status === 'completed' || view.status === 'rejected';
  const [form] = Form.useForm<{ stage: 'acceptance' | 'completion'; level: number; comment?: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<RatingResult>();
  if (!view.acceptedAt && !ended) return null;

  if (done) {
    return (
      <Card size="small">
        <Result
          status={done.level <= 2 ? 'warning' : 'success'}
          data-testid="rating-done"
          title={t('rating.done')}
          subTitle={
            <>
              <div>{t('rating.doneDesc', { label: t(`rating.levels.${done.level}`) })}</div>
              {done.rectificationTaskId ? <div>{t('rating.poor')}</div> : null}
            </>
          }
          extra={<Button onClick={() => { setDone(undefined); form.resetFields(); }}>{t('rating.another')}</Button>}
        />
      </Card>
    );
  }

  const submit = async (v: { stage: 'acceptance' | 'completion'; level: number; comment?: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      setDone(await publicApi.rate({ ...secret, stage: v.stage, level: v.level, comment: v.comment?.trim() || undefined }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title={t('rating.title')} data-testid="rating-form">
      <PublicError error={error} notFound={t('lookup.notFound')} />
      <Form form={form} layout="vertical" requiredMark={false} initialValues={{ stage: ended ? 'completion' : 'acceptance' }} onFinish={(v) => void submit(v)}>
        <Form.Item name="stage" label={t('rating.stage')} extra={ended ? undefined : t('rating.completionLater')}>
          <Radio.Group
            data-testid="rating-stage"
            options={[
              { value: 'acceptance', label: t('rating.acceptance'), disabled: !view.acceptedAt },
              { value: 'completion', label: t('rating.completion'), disabled: !ended },
            ]}
          />
        </Form.Item>
        <Form.Item name="level" label={t('rating.level')} rules={[{ required: true, message: t('rating.required') }]}>
          <Radio.Group className="public-rating-levels">
            {[5, 4, 3, 2, 1].map((n) => (
              <Radio key={n} value={n} data-testid={`rating-level-${n}`}>{t(`rating.levels.${n}`)}</Radio>
            ))}
          </Radio.Group>
        </Form.Item>
        <Form.Item name="comment" label={t('rating.comment')}>
          <Input.TextArea data-testid="rating-comment" rows={3} maxLength={1000} showCount placeholder={t('rating.commentPlaceholder')} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="rating-submit">{t('rating.submit')}</Button>
      </Form>
    </Card>
  );
}
