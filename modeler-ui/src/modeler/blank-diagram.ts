/**
 * A blank executable process with one start event, as the starting point of
 * 新建流程. Ids follow the platform's rule of stable, meaningful ids.
 */
export function createBlankDiagram(): string {
  const suffix = Math.random().toString(36).slice(2, 8);
  const processId = `process-${suffix}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="definitions-${suffix}"
  targetNamespace="http://bpmn.io/schema/bpmn"
  exporter="service-centre-modeler"
  exporterVersion="0.1.0">
  <bpmn:process id="${processId}" name="新建流程" isExecutable="true">
    <bpmn:startEvent id="start" name="受理申请" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram-${suffix}">
    <bpmndi:BPMNPlane id="plane-${suffix}" bpmnElement="${processId}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="160" width="36" height="36" />
        <bpmndi:BPMNLabel>
          <dc:Bounds x="174" y="203" width="48" height="14" />
        </bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}
