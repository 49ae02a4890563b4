/**
 * A designer deploys service-item diagrams through the HTTP API: each deploy is an immutable new
 * version with its change note (变更说明, required); a diagram whose condition would always be
 * true is refused and writes nothing; bad requests get a clear problem and the server stays up;
 * the OpenAPI description is served; an archived definition (归档) starts no new case and takes
 * in no application before a case number is claimed, while a running case finishes on its
 * version, and it can be restored.
 */
import { ApiClient, diagram, fixture } from '../helpers/api';
import { applicant } from '../helpers/people';
import { useServer } from '../helpers/suite';

describe('a designer deploys service-item diagrams', () => {
  const server = useServer('deploy');
  let designer: ApiClient;
  let clerk: ApiClient;

  beforeAll(async () => {
    designer = await server.as('designer');
    clerk = await server.as('clerk');
  });

  it('stores each deploy as an immutable new version of the process id', async () => {
    const xml = diagram('report-up-item.bpmn');
    // the first start seeded version 1 from processes/diagrams
    const seeded = (await clerk.get('/api/definitions')).body.find((d: any) => d.key === 'report-up-item');
    expect(seeded.latestVersion).toBe(1);
    const v1 = await designer.deployXml(xml);
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ key: 'report-up-item', version: 2, caseCategory: 'report-up' });
    const v2 = await designer.post('/api/definitions', { xml, note: '第三版：与第二版相同，验证 JSON 部署' });
    expect(v2.status).toBe(201);
    expect(v2.body.version).toBe(3);

    const list = await clerk.get('/api/definitions');
    expect(list.status).toBe(200);
    const entry = list.body.find((d: any) => d.key === 'report-up-item');
    expect(entry.latestVersion).toBe(3);
    expect(entry.versions.map((v: any) => v.version)).toEqual([3, 2, 1]);
    // each version keeps its change note (变更说明)
    expect(entry.versions.map((v: any) => v.changeNote)).toEqual(['第三版：与第二版相同，验证 JSON 部署', '测试部署', '平台预置的路径模式（首次启动）']);

    const meta = await clerk.get('/api/definitions/report-up-item/versions/2');
    expect(meta.status).toBe(200);
    const review = meta.body.userTasks.find((t: any) => t.elementId === 'town-review');
    expect(review.candidateGroups).toEqual(['town-window']);
    expect(review.formKey).toBeTruthy();

    const x = await clerk.get('/api/definitions/report-up-item/versions/2/xml');
    expect(x.status).toBe(200);
    expect(x.contentType).toContain('application/xml');
    expect(x.body).toBe(xml);
  });

  it.each([
    ['malformed.bpmn', 400, 'BPMN_MALFORMED'],
    ['script-task.bpmn', 422, 'SCRIPT_TASK_REFUSED'],
    ['unsupported.bpmn', 422, 'UNSUPPORTED_ELEMENT'],
    ['inclusive-join.bpmn', 422, 'INCLUSIVE_JOIN_UNSUPPORTED'],
    ['no-executable.bpmn', 422, 'NO_EXECUTABLE_PROCESS'],
  ])('refuses %s with %i %s as problem+json', async (file, status, code) => {
    const r = await designer.deployXml(fixture(file));
    expect(r.status).toBe(status);
    expect(r.contentType).toContain('application/problem+json');
    expect(r.body).toMatchObject({ status, code });
    expect(typeof r.body.detail).toBe('string');
    expect(r.body.detail.length).toBeGreaterThan(10);
  });

  it('refuses a plain-text condition that would always be true', async () => {
    const xml = fixture('exclusive.bpmn').replace('${amount &gt; 1000}', 'amount &gt; 1000').replace('${amount > 1000}', 'amount > 1000');
    const r = await designer.deployXml(xml);
    expect(r.status).toBe(422);
    expect(r.body.detail).toMatch(/single \$\{…\} expression/);
  });

  it('writes nothing for a refused diagram', async () => {
    await designer.deployXml(fixture('script-task.bpmn'));
    const list = await designer.get('/api/definitions');
    expect(list.body.map((d: any) => d.key)).not.toContain('script-task');
  });

  it('answers bad requests with a clear problem and stays up', async () => {
    const noAuth = new ApiClient(server.url);
    const r401 = await noAuth.get('/api/definitions');
    expect(r401.status).toBe(401);
    expect(r401.contentType).toContain('application/problem+json');

    const r403 = await clerk.deployXml(diagram('immediate-item.bpmn'));
    expect(r403.status).toBe(403);

    const badJson = await designer.post('/api/definitions', '{"xml":', { 'content-type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.code).toBe('MALFORMED_JSON');

    const wrongType = await designer.post('/api/definitions', 'hello', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(400);

    const missingVersion = await designer.get('/api/definitions/report-up-item/versions/99');
    expect(missingVersion.status).toBe(404);
    const badVersion = await designer.get('/api/definitions/report-up-item/versions/abc');
    expect(badVersion.status).toBe(400);

    const badLogin = await new ApiClient(server.url).post('/api/auth/login', { username: 'clerk', password: 'wrong' });
    expect(badLogin.status).toBe(401);
    const emptyLogin = await new ApiClient(server.url).post('/api/auth/login', {});
    expect(emptyLogin.status).toBe(400);
    expect(emptyLogin.body.detail).toMatch(/username/);

    const health = await noAuth.get('/api/health');
    // operators see which database serves the platform (the test run's embedded FerretDB 2 unless TEST_MONGODB_URI)
    expect(health.body).toEqual({ status: 'ok', database: { up: true, kind: expect.stringMatching(/^(ferretdb|mongodb)$/), version: expect.any(String), embedded: false } });
    if (!process.env.TEST_MONGODB_URI) expect(health.body.database).toMatchObject({ kind: 'ferretdb', version: expect.stringMatching(/^v2\.7\./) });
  });

  it('serves its OpenAPI description', async () => {
    const r = await new ApiClient(server.url).get('/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/api/tasks', '/api/cases', '/api/definitions', '/api/escalations']));
  });

  it('refuses a deploy without a change note (变更说明) with 400 problem+json, and writes nothing', async () => {
    const before = (await designer.get('/api/definitions/report-up-item')).body.latestVersion;
    const xml = diagram('report-up-item.bpmn');
    for (const r of [
      await designer.post('/api/definitions', xml, { 'content-type': 'application/xml' }),
      await designer.deployXml(xml, '   '),
      await designer.post('/api/definitions', { xml }),
      await designer.post('/api/definitions', { xml, note: '' }),
    ]) {
      expect(r.status).toBe(400);
      expect(r.contentType).toContain('application/problem+json');
      expect(r.body).toMatchObject({ status: 400, code: 'CHANGE_NOTE_REQUIRED' });
      expect(r.body.detail).toMatch(/change note/);
    }
    const tooLong = await designer.post('/api/definitions', { xml, note: '改'.repeat(501) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.code).toBe('CHANGE_NOTE_TOO_LONG');
    const badHeader = await designer.post('/api/definitions', xml, { 'content-type': 'application/xml', 'x-change-note': '%E6%94' });
    expect(badHeader.status).toBe(400);
    expect(badHeader.body.code).toBe('INVALID_CHANGE_NOTE');
    expect((await designer.get('/api/definitions/report-up-item')).body.latestVersion).toBe(before);

    // the note is kept with the version and in the definition's log, with who deployed it
    const ok = await designer.deployXml(xml, '镇级初审时限改为 5 个工作日');
    expect(ok.status).toBe(201);
    expect(ok.body.changeNote).toBe('镇级初审时限改为 5 个工作日');
    const entry = (await designer.get('/api/definitions/report-up-item')).body;
    expect(entry.versions[0]).toMatchObject({ version: ok.body.version, changeNote: '镇级初审时限改为 5 个工作日', deployedBy: 'designer' });
    expect(entry.log[0]).toMatchObject({ action: 'deployed', version: ok.body.version, actor: 'designer', note: '镇级初审时限改为 5 个工作日' });
    expect((await designer.get(`/api/definitions/report-up-item/versions/${ok.body.version}`)).body.changeNote).toBe('镇级初审时限改为 5 个工作日');
  });

  it('archives a definition: no new case starts on it (409), a running case finishes on its version, and it can be restored', async () => {
    const xml = fixture('exclusive.bpmn');
    expect((await designer.deployXml(xml, '用于归档测试')).status).toBe(201);
    const key = 'exclusive';
    const running = await clerk.post('/api/cases', { definitionKey: key, variables: {} });
    expect(running.status).toBe(201);
    const caseId = running.body.id;

    // only designers archive; an unknown key is 404
    expect((await clerk.put(`/api/definitions/${key}/archived`, { archived: true })).status).toBe(403);
    expect((await designer.put('/api/definitions/no-such-key/archived', { archived: true })).status).toBe(404);
    expect((await designer.put(`/api/definitions/${key}/archived`, { archived: 'yes' })).status).toBe(400);

    const archived = await designer.put(`/api/definitions/${key}/archived`, { archived: true, note: '事项已取消' });
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ key, archived: true, archivedBy: 'designer' });
    expect(archived.body.log[0]).toMatchObject({ action: 'archived', actor: 'designer', note: '事项已取消' });
    expect((await clerk.get('/api/definitions')).body.find((d: any) => d.key === key)).toMatchObject({ archived: true, archivedBy: 'designer' });
    // archiving again changes nothing and logs nothing
    expect((await designer.put(`/api/definitions/${key}/archived`, { archived: true })).body.log.filter((e: any) => e.action === 'archived')).toHaveLength(1);

    const refused = await clerk.post('/api/cases', { definitionKey: key, variables: { amount: 1 } });
    expect(refused.status).toBe(409);
    expect(refused.contentType).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'DEFINITION_ARCHIVED' });
    expect(refused.body.detail).toMatch(/archived/);
    // nor is a new version deployed on it
    const redeploy = await designer.deployXml(xml, '归档后部署');
    expect(redeploy.status).toBe(409);
    expect(redeploy.body.code).toBe('DEFINITION_ARCHIVED');

    // the running case goes on on its version: its open step completes and the case moves
    const review = (await clerk.get(`/api/tasks?caseId=${caseId}`)).body.find((t: any) => t.elementId === 'review');
    const step1 = await clerk.post(`/api/tasks/${review.id}/complete`, { variables: { amount: 5000 } });
    expect(step1.status).toBe(200);
    expect(step1.body.openTasks.map((t: any) => t.elementId)).toEqual(['manager-approval']);
    const approval = (await clerk.get(`/api/tasks?caseId=${caseId}`)).body.find((t: any) => t.elementId === 'manager-approval');
    const step2 = await clerk.post(`/api/tasks/${approval.id}/complete`, { variables: {} });
    expect(step2.status).toBe(200);
    expect(step2.body.status).toBe('completed');

    const restored = await designer.put(`/api/definitions/${key}/archived`, { archived: false, note: '事项恢复办理' });
    expect(restored.status).toBe(200);
    expect(restored.body.archived).toBe(false);
    expect(restored.body.log.slice(0, 2).map((e: any) => e.action)).toEqual(['restored', 'archived']);
    expect((await clerk.post('/api/cases', { definitionKey: key, variables: { amount: 1 } })).status).toBe(201);
  });

  it('refuses the intake of an item whose path is archived before claiming a case number', async () => {
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'immediate-item');
    expect((await designer.put('/api/definitions/immediate-item/archived', { archived: true })).status).toBe(200);
    const r = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'DEFINITION_ARCHIVED' });
    expect((await designer.put('/api/definitions/immediate-item/archived', { archived: false })).status).toBe(200);
    const ok = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant(), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    expect(ok.status).toBe(201);
  });
});
