/**
 * Decisions (决策表, DMN decision tables) deployed next to diagrams over real HTTP: the seed deploys
 * the HJ-001 居民身份证 fee table (收费标准) from processes/decisions; a designer deploys a new
 * version with its change note; hostile or unsupported DMN (an entity bomb, an external entity, a
 * FEEL `for` loop in an output entry, an unknown hit policy) is refused with 422
 * application/problem+json naming the decision, rule and column, and writes nothing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiClient } from '../helpers/api';
import { useServer } from '../helpers/suite';

const FEE_DMN = readFileSync(path.join(__dirname, '../../processes/decisions/hj-001-id-card-fee.dmn'), 'utf8');
const deployDmn = (c: ApiClient, xml: string, note = '测试部署') => c.post('/api/decisions', xml, { 'content-type': 'application/xml', 'x-change-note': encodeURIComponent(note) });

describe('decisions (决策表) are deployed next to diagrams, with versions', () => {
  const server = useServer('decisions');
  let designer: ApiClient;
  let clerk: ApiClient;

  beforeAll(async () => {
    designer = await server.as('designer');
    clerk = await server.as('clerk');
  });

  it('lists the seeded fee table, deploys a new version with its change note, serves the XML', async () => {
    const list = await clerk.get('/api/decisions');
    expect(list.status).toBe(200);
    expect(list.body.find((d: any) => d.key === 'hj001Fee')).toMatchObject({ latestVersion: 1, name: '居民身份证工本费（HJ-001 收费标准）' });

    expect((await deployDmn(clerk, FEE_DMN)).status).toBe(403);
    const noNote = await designer.post('/api/decisions', FEE_DMN, { 'content-type': 'application/xml' });
    expect(noNote.status).toBe(400);
    expect(noNote.body.code).toBe('CHANGE_NOTE_REQUIRED');

    const v2 = await deployDmn(designer, FEE_DMN.replace('<text>1000</text>', '<text>1000 + 0</text>'), '临时身份证工本费写成表达式');
    expect(v2.status).toBe(201);
    expect(v2.body).toEqual([expect.objectContaining({ key: 'hj001Fee', version: 2, hitPolicy: 'UNIQUE', changeNote: '临时身份证工本费写成表达式', deployedBy: 'designer' })]);
    const v3 = await designer.post('/api/decisions', { xml: FEE_DMN, note: '恢复原表' });
    expect(v3.status).toBe(201);

    const entry = await clerk.get('/api/decisions/hj001Fee');
    expect(entry.status).toBe(200);
    expect(entry.body.versions.map((v: any) => v.version)).toEqual([3, 2, 1]);
    expect(entry.body.versions[2].changeNote).toBe('平台预置的决策表（首次启动）');
    const xml = await clerk.get('/api/decisions/hj001Fee/xml');
    expect(xml.status).toBe(200);
    expect(xml.contentType).toMatch(/application\/xml/);
    expect(xml.body).toBe(FEE_DMN);
    const missing = await clerk.get('/api/decisions/nope');
    expect(missing.status).toBe(404);
    expect(missing.contentType).toMatch(/problem\+json/);
  });

  it('refuses hostile and unsupported DMN with 422 problem+json naming decision, rule and column, and writes nothing', async () => {
    const before = (await clerk.get('/api/decisions/hj001Fee')).body.latestVersion;
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>${FEE_DMN.replace(/^<\?xml[^>]*>/, '').replace('name="居民身份证工本费（HJ-001 收费标准）"', 'name="&lol2;"')}`;
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>${FEE_DMN.replace(/^<\?xml[^>]*>/, '').replace('<text>1000</text>', '<text>"&x;"</text>')}`;
    for (const xml of [bomb, xxe]) {
      const r = await deployDmn(designer, xml);
      expect(r.status).toBe(422);
      expect(r.contentType).toMatch(/application\/problem\+json/);
      expect(r.body.code).toBe('DMN_DOCTYPE_REFUSED');
    }
    const loop = await deployDmn(designer, FEE_DMN.replace('<text>2000</text>', '<text>sum(for i in 1..100000000 return i)</text>'));
    expect(loop.status).toBe(422);
    expect(loop.contentType).toMatch(/application\/problem\+json/);
    expect(loop.body.code).toBe('DMN_FEEL_INVALID');
    expect(loop.body.detail).toMatch(/decision "hj001Fee", rule "Rule_standard", output 1 \(feeFen\)/);
    const policy = await deployDmn(designer, FEE_DMN.replace('hitPolicy="UNIQUE"', 'hitPolicy="PRIORITY"'));
    expect(policy.status).toBe(422);
    expect(policy.body.code).toBe('DMN_HIT_POLICY_UNSUPPORTED');
    const unary = await deployDmn(designer, FEE_DMN.replace('<text>"补领"</text>', '<text>"补领</text>'));
    expect(unary.status).toBe(422);
    expect(unary.body.detail).toMatch(/rule "Rule_replace", input 1 \(申领类型\)/);
    const notXml = await deployDmn(designer, 'not xml at all');
    expect([400, 415]).toContain(notXml.status);
    expect(notXml.contentType).toMatch(/problem\+json/);
    expect((await clerk.get('/api/decisions/hj001Fee')).body.latestVersion).toBe(before);
  });
});
