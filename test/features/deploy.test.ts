import { ApiClient, diagram, fixture } from '../helpers/api';
import { startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('a designer deploys service-item diagrams', () => {
  let server: RunningProcess;
  let designer: ApiClient;
  let clerk: ApiClient;

  beforeAll(async () => {
    server = await startServer(uniqueDbName('deploy'));
    designer = await ApiClient.login(server.url, 'designer');
    clerk = await ApiClient.login(server.url, 'clerk');
  });
  afterAll(async () => {
    await server?.kill();
  });

  it('stores each deploy as an immutable new version of the process id', async () => {
    const xml = diagram('report-up-item.bpmn');
    // the first start seeded version 1 from processes/diagrams
    const seeded = (await clerk.get('/api/definitions')).body.find((d: any) => d.key === 'report-up-item');
    expect(seeded.latestVersion).toBe(1);
    const v1 = await designer.deployXml(xml);
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ key: 'report-up-item', version: 2, caseCategory: 'report-up' });
    const v2 = await designer.post('/api/definitions', { xml });
    expect(v2.status).toBe(201);
    expect(v2.body.version).toBe(3);

    const list = await clerk.get('/api/definitions');
    expect(list.status).toBe(200);
    const entry = list.body.find((d: any) => d.key === 'report-up-item');
    expect(entry.latestVersion).toBe(3);
    expect(entry.versions.map((v: any) => v.version)).toEqual([3, 2, 1]);

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
});
