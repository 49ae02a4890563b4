/**
 * 系统升级 of the shipped diagrams and decisions on an existing database (issue 15): a database seeded
 * by an older version of the platform keeps, say, joint-approval-item version 1 as it was shipped
 * then; the next start of this version deploys the shipped `processes/diagrams` (and
 * `processes/decisions`) content as a new version with the change note 系统升级 — running cases stay
 * on their version, untouched — while a key whose latest version a designer deployed is left as the
 * designer made it. Another start deploys nothing again. Real servers, engine and embedded FerretDB;
 * the older shipped content is made by changing the stored versions' hash (what the upgrade compares).
 */
import { MongoClient } from 'mongodb';
import { ApiClient, waitFor } from '../helpers/api';
import { applicant } from '../helpers/people';
import { dbUri, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

describe('shipped diagrams and decisions on an existing database (系统升级)', () => {
  const dbName = uniqueDbName('shipped-upgrade');
  let server: RunningProcess | undefined;
  let mongo: MongoClient;
  afterAll(async () => {
    await server?.kill();
    await mongo?.close();
  });

  it('deploys the shipped content over an older shipped version as a new version, keeps running cases and a designer’s version, and does it once', async () => {
    server = await startServer(dbName);
    mongo = await MongoClient.connect(dbUri(dbName));
    const db = mongo.db();
    let designer = await ApiClient.login(server.url, 'designer');
    let clerk = await ApiClient.login(server.url, 'clerk');

    // a joint case (联办件) running on version 1
    const item = (await clerk.get('/api/items')).body.find((i: any) => i.procedure === 'joint-approval-item');
    const taken = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('欧阳·娜仁', '13800138000'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    expect([taken.status, taken.body?.code]).toEqual([201, undefined]);
    const caseNo: string = taken.body.case.caseNo;
    const instanceId: string = await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.instanceId, 'the case’s instance');
    const before = await db.collection('instances').findOne({ _id: instanceId as any });
    const revisionsBefore = await db.collection('revisions').countDocuments({ instanceId });
    expect(before).toMatchObject({ definitionKey: 'joint-approval-item', definitionVersion: 1, status: 'running' });

    // a designer's own version of the immediate path (v2), over the shipped v1
    const immediate: string = (await designer.get('/api/definitions/immediate-item/xml')).body;
    expect(immediate).toContain('name="即办件办理流程"');
    const own = await designer.deployXml(immediate.replace('name="即办件办理流程"', 'name="即办件（本中心调整）"'), '本中心调整即办件名称');
    expect([own.status, own.body?.version]).toEqual([201, 2]);

    // what an older platform shipped: the stored shipped versions' content differs from processes/ now
    await db.collection('definitions').updateOne({ _id: 'joint-approval-item:1' as any }, { $set: { sha256: 'shipped-by-an-older-platform' } });
    await db.collection('definitions').updateMany({ key: 'immediate-item' }, { $set: { sha256: 'shipped-by-an-older-platform' } });
    await db.collection('decisions').updateMany({ key: 'hj001Fee' }, { $set: { sha256: 'shipped-by-an-older-platform' } });
    const shippedKeys = (await db.collection('definitions').distinct('key', { deployedBy: 'system' })).sort();
    await server.kill();

    // the next start on the same database
    server = await startServer(dbName);
    designer = await ApiClient.login(server.url, 'designer');
    clerk = await ApiClient.login(server.url, 'clerk');
    const joint = (await designer.get('/api/definitions/joint-approval-item')).body;
    expect(joint.latestVersion).toBe(2);
    expect(joint.versions[0]).toMatchObject({ version: 2, deployedBy: 'system', changeNote: expect.stringContaining('系统升级') });
    expect(joint.versions[0].changeNote).toContain('第 1 版');
    expect(joint.log[0]).toMatchObject({ action: 'deployed', version: 2, actor: 'system', note: expect.stringContaining('系统升级') });
    // the decision table too
    const fee = (await designer.get('/api/decisions/hj001Fee')).body;
    expect(fee.latestVersion).toBe(2);
    // the designer's version stays the latest
    const imm = (await designer.get('/api/definitions/immediate-item')).body;
    expect([imm.latestVersion, imm.versions[0].deployedBy, imm.versions[0].name]).toEqual([2, 'designer', '即办件（本中心调整）']);
    expect(server.logs.join('\n')).toContain('left as it is');
    // nothing else got a version: every other shipped key is as it was
    for (const key of shippedKeys.filter((k) => k !== 'joint-approval-item' && k !== 'immediate-item')) {
      expect([key, await db.collection('definitions').countDocuments({ key })]).toEqual([key, 1]);
    }

    // the running case is untouched: same version, same revisions, still running; a new case starts on v2
    const after = await db.collection('instances').findOne({ _id: instanceId as any });
    expect(after).toMatchObject({ definitionVersion: 1, status: 'running', headRevision: before!.headRevision });
    expect(await db.collection('revisions').countDocuments({ instanceId })).toBe(revisionsBefore);
    const next = await clerk.post('/api/intake', { itemCode: item.code, applicant: applicant('司马·伊明', '0512-58881234'), materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
    expect([next.status, next.body?.code]).toEqual([201, undefined]);
    const nextId: string = await waitFor(async () => (await clerk.get(`/api/service-cases/${next.body.case.caseNo}`)).body.instanceId, 'the new case’s instance');
    expect((await db.collection('instances').findOne({ _id: nextId as any }))?.definitionVersion).toBe(2);
    await server.kill();

    // once: another start deploys nothing again
    server = await startServer(dbName);
    expect(await db.collection('definitions').countDocuments({ key: 'joint-approval-item' })).toBe(2);
    expect(await db.collection('decisions').countDocuments({ key: 'hj001Fee' })).toBe(2);
    expect(await db.collection('definitions').countDocuments({ key: 'immediate-item' })).toBe(2);
  }, 600_000);
});
