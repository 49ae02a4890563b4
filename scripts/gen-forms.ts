/**
 * Writes the seeded form-js schemas (Camunda Forms, `.form`) into processes/forms/:
 * one form per user-task step of the pattern diagrams (`camunda:formKey="form:<stepId>"`)
 * and the intake form. Run: `node --import tsx scripts/gen-forms.ts`. Designers edit them
 * afterwards in the app (表单设计), which stores new versions in the database.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(__dirname, '..', 'processes', 'forms');
const base = { type: 'default', schemaVersion: 16, exporter: { name: 'service-centre-platform', version: '0.1.0' } };

const attachments = (label: string) => ({
  type: 'dynamiclist', id: 'attachments', path: 'attachments', label, isRepeating: true, defaultRepetitions: 0, allowAddRemove: true,
  components: [
    { type: 'textfield', id: 'attachment-name', key: 'name', label: '材料名称', validate: { required: true, maxLength: 100 } },
    { type: 'number', id: 'attachment-pages', key: 'pages', label: '页数', validate: { min: 1, max: 9999 } },
  ],
});

const review = (id: string, name: string, opinionLabel: string) => ({
  ...base, id: `form-${id}`,
  components: [
    { type: 'text', id: 'title', text: `### ${name}` },
    { type: 'radio', id: 'decision', key: 'decision', label: '办理结论', valuesKey: 'decisionOptions', validate: { required: true } },
    { type: 'textarea', id: 'opinion', key: 'opinion', label: opinionLabel, description: '将记入办件过程；不予许可时申请人会看到此理由', validate: { required: true, maxLength: 2000 } },
    attachments('附件清单（名称与页数）'),
  ],
});

const handle = (id: string, name: string, withWay: boolean) => ({
  ...base, id: `form-${id}`,
  components: [
    { type: 'text', id: 'title', text: `### ${name}` },
    ...(withWay ? [{ type: 'select', id: 'notifyWay', key: 'notifyWay', label: '告知方式', values: [
      { label: '窗口当面告知', value: 'in-person' }, { label: '电话告知', value: 'phone' }, { label: '短信告知', value: 'sms' }, { label: '邮寄送达', value: 'post' }] }] : []),
    { type: 'radio', id: 'decision', key: 'decision', label: '办理结论', valuesKey: 'decisionOptions', validate: { required: true } },
    { type: 'textarea', id: 'opinion', key: 'opinion', label: '办理说明', validate: { maxLength: 2000 } },
    attachments('附件清单（名称与页数）'),
  ],
});

const forms: Record<string, object> = {
  'accept': handle('accept', '窗口受理', false),
  'joint-accept': handle('joint-accept', '牵头窗口受理', false),
  'town-accept': handle('town-accept', '镇窗口受理', false),
  'window-handle': handle('window-handle', '窗口当场办结', false),
  'await-supplement': handle('await-supplement', '等待申请人补正', false),
  'return-notice': handle('return-notice', '出具退回通知书', true),
  'notify-rejection': handle('notify-rejection', '告知申请人不予许可', true),
  'town-notify-rejection': handle('town-notify-rejection', '通知申请人退回', true),
  'notify-result': handle('notify-result', '告知申请人办理结果', true),
  'town-notify-result': handle('town-notify-result', '镇窗口通知申请人办结结果', true),
  'joint-notify': handle('joint-notify', '牵头窗口告知联办结果', true),
  'review': review('review', '部门审查', '审查意见'),
  'town-review': review('town-review', '镇级初审', '初审意见'),
  'conformity-review': review('conformity-review', '政策与规划符合性审查', '审查意见'),
  'approve': review('approve', '部门审批', '审批意见'),
  'city-approval': review('city-approval', '市中心审批', '审批意见'),
  'land-approval': review('land-approval', '国土审批', '审批意见'),
  'planning-approval': review('planning-approval', '村镇建设审批', '审批意见'),
  'forestry-approval': review('forestry-approval', '农林水审批', '审批意见'),
  'intake': {
    ...base, id: 'form-intake',
    components: [
      { type: 'text', id: 'title', text: '### 申请人信息' },
      { type: 'radio', id: 'kind', key: 'kind', label: '申请人类型', defaultValue: 'person', validate: { required: true }, values: [{ label: '自然人', value: 'person' }, { label: '法人或其他组织', value: 'company' }] },
      { type: 'textfield', id: 'name', key: 'name', label: '申请人姓名 / 单位名称', validate: { required: true, maxLength: 100 } },
      { type: 'select', id: 'idType', key: 'idType', label: '证件类型', defaultValue: 'resident-id', validate: { required: true }, values: [
        { label: '居民身份证', value: 'resident-id' }, { label: '统一社会信用代码', value: 'credit-code' }, { label: '护照', value: 'passport' },
        { label: '港澳居民来往内地通行证', value: 'hk-macao-permit' }, { label: '其他证件', value: 'other' }] },
      { type: 'textfield', id: 'idNumber', key: 'idNumber', label: '证件号码', description: '居民身份证号码、统一社会信用代码将自动核对校验码（末位X大小写均可）', validate: { required: true, maxLength: 40 } },
      { type: 'textfield', id: 'phone', key: 'phone', label: '联系电话', description: '手机号，或带区号的固定电话（如 0571-88886666，分机可写在后面）', validate: { validationType: 'phone', maxLength: 20 } },
      { type: 'textfield', id: 'contactName', key: 'contactName', label: '联系人（单位申请时）', conditional: { hide: "=kind = \"person\"" }, validate: { maxLength: 50 } },
      { type: 'textfield', id: 'address', key: 'address', label: '联系地址', validate: { maxLength: 200 } },
    ],
  },
};

for (const [id, schema] of Object.entries(forms)) writeFileSync(path.join(dir, `${id}.form`), JSON.stringify(schema, null, 2) + '\n');
console.log(`wrote ${Object.keys(forms).length} forms to ${path.relative(process.cwd(), dir)}`);
