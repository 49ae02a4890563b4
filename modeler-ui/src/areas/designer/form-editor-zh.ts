/**
 * The form-js editor (1.23) in Chinese. Its palette, field types and properties panel are
 * English literals with no translation option, so the rendered text is replaced — whole text
 * nodes and `placeholder`/`title`/`aria-label` attributes that equal a dictionary entry or a
 * sentence built from one ("Create a Text field element") — by a
 * MutationObserver (Preact writes them again on re-render). What the designer typed (labels,
 * keys, values in inputs) is never touched: inputs' values are not text nodes, and labels the
 * designer gives are Chinese. The bpmn.io mark stays, as the licence requires.
 *
 *   const stop = localizeFormEditor(container);   // on unmount: stop()
 */
const ZH: Record<string, string> = {
  // palette
  Components: '组件',
  'Search components': '搜索组件',
  'No components found.': '没有找到组件。',
  Input: '输入',
  Selection: '选择',
  Presentation: '展示',
  Containers: '容器',
  Action: '操作',
  'Text field': '单行文本',
  'Text area': '多行文本',
  Number: '数字',
  'Date time': '日期时间',
  Expression: '表达式',
  'File picker': '文件选择',
  Checkbox: '复选框',
  'Checkbox group': '复选框组',
  'Radio group': '单选框组',
  Select: '下拉选择',
  'Tag list': '标签列表',
  'Text view': '文本',
  Text: '文本',
  Image: '图片',
  'Image view': '图片',
  Table: '表格',
  HTML: 'HTML',
  'Document preview': '文档预览',
  iFrame: '内嵌网页',
  Spacer: '间距',
  Separator: '分隔线',
  Group: '分组',
  'Dynamic list': '动态列表',
  Button: '按钮',
  Repeatable: '可重复',
  // properties panel
  Form: '表单',
  General: '常规',
  Label: '标签',
  Key: '键',
  Path: '路径',
  ID: '标识',
  'Field description': '字段说明',
  Description: '说明',
  'Default value': '默认值',
  'Default number of items': '默认条数',
  Disabled: '禁用',
  'Read only': '只读',
  Required: '必填',
  Validation: '校验',
  'Validation pattern': '校验规则',
  'Custom regular expression': '自定义正则表达式',
  'Custom error message': '自定义错误提示',
  'Minimum length': '最少字数',
  'Maximum length': '最多字数',
  Minimum: '最小值',
  Maximum: '最大值',
  Email: '电子邮箱',
  Phone: '电话',
  Custom: '自定义',
  Appearance: '外观',
  Prefix: '前缀',
  Suffix: '后缀',
  Layout: '布局',
  Columns: '列',
  Column: '列',
  Auto: '自动',
  Condition: '显示条件',
  'Custom properties': '自定义属性',
  Options: '选项',
  'Options source': '选项来源',
  'Static options': '固定选项',
  'Input values key': '输入数据键',
  'Dynamic options': '动态选项',
  'Options expression': '选项表达式',
  Value: '值',
  Type: '类型',
  Content: '内容',
  Constraints: '约束',
  Serialization: '序列化',
  'Output as string': '输出为字符串',
  'Decimal digits': '小数位数',
  Increment: '步长',
  Searchable: '可搜索',
  'Allow add/delete items': '允许新增/删除条目',
  'Disable collapse': '不折叠',
  'Number of non-collapsing items': '不折叠的条数',
  'Show outline': '显示边框',
  'Version tag': '版本标签',
  'Vertical alignment': '垂直对齐',
  Top: '顶部',
  Center: '居中',
  Bottom: '底部',
  Height: '高度',
  'Alternative text': '替代文字',
  'Image source': '图片来源',
  URL: '网址',
  Subtype: '子类型',
  Date: '日期',
  Time: '时间',
  'Date label': '日期标签',
  'Time label': '时间标签',
  'Time format': '时间格式',
  'Time interval': '时间间隔',
  'Disallow past dates': '不允许过去的日期',
  Checked: '已勾选',
  'Not checked': '未勾选',
  Submit: '提交',
  Reset: '重置',
  'Headers source': '表头来源',
  'Header items': '表头项',
  'Data source': '数据来源',
  Pagination: '分页',
  'Number of rows per page': '每页行数',
  'Upload multiple files': '允许多个文件',
  'Supported file formats': '支持的文件格式',
  'Compute on': '计算时机',
  'Value changes': '值变化时',
  'Form submission': '提交表单时',
  'Target value': '目标值',
  'List of items': '条目列表',
  'Security attributes': '安全属性',
  'Document reference': '文档引用',
  'Max height of preview container': '预览区最大高度',
  'Add new': '新增',
  'Collapse': '收起',
  'Toggle section': '展开/收起',
  'Open documentation': '打开文档',
  'Delete form field': '删除字段',
  'Remove': '删除',
  'Create': '新增',
  'Add': '新增',
  'Drag and drop components here to start designing.': '把组件拖到这里开始设计。',
  'Use the preview window to test your form.': '可在预览窗口试填表单。',
  'Build your form': '设计表单',
  // tooltips, descriptions and accessible names (screenshot review: still English)
  'HTML view': 'HTML',
  'Section contains edits': '本节已修改',
  'Field label': '字段标签',
  'Group label': '分组标签',
  'Binds to a form variable': '绑定到表单变量',
  Static: '固定',
  'Input data': '输入数据',
  'Define which input property to populate the values from': '指定从哪个输入属性取选项值',
  'Hide if': '隐藏条件',
  'Condition under which the field is hidden': '满足此条件时隐藏该字段',
  'Click to set a dynamic value with FEEL expression': '点击改用 FEEL 表达式设置动态值',
  'Open pop-up editor': '在弹出窗口中编辑',
  'FEEL expression is mandatory': '此处必须填写 FEEL 表达式',
  'Create new list item': '新增列表项',
  'Where the child variables of this component are pathed to.': '本组件下各字段的值存放的路径。',
  'Should be at least 1.': '至少为1。',
  'Allows arbitrary precision values': '允许任意精度的数值',
  'Must be a unique key.': '键不能重复。',
  'Must not be empty.': '不能为空。',
  'Must not contain spaces.': '不能含空格。',
};

/** Accessible names that mean something else than the same word as a label (a spinner's buttons). */
const ZH_ARIA: Record<string, string> = { Increment: '增加', Decrement: '减少' };

/** Sentences built from a component's name: "Create a Text field element", "Remove Radio group". */
function pattern(text: string): string | undefined {
  const create = /^Create an? (.+) element$/.exec(text);
  if (create) return `新增${ZH[create[1]] ?? create[1]}组件`;
  const remove = /^(Remove|Delete) (.+)$/.exec(text);
  if (remove && ZH[remove[2]]) return `删除${ZH[remove[2]]}`;
  return undefined;
}

function localize(root: HTMLElement) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue ?? '';
    const key = text.trim();
    if (!key || !/^[A-Za-z]/.test(key)) continue;
    const zh = ZH[key] ?? pattern(key);
    // only a real change: writing the same value is a mutation too, and the observer would loop
    if (zh && zh !== key) n.nodeValue = text.replace(key, zh);
  }
  for (const attr of ['placeholder', 'title', 'aria-label']) {
    for (const el of root.querySelectorAll(`[${attr}]`)) {
      const v = el.getAttribute(attr) ?? '';
      const zh = (attr === 'aria-label' ? ZH_ARIA[v] : undefined) ?? ZH[v] ?? pattern(v);
      if (zh && zh !== v) el.setAttribute(attr, zh);
    }
  }
}

export function localizeFormEditor(root: HTMLElement): () => void {
  localize(root);
  const observer = new MutationObserver(() => localize(root));
  observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['placeholder', 'title', 'aria-label'] });
  return () => observer.disconnect();
}
