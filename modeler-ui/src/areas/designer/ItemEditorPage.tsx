import { ArrowLeftOutlined, DeleteOutlined, PlusOutlined, SaveOutlined } from '@ant-design/icons';
import { Alert, App as AntApp, Button, Card, Checkbox, Col, Empty, Form, Input, InputNumber, Radio, Row, Select, Space, Spin, Switch, Tag, Timeline, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { ApiProblem, api, listDefinitions } from '../../api-client';
import { ApiErrorAlert, useApi } from '../../app/ApiError';
import { formatDateTime, formatVersion } from '../../format';
import { catalogueApi, type CatalogueItem, type DesignedItem, type ItemSave, type Material, type RuleViolation } from './catalogue-api';

interface FormValues {
  /** only when creating (新增事项) */
  code?: string;
  name: string;
  department: string;
  orgLevel: 'town' | 'city';
  defaultCategory: CatalogueItem['defaultCategory'];
  procedure: string;
  statutoryLimitDays: number;
  promisedLimitDays: number;
  jointDepartments: string[];
  legalBasisText: string;
  conditions?: string;
  outcome?: string;
  feeFree: boolean;
  feeBasis?: string;
  feeItems: { name: string; amountYuan: number; basis: string }[];
  materials: (Omit<Material, 'condition' | 'note'> & { condition?: string; note?: string })[];
  note?: string;
}

function toForm(it: CatalogueItem): FormValues {
  return {
    name: it.name,
    department: it.department,
    orgLevel: it.orgLevel,
    defaultCategory: it.defaultCategory,
    procedure: it.procedure,
    statutoryLimitDays: it.statutoryLimitDays,
    promisedLimitDays: it.promisedLimitDays,
    jointDepartments: it.jointDepartments ?? [],
    legalBasisText: (it.legalBasis ?? []).join('\n'),
    conditions: it.conditions,
    outcome: it.outcome,
    feeFree: it.fees.free,
    feeBasis: it.fees.free ? it.fees.basis : undefined,
    feeItems: it.fees.free ? [] : it.fees.items.map((f) => ({ name: f.name, amountYuan: f.amountFen / 100, basis: f.basis })),
    materials: it.materials.map((m) => ({ ...m })),
    note: '',
  };
}

/** What a new item starts from: a town 承诺件 with one application form, free of charge. */
const BLANK: CatalogueItem = {
  code: '', name: '', department: '', orgLevel: 'town', defaultCategory: 'promised', procedure: '',
  statutoryLimitDays: 20, promisedLimitDays: 10,
  materials: [{ code: 'M1', name: '申请表', form: '原件', copies: 1, original: true, requirement: 'mandatory' }],
  fees: { free: true }, legalBasis: [],
};
const CODE = /^[A-Z]{1,6}-\d{3}$/;

const clean = (s?: string) => (s && s.trim() ? s.trim() : undefined);

function fromForm(v: FormValues, baseVersion?: number): ItemSave {
  return {
    name: v.name.trim(),
    department: v.department,
    orgLevel: v.orgLevel,
    defaultCategory: v.defaultCategory,
    procedure: v.procedure,
    statutoryLimitDays: v.statutoryLimitDays,
    promisedLimitDays: v.promisedLimitDays,
    jointDepartments: v.defaultCategory === 'joint' ? v.jointDepartments ?? [] : [],
    legalBasis: (v.legalBasisText ?? '').split('\n').map((l) => l.trim()).filter(Boolean),
    conditions: clean(v.conditions),
    outcome: clean(v.outcome),
    fees: v.feeFree ? { free: true, ...(clean(v.feeBasis) ? { basis: clean(v.feeBasis) } : {}) } : { free: false, items: (v.feeItems ?? []).map((f) => ({ name: f.name.trim(), amountFen: Math.round(Number(f.amountYuan) * 100), basis: f.basis.trim() })) },
    materials: (v.materials ?? []).map((m) => ({
      code: m.code, name: m.name.trim(), form: m.form.trim(), copies: m.copies, original: !!m.original, requirement: m.requirement,
      ...(m.requirement === 'conditional' && clean(m.condition) ? { condition: clean(m.condition) } : {}),
      ...(clean(m.note) ? { note: clean(m.note) } : {}),
    })),
    note: clean(v.note),
    baseVersion,
  };
}

/** The form field a rule's `field` points at. */
const FORM_FIELD: Record<string, string> = { legalBasis: 'legalBasisText', fees: 'feeFree' };

/**
 * 事项编辑 — a designer edits one catalogue item's five disclosures (五公开: 设定依据, 受理条件,
 * 申请材料, 时限, 收费), its window, category and path; each save is a new version, listed with
 * who saved it, when, the note and what changed. A save that breaks a catalogue rule is refused
 * by the server and its reasons are shown here, each beside its field.
 */
export default function ItemEditorPage() {
  const { t } = useTranslation('designer');
  const { code = '' } = useParams();
  // 新增事项 (route catalogue/new): the same form, checks and versions; the code typed once
  const creating = !code;
  const navigate = useNavigate();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<FormValues>();
  const item = useApi(() => (creating ? Promise.resolve(BLANK) : catalogueApi.get(code)), [code]);
  const versions = useApi(() => (creating ? Promise.resolve([]) : catalogueApi.versions(code)), [code]);
  const windows = useApi(catalogueApi.cityWindows, []);
  const paths = useApi(listDefinitions, []);
  const [saving, setSaving] = useState(false);
  const [violations, setViolations] = useState<RuleViolation[] | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const category = Form.useWatch('defaultCategory', form);
  const feeFree = Form.useWatch('feeFree', form);

  useEffect(() => {
    if (item.data) form.setFieldsValue(toForm(item.data));
  }, [item.data, form]);

  const departments = useMemo(
    () => (windows.data ?? []).filter((w) => w.kind === 'department' && w.department !== 'city-centre').map((w) => ({ value: w.department, label: w.name, title: w.departmentName ?? w.name })),
    [windows.data],
  );
  const pathOptions = useMemo(
    () => (paths.data ?? []).map((d) => ({ value: d.key, label: `${d.name || d.key}（${d.key}）${d.archived ? ` · ${t('list.archived')}` : ''}`, disabled: !!d.archived })),
    [paths.data, t],
  );

  async function save(v: FormValues) {
    setSaving(true);
    setViolations(null);
    setSaveError(null);
    try {
      if (creating) {
        const newCode = (v.code ?? '').trim().toUpperCase();
        const { baseVersion: _b, ...body } = fromForm(v);
        const created = await api.post<CatalogueItem>('/api/items', { ...body, code: newCode });
        void message.success(t('catalogue.created', { code: created.code }));
        navigate(`/designer/catalogue/${encodeURIComponent(created.code)}`, { replace: true });
        return;
      }
      const saved = await catalogueApi.save(code, fromForm(v, item.data?.version ?? 0));
      void message.success(saved.version === item.data?.version ? t('catalogue.unchanged') : t('catalogue.saved', { version: formatVersion(saved.version ?? 0) }));
      item.reload();
      versions.reload();
    } catch (err) {
      if (err instanceof ApiProblem && err.code === 'ITEM_RULE_VIOLATION') {
        const list = ((err.problem.details as { violations?: RuleViolation[] })?.violations ?? []) as RuleViolation[];
        setViolations(list);
        form.setFields(list.map((x) => ({ name: (FORM_FIELD[x.field] ?? x.field) as keyof FormValues, errors: [x.message] })));
      } else if (err instanceof ApiProblem && err.code === 'ITEM_CODE_TAKEN') {
        form.setFields([{ name: 'code', errors: [err.message] }]);
        setSaveError(err);
      } else setSaveError(err);
    } finally {
      setSaving(false);
    }
  }

  function nextMaterialCode(): string {
    const used = new Set((form.getFieldValue('materials') as Material[] | undefined ?? []).map((m) => m.code));
    let n = used.size + 1;
    while (used.has(`M${n}`)) n++;
    return `M${n}`;
  }

  if (item.error && !item.data) return <div className="designer-page"><ApiErrorAlert error={item.error} onRetry={item.reload} /></div>;
  if (!item.data) return <Spin style={{ display: 'block', margin: '48px auto' }} />;
  const it = item.data;
  const ruleWarnings = (it as DesignedItem).ruleWarnings ?? [];

  return (
    <div className="designer-page" data-testid="item-editor">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }} align="start">
        <Space align="start">
          <Button icon={<ArrowLeftOutlined />} onClick={() => navigate('/designer/catalogue')}>{t('catalogue.back')}</Button>
          <div>
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="item-title">{creating ? t('catalogue.newTitle') : it.name}</Typography.Title>
            {creating
              ? <Typography.Text type="secondary">{t('catalogue.newIntro')}</Typography.Text>
              : <Typography.Text type="secondary">{it.code} · {t('catalogue.currentVersion')} <Tag color="blue" data-testid="item-version">{formatVersion(it.version ?? 0)}</Tag></Typography.Text>}
          </div>
        </Space>
        <Button type="primary" icon={<SaveOutlined />} loading={saving} onClick={() => form.submit()} data-testid="save-item">{creating ? t('catalogue.create') : t('catalogue.save')}</Button>
      </Space>
      {violations && violations.length > 0 && (
        <Alert
          type="error"
          showIcon
          role="alert"
          data-testid="rule-violations"
          style={{ marginBottom: 8 }}
          title={t('catalogue.refused')}
          description={<ul style={{ margin: 0, paddingLeft: 18 }}>{violations.map((x, i) => <li key={i}><b>{t(`catalogue.fields.${x.field}`, { defaultValue: x.field })}</b>：{x.message}</li>)}</ul>}
          closable
          onClose={() => setViolations(null)}
        />
      )}
      {!creating && ruleWarnings.length > 0 ? (
        // the catalogue's warnings: saved all the same, but the designer should see them (item-rules.ts checkPromiseAgainstPath)
        <Alert
          type="warning"
          showIcon
          data-testid="rule-warnings"
          style={{ marginBottom: 8 }}
          title={t('catalogue.warningsTitle')}
          description={<ul style={{ margin: 0, paddingLeft: 18 }}>{ruleWarnings.map((x, i) => <li key={i} data-testid="rule-warning" data-rule={x.rule}><b>{t(`catalogue.fields.${x.field}`, { defaultValue: x.field })}</b>：{x.message}</li>)}</ul>}
        />
      ) : null}
      <ApiErrorAlert error={saveError} />
      <Row gutter={12}>
        <Col span={16}>
          <Card size="small" style={{ height: 'calc(100vh - 190px)', overflow: 'auto' }}>
            <Form<FormValues> form={form} layout="vertical" size="small" onFinish={() => save(form.getFieldsValue(true) as FormValues)} requiredMark={false} onValuesChange={() => violations && setViolations(null)}>
              <Typography.Title level={5}>{t('catalogue.sectionBasics')}</Typography.Title>
              {creating ? (
                <Form.Item name="code" label={t('catalogue.newCode')} extra={t('catalogue.codeHelp')} normalize={(v?: string) => (v ?? '').toUpperCase()}
                  rules={[{ required: true, message: t('catalogue.required') }, { pattern: CODE, message: t('catalogue.codeFormat') }]}>
                  <Input maxLength={10} style={{ width: 200 }} data-testid="item-code" />
                </Form.Item>
              ) : null}
              <Form.Item name="name" label={t('catalogue.fields.name')} rules={[{ required: true, whitespace: true, max: 200, message: t('catalogue.required') }]}>
                <Input data-testid="item-name" />
              </Form.Item>
              <Row gutter={8}>
                <Col span={12}>
                  <Form.Item name="department" label={t('catalogue.fields.department')} rules={[{ required: true, message: t('catalogue.required') }]}>
                    <Select options={departments} data-testid="item-department" />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="procedure" label={t('catalogue.fields.procedure')} rules={[{ required: true, message: t('catalogue.required') }]}>
                    <Select options={pathOptions} data-testid="item-procedure" showSearch optionFilterProp="label" />
                  </Form.Item>
                </Col>
              </Row>
              <Row gutter={8}>
                <Col span={12}>
                  <Form.Item name="defaultCategory" label={t('catalogue.fields.defaultCategory')}>
                    <Radio.Group optionType="button" data-testid="item-category" options={(['immediate', 'promised', 'report-up', 'joint'] as const).map((c) => ({ value: c, label: t(`catalogue.categories.${c}`) }))} />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="orgLevel" label={t('catalogue.fields.orgLevel')}>
                    <Radio.Group optionType="button" options={[{ value: 'town', label: t('catalogue.levels.town') }, { value: 'city', label: t('catalogue.levels.city') }]} />
                  </Form.Item>
                </Col>
              </Row>
              {category === 'joint' && (
                <Form.Item name="jointDepartments" label={t('catalogue.fields.jointDepartments')}>
                  <Select mode="multiple" options={departments} data-testid="item-joint" />
                </Form.Item>
              )}
              <Typography.Title level={5}>{t('catalogue.sectionLimits')}</Typography.Title>
              <Row gutter={8}>
                <Col span={12}>
                  <Form.Item name="statutoryLimitDays" label={t('catalogue.fields.statutoryLimitDays')} rules={[{ required: true, message: t('catalogue.required') }]}>
                    <InputNumber min={0} max={365} suffix={t('catalogue.workingDays')} style={{ width: '100%' }} data-testid="item-statutory" />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="promisedLimitDays" label={t('catalogue.fields.promisedLimitDays')} extra={t('catalogue.promisedHelp')} rules={[{ required: true, message: t('catalogue.required') }]}>
                    <InputNumber min={0} max={365} suffix={t('catalogue.workingDays')} style={{ width: '100%' }} data-testid="item-promised" />
                  </Form.Item>
                </Col>
              </Row>
              <Typography.Title level={5}>{t('catalogue.sectionDisclosures')}</Typography.Title>
              <Form.Item name="legalBasisText" label={t('catalogue.fields.legalBasis')} extra={t('catalogue.onePerLine')}>
                <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} data-testid="item-legal-basis" />
              </Form.Item>
              <Form.Item name="conditions" label={t('catalogue.fields.conditions')}>
                <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={2000} />
              </Form.Item>
              <Form.Item name="outcome" label={t('catalogue.fields.outcome')}>
                <Input maxLength={200} />
              </Form.Item>
              <Form.Item label={t('catalogue.fields.materials')} required={false}>
                <Form.List name="materials">
                  {(fields, { add, remove }) => (
                    <div data-testid="materials">
                      {fields.map((f, i) => (
                        <div key={f.key} className="item-material" data-testid="material-row" style={{ border: '1px solid #f0f0f0', borderRadius: 6, padding: '6px 8px', marginBottom: 6 }}>
                          <Row gutter={6} align="middle">
                            <Col flex="28px"><Typography.Text type="secondary">{i + 1}.</Typography.Text></Col>
                            <Col flex="auto">
                              <Form.Item name={[f.name, 'name']} noStyle rules={[{ required: true, whitespace: true, message: t('catalogue.required') }]}>
                                <Input placeholder={t('catalogue.material.name')} data-testid="material-name" />
                              </Form.Item>
                            </Col>
                            <Col flex="110px">
                              <Form.Item name={[f.name, 'form']} noStyle rules={[{ required: true, whitespace: true }]}>
                                <Input placeholder={t('catalogue.material.form')} data-testid="material-form" />
                              </Form.Item>
                            </Col>
                            <Col flex="90px">
                              <Form.Item name={[f.name, 'copies']} noStyle rules={[{ required: true }]}>
                                <InputNumber min={1} max={50} suffix={t('catalogue.material.copiesUnit')} style={{ width: 90 }} />
                              </Form.Item>
                            </Col>
                            <Col flex="32px">
                              <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('catalogue.material.remove')} title={t('catalogue.material.remove')} onClick={() => remove(f.name)} />
                            </Col>
                          </Row>
                          <Row gutter={6} align="middle" style={{ marginTop: 4, paddingLeft: 28 }}>
                            <Col>
                              <Form.Item name={[f.name, 'original']} valuePropName="checked" noStyle>
                                <Checkbox>{t('catalogue.material.original')}</Checkbox>
                              </Form.Item>
                            </Col>
                            <Col>
                              <Form.Item name={[f.name, 'requirement']} noStyle>
                                <Radio.Group size="small" options={[{ value: 'mandatory', label: t('catalogue.material.mandatory') }, { value: 'conditional', label: t('catalogue.material.conditional') }]} />
                              </Form.Item>
                            </Col>
                            <Col flex="auto">
                              <Form.Item noStyle shouldUpdate={(a, b) => a.materials?.[f.name]?.requirement !== b.materials?.[f.name]?.requirement}>
                                {() => form.getFieldValue(['materials', f.name, 'requirement']) === 'conditional' ? (
                                  <Form.Item name={[f.name, 'condition']} noStyle>
                                    <Input size="small" placeholder={t('catalogue.material.condition')} />
                                  </Form.Item>
                                ) : null}
                              </Form.Item>
                            </Col>
                          </Row>
                        </div>
                      ))}
                      <Button type="dashed" icon={<PlusOutlined />} block data-testid="add-material" onClick={() => add({ code: nextMaterialCode(), name: '', form: '原件', copies: 1, original: true, requirement: 'mandatory' })}>{t('catalogue.material.add')}</Button>
                    </div>
                  )}
                </Form.List>
              </Form.Item>
              <Form.Item name="feeFree" label={t('catalogue.fields.fees')} valuePropName="checked">
                <Switch checkedChildren={t('catalogue.fees.free')} unCheckedChildren={t('catalogue.fees.charged')} data-testid="item-fee-free" />
              </Form.Item>
              {feeFree ? (
                <Form.Item name="feeBasis" label={t('catalogue.fees.freeBasis')}>
                  <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} maxLength={300} />
                </Form.Item>
              ) : (
                <Form.List name="feeItems">
                  {(fields, { add, remove }) => (
                    <>
                      {fields.map((f) => (
                        <Row gutter={6} key={f.key} style={{ marginBottom: 6 }}>
                          <Col flex="auto"><Form.Item name={[f.name, 'name']} noStyle rules={[{ required: true, whitespace: true }]}><Input placeholder={t('catalogue.fees.name')} /></Form.Item></Col>
                          <Col flex="130px"><Form.Item name={[f.name, 'amountYuan']} noStyle rules={[{ required: true }]}><InputNumber min={0} step={0.01} precision={2} suffix="元" style={{ width: 130 }} /></Form.Item></Col>
                          <Col flex="240px"><Form.Item name={[f.name, 'basis']} noStyle rules={[{ required: true, whitespace: true }]}><Input placeholder={t('catalogue.fees.basis')} /></Form.Item></Col>
                          <Col flex="32px"><Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('catalogue.material.remove')} onClick={() => remove(f.name)} /></Col>
                        </Row>
                      ))}
                      <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => add({ name: '', amountYuan: 0, basis: '' })} style={{ marginBottom: 12 }}>{t('catalogue.fees.add')}</Button>
                    </>
                  )}
                </Form.List>
              )}
              <Form.Item name="note" label={t('catalogue.note')} extra={t('catalogue.noteHelp')}>
                <Input maxLength={500} data-testid="item-note" />
              </Form.Item>
            </Form>
          </Card>
        </Col>
        <Col span={8}>
          <Card size="small" title={t('catalogue.history')} data-testid="item-history" style={{ height: 'calc(100vh - 190px)', overflow: 'auto' }}>
            <ApiErrorAlert error={versions.error} onRetry={versions.reload} />
            {versions.data && versions.data.length === 0 && <Empty description={t('catalogue.noHistory')} />}
            <Timeline
              items={(versions.data ?? []).map((v) => ({
                color: v.version === it.version ? 'blue' : 'gray',
                content: (
                  <div data-testid="version-entry" data-version={v.version}>
                    <div><Tag color={v.version === it.version ? 'blue' : undefined}>{formatVersion(v.version)}</Tag><b>{v.savedByName}</b></div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>{formatDateTime(v.savedAt)}</Typography.Text>
                    {v.note && <div style={{ marginTop: 2 }}>{t('catalogue.noteShort')}：{v.note}</div>}
                    <ul style={{ margin: '2px 0 0', paddingLeft: 16, fontSize: 12 }}>{v.changes.map((c, i) => <li key={i}>{c.summary}</li>)}</ul>
                  </div>
                ),
              }))}
            />
          </Card>
        </Col>
      </Row>
    </div>
  );
}
