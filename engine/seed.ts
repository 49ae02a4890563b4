/**
 * Demo and reference data (演示数据): demo logins, the org model of the city and its 19 towns,
 * the service catalogue, the decision tables of `processes/decisions` (决策表, e.g. the HJ-001 fee
 * table) and the path-pattern diagrams of `processes/diagrams`. Runs on the
 * first start of an empty database and by `npm run seed`; idempotent (everything is created
 * by insert and left alone when it exists).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import type { Logger } from './domain/types';
import { loadItemCatalogue } from './catalogue/catalogue-service';
import type { Platform } from './platform';
import type { Models } from './persistence/models';
import { PROJECT_ROOT } from './runtime/moddle';

/** Demo users (演示账号) with people's names (姓名, shown wherever a person is); the README lists them. Window clerks are attached to their windows by the org seed. */
export const DEMO_USERS = [
  { _id: 'admin', displayName: '系统管理员（市政管办）', roles: ['admin'], groups: [], orgUnit: 'city' },
  { _id: 'designer', displayName: '张敏', roles: ['designer'], groups: [], orgUnit: 'city' },
  { _id: 'clerk', displayName: '王晓燕', roles: ['clerk'], groups: ['town-window'], orgUnit: 'dingbao' },
  { _id: 'clerkb', displayName: '买买提·艾力', roles: ['clerk'], groups: ['town-window'], orgUnit: 'dingbao' },
  { _id: 'cityclerk', displayName: '陈志强', roles: ['clerk'], groups: ['city-approval'], orgUnit: 'city' },
  { _id: 'deptclerk', displayName: '黄丽娟', roles: ['clerk'], groups: ['dept-land', 'dept-planning', 'dept-environment'], orgUnit: 'dingbao' },
  { _id: 'supervisor', displayName: '林建华', roles: ['supervisor'], groups: [], orgUnit: 'city' },
  { _id: 'manager', displayName: '欧阳卫东', roles: ['manager', 'clerk'], groups: [], orgUnit: 'dingbao' },
];

export async function seedDemoUsers(models: Models, password: string, passwordHash?: string): Promise<number> {
  const hash = passwordHash ?? (await bcrypt.hash(password, 10));
  let n = 0;
  for (const u of DEMO_USERS) {
    try {
      await models.User.create({ ...u, passwordHash: hash, duty: { status: 'present' } });
      n++;
    } catch {
      /* exists already (or another process seeded it first) */
    }
  }
  return n;
}

/** Seeds everything; returns counts. Diagrams are deployed only for keys that have no version. */
export async function seedAll(platform: Platform, demoPassword: string, logger: Logger, opts: { catalogueFile?: string } = {}) {
  const passwordHash = await bcrypt.hash(demoPassword, 10);
  const users = await seedDemoUsers(platform.models, demoPassword, passwordHash);
  const org = await platform.org.seed(passwordHash);
  const catalogue = await platform.catalogue.seed(loadItemCatalogue(opts.catalogueFile));
  // decisions before diagrams: a business rule task's decision must exist when its diagram deploys
  let decisions = 0;
  const dmnDir = path.join(PROJECT_ROOT, 'processes', 'decisions');
  for (const f of existsSync(dmnDir) ? readdirSync(dmnDir).filter((n) => n.endsWith('.dmn')).sort() : []) {
    const xml = readFileSync(path.join(dmnDir, f), 'utf8');
    if (await platform.models.Decision.exists({ sha256: createHash('sha256').update(xml).digest('hex') })) continue;
    try {
      decisions += (await platform.decisions.deploy(xml, { username: 'system', groups: [], roles: ['designer'] }, '平台预置的决策表（首次启动）')).length;
    } catch (err) {
      logger.error({ file: f, err: (err as Error).message }, 'seed decision refused');
    }
  }
  let diagrams = 0;
  const dir = path.join(PROJECT_ROOT, 'processes', 'diagrams');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.bpmn')).sort()) {
    const key = f.replace(/\.bpmn$/, '');
    if (await platform.models.Definition.exists({ key })) continue;
    try {
      await platform.processService.deploy(readFileSync(path.join(dir, f), 'utf8'), { username: 'system', groups: [], roles: ['designer'] }, '平台预置的路径模式（首次启动）');
      diagrams++;
    } catch (err) {
      logger.error({ file: f, err: (err as Error).message }, 'seed diagram refused');
    }
  }
  const forms = await platform.forms.seed(path.join(PROJECT_ROOT, 'processes', 'forms'));
  return { users, org, catalogue, decisions, diagrams, forms };
}
