/**
 * Issue 13: the catalogue is consistent by rule, and its items are edited with versions.
 *
 * - The shipped catalogue passes every rule (checked against the shipped diagrams, as the first
 *   start loads it before deploying them); its old contradictions (GT-002 宅基地 labelled 即办件
 *   with 15 working days on a path with 部门审查) are refused by the same check.
 * - Each rule refuses an edit with 422 problem+json naming the field and the rule, the reason in
 *   Chinese, and nothing is written.
 * - Each save that changes something is a new version: who, when, the note, what changed; a stale
 *   base version is 409; clerks read the history but cannot edit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { callsPerJointDepartment, checkItemRules, type PathInfo } from '../../engine/catalogue/item-rules';
import { ApiClient } from '../helpers/api';
import { dbUri, ROOT, startServer, uniqueDbName, type RunningProcess } from '../helpers/server';

/** `npm run seed` (scripts/seed.ts) against a test database; its exit code and output. */
function runSeed(dbName: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/seed.ts'], { cwd: ROOT, env: { ...process.env, MONGODB_URI: dbUri(dbName), RUN_WORKERS: 'false', LOG_LEVEL: 'warn', ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const LONG_NAME = '农村村民住宅用地（宅基地）审批暨乡村建设规划许可证核发联审联办'; // 31 characters

/** The shipped diagrams' user tasks with their svc: attributes (bpmn-moddle is ESM and jest runs CommonJS; the server parses them with it). */
async function shippedPaths(): Promise<Map<string, PathInfo>> {
  const dir = path.join(ROOT, 'processes', 'diagrams');
  const out = new Map<string, PathInfo>();
  const called: [string, string, boolean][] = [];
  const attr = (tag: string, name: string) => tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.bpmn'))) {
    const xml = readFileSync(path.join(dir, f), 'utf8');
    const proc = xml.match(/<bpmn:process\s[^>]*>/)![0];
    const steps = [...xml.matchAll(/<bpmn:userTask\s[^>]*>/g)].map((m) => ({
      elementId: attr(m[0], 'id')!, name: attr(m[0], 'name') ?? '', stepKind: attr(m[0], 'svc:stepKind'), orgLevel: attr(m[0], 'svc:orgLevel'), window: attr(m[0], 'svc:window'),
    }));
    out.set(attr(proc, 'id')!, { key: attr(proc, 'id')!, name: attr(proc, 'name'), steps });
    for (const m of xml.matchAll(/<bpmn:callActivity\s[^>]*>[\s\S]*?<\/bpmn:callActivity>/g)) {
      const open = m[0].match(/<bpmn:callActivity\s[^>]*>/)![0];
      const loop = m[0].match(/<bpmn:multiInstanceLoopCharacteristics\s[^>]*>/)?.[0];
      const inputs = [...m[0].matchAll(/<camunda:in\s[^>]*>/g)].map((x) => ({ source: attr(x[0], 'source') ?? '', target: attr(x[0], 'target') ?? '' })).filter((x) => x.target);
      called.push([attr(proc, 'id')!, attr(open, 'calledElement')!, callsPerJointDepartment({ inputs, loop: loop ? { collection: attr(loop, 'camunda:collection'), elementVariable: attr(loop, 'camunda:elementVariable') } : undefined })]);
    }
  }
  // a call activity brings the called process's steps (the city's part of a 上报件), as the server's pathInfo does;
  // one called per joint department (联办件: department-review) marks its steps at the item's department
  for (const [caller, callee, perDepartment] of called) {
    out.get(caller)!.steps.push(...(out.get(callee)?.steps ?? []).map((s) => (perDepartment && s.window === 'item-department' ? { ...s, perJointDepartment: true } : s)));
  }
  return out;
}

describe('catalogue rules: the shipped catalogue', () => {
  it('every shipped item agrees with its limits and path', async () => {
    const paths = await shippedPaths();
    const items = JSON.parse(readFileSync(path.join(ROOT, 'processes', 'catalogue', 'items.json'), 'utf8'));
    expect(items.length).toBeGreaterThan(20);
    const broken = items.map((it: any) => ({ code: it.code, v: checkItemRules(it, paths.get(it.procedure) ?? null) })).filter((x: any) => x.v.length);
    expect(broken).toEqual([]);
    const gt2 = items.find((i: any) => i.code === 'GT-002');
    expect(gt2).toMatchObject({ defaultCategory: 'joint', procedure: 'joint-approval-item', orgLevel: 'town' });
    expect(gt2.jointDepartments.length).toBeGreaterThanOrEqual(2);
  });

  it('the old GT-002 (即办件, 15 working days, the 补办件 path with 部门审查) is refused on load', async () => {
    const paths = await shippedPaths();
    const old = { code: 'GT-002', name: '农村村民住宅用地（宅基地）审批', orgLevel: 'town', defaultCategory: 'immediate', procedure: 'supplement-item', statutoryLimitDays: 20, promisedLimitDays: 15 };
    const v = checkItemRules(old, paths.get('supplement-item')!);
    expect(v.map((x) => `${x.field}:${x.rule}`)).toEqual(['promisedLimitDays:immediate-within-one-day', 'procedure:immediate-window-only']);
    expect(v[1].message).toContain('部门审查');
  });
});

describe('catalogue rules and versions over HTTP', () => {
  let server: RunningProcess;
  let designer: ApiClient;
  let clerk: ApiClient;
  let admin: ApiClient;
  let base: any;
  const dbName = uniqueDbName('catalogue');

  beforeAll(async () => {
    server = await startServer(dbName);
    [designer, clerk, admin] = await Promise.all([ApiClient.login(server.url, 'designer'), ApiClient.login(server.url, 'clerk'), ApiClient.login(server.url, 'admin')]);
    base = (await designer.get('/api/items/JS-003')).body;
  }, 120_000);
  afterAll(async () => {
    await server?.kill();
  });

  const editable = (it: any) => {
    const { code: _c, version: _v, updatedBy: _u, updatedAt: _a, ...rest } = it;
    if (!rest.conditions) delete rest.conditions;
    if (!rest.outcome) delete rest.outcome;
    return rest;
  };

  it('the seeded catalogue is loaded with GT-002 as 联办件 on the joint path, each item at version 1 by the platform', async () => {
    const gt2 = (await clerk.get('/api/items/GT-002')).body;
    expect(gt2).toMatchObject({ defaultCategory: 'joint', procedure: 'joint-approval-item', version: 1, updatedBy: 'system' });
    const v = (await clerk.get('/api/items/GT-002/versions')).body;
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ version: 1, savedBy: 'system', note: '平台预置目录' });
  });

  async function refused(code: string, body: any, field: string, rule: string, words: string) {
    const before = (await designer.get(`/api/items/${code}`)).body;
    const r = await designer.put(`/api/items/${code}`, body);
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.body.code).toBe('ITEM_RULE_VIOLATION');
    expect(r.body.details.field).toBe(field);
    expect(r.body.details.rule).toBe(rule);
    expect(r.body.details.violations.map((v: any) => v.rule)).toContain(rule);
    expect(r.body.detail).toContain(words);
    expect(r.body.detail).toMatch(/[\u4e00-\u9fff]/);
    const after = (await designer.get(`/api/items/${code}`)).body;
    expect(after.version).toBe(before.version); // nothing written
    return r.body;
  }

  it('即办件 promising more than one working day is refused (promisedLimitDays, immediate-within-one-day)', async () => {
    const it = (await designer.get('/api/items/HJ-002')).body;
    const b = await refused('HJ-002', { ...editable(it), name: `${it.name}（含户口迁移及姓名变更联动办理）`, promisedLimitDays: 3 }, 'promisedLimitDays', 'immediate-within-one-day', '即办件须当场或一个工作日内办结');
    expect(b.detail).toContain('现为3个工作日');
  });

  it('即办件 on a path with review steps beyond the window is refused (procedure, immediate-window-only)', async () => {
    const it = (await designer.get('/api/items/HJ-004')).body;
    const b = await refused('HJ-004', { ...editable(it), name: LONG_NAME, procedure: 'supplement-item', promisedLimitDays: 1 }, 'procedure', 'immediate-window-only', '部门审查');
    expect(b.details.violations).toHaveLength(1);
  });

  it('上报件 without a city step is refused (procedure, report-up-city-step)', async () => {
    const it = (await designer.get('/api/items/SW-002')).body;
    await refused('SW-002', { ...editable(it), name: '高龄老人津贴申请（八十周岁以上户籍老年人长寿保健金）', procedure: 'supplement-item' }, 'procedure', 'report-up-city-step', '没有市级步骤');
  });

  it('上报件 at town level is refused (orgLevel, report-up-city-level)', async () => {
    const it = (await designer.get('/api/items/SW-002')).body;
    await refused('SW-002', { ...editable(it), orgLevel: 'town' }, 'orgLevel', 'report-up-city-level', '审批层级须为“市级”');
  });

  it('联办件 with fewer than two departments is refused (jointDepartments, joint-two-departments)', async () => {
    const it = (await designer.get('/api/items/CJ-001')).body;
    await refused('CJ-001', { ...editable(it), name: '建设工程规划许可证核发（规划、国土、农林水部门并联审批）', jointDepartments: ['village-construction'] }, 'jointDepartments', 'joint-two-departments', '联办部门现有1个');
  });

  it('联办件 on a path without parallel department approvals is refused (procedure, joint-parallel-steps)', async () => {
    const it = (await designer.get('/api/items/CJ-002')).body;
    await refused('CJ-002', { ...editable(it), procedure: 'report-up-item' }, 'procedure', 'joint-parallel-steps', '并联审批步骤');
  });

  it('a promised limit over the statutory limit is refused (promisedLimitDays, promised-within-statutory)', async () => {
    const it = (await designer.get('/api/items/JS-003')).body;
    await refused('JS-003', { ...editable(it), name: '独生子女父母光荣证（含遗失补领及户籍迁入换发）', promisedLimitDays: 25 }, 'promisedLimitDays', 'promised-within-statutory', '承诺时限（25个工作日）不得超过法定时限（20个工作日）');
  });

  it('承诺件 with a city step is refused (procedure, promised-no-city-step), and a path not deployed (procedure, path-deployed)', async () => {
    const it = (await designer.get('/api/items/JS-003')).body;
    await refused('JS-003', { ...editable(it), procedure: 'report-up-item' }, 'procedure', 'promised-no-city-step', '应定为上报件');
    await refused('JS-003', { ...editable(it), procedure: 'no-such-path' }, 'procedure', 'path-deployed', '尚未部署');
  });

  it('each save is a new version: who, when, the note and what changed; a stale base version is 409', async () => {
    const it = (await designer.get('/api/items/JS-003')).body;
    expect(it.version).toBe(1);
    const materials = [...it.materials, { code: 'M9', name: '夫妻双方所在单位或村（居）委会出具的独生子女情况证明', form: '原件', copies: 1, original: true, requirement: 'mandatory' }];
    const saved = await designer.put('/api/items/JS-003', { ...editable(it), promisedLimitDays: 3, materials, note: '压缩承诺时限，补充独生子女情况证明', baseVersion: 1 });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ version: 2, updatedBy: 'designer', promisedLimitDays: 3 });
    // the same body again changes nothing: no new version
    const same = await designer.put('/api/items/JS-003', { ...editable(saved.body) });
    expect(same.body.version).toBe(2);
    // a save from version 1 after version 2 exists
    const stale = await admin.put('/api/items/JS-003', { ...editable(it), statutoryLimitDays: 15, baseVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('ITEM_VERSION_CONFLICT');
    expect(stale.body.detail).toContain('已被他人修改');
    const v = (await clerk.get('/api/items/JS-003/versions')).body;
    expect(v.map((x: any) => x.version)).toEqual([2, 1]);
    expect(v[0]).toMatchObject({ savedBy: 'designer', savedByName: expect.any(String), note: '压缩承诺时限，补充独生子女情况证明' });
    expect(new Date(v[0].savedAt).getTime()).toBeGreaterThan(Date.now() - 120_000);
    const summaries = v[0].changes.map((c: any) => c.summary);
    expect(summaries).toEqual(expect.arrayContaining(['承诺时限：5 → 3个工作日', '申请材料：新增材料“夫妻双方所在单位或村（居）委会出具的独生子女情况证明”']));
    expect(v[0].changes.map((c: any) => c.field).sort()).toEqual(['materials', 'promisedLimitDays']);
    const one = (await clerk.get('/api/items/JS-003/versions/1')).body;
    expect(one.item.promisedLimitDays).toBe(5);
    expect((await clerk.get('/api/items/JS-003/versions/9')).status).toBe(404);
  });

  it("the catalogue's change log lists who changed what, for designers, admin and supervisors", async () => {
    const log = (await designer.get('/api/item-changes')).body;
    const mine = log.find((c: any) => c.code === 'JS-003' && c.version === 2);
    expect(mine).toMatchObject({ itemName: '独生子女父母光荣证', savedBy: 'designer', note: '压缩承诺时限，补充独生子女情况证明' });
    expect(mine.changes.map((c: any) => c.field).sort()).toEqual(['materials', 'promisedLimitDays']);
    expect(log[0].savedAt >= log[log.length - 1].savedAt).toBe(true); // newest first
    const supervisor = await ApiClient.login(server.url, 'supervisor');
    expect((await supervisor.get('/api/item-changes')).status).toBe(200);
    expect((await clerk.get('/api/item-changes')).status).toBe(403);
    expect((await designer.get('/api/item-changes?from=2026-01-01T00:00:00Z&to=2028-01-01T00:00:00Z')).status).toBe(400); // over 366 days
  });

  it('fees, conditions and legal basis (五公开) are edited as a version, and the public guide shows the new ones', async () => {
    const it = (await designer.get('/api/items/HJ-001')).body;
    const fee = { name: '居民身份证工本费（丢失补领、损坏换领）', amountFen: 4000, basis: '《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）' };
    const r = await designer.put('/api/items/HJ-001', {
      ...editable(it),
      fees: { free: false, items: [...it.fees.items, fee] },
      conditions: `${it.conditions ?? ''}丢失补领的，须先行挂失。`,
      legalBasis: [...it.legalBasis, '《居民身份证领取、发放和证件管理工作规范》'],
      note: '补充补领收费与挂失要求',
    });
    expect(r.status).toBe(200);
    const v = (await designer.get('/api/items/HJ-001/versions')).body[0];
    const byField = Object.fromEntries(v.changes.map((c: any) => [c.field, c.summary]));
    expect(Object.keys(byField).sort()).toEqual(['conditions', 'fees', 'legalBasis']);
    expect(byField.fees).toContain('居民身份证工本费（丢失补领、损坏换领） 40.00元');
    expect(byField.legalBasis).toBe('设定依据：新增“《居民身份证领取、发放和证件管理工作规范》”');
    const guide = (await new ApiClient(server.url).get('/api/public/items/HJ-001')).body;
    expect(guide.disclosures.fees.items.map((f: any) => f.amountFen)).toEqual([2000, 4000]);
    expect(guide.disclosures.procedure.conditions).toContain('须先行挂失');
  });

  it('clerks read the catalogue and its history but cannot edit', async () => {
    const it = (await clerk.get('/api/items/JS-003')).body;
    const r = await clerk.put('/api/items/JS-003', { ...editable(it), promisedLimitDays: 2 });
    expect(r.status).toBe(403);
    expect((await clerk.get('/api/items/JS-003')).body.version).toBe(it.version);
  });

  it('loading a catalogue with a contradiction (CATALOGUE_FILE=… npm run seed) is refused with the item, field and rule, nothing loaded', async () => {
    const shipped = JSON.parse(readFileSync(path.join(ROOT, 'processes', 'catalogue', 'items.json'), 'utf8'));
    const bad = shipped.map((i: any) => (i.code === 'GT-002' ? { ...i, code: 'GT-092', defaultCategory: 'immediate', procedure: 'supplement-item', jointDepartments: [] } : i));
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'catalogue-')), 'items.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = await runSeed(dbName, { CATALOGUE_FILE: file });
    expect(r.code).toBe(1);
    expect(r.out).toContain('目录载入被拒绝');
    expect(r.out).toContain('GT-092');
    expect(r.out).toContain('即办件须当场或一个工作日内办结');
    expect((await clerk.get('/api/items/GT-092')).status).toBe(404);
  }, 120_000);

  it('an existing database with the old GT-002 (seeded, never edited) follows the shipped catalogue on npm run seed, as a new version by the platform', async () => {
    const mongo = await MongoClient.connect(dbUri(dbName));
    try {
      const col = mongo.db(dbName).collection('service_items');
      await col.updateOne({ _id: 'GT-002' as any }, { $set: { defaultCategory: 'immediate', procedure: 'supplement-item', jointDepartments: [] }, $unset: { version: '', updatedBy: '' } });
      await mongo.db(dbName).collection('service_item_versions').deleteMany({ code: 'GT-002' });
      // a designer's item is never replaced by the shipped file
      const hj = (await designer.get('/api/items/HJ-004')).body;
      expect((await designer.put('/api/items/HJ-004', { ...editable(hj), name: '分户、立户（含父母投靠子女随迁入户的分立户籍登记）' })).status).toBe(200);
      const r = await runSeed(dbName);
      expect(r.code).toBe(0);
      const gt2 = (await clerk.get('/api/items/GT-002')).body;
      expect(gt2).toMatchObject({ defaultCategory: 'joint', procedure: 'joint-approval-item', version: 2, updatedBy: 'system' });
      const v = (await clerk.get('/api/items/GT-002/versions')).body;
      expect(v[0]).toMatchObject({ version: 2, savedBy: 'system', note: '随平台目录更新（目录规则校正）' });
      expect(v[0].changes.map((c: any) => c.summary)).toEqual(expect.arrayContaining(['办件类型：即办件 → 联办件']));
      expect((await clerk.get('/api/items/HJ-004')).body).toMatchObject({ name: '分户、立户（含父母投靠子女随迁入户的分立户籍登记）', updatedBy: 'designer' });
    } finally {
      await mongo.close();
    }
  }, 120_000);
});
