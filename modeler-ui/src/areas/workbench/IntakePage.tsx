import { CheckCircleOutlined, ExclamationCircleOutlined, FileTextOutlined, StopOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Checkbox, Col, Descriptions, Form, Input, InputNumber, List, Modal, Radio, Result, Row, Select, Space, Table, Tag, Typography } from 'antd';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, ApiProblem } from '../../api-client';
import { ApiErrorAlert, useApi } from '../../app/ApiError';
import { CategoryTag, useMe } from './common';
import { formatDateTime, missingOf } from './format';
import { idNumberProblem, normalizePhone } from './identity';
import { NoticeViewer } from './NoticeViewer';
import { FormView, translateMessage, type FormViewHandle } from '../../shared/FormView';
import type { HandedMaterial, IntakeResult, Item, Material, NoticeRef } from './types';

interface Row { provided: boolean; asOriginal: boolean; count: number; applicable: boolean; defect: string }
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** The browser-side identity checks (check digits, phone) on the intake form's data; an i18n key or null. */
function identityProblem(d: Record<string, unknown>): string | null {
  const kind = d.kind === 'company' ? 'company' : 'person';
  const idNumber = str(d.idNumber);
  if (idNumber) {
    const k = idNumberProblem(kind, str(d.idType) || (kind === 'company' ? 'credit-code' : 'resident-id'), idNumber);
    if (k) return k;
  }
  const phone = str(d.phone);
  if (phone && !normalizePhone(phone)) return 'identity.phone';
  return null;
}

/** What the clerk ticked, as the API's materials (count and original/copy shortfalls become defects). */
function handed(materials: Material[], rows: Record<string, Row>, t: (k: string, o?: any) => string): HandedMaterial[] {
  return materials.map((m) => {
    const r = rows[m.code] ?? { provided: false, asOriginal: m.original, count: m.copies, applicable: false, defect: '' };
    const problems: string[] = [];
    if (r.provided) {
      if (m.original && !r.asOriginal) problems.push(t('intake.needOriginal'));
      if (r.count < m.copies) problems.push(t('intake.tooFew', { need: m.copies, got: r.count }));
      if (r.defect.trim()) problems.push(r.defect.trim());
    }
    const h: HandedMaterial = { code: m.code, provided: r.provided };
    if (problems.length) h.defect = problems.join('；').slice(0, 300);
    if (m.requirement === 'conditional') h.applicable = r.applicable;
    return h;
  });
}

const INITIAL = { kind: 'person', idType: 'resident-id' };

/** The label of a field of the intake form (what the clerk sees), by its id or key. */
function labelOf(schema: unknown, id: string): string {
  const walk = (cs: unknown): string | undefined => {
    for (const c of (Array.isArray(cs) ? cs : []) as { id?: string; key?: string; label?: string; components?: unknown }[]) {
      if ((c.id === id || c.key === id) && c.label) return c.label;
      const inner = walk(c.components);
      if (inner) return inner;
    }
    return undefined;
  };
  return walk((schema as { components?: unknown } | undefined)?.components) ?? id;
}

/** The problems of the applicant form by field, in the form's order: `证件号码：校验码错误…`. */
type FormProblem = { fields: string[]; lines: string[]; byField?: Record<string, string[]> };

/**
 * The server's refusal of the applicant (INVALID_APPLICANT with its problems by field, or
 * FORM_INVALID with issues at `applicant.<field>`) as the same banner naming the fields, with
 * the Chinese part of each message; null for any other error.
 */
function applicantProblemOf(e: unknown, schema: unknown): FormProblem | null {
  if (!(e instanceof ApiProblem) || (e.code !== 'INVALID_APPLICANT' && e.code !== 'FORM_INVALID')) return null;
  const p = e.problem as Record<string, unknown>;
  const details = (p.details ?? {}) as Record<string, unknown>;
  const list = [details.problems, details.issues, p.issues].find(Array.isArray) as { field?: string; path?: string; message?: string }[] | undefined;
  const found = (list ?? [])
    .map((x) => ({ field: x.field ?? (typeof x.path === 'string' && x.path.startsWith('applicant.') ? x.path.slice('applicant.'.length) : undefined), message: String(x.message ?? '') }))
    .filter((x): x is { field: string; message: string } => !!x.field);
  if (!found.length) return null;
  const chinese = (m: string) => /[（(]([^（）()]*[\u4e00-\u9fff][^（）()]*)[）)]\s*$/.exec(m)?.[1] ?? m;
  const byField: Record<string, string[]> = {};
  for (const x of found) (byField[idOf(schema, x.field)] ??= []).push(chinese(x.message));
  return {
    fields: [...new Set(found.map((x) => labelOf(schema, x.field)))],
    lines: found.map((x) => `${labelOf(schema, x.field)}：${chinese(x.message)}`),
    byField,
  };
}

/** The form-js field id of a key of the intake form. */
function idOf(schema: unknown, key: string): string {
  const walk = (cs: unknown): string | undefined => {
    for (const c of (Array.isArray(cs) ? cs : []) as { id?: string; key?: string; components?: unknown }[]) {
      if (c.key === key && c.id) return c.id;
      const inner = walk(c.components);
      if (inner) return inner;
    }
    return undefined;
  };
  return walk((schema as { components?: unknown } | undefined)?.components) ?? key;
}

/** 收件受理: item, applicant, materials checklist; missing materials at once; accept / one-time notice / refuse. */
export function IntakePage() {
  const { t } = useTranslation('workbench');
  const me = useMe();
  const items = useApi(() => api.get<Item[]>('/api/items'), []);
  const reasons = useApi(() => api.get<{ code: string; text: string }[]>('/api/reject-reasons'), []);
  const [itemCode, setItemCode] = useState<string>();
  const [rows, setRows] = useState<Record<string, Row>>({});
  const intakeForm = useApi(() => api.get<{ schema: unknown }>('/api/forms/intake'), []);
  const formRef = useRef<FormViewHandle>(null);
  const [formKey, setFormKey] = useState(0);
  const [idProblem, setIdProblem] = useState<string | null>(null);
  const [formProblem, setFormProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);
  /** The last intake sent and its Idempotency-Key, kept until it is answered. */
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<IntakeResult | null>(null);
  const [notice, setNotice] = useState<NoticeRef | null>(null);
  const [rejectOpen, setRejectOpen] = useState(false);
  const [rejectForm] = Form.useForm<{ reasonCode?: string; reason?: string }>();

  /** The ID number's check digits etc. on the ID field itself (the phone rule is FormView's). */
  const checkField = (key: string, value: unknown, data: Record<string, unknown>): string | null => {
    if (key !== 'idNumber' || !str(value)) return null;
    const kind = data.kind === 'company' ? 'company' : 'person';
    const k = idNumberProblem(kind, str(data.idType) || (kind === 'company' ? 'credit-code' : 'resident-id'), str(value));
    return k ? String(t(k)) : null;
  };

  const accepts = me.data?.window?.accepts ?? [];
  const item = items.data?.find((i) => i.code === itemCode);
  const options = useMemo(() => {
    const all = items.data ?? [];
    const opt = (i: Item) => ({ value: i.code, label: `${i.code} ${i.name}`, 'data-testid': `item-option-${i.code}` });
    const mineFirst = all.filter((i) => accepts.includes(i.department));
    const others = all.filter((i) => !accepts.includes(i.department));
    return [
      ...(mineFirst.length ? [{ label: t('intake.windowItems'), options: mineFirst.map(opt) }] : []),
      ...(others.length ? [{ label: t('intake.otherItems'), options: others.map(opt) }] : []),
    ];
  }, [items.data, accepts, t]);

  const chooseItem = (code: string) => {
    setItemCode(code);
    const it = items.data?.find((i) => i.code === code);
    const next: Record<string, Row> = {};
    for (const m of it?.materials ?? []) next[m.code] = { provided: false, asOriginal: m.original, count: m.copies, applicable: false, defect: '' };
    setRows(next);
    setError(null);
  };
  const setRow = (code: string, patch: Partial<Row>) => setRows((r) => ({ ...r, [code]: { ...r[code]!, ...patch } }));
  const materials = item ? handed(item.materials, rows, (x, o) => String(t(x, o))) : [];
  const missing = item ? missingOf(item.materials, materials) : [];

  const submit = async (reject?: { reasonCode?: string; reason?: string }) => {
    setError(null);
    setFormProblem(null);
    const f = formRef.current;
    if (!f) return;
    // every field's problems, ID and phone included (FormView's `check` and the platform phone
    // rule): the banner names the fields, and those fields — only those — are outlined red
    const { data, errors } = f.submit();
    setIdProblem(identityProblem(data));
    const blocking = Object.entries(errors).filter(([, list]) => Array.isArray(list) && list.length);
    if (blocking.length) {
      const schema = intakeForm.data?.schema;
      const fields = blocking.map(([id]) => labelOf(schema, id));
      setFormProblem({ fields, lines: blocking.map(([id, list]) => `${labelOf(schema, id)}：${(list as string[]).map(translateMessage).join('；')}`) });
      return;
    }
    const kind = data.kind === 'company' ? 'company' : 'person';
    setBusy(true);
    try {
      const body = {
        itemCode,
        applicant: {
          kind, name: str(data.name), idType: str(data.idType) || (kind === 'company' ? 'credit-code' : 'resident-id'), idNumber: str(data.idNumber),
          phone: str(data.phone) || undefined, contactName: (kind === 'company' && str(data.contactName)) || undefined, address: str(data.address) || undefined,
        },
        materials,
        ...(reject ? { reject } : {}),
      };
      // one Idempotency-Key per application: resending the same form after a timeout answers
      // with the case already taken in instead of taking the applicant in twice
      const text = JSON.stringify(body);
      if (attempt.current?.body !== text) attempt.current = { body: text, key: crypto.randomUUID() };
      const r = await api.post<IntakeResult>('/api/intake', body, { 'Idempotency-Key': attempt.current.key });
      attempt.current = null;
      setResult(r);
      setRejectOpen(false);
      const first = r.case.notices[r.case.notices.length - 1];
      if (first) setNotice(first);
    } catch (e) {
      const refused = applicantProblemOf(e, intakeForm.data?.schema);
      if (refused) {
        setFormProblem(refused);
        if (refused.byField) formRef.current?.showErrors(refused.byField);
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };

  const restart = () => {
    setResult(null);
    setItemCode(undefined);
    setRows({});
    setIdProblem(null);
    setFormProblem(null);
    setFormKey((k) => k + 1);
    rejectForm.resetFields();
  };

  if (result) {
    const c = result.case;
    const title = c.status === 'awaiting-supplement' ? t('intake.resultSupplement') : c.status === 'rejected' ? t('intake.resultRejected') : t('intake.resultAccepted');
    return (
      <div data-testid="intake-result" data-case-no={c.caseNo} data-status={c.status}>
        <Result
          status={c.status === 'rejected' ? 'warning' : c.status === 'awaiting-supplement' ? 'info' : 'success'}
          title={title}
          subTitle={<Space wrap><span>{t('intake.caseNo')}：<Typography.Text strong copyable data-testid="result-case-no">{c.caseNo}</Typography.Text></span><CategoryTag category={c.category} /></Space>}
          extra={[
            <Link key="case" to={`/workbench/cases/${c.caseNo}`}><Button data-testid="open-case">{t('intake.openCase')}</Button></Link>,
            <Button key="again" type="primary" onClick={restart} data-testid="intake-again">{t('intake.another')}</Button>,
          ]}
        >
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t('intake.queryCode')}>
              {result.queryCode ? (
                <>
                  <Typography.Text strong data-testid="query-code">{result.queryCode}</Typography.Text>
                  <Typography.Text type="secondary" style={{ marginLeft: 8 }}>{t('intake.queryCodeHelp')}</Typography.Text>
                </>
              ) : (
                <Typography.Text type="secondary">{t('intake.queryCodeRecovered')}</Typography.Text>
              )}
            </Descriptions.Item>
            {c.supplementRounds?.[0] ? (
              <Descriptions.Item label={t('intake.missingTitle', { n: c.supplementRounds[0].materials.length })}>
                <ul style={{ margin: 0, paddingLeft: 18 }}>{c.supplementRounds[0].materials.map((m) => <li key={m.code}>{m.name}：{m.reason}</li>)}</ul>
              </Descriptions.Item>
            ) : null}
            <Descriptions.Item label={t('intake.notices')}>
              <Space wrap>
                {c.notices.map((n) => (
                  <Button key={n.id} icon={<FileTextOutlined />} onClick={() => setNotice(n)} data-testid={`notice-${n.kind}`}>{n.title} · {formatDateTime(n.issuedAt)}</Button>
                ))}
              </Space>
            </Descriptions.Item>
          </Descriptions>
        </Result>
        <NoticeViewer caseNo={c.caseNo} notice={notice} onClose={() => setNotice(null)} />
      </div>
    );
  }

  const columns = [
    {
      title: t('intake.material'), dataIndex: 'name', key: 'name',
      render: (_: unknown, m: Material) => {
        const miss = missing.find((x) => x.code === m.code);
        return (
          <Space direction="vertical" size={0}>
            <Typography.Text type={miss ? 'danger' : undefined}>{m.name}</Typography.Text>
            {m.condition ? <Typography.Text type="secondary" style={{ fontSize: 12 }}>{m.condition}</Typography.Text> : null}
          </Space>
        );
      },
    },
    { title: t('intake.requirement'), key: 'req', width: 80, render: (_: unknown, m: Material) => <Tag color={m.requirement === 'mandatory' ? 'red' : 'default'}>{t(`intake.${m.requirement}`)}</Tag> },
    { title: t('intake.form'), key: 'form', width: 130, render: (_: unknown, m: Material) => `${m.form} × ${m.copies}` },
    {
      title: t('intake.received'), key: 'provided', width: 70,
      render: (_: unknown, m: Material) => (
        <Checkbox checked={rows[m.code]?.provided} onChange={(e) => setRow(m.code, { provided: e.target.checked })} data-testid={`material-${m.code}`} aria-label={`${t('intake.received')} ${m.name}`} />
      ),
    },
    {
      title: t('intake.receivedForm'), key: 'asOriginal', width: 150,
      render: (_: unknown, m: Material) => (
        <Radio.Group size="small" disabled={!rows[m.code]?.provided} value={rows[m.code]?.asOriginal ? 'o' : 'c'} onChange={(e) => setRow(m.code, { asOriginal: e.target.value === 'o' })}
          options={[{ value: 'o', label: t('intake.original') }, { value: 'c', label: t('intake.copy') }]} optionType="button" aria-label={t('intake.receivedForm')} />
      ),
    },
    {
      title: t('intake.count'), key: 'count', width: 90,
      render: (_: unknown, m: Material) => (
        <InputNumber size="small" min={0} max={99} disabled={!rows[m.code]?.provided} value={rows[m.code]?.count} onChange={(v) => setRow(m.code, { count: Number(v ?? 0) })} aria-label={`${t('intake.count')} ${m.name}`} style={{ width: 64 }} />
      ),
    },
    {
      title: t('intake.applicable'), key: 'applicable', width: 60,
      render: (_: unknown, m: Material) => m.requirement === 'conditional'
        ? <Checkbox checked={rows[m.code]?.applicable} onChange={(e) => setRow(m.code, { applicable: e.target.checked })} aria-label={`${t('intake.applicable')} ${m.name}`} data-testid={`applicable-${m.code}`} />
        : null,
    },
    {
      title: t('intake.defect'), key: 'defect',
      render: (_: unknown, m: Material) => (
        <Input size="small" maxLength={200} disabled={!rows[m.code]?.provided} value={rows[m.code]?.defect} onChange={(e) => setRow(m.code, { defect: e.target.value })} aria-label={`${t('intake.defect')} ${m.name}`} />
      ),
    },
  ];

  return (
    <div data-testid="intake-page">
      <Typography.Title level={3}>{t('intake.title')}</Typography.Title>
      <ApiErrorAlert error={items.error ?? me.error} />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={10}>
          <Card title={t('intake.item')} size="small">
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              style={{ width: '100%' }}
              placeholder={t('intake.itemPlaceholder')}
              options={options}
              value={itemCode}
              onChange={chooseItem}
              loading={items.loading}
              data-testid="item-select"
              aria-label={t('intake.item')}
            />
            {item ? (
              <Descriptions column={1} size="small" style={{ marginTop: 12 }} data-testid="item-info">
                <Descriptions.Item label={t('intake.itemInfo')}>{item.name}</Descriptions.Item>
                <Descriptions.Item label={t('case.category')}><CategoryTag category={item.defaultCategory} /> {t(`intake.orgLevel.${item.orgLevel}`)}</Descriptions.Item>
                <Descriptions.Item label={t('case.clocks')}>{t('intake.limits', { p: item.promisedLimitDays, s: item.statutoryLimitDays })}</Descriptions.Item>
                {item.conditions ? <Descriptions.Item label="">{item.conditions}</Descriptions.Item> : null}
              </Descriptions>
            ) : null}
          </Card>
          <Card title={t('intake.applicant')} size="small" style={{ marginTop: 16 }}>
            <ApiErrorAlert error={intakeForm.error} />
            {intakeForm.data ? (
              <FormView key={formKey} ref={formRef} schema={intakeForm.data.schema} data={INITIAL} testId="applicant-form"
                onChange={(d) => setIdProblem(identityProblem(d))} check={checkField} />
            ) : null}
            {idProblem ? <Alert type="error" showIcon title={t(idProblem)} data-testid="applicant-problem" style={{ marginTop: 8 }} /> : null}
          </Card>
        </Col>
        <Col xs={24} xl={14}>
          <Card title={t('intake.materials')} size="small">
            {item ? (
              <>
                <Table<Material> rowKey="code" size="small" pagination={false} dataSource={item.materials} columns={columns} scroll={{ x: 760 }} data-testid="materials-table"
                  onRow={(m) => ({ 'data-testid': `material-row-${m.code}`, 'data-missing': missing.some((x) => x.code === m.code) ? 'true' : 'false' }) as never} />
                <div style={{ marginTop: 12 }}>
                  {missing.length ? (
                    <Alert
                      type="error" showIcon icon={<ExclamationCircleOutlined />} data-testid="missing-materials"
                      title={t('intake.missingTitle', { n: missing.length })}
                      description={<List size="small" dataSource={missing} renderItem={(m) => <List.Item data-testid={`missing-${m.code}`} style={{ color: '#c23a2b' }}>{m.name}：{m.reason}</List.Item>} />}
                    />
                  ) : <Alert type="success" showIcon icon={<CheckCircleOutlined />} title={t('intake.complete')} data-testid="materials-complete" />}
                </div>
              </>
            ) : <Typography.Text type="secondary">{t('intake.pickItem')}</Typography.Text>}
          </Card>
          {formProblem ? (
            <Alert type="error" showIcon role="alert" data-testid="applicant-invalid" data-fields={formProblem.fields.join(',')} style={{ marginTop: 12 }}
              title={t('intake.validate', { fields: formProblem.fields.join('、') })}
              description={<ul style={{ margin: 0, paddingLeft: 18 }}>{formProblem.lines.map((l) => <li key={l}>{l}</li>)}</ul>} />
          ) : null}
          <ApiErrorAlert error={error} />
          <Space style={{ marginTop: 16 }} wrap>
            {missing.length
              ? <Button type="primary" danger size="large" disabled={!item} loading={busy} onClick={() => void submit()} data-testid="issue-one-time">{t('intake.issueOneTime')}</Button>
              : <Button type="primary" size="large" disabled={!item} loading={busy} onClick={() => void submit()} data-testid="accept-intake">{t('intake.accept')}</Button>}
            <Button size="large" icon={<StopOutlined />} disabled={!item} onClick={() => setRejectOpen(true)} data-testid="reject-intake">{t('intake.reject')}</Button>
          </Space>
        </Col>
      </Row>
      <Modal
        open={rejectOpen} title={t('intake.rejectTitle')} onCancel={() => setRejectOpen(false)} confirmLoading={busy}
        okText={t('intake.reject')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}
        onOk={() => void rejectForm.validateFields().then((v) => submit({ reasonCode: v.reasonCode || undefined, reason: v.reason?.trim() || undefined }), () => undefined /* the form shows what is wrong */)}
      >
        <Form form={rejectForm} layout="vertical">
          <Form.Item name="reasonCode" label={t('intake.rejectReason')}>
            <Select allowClear options={(reasons.data ?? []).map((r) => ({ value: r.code, label: r.text }))} />
          </Form.Item>
          <Form.Item name="reason" label={t('intake.rejectText')} dependencies={['reasonCode']}
            rules={[({ getFieldValue }) => ({ validator: async (_r, v?: string) => { if (!getFieldValue('reasonCode') && !v?.trim()) throw new Error(t('common.reasonRequired')); } })]}>
            <Input.TextArea rows={3} maxLength={1000} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
