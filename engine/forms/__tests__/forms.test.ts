import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkFormSchema, type FormSchema } from '../form-schema';
import { validateFormData } from '../validate-form-data';

const formsDir = path.resolve(__dirname, '..', '..', '..', 'processes', 'forms');
const load = (id: string) => JSON.parse(readFileSync(path.join(formsDir, `${id}.form`), 'utf8')) as FormSchema;
const decisionOptions = [{ value: 'approve', label: '同意' }, { value: 'reject', label: '不予许可' }];

describe('form schemas (the accepted form-js subset)', () => {
  it.each(readdirSync(formsDir).filter((f) => f.endsWith('.form')))('seeded %s is accepted', (f) => {
    expect(checkFormSchema(JSON.parse(readFileSync(path.join(formsDir, f), 'utf8')))).toEqual([]);
  });

  it('refuses components that could run or embed code, and bad keys', () => {
    const problems = checkFormSchema({
      type: 'default',
      components: [
        { type: 'html', content: '<img src=x onerror=alert(1)>' },
        { type: 'iframe', url: 'http://evil' },
        { type: 'textfield', key: '__proto__' },
        { type: 'textfield', key: 'a b' },
        { type: 'textfield', key: 'dup' },
        { type: 'number', key: 'dup' },
        { type: 'textfield', key: 'x', defaultValue: '=now()' },
        { type: 'textfield', key: 'y', validate: { pattern: '(a+)+$' } },
        { type: 'textfield', key: 'z', validate: { pattern: '([' } },
      ],
    }).map((p) => p.path);
    expect(problems).toEqual(expect.arrayContaining([
      'components[0]', 'components[1]', 'components[2].key', 'components[3].key', 'components[5].key',
      'components[6].defaultValue', 'components[7].validate.pattern', 'components[8].validate.pattern',
    ]));
  });

  it('refuses what is not a schema', () => {
    expect(checkFormSchema(null)).toHaveLength(1);
    expect(checkFormSchema({ type: 'default' })[0]!.path).toBe('components');
    expect(checkFormSchema({ type: 'other', components: [] })[0]!.path).toBe('type');
  });
});

describe('server-side validation of form data', () => {
  const review = load('town-review');

  it('accepts a complete review', () => {
    expect(validateFormData(review, { decision: 'approve', opinion: '同意上报', attachments: [{ name: '现场照片', pages: 3 }] }, { decisionOptions })).toEqual([]);
  });

  it('names every missing or wrong field in Chinese', () => {
    const problems = validateFormData(review, { decision: 'destroy', attachments: [{ pages: 0 }] }, { decisionOptions });
    expect(problems.map((p) => p.path)).toEqual(['decision', 'opinion', 'attachments[0].name', 'attachments[0].pages']);
    expect(problems[1]!.message).toBe('请填写“初审意见”');
    expect(problems[0]!.message).toContain('选项无效');
  });

  it('refuses keys the form does not declare (no free variables into the engine)', () => {
    const problems = validateFormData(review, { decision: 'approve', opinion: '同意', approvedAmount: 1e9, constructor: 1 }, { decisionOptions });
    expect(problems.map((p) => p.path).sort()).toEqual(['approvedAmount', 'constructor']);
  });

  it('checks types, lengths, numbers and option lists', () => {
    const schema: FormSchema = {
      type: 'default',
      components: [
        { type: 'textfield', key: 'code', label: '编号', validate: { pattern: '^[A-Z]{2}\\d{3}$', minLength: 5, maxLength: 5 } },
        { type: 'number', key: 'area', label: '面积', validate: { min: 1, max: 500 } },
        { type: 'checklist', key: 'docs', label: '材料', values: [{ label: '身份证', value: 'id' }, { label: '户口簿', value: 'hukou' }] },
        { type: 'checkbox', key: 'promise', label: '承诺属实', validate: { required: true } },
        { type: 'datetime', key: 'on', subtype: 'date', label: '日期' },
        { type: 'textfield', key: 'phone', label: '电话', validate: { validationType: 'phone' } },
        { type: 'group', path: 'agent', components: [{ type: 'textfield', key: 'name', label: '代理人', validate: { required: true } }] },
      ],
    };
    expect(validateFormData(schema, { code: 'DB001', area: 120, docs: ['id'], promise: true, on: '2026-12-02', phone: '139 1234 5678', agent: { name: '张三' } })).toEqual([]);
    // the platform's phone rule (engine/cases/phone.ts): landlines with area code and extension too
    for (const phone of ['13800138000', '0571-88886666', '010-12345678转123', '+86 138 0013 8000']) {
      expect(validateFormData(schema, { code: 'DB001', area: 120, docs: ['id'], promise: true, on: '2026-12-02', phone, agent: { name: '张三' } })).toEqual([]);
    }
    const bad = validateFormData(schema, { code: 'db01', area: 900, docs: ['passport'], promise: false, on: '2026-13-45', phone: '12345', agent: {} });
    expect(bad.map((p) => p.path)).toEqual(['code', 'code', 'area', 'docs', 'promise', 'on', 'phone', 'agent.name']);
  });

  it('does not require a field that a FEEL condition may hide, but still checks it when given', () => {
    const intake = load('intake');
    expect(validateFormData(intake, { kind: 'person', name: '张三', idType: 'resident-id', idNumber: '11010519491231002X' })).toEqual([]);
    expect(validateFormData(intake, { kind: 'person', name: '张三', idType: 'resident-id', idNumber: 'x', contactName: 'y'.repeat(51) }).map((p) => p.path)).toEqual(['contactName']);
  });

  it('keeps readonly fields at their initial value', () => {
    const schema: FormSchema = { type: 'default', components: [{ type: 'textfield', key: 'caseNo', label: '办件编号', readonly: true }] };
    expect(validateFormData(schema, { caseNo: 'DB-1' }, { caseNo: 'DB-1' })).toEqual([]);
    expect(validateFormData(schema, { caseNo: 'DB-2' }, { caseNo: 'DB-1' })).toHaveLength(1);
  });
});
