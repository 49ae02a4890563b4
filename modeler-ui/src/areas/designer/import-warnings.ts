/** bpmn-js import warnings in Chinese (a diagram from another tool may carry things we do not know). */
const PATTERNS: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/^unparsable content <([^>]+)> detected/, (m) => `无法解析的内容 <${m[1]}>，已忽略`],
  [/^unknown type <([^>]+)>/, (m) => `未知的元素类型 <${m[1]}>，已忽略`],
  [/^unresolved reference <([^>]+)>/, (m) => `找不到引用的元素 <${m[1]}>`],
  [/^element <([^>]+)> referenced by <([^>]+)> not yet drawn/, (m) => `元素 <${m[1]}>（被 <${m[2]}> 引用）尚未绘制`],
  [/^missing <([^>]+)>/, (m) => `缺少 <${m[1]}>`],
  [/^multiple DI elements defined for <([^>]+)>/, (m) => `元素 <${m[1]}> 有多个图形定义`],
  [/^failed to import <([^>]+)>/, (m) => `无法导入元素 <${m[1]}>`],
  [/^no bpmnElement referenced in <([^>]+)>/, (m) => `图形 <${m[1]}> 没有对应的流程元素`],
  [/^no diagram to display/, () => '文件中没有可显示的流程图'],
  [/^no process or collaboration to display/, () => '文件中没有流程或协作图'],
];

export function importWarningZh(message: string): string {
  for (const [pattern, render] of PATTERNS) {
    const m = message.match(pattern);
    if (m) return render(m);
  }
  return message;
}
