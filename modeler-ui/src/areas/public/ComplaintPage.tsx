import { Button, Card, Col, Descriptions, Form, Grid, Input, Radio, Result, Row, Select, Tabs, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useApi } from '../../app/ApiError';
import { CASE_NO, COMPLAINT_REF, publicApi, type ComplaintReceipt, type ComplaintView } from './api';
import { formatDateTime, PageHead, PublicError, usePublicT } from './common';

type TargetKind = 'case' | 'window' | 'person';
interface ComplaintForm {
  orgUnit: string;
  kind: TargetKind;
  caseNo?: string;
  windowId?: string;
  person?: string;
  content: string;
  contactName?: string;
  phone?: string;
}

const PHONE = /^[0-9+\-\s()（）]{7,20}$/;

/** 投诉举报: complain about a case, a window or a person (contact optional) → reference + query code; read the reply. */
export function ComplaintPage() {
  const { t } = usePublicT();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'lookup' ? 'lookup' : 'new';
  const [lookupPrefill, setLookupPrefill] = useState<{ reference: string; queryCode: string }>();
  const setTab = (key: string) => {
    const next = new URLSearchParams(params);
    next.set('tab', key);
    setParams(next, { replace: true });
  };
  return (
    <div data-testid="complaint-page">
      <PageHead title={t('complaint.title')} crumbs={[{ label: t('complaint.title') }]} />
      <Typography.Paragraph type="secondary">{t('complaint.intro')}</Typography.Paragraph>
      <Card size="small">
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={[
            {
              key: 'new',
              label: <span data-testid="complaint-tab-new">{t('complaint.tabs.new')}</span>,
              children: (
                <NewComplaint
                  initialOrgUnit={params.get('orgUnit') ?? undefined}
                  initialCaseNo={params.get('caseNo') ?? undefined}
                  onLookup={(r) => { setLookupPrefill(r); setTab('lookup'); }}
                />
              ),
            },
            { key: 'lookup', label: <span data-testid="complaint-tab-lookup">{t('complaint.tabs.lookup')}</span>, children: <ComplaintLookup key={lookupPrefill?.reference ?? ''} prefill={lookupPrefill} /> },
          ]}
        />
      </Card>
    </div>
  );
}

function NewComplaint({ initialOrgUnit, initialCaseNo, onLookup }: { initialOrgUnit?: string; initialCaseNo?: string; onLookup: (r: { reference: string; queryCode: string }) => void }) {
  const { t } = usePublicT();
  const [form] = Form.useForm<ComplaintForm>();
  const orgUnit = Form.useWatch('orgUnit', form) ?? initialOrgUnit;
  const kind = Form.useWatch('kind', form) ?? (initialCaseNo ? 'case' : 'window');
  const towns = useApi(() => publicApi.towns(), []);
  const windows = useApi(() => (orgUnit ? publicApi.townWindows(orgUnit) : Promise.resolve([])), [orgUnit]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [receipt, setReceipt] = useState<ComplaintReceipt>();
  /** The complaint last sent and its Idempotency-Key, until it is answered. */
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const screens = Grid.useBreakpoint();

  if (receipt) {
    return (
      <Result
        status="success"
        data-testid="complaint-receipt"
        title={t('complaint.submitted')}
        subTitle={t('complaint.keep')}
        extra={[
          <Button type="primary" key="lookup" data-testid="complaint-go-lookup" onClick={() => onLookup({ reference: receipt.reference, queryCode: receipt.queryCode })}>{t('complaint.goLookup')}</Button>,
          <Button key="again" onClick={() => { setReceipt(undefined); form.resetFields(); }}>{t('complaint.another')}</Button>,
        ]}
      >
        <Descriptions bordered size="small" column={1} layout={screens.sm ? 'horizontal' : 'vertical'}>
          <Descriptions.Item label={t('complaint.reference')}>
            <Typography.Text copyable strong data-testid="complaint-reference">{receipt.reference}</Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t('complaint.queryCode')}>
            <Typography.Text copyable strong data-testid="complaint-code">{receipt.queryCode}</Typography.Text>
          </Descriptions.Item>
        </Descriptions>
      </Result>
    );
  }

  const submit = async (v: ComplaintForm) => {
    setBusy(true);
    setError(undefined);
    try {
      const target =
        v.kind === 'case' ? { kind: v.kind, caseNo: v.caseNo?.trim().toUpperCase() } : v.kind === 'window' ? { kind: v.kind, windowId: v.windowId } : { kind: v.kind, person: v.person?.trim() };
      const body = { orgUnit: v.orgUnit, target, content: v.content.trim(), contactName: v.contactName?.trim() || undefined, phone: v.phone?.trim() || undefined };
      // one Idempotency-Key per complaint, kept until it is answered: sending it again after a
      // timeout or a 503 gets the complaint that was filed (and its query code), not a second one
      const text = JSON.stringify(body);
      if (attempt.current?.body !== text) attempt.current = { body: text, key: crypto.randomUUID() };
      setReceipt(await publicApi.complain(body, attempt.current.key));
      attempt.current = null;
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form<ComplaintForm>
      form={form}
      layout="vertical"
      requiredMark="optional"
      initialValues={{ orgUnit: initialOrgUnit, kind: initialCaseNo ? 'case' : 'window', caseNo: initialCaseNo }}
      onValuesChange={(changed) => { if ('orgUnit' in changed) form.setFieldValue('windowId', undefined); }}
      onFinish={(v) => void submit(v)}
      data-testid="complaint-form"
    >
      <PublicError error={error} onRetry={undefined} />
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Form.Item name="orgUnit" label={t('complaint.orgUnit')} rules={[{ required: true, message: t('complaint.orgUnitPlaceholder') }]}>
            <Select
              showSearch
              optionFilterProp="label"
              data-testid="complaint-org"
              placeholder={t('complaint.orgUnitPlaceholder')}
              options={(towns.data ?? []).map((u) => ({ value: u.id, label: u.name }))}
              loading={towns.loading}
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="kind" label={t('complaint.target')} rules={[{ required: true }]}>
            <Radio.Group
              data-testid="complaint-target"
              options={(['case', 'window', 'person'] as const).map((k) => ({ value: k, label: t(`complaint.targets.${k}`) }))}
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          {kind === 'case' ? (
            <Form.Item
              name="caseNo"
              label={t('complaint.caseNo')}
              rules={[
                { required: true, whitespace: true, message: t('lookup.required', { what: t('complaint.caseNo') }) },
                { pattern: CASE_NO, message: t('lookup.caseNoInvalid'), transform: (v: string) => v?.trim() },
              ]}
            >
              <Input data-testid="complaint-caseno" placeholder={t('lookup.caseNoPlaceholder')} autoComplete="off" />
            </Form.Item>
          ) : kind === 'window' ? (
            <Form.Item name="windowId" label={t('complaint.window')} rules={[{ required: true, message: t('complaint.windowPlaceholder') }]}>
              <Select
                data-testid="complaint-window"
                placeholder={t('complaint.windowPlaceholder')}
                disabled={!orgUnit}
                loading={windows.loading}
                options={(windows.data ?? []).map((w) => ({ value: w.id, label: `${t('town.windowNo', { no: w.no })} ${w.name}` }))}
              />
            </Form.Item>
          ) : (
            <Form.Item name="person" label={t('complaint.person')} rules={[{ required: true, whitespace: true, message: t('lookup.required', { what: t('complaint.person') }) }]}>
              <Input data-testid="complaint-person" placeholder={t('complaint.personPlaceholder')} maxLength={60} />
            </Form.Item>
          )}
        </Col>
      </Row>
      <Form.Item
        name="content"
        label={t('complaint.content')}
        rules={[
          { required: true, whitespace: true, message: t('complaint.contentTooShort') },
          { min: 5, message: t('complaint.contentTooShort'), transform: (v: string) => v?.trim() },
        ]}
      >
        <Input.TextArea data-testid="complaint-content" rows={5} maxLength={5000} showCount placeholder={t('complaint.contentPlaceholder')} />
      </Form.Item>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Form.Item name="contactName" label={t('complaint.contactName')}>
            <Input data-testid="complaint-contact" maxLength={50} autoComplete="name" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="phone" label={t('complaint.phone')} rules={[{ pattern: PHONE, message: t('complaint.phoneInvalid') }]}>
            <Input data-testid="complaint-phone" maxLength={20} inputMode="tel" autoComplete="tel" />
          </Form.Item>
        </Col>
      </Row>
      <Button type="primary" htmlType="submit" loading={busy} data-testid="complaint-submit">{t('complaint.submit')}</Button>
    </Form>
  );
}

function ComplaintLookup({ prefill }: { prefill?: { reference: string; queryCode: string } }) {
  const { t } = usePublicT();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [found, setFound] = useState<ComplaintView>();

  const submit = async (v: { reference: string; queryCode: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      setFound(await publicApi.complaintLookup({ reference: v.reference.trim().toUpperCase(), queryCode: v.queryCode.trim() }));
    } catch (e) {
      setFound(undefined);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} md={10}>
        <Form layout="vertical" requiredMark={false} initialValues={prefill} onFinish={(v) => void submit(v)} data-testid="complaint-lookup-form">
          <Form.Item
            name="reference"
            label={t('complaint.reference')}
            rules={[
              { required: true, whitespace: true, message: t('lookup.required', { what: t('complaint.reference') }) },
              { pattern: COMPLAINT_REF, message: t('complaint.referenceInvalid'), transform: (v: string) => v?.trim() },
            ]}
          >
            <Input data-testid="complaint-lookup-ref" placeholder={t('complaint.referencePlaceholder')} autoComplete="off" />
          </Form.Item>
          <Form.Item name="queryCode" label={t('complaint.queryCode')} rules={[{ required: true, whitespace: true, message: t('lookup.required', { what: t('complaint.queryCode') }) }]}>
            <Input data-testid="complaint-lookup-code" autoComplete="off" maxLength={20} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="complaint-lookup-submit">{t('complaint.lookup')}</Button>
        </Form>
      </Col>
      <Col xs={24} md={14}>
        <div aria-live="polite">
          <PublicError error={error} notFound={t('complaint.notFound')} />
          {found ? (
            <Card size="small" data-testid="complaint-result" data-status={found.status}>
              <Descriptions size="small" column={1}>
                <Descriptions.Item label={t('complaint.reference')}>{found.reference}</Descriptions.Item>
                <Descriptions.Item label={t('complaint.status')}>
                  <Tag color={found.status === 'received' ? 'blue' : 'green'} data-testid="complaint-status">{t(`complaint.statuses.${found.status}`, { defaultValue: found.status })}</Tag>
                </Descriptions.Item>
                <Descriptions.Item label={t('complaint.createdAt')}>{formatDateTime(found.createdAt)}</Descriptions.Item>
                {found.reply ? <Descriptions.Item label={t('complaint.repliedAt')}>{formatDateTime(found.reply.at)}</Descriptions.Item> : null}
              </Descriptions>
              <Typography.Title level={5}>{t('complaint.reply')}</Typography.Title>
              {found.reply ? (
                <Typography.Paragraph data-testid="complaint-reply" style={{ whiteSpace: 'pre-wrap' }}>{found.reply.text}</Typography.Paragraph>
              ) : (
                <Typography.Text type="secondary" data-testid="complaint-no-reply">{t('complaint.noReply')}</Typography.Text>
              )}
            </Card>
          ) : null}
        </div>
      </Col>
    </Row>
  );
}
