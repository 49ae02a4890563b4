/** A real bpmn-engine run with the safe expression handler: conditional flows and a service task. */
import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import { createSafeExpressions } from '../expressions';

const gatewaySource = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://example.com/test">
  <process id="amountRouting" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="toGateway" sourceRef="start" targetRef="gateway" />
    <exclusiveGateway id="gateway" default="toLow" />
    <sequenceFlow id="toHigh" sourceRef="gateway" targetRef="endHigh">
      <conditionExpression xsi:type="tFormalExpression">\${amount &gt; 1000}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="toLow" sourceRef="gateway" targetRef="endLow" />
    <endEvent id="endHigh" />
    <endEvent id="endLow" />
  </process>
</definitions>`;

const serviceSource = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs2" targetNamespace="http://example.com/test">
  <process id="withService" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="svc" />
    <serviceTask id="svc" implementation="\${environment.services.stamp}" />
    <sequenceFlow id="f2" sourceRef="svc" targetRef="end" />
    <endEvent id="end" />
  </process>
</definitions>`;

async function run(source: string, options: { variables?: Record<string, unknown>; services?: Record<string, unknown> }) {
  const engine = new Engine({ name: 'expressions-test', source, expressions: createSafeExpressions(), ...options } as any);
  const ended: string[] = [];
  const listener = new EventEmitter();
  listener.on('activity.end', (api: { id: string }) => ended.push(api.id));
  const done = engine.waitFor('end');
  await engine.execute({ listener } as any);
  await done;
  return ended;
}

describe('bpmn-engine with createSafeExpressions()', () => {
  it('routes an exclusive gateway on ${amount > 1000}', async () => {
    const high = await run(gatewaySource, { variables: { amount: 5000 } });
    expect(high).toContain('endHigh');
    expect(high).not.toContain('endLow');

    const low = await run(gatewaySource, { variables: { amount: 10 } });
    expect(low).toContain('endLow');
    expect(low).not.toContain('endHigh');
  });

  it('resolves a serviceTask implementation to the bare environment.services function', async () => {
    const calls: unknown[] = [];
    const stamp = (scope: { id: string }, next: (err: Error | null, ...args: unknown[]) => void) => {
      calls.push(scope.id);
      next(null, 'stamped');
    };
    const ended = await run(serviceSource, { services: { stamp } });
    expect(calls).toEqual(['svc']);
    expect(ended).toContain('end');
  });
});
