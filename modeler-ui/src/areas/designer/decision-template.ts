/**
 * 新建决策表: a DMN 1.3 document as Camunda Modeler 5 writes it, with one decision table (hit policy
 * 唯一), one input, one output and one rule to start from; the designer renames the columns, sets
 * their expressions and adds rules in the table editor.
 */
const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 决策标识: a letter, then letters, digits, `_` or `-` (it becomes the decision id business rule tasks name). */
export const DECISION_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{1,63}$/;

export function decisionTemplate(key: string, name: string): string {
  const id = xmlEscape(key);
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="Definitions_${id}" name="${xmlEscape(name)}" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="${id}" name="${xmlEscape(name)}">
    <decisionTable id="DecisionTable_${id}" hitPolicy="UNIQUE">
      <input id="Input_1" label="申请类型">
        <inputExpression id="InputExpression_1" typeRef="string">
          <text>applyType</text>
        </inputExpression>
      </input>
      <output id="Output_1" label="结果" name="result" typeRef="string" />
      <rule id="Rule_1">
        <inputEntry id="UnaryTests_1"><text>-</text></inputEntry>
        <outputEntry id="LiteralExpression_1"><text>"待定"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_${id}">
      <dmndi:DMNShape id="DMNShape_${id}" dmnElementRef="${id}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
`;
}
