/**
 * Issue 13's last defects and the public side of issue 15, each reproduced first with realistic
 * input, in Chromium (1366×768 and 390×844) against a real server, engine and database:
 * 欧阳小明 (0512-58881234) and 阿卜杜·热合曼 (13800138000), IDs ending in X, the report-up item
 * NL-004 人工繁育（驯养繁殖）“三有”保护野生动物许可申请 (the longest name) and GS-001, the joint CJ-001.
 *
 * 1. 承诺时限 against the path: GS-001 个体工商户登记（代办）promises 2 working days while its
 *    上报件 path's steps come to 10 (镇窗口受理 1 + 镇级初审 3 + 市中心审批 5 + 通知 1) — no rule said so.
 *    Now the catalogue warns (rule path-within-promise, in Chinese, naming the steps and the sum):
 *    the designer's GET and PUT of the item carry `ruleWarnings`, the editor shows them; the save
 *    is not refused (the path is shared by items promising 10 to 20 days); a clerk's read has none.
 * 2. 查询办件进度 of a 上报件 whose city approval asks a city department first (a call activity
 *    within a call activity): the steps done left out everything the city did, and the current
 *    step of the department's process (two calls down) was not shown at all. Now the whole path,
 *    in order — town, city department, city, town — each with its office, no staff names, no
 *    opinions, no ids; the applicant's name masked.
 * 3. 办事指南 of the 联办件 CJ-001: the departments' reviews (the called department-review, once per
 *    joint department in parallel) were one stage, 各部门并联审查; now the step list and the chart
 *    show the three departments side by side, each with its review and limit. The 上报件's call shows
 *    the city's step under it.
 * 4. 流程设计 list: the process name first, its key (流程标识) secondary under it.
 * 5. The deploy diff: clearing a name read "名称：初审结论 → 0", a cleared step limit "… → 0",
 *    and an added flow name came reversed ("受理后初审 → —"); now （空） on the empty side.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ApiClient, fixture, waitFor } from '../helpers/api';
import { signIn } from '../helpers/browser';
import { idEndingInX } from '../helpers/people';
import { ROOT } from '../helpers/server';
import { useBrowser, useServer } from '../helpers/suite';

// browser globals of the page.evaluate callbacks (they run in Chromium; the test project has no DOM lib)
declare const document: any;
declare const window: any;

const SHOTS = path.join(ROOT, '.test-data', 'screenshots');
const PHONE = { width: 390, height: 844 };
const PC = { width: 1366, height: 768 };

describe('issue 13 / 15: the promise against the path, the whole path in the lookup, joint reviews in the guide, the designer list and diff', () => {
  const server = useServer('pathprogress');
  const chromium = useBrowser(server);

  const pageAs = async (username: string | null, viewport: { width: number; height: number }): Promise<Page> => {
    const page = await chromium.page(viewport, { isolated: true });
    if (username) await signIn(page, username, { url: `${server.url}/#/login` });
    return page;
  };
  const scrollsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

  beforeAll(() => mkdirSync(SHOTS, { recursive: true }));

  it('1. GS-001 promises 2 working days, its path\'s steps come to 10: a warning in Chinese in the API and the editor, the save not refused', async () => {
    const designer = await server.as('designer');
    const gs = (await designer.get('/api/items/GS-001')).body;
    expect(gs.promisedLimitDays).toBe(2);
    expect(gs.ruleWarnings).toHaveLength(1);
    const w = gs.ruleWarnings[0];
    expect(w).toMatchObject({ field: 'promisedLimitDays', rule: 'path-within-promise' });
    expect(w.message).toContain('各环节时限合计10个工作日（镇窗口受理 1 + 镇级初审 3 + 市中心审批 5 + 镇窗口通知申请人办结结果 1）');
    expect(w.message).toContain('超过承诺时限2个工作日');
    expect(w.message).toMatch(/^办理路径“上报件办理流程（镇级初审、调用市中心审批）”（report-up-item）/);
    // items whose promise the path keeps: none (上报件 of 10 and 20 days, 联办件 of 20, a 即办件's same day, a 承诺件 with its 补正 wait)
    for (const code of ['SW-002', 'SW-001', 'CJ-001', 'JS-001', 'JS-003', 'CJ-003']) {
      expect([code, (await designer.get(`/api/items/${code}`)).body.ruleWarnings]).toEqual([code, []]);
    }
    // a clerk reads the item as before
    expect((await (await server.as('clerk')).get('/api/items/GS-001')).body.ruleWarnings).toBeUndefined();

    // a save is not refused for it, and says it again
    const { code: _c, version, ruleWarnings: _w, updatedAt: _u, updatedBy: _b, ...body } = gs;
    const saved = await designer.put('/api/items/GS-001', { ...body, promisedLimitDays: 3, note: '承诺时限按法定时限调整（测试）', baseVersion: version });
    expect(saved.status).toBe(200);
    expect(saved.body.promisedLimitDays).toBe(3);
    expect(saved.body.ruleWarnings.map((x: any) => x.rule)).toEqual(['path-within-promise']);
    expect(saved.body.ruleWarnings[0].message).toContain('超过承诺时限3个工作日');

    // the editor shows it beside the form
    for (const viewport of [PC]) {
      const page = await pageAs('designer', viewport);
      await page.goto(`${server.url}/#/designer/catalogue/GS-001`);
      const alert = page.getByTestId('rule-warnings');
      await alert.waitFor({ timeout: 20_000 });
      const text = await alert.innerText();
      expect(text).toContain('目录规则提示');
      expect(text).toContain('承诺时限');
      expect(text).toContain('各环节时限合计10个工作日');
      await expect(page.locator('[data-testid="rule-warning"][data-rule="path-within-promise"]').count()).resolves.toBe(1);
      await page.screenshot({ path: path.join(SHOTS, `path-promise-warning-${viewport.width}.png`), fullPage: true });
      // an item without a warning shows none
      await page.goto(`${server.url}/#/designer/catalogue/SW-001`);
      await page.getByTestId('item-editor').waitFor({ timeout: 20_000 });
      await page.getByTestId('item-version').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('rule-warnings').count()).toBe(0);
      await page.close();
    }
    expect(chromium.errors).toEqual([]);
  }, 180_000);

  it('2. the lookup of a 上报件 whose city asks a city department: the whole path in order, each step\'s office, no staff, no ids', async () => {
    const designer = await server.as('designer');
    expect((await designer.deployXml(fixture('nested-dept-opinion.bpmn'), '新增市级业务部门意见流程')).status).toBe(201);
    expect((await designer.deployXml(fixture('nested-city-approval.bpmn'), '市中心审批前先征求市级业务部门意见')).status).toBe(201);
    const clerk = await server.as('clerk');
    const item = (await clerk.get('/api/items/NL-004')).body;
    const idX = idEndingInX('19790214');
    const taken = await clerk.post('/api/intake', {
      itemCode: 'NL-004',
      applicant: { kind: 'person', name: '欧阳小明', idType: 'resident-id', idNumber: idX, phone: '0512-58881234', address: '信宜市丁堡镇中心街 8 号' },
      materials: item.materials.map((m: any) => ({ code: m.code, provided: true })),
    });
    expect(taken.status).toBe(201);
    const caseNo = taken.body.case.caseNo as string;
    const queryCode = taken.body.queryCode as string;
    const people = new Set<string>();
    const opinions = ['材料齐全，同意上报', '市林业部门同意繁育场所选址', '同意许可，准予繁育', '已电话通知申请人领证'];

    /** Completes the open step `elementId` of instance `instanceId` as whoever holds it (claimed first when it waits). */
    const complete = async (instanceId: string, elementId: string, opinion: string) => {
      const step = await waitFor(async () => ((await clerk.get(`/api/cases/${instanceId}`)).body.openTasks as any[] | undefined)?.find((t) => t.elementId === elementId), elementId, 30_000);
      const who = await server.as(step.assignee ?? 'clerk');
      if (!step.assignee) expect((await who.post(`/api/tasks/${step.id}/claim`, {})).status).toBe(200);
      const done = await who.post(`/api/tasks/${step.id}/complete`, { decision: 'approve', opinion, variables: {} });
      expect([elementId, done.status]).toEqual([elementId, 200]);
      const completedBy = (await clerk.get(`/api/cases/${instanceId}`)).body.tasks?.find((t: any) => t.id === step.id)?.completedBy;
      if (completedBy) people.add(completedBy);
    };
    const rootId = (await clerk.get(`/api/service-cases/${caseNo}`)).body.instanceId as string;
    await complete(rootId, 'town-accept', opinions[0]);
    await complete(rootId, 'town-review', opinions[0]);
    const cityId = await waitFor(async () => (await clerk.get(`/api/cases/${rootId}`)).body.calledCases?.[0]?.instanceId as string | undefined, 'the city process', 30_000);
    const deptId = await waitFor(async () => (await clerk.get(`/api/cases/${cityId}`)).body.calledCases?.[0]?.instanceId as string | undefined, 'the department process', 30_000);
    await waitFor(async () => ((await clerk.get(`/api/cases/${deptId}`)).body.openTasks as any[]).find((t) => t.elementId === 'dept-opinion'), 'the department step', 30_000);

    // two calls down, the department's step is where the case stands
    const anonymous = new ApiClient(server.url);
    const atDept = (await anonymous.post('/api/public/case-lookup', { caseNo, phone: '0512-58881234' })).body;
    expect(atDept.currentSteps.map((s: any) => [s.name, s.office, s.level])).toEqual([['市级部门出具意见', '信宜市行政服务中心', 'city']]);
    expect(atDept.stepsDone.map((s: any) => s.name)).toEqual(['镇窗口受理', '镇级初审']);

    await complete(deptId, 'dept-opinion', opinions[1]);
    await complete(cityId, 'city-approval', opinions[2]);
    await complete(rootId, 'town-notify-result', opinions[3]);
    await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.status === 'completed', 'the case completed', 30_000);

    const res = await anonymous.post('/api/public/case-lookup', { caseNo, queryCode });
    expect(res.status).toBe(200);
    const view = res.body;
    const town = (await anonymous.get('/api/public/towns')).body.find((u: any) => u.code === caseNo.slice(0, 2));
    // the whole path, in the order it was done: the town's, the city department's, the city's, the town's
    expect(view.stepsDone.map((s: any) => [s.name, s.office, s.level, s.decision])).toEqual([
      ['镇窗口受理', town.name, 'town', 'approve'],
      ['镇级初审', town.name, 'town', 'approve'],
      ['市级部门出具意见', '信宜市行政服务中心', 'city', 'approve'],
      ['市中心审批', '信宜市行政服务中心', 'city', 'approve'],
      ['镇窗口通知申请人办结结果', town.name, 'town', 'approve'],
    ]);
    const times = view.stepsDone.map((s: any) => new Date(s.completedAt).getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(view.currentSteps).toEqual([]);
    // public wording only: the name masked, no staff, no opinions, no ids, no ID or phone number
    expect(view.applicantName).toBe('欧阳**');
    const text = JSON.stringify(view);
    for (const secret of [...people, ...opinions, rootId, cityId, deptId, 'town-review', 'city-approval', 'dept-opinion', idX, '58881234', '欧阳小明']) expect([secret, text.includes(secret)]).toEqual([secret, false]);
    for (const s of view.stepsDone) expect(Object.keys(s).sort()).toEqual(['completedAt', 'decision', 'level', 'name', 'office', 'since']);

    for (const viewport of [PHONE, PC]) {
      const page = await pageAs(null, viewport);
      await page.goto(`${server.url}/#/public/lookup`);
      await page.getByTestId('lookup-caseno').fill(caseNo);
      await page.getByTestId('lookup-code').fill(queryCode);
      await page.getByTestId('lookup-submit').click();
      await page.getByTestId('lookup-result').waitFor({ timeout: 20_000 });
      const done = await page.getByTestId('lookup-step-done').allInnerTexts();
      expect(done.map((d) => d.split(' · ')[0])).toEqual(['镇窗口受理', '镇级初审', '市级部门出具意见', '市中心审批', '镇窗口通知申请人办结结果']);
      expect(done[3]).toContain('信宜市行政服务中心');
      expect(done[3]).toContain('通过');
      expect(await page.locator('[data-testid="lookup-step-done"][data-level="city"]').count()).toBe(2);
      expect(await scrollsSideways(page)).toBe(false);
      await page.screenshot({ path: path.join(SHOTS, `lookup-whole-path-${viewport.width}.png`), fullPage: true });
      await page.close();
    }
    expect(chromium.errors).toEqual([]);
  }, 240_000);

  it('3. the guide of the 联办件 CJ-001 shows its three departments reviewing side by side; the 上报件\'s call shows the city\'s step', async () => {
    const anonymous = new ApiClient(server.url);
    const guide = (await anonymous.get('/api/public/items/CJ-001')).body;
    const reviews = guide.disclosures.procedure.steps.filter((s: any) => s.calledBy === 'dept-reviews');
    expect(reviews.map((s: any) => [s.name, s.perJointDepartment, s.timeLimit])).toEqual([['部门审查', true, 'P5D']]);
    expect(guide.disclosures.procedure.jointDepartments).toEqual(['village-construction', 'land', 'agri-forestry-water']);

    for (const viewport of [PHONE, PC]) {
      const page = await pageAs(null, viewport);
      await page.goto(`${server.url}/#/public/items/CJ-001`);
      await page.getByTestId('guide-diagram').waitFor({ timeout: 20_000 });
      const stages = page.getByTestId('procedure-stage');
      await expect(stages.count()).resolves.toBe(3);
      const joint = stages.nth(1);
      expect(await joint.getByTestId('procedure-step-name').first().innerText()).toBe('各部门并联审查');
      await expect(joint.getByTestId('procedure-joint').innerText()).resolves.toContain('以下部门同时审查（并联审批）');
      const depts = joint.getByTestId('procedure-joint-department');
      await expect(depts.count()).resolves.toBe(3);
      await expect(joint.getByTestId('procedure-joint-department-name').allInnerTexts()).resolves.toEqual(['村镇建设', '国土', '农林水']);
      for (const d of await depts.allInnerTexts()) expect(d).toMatch(/部门审查[\s\S]*5 个工作日/);
      // the refusal stays the stage's alternative
      expect(await joint.innerText()).toContain('告知申请人不予许可');
      // the chart: the call's name over the three departments side by side
      const chart = page.locator('[data-testid="guide-diagram"] [data-testid="flow-joint"]');
      await expect(chart.locator('.flow-parallel-label').innerText()).resolves.toBe('各部门并联审查');
      await expect(chart.getByTestId('flow-node').allInnerTexts()).resolves.toEqual(['村镇建设：部门审查', '国土：部门审查', '农林水：部门审查']);
      expect(await scrollsSideways(page)).toBe(false);
      await page.screenshot({ path: path.join(SHOTS, `guide-joint-departments-${viewport.width}.png`), fullPage: true });

      // a 上报件: the city's step under the town's call
      await page.goto(`${server.url}/#/public/items/SW-001`);
      await page.getByTestId('guide-diagram').waitFor({ timeout: 20_000 });
      const called = page.getByTestId('procedure-called-step');
      await called.first().waitFor({ timeout: 10_000 });
      const calledText = (await called.allInnerTexts()).join(' ');
      expect(calledText).toContain('市中心审批');
      expect(await page.getByTestId('procedure-joint').count()).toBe(0);
      await page.close();
    }
    expect(chromium.errors).toEqual([]);
  }, 180_000);

  it('4–5. the designer list names each process with its key under it; the deploy diff says （空）for a cleared name or limit, and an added name the right way round', async () => {
    const designer = await server.as('designer');
    const v1 = (await designer.get('/api/definitions/supplement-item/versions/1/xml')).body as string;
    const gateway = v1.match(/<bpmn:exclusiveGateway id="([^"]+)" name="([^"]+)"/);
    expect(gateway).toBeTruthy();
    const [, gatewayId, gatewayName] = gateway!;
    const task = v1.match(/<bpmn:userTask id="([^"]+)" name="([^"]+)"[^>]*svc:timeLimit="([^"]+)"/);
    const [, taskId, , taskLimit] = task!;
    const flow = v1.match(/<bpmn:sequenceFlow id="([^"]+)" sourceRef=/);
    const [, flowId] = flow!;
    const v2 = v1
      .replace(`<bpmn:exclusiveGateway id="${gatewayId}" name="${gatewayName}"`, `<bpmn:exclusiveGateway id="${gatewayId}"`)
      .replace(new RegExp(`(<bpmn:userTask id="${taskId}"[^>]*?) svc:timeLimit="[^"]+"`), '$1')
      .replace(`<bpmn:sequenceFlow id="${flowId}" sourceRef=`, `<bpmn:sequenceFlow id="${flowId}" name="受理后审查" sourceRef=`);
    expect(v2).not.toBe(v1);
    const deployed = await designer.deployXml(v2, '清空网关名称和环节时限，给连线命名（测试差异显示）');
    expect(deployed.status).toBe(201);
    const version = deployed.body.version as number;

    const page = await pageAs('designer', PC);
    // 4. the list: the name first, the key secondary
    await page.goto(`${server.url}/#/designer`);
    const row = page.locator('[data-testid="definition-row"][data-key="report-up-item"]');
    await row.waitFor({ timeout: 20_000 });
    await expect(row.getByTestId('definition-name').innerText()).resolves.toBe('上报件办理流程（镇级初审、调用市中心审批）');
    await expect(row.getByTestId('definition-key').innerText()).resolves.toBe('流程标识：report-up-item');
    const firstCell = await row.locator('td').first().innerText();
    expect(firstCell.startsWith('上报件办理流程')).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'designer-list-names-1366.png') });

    // 5. the diff of the new version against the one before
    await page.goto(`${server.url}/#/designer/modeler/supplement-item/${version}`);
    await page.locator(`.djs-shape[data-element-id="${taskId}"]`).waitFor({ timeout: 20_000 });
    await page.getByTestId('diff-toggle').click();
    await page.getByTestId('diff-between').waitFor({ timeout: 15_000 });
    const attrOf = async (id: string) => page.locator(`[data-testid="diff-entry"][data-element-id="${id}"]`).getByTestId('diff-attr').allInnerTexts();
    await page.locator(`[data-testid="diff-entry"][data-element-id="${gatewayId}"]`).waitFor({ timeout: 10_000 });
    expect(await attrOf(gatewayId)).toEqual([`名称：${gatewayName} → （空）`]);
    expect(await attrOf(taskId)).toEqual([`承诺时限：${taskLimit} → （空）`]);
    expect(await attrOf(flowId)).toEqual(['名称：（空） → 受理后审查']);
    const panel = await page.getByTestId('diff-panel').innerText();
    expect(panel).not.toMatch(/→ 0\b|→ —/);
    // the cleared gateway is still named in the list by the name it had
    await expect(page.locator(`[data-testid="diff-entry"][data-element-id="${gatewayId}"]`).innerText()).resolves.toContain(gatewayName);
    await page.screenshot({ path: path.join(SHOTS, 'designer-diff-empty-1366.png') });
    await page.close();
    expect(chromium.errors).toEqual([]);
  }, 180_000);
});
