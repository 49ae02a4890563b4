/**
 * No code from a diagram or from user data runs on the server: a script task is refused at
 * deploy; a condition that walks to `constructor` to reach `process` is refused at deploy (calls
 * are only allowed on services); a variable that holds an expression is data, never evaluated
 * again (no endless loop). The server stays up after each.
 */
import { ApiClient, fixture } from '../helpers/api';
import { useServer } from '../helpers/suite';

describe('no code from a diagram or from user data runs on the server', () => {
  const server = useServer('security');
  let designer: ApiClient;
  let clerk: ApiClient;

  beforeAll(async () => {
    designer = await server.as('designer');
    clerk = await server.as('clerk');
  });

  const alive = async () => (await new ApiClient(server.url).get('/api/health')).status === 200;

  it('refuses a script task at deploy', async () => {
    const r = await designer.deployXml(fixture('script-task.bpmn'));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('SCRIPT_TASK_REFUSED');
    expect(await alive()).toBe(true);
  });

  it('does not let a condition walk to constructor and reach process', async () => {
    const deployed = await designer.deployXml(fixture('expression-attack.bpmn'));
    // refused at deploy (calls are only allowed on services) …
    expect(deployed.status).toBe(422);
    expect(deployed.body.code).toBe('INVALID_DIAGRAM');
    expect(deployed.body.detail).toMatch(/constructor|call/i);
    expect(await alive()).toBe(true);
  });

  it('refuses an XML entity bomb and an external entity in a diagram before any parser reads it, and a diagram nested 5,000 deep', async () => {
    const base = fixture('self-reference.bpmn').replace(/^<\?xml[^>]*>\s*/, '');
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>${base.replace(/name="[^"]*"/, 'name="&lol2;"')}`;
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>${base.replace(/name="[^"]*"/, 'name="&secret;"')}`;
    for (const xml of [bomb, xxe]) {
      const r = await designer.deployXml(xml);
      expect(r.status).toBe(422);
      expect(r.contentType).toContain('application/problem+json');
      expect(r.body.code).toBe('BPMN_DOCTYPE_REFUSED');
      expect(JSON.stringify(r.body)).not.toContain('root:');
    }
    const deep = `<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t"><bpmn:process id="deep" isExecutable="true">${'<bpmn:subProcess>'.repeat(5000)}${'</bpmn:subProcess>'.repeat(5000)}</bpmn:process></bpmn:definitions>`;
    const d = await designer.deployXml(deep);
    expect(d.status).toBe(422);
    expect(d.body.code).toBe('BPMN_TOO_DEEP');
    expect(await alive()).toBe(true);
  });

  it('does not re-evaluate a variable that contains an expression (no endless loop)', async () => {
    expect((await designer.deployXml(fixture('self-reference.bpmn'))).status).toBe(201);
    const started = await clerk.post('/api/cases', { definitionKey: 'self-reference', variables: { loop: '${environment.variables.loop}' } });
    expect(started.status).toBe(201);
    const t = started.body.openTasks[0];
    const t0 = Date.now();
    const done = await clerk.post(`/api/tasks/${t.id}/complete`, { variables: {} });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(done.body.variables.loop).toBe('${environment.variables.loop}');
    expect(await alive()).toBe(true);
  });
});
