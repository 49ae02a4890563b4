/**
 * Task and intake forms (form-js schemas) through the HTTP API: the seeded forms, a designer
 * saving a new version, hostile schemas refused, and every completion of a step with a form
 * checked on the server against that form — real server, real engine, embedded FerretDB.
 */
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('forms (表单): stored form-js schemas, and completions checked against them', () => {
  let server: RunningProcess;
  let clerk: ApiClient;
  let designer: ApiClient;
  const as = (u: string) => ApiClient.login(server.url, u);

  beforeAll(async () => {
    server = await startServer(uniqueDbName('forms'));
    clerk = await as('clerk');
    designer = await as('designer');
  });
  afterAll(async () => {
    await server?.kill();
  });

  it('serves the seeded forms, and a designer saves a new version; others may not; stale saves get 409', async () => {
    const list = (await clerk.get('/api/forms')).body;
    expect(list.map((f: any) => f.id)).toEqual(expect.arrayContaining(['intake', 'town-review', 'city-approval', 'notify-result']));
    const review = (await clerk.get('/api/forms/town-review')).body;
    expect(review).toMatchObject({ id: 'town-review', version: 1, name: '镇级初审' });
    expect(review.schema.components.map((c: any) => c.key).filter(Boolean)).toEqual(['decision', 'opinion']);

    const schema = { ...review.schema, components: [...review.schema.components, { type: 'checkbox', id: 'site', key: 'siteVisited', label: '已现场核查' }] };
    expect((await clerk.put('/api/forms/town-review', { name: '镇级初审', schema })).status).toBe(403);
    const saved = await designer.put('/api/forms/town-review', { name: '镇级初审（含现场核查）', schema, baseVersion: 1 });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ id: 'town-review', version: 2 });
    const stale = await designer.put('/api/forms/town-review', { name: 'x', schema, baseVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('FORM_CHANGED');
    expect((await clerk.get('/api/forms/town-review?version=1')).body.name).toBe('镇级初审');
    expect((await clerk.get('/api/forms/town-review/versions')).body.map((v: any) => v.version)).toEqual([2, 1]);
  });

  it('refuses hostile or broken schemas with a 4xx problem naming each fault, and stores nothing', async () => {
    const bad = await designer.put('/api/forms/evil-form', {
      name: '恶意表单',
      schema: { type: 'default', components: [{ type: 'html', content: '<script>alert(1)</script>' }, { type: 'textfield', key: '__proto__' }] },
    });
    expect(bad.status).toBe(422);
    expect(bad.contentType).toContain('application/problem+json');
    expect(bad.body.code).toBe('FORM_SCHEMA_INVALID');
    expect(bad.body.details.problems.map((p: any) => p.path)).toEqual(['components[0]', 'components[1].key']);
    expect((await clerk.get('/api/forms/evil-form')).status).toBe(404);
    expect((await designer.put('/api/forms/Bad%20Id', { name: 'x', schema: { type: 'default', components: [] } })).status).toBe(400);
    expect((await designer.put('/api/forms/ok-form', { name: 'x', schema: 'not an object' })).status).toBe(400);
  });

  it('gives a step its form with the decisions its diagram routes, and checks the completion on the server', async () => {
    const items = (await clerk.get('/api/items')).body;
    const it = items.find((i: any) => i.procedure === 'report-up-item');
    const c = (await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant('黄志强'), materials: it.materials.map((m: any) => ({ code: m.code, provided: true })) })).body.case;
    const step = (id: string) => waitFor(async () => (await clerk.get(`/api/service-cases/${c.caseNo}`)).body.steps?.find((s: any) => s.elementId === id && s.status === 'open' && s.kind === 'engine'), id);

    const accept = await step('town-accept');
    const acceptForm = (await clerk.get(`/api/tasks/${accept.taskId}/form`)).body.form;
    expect(acceptForm.id).toBe('town-accept');
    expect(acceptForm.data.decisionOptions.map((o: any) => o.value)).toEqual(['approve', 'done']);
    expect((await clerk.post(`/api/tasks/${accept.taskId}/complete`, { decision: 'approve' })).status).toBe(200);

    const review = await step('town-review');
    const reviewer = await as(review.assignee);
    const form = (await reviewer.get(`/api/tasks/${review.taskId}/form`)).body.form;
    expect(form).toMatchObject({ id: 'town-review', version: 2 });
    expect(form.data.decisionOptions.map((o: any) => o.value)).toEqual(['approve', 'reject', 'return']);
    // someone outside the window and without the group cannot read the task's form
    expect([403, 404]).toContain((await (await as('dongzhen-w03-a')).get(`/api/tasks/${review.taskId}/form`)).status); // another town's task (api/http/access.ts)

    const missing = await reviewer.post(`/api/tasks/${review.taskId}/complete`, { decision: 'approve' });
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('FORM_INVALID');
    expect(missing.body.details.issues).toEqual([{ path: 'opinion', message: '请填写“初审意见”' }]);
    const smuggled = await reviewer.post(`/api/tasks/${review.taskId}/complete`, { decision: 'approve', opinion: '同意', variables: { approvedAmount: 1e9 } });
    expect(smuggled.status).toBe(422);
    expect(smuggled.body.details.issues[0].path).toBe('approvedAmount');
    const notRouted = await reviewer.post(`/api/tasks/${review.taskId}/complete`, { decision: 'supplement', opinion: '补正' });
    expect(notRouted.status).toBe(422);
    // the task is still open after the refusals: nothing half-written
    expect((await clerk.get(`/api/service-cases/${c.caseNo}`)).body.steps.find((s: any) => s.taskId === review.taskId).status).toBe('open');

    const ok = await reviewer.post(`/api/tasks/${review.taskId}/complete`, {
      decision: 'approve', opinion: '初审同意，上报市中心', variables: { siteVisited: true, attachments: [{ name: '现场核查记录', pages: 2 }] },
    });
    expect(ok.status).toBe(200);
    await step('city-approval');
  });

  it('checks the applicant of an intake against the intake form as the designers last saved it', async () => {
    const intake = (await clerk.get('/api/forms/intake')).body;
    const items = (await clerk.get('/api/items')).body;
    const it = items.find((i: any) => i.procedure === 'immediate-item');
    const materials = it.materials.map((m: any) => ({ code: m.code, provided: true }));
    const { phone: _phone, ...noPhone } = applicant('赵敏');
    expect((await clerk.post('/api/intake', { itemCode: it.code, applicant: noPhone, materials })).status).toBe(201);
    // the centre decides a contact phone is required from now on
    const schema = { ...intake.schema, components: intake.schema.components.map((c: any) => (c.key === 'phone' ? { ...c, validate: { ...c.validate, required: true } } : c)) };
    expect((await designer.put('/api/forms/intake', { name: intake.name, schema, baseVersion: intake.version })).status).toBe(200);
    const refused = await clerk.post('/api/intake', { itemCode: it.code, applicant: noPhone, materials });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('FORM_INVALID');
    expect(refused.body.details.issues).toEqual([{ path: 'applicant.phone', message: '请填写“联系电话”' }]);
    expect((await clerk.post('/api/intake', { itemCode: it.code, applicant: applicant('赵敏'), materials })).status).toBe(201);
  });
});
