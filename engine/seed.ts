/**
 * Demo and reference data (演示数据): demo logins, the org model of the city and its 19 towns,
 * the service catalogue, the decision tables of `processes/decisions` (决策表, e.g. the HJ-001 fee
 * table) and the path-pattern diagrams of `processes/diagrams`. Runs on the
 * first start of an empty database and by `npm run seed`; idempotent (everything is created
 * by insert and left alone when it exists). The shipped decisions and diagrams are also checked on
 * every start of an existing database (`seedShipped`): an older shipped version is upgraded by a new
 * version of the shipped content (系统升级), a designer's version is left alone.
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

/** Seeds everything; returns counts. Shipped decisions and diagrams as `seedShipped` (first versions, upgrades of older shipped ones). */
export async function seedAll(platform: Platform, demoPassword: string, logger: Logger, opts: { catalogueFile?: string } = {}) {
  const passwordHash = await bcrypt.hash(demoPassword, 10);
  const users = await seedDemoUsers(platform.models, demoPassword, passwordHash);
  const org = await platform.org.seed(passwordHash);
  const catalogue = await platform.catalogue.seed(loadItemCatalogue(opts.catalogueFile));
  const { decisions, diagrams, upgraded, keptDesigned } = await seedShipped(platform, logger);
  const forms = await platform.forms.seed(path.join(PROJECT_ROOT, 'processes', 'forms'));
  return { users, org, catalogue, decisions, diagrams, upgraded, keptDesigned, forms };
}

/** Who deploys what the platform ships (平台预置): the seed and the upgrade at start. */
const SYSTEM_DEPLOYER = { username: 'system', groups: [], roles: ['designer'] };
/** The change note of a shipped diagram or decision deployed over an older shipped version (系统升级). */
const UPGRADE_NOTE = (prev: number) => `系统升级：平台预置的内容随新版本更新（第 ${prev} 版为旧的预置内容）；运行中的办件仍按原版本办理`;

/** What the seed or the upgrade did with the shipped decisions (`processes/decisions`) and diagrams (`processes/diagrams`). */
export interface ShippedSeedResult {
  /** Decision versions deployed (first or upgraded). */
  decisions: number;
  /** Diagram keys deployed for the first time. */
  diagrams: number;
  /** Keys (diagrams and decisions) whose shipped content was deployed as a new version over an older shipped one. */
  upgraded: string[];
  /** Keys whose shipped content changed but whose latest version a designer deployed: left as the designer made it. */
  keptDesigned: string[];
}

/**
 * The shipped decision tables and diagrams (平台预置), on an empty database and on every start of an
 * existing one (`api/main.ts`, `npm run seed`): a key with no version gets the shipped one; a key whose
 * versions hold no version with the shipped content (by SHA-256 of the file) and whose latest version
 * was deployed by the platform itself (an older shipped one) gets the shipped content as its next
 * version, with the change note 系统升级 in its deploy record — running instances keep the version
 * they started on (a version is immutable, an instance names its own). A latest version a designer
 * deployed is never replaced: it is the centre's choice (logged, and listed in `keptDesigned`).
 * Decisions go first (a business rule task's decision must exist when its diagram deploys); a diagram
 * refused because another shipped one it calls is not deployed yet is tried once more after the rest.
 * Idempotent. Two processes starting at once may both deploy an upgrade (two identical versions).
 */
export async function seedShipped(platform: Platform, logger: Logger): Promise<ShippedSeedResult> {
  const { Decision, Definition } = platform.models;
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const out: ShippedSeedResult = { decisions: 0, diagrams: 0, upgraded: [], keptDesigned: [] };
  /** What to do with shipped content of `key`: deploy first, upgrade over version n, or nothing. */
  const plan = async (model: typeof Decision | typeof Definition, key: string, hash: string): Promise<{ note: string; upgradeOf?: number } | undefined> => {
    const latest: any = await (model as any).findOne({ key }, { version: 1, deployedBy: 1 }).sort({ version: -1 }).lean();
    if (!latest) return { note: '' };
    if (await (model as any).exists({ key, sha256: hash })) return undefined;
    if (latest.deployedBy !== SYSTEM_DEPLOYER.username) {
      out.keptDesigned.push(key);
      logger.warn({ key, version: latest.version, deployedBy: latest.deployedBy }, 'a shipped definition changed, but its latest version was deployed by a designer: left as it is');
      return undefined;
    }
    return { note: UPGRADE_NOTE(latest.version), upgradeOf: latest.version };
  };

  const dmnDir = path.join(PROJECT_ROOT, 'processes', 'decisions');
  for (const f of existsSync(dmnDir) ? readdirSync(dmnDir).filter((n) => n.endsWith('.dmn')).sort() : []) {
    const xml = readFileSync(path.join(dmnDir, f), 'utf8');
    const hash = sha(xml);
    // a DMN file may hold several decisions: each is a key of its own; the file's hash is stored with each
    const keys = [...xml.matchAll(/<(?:[\w-]+:)?decision\b[^>]*\bid="([^"]+)"/g)].map((m) => m[1]!);
    const plans = await Promise.all((keys.length ? keys : [f]).map((k) => plan(Decision, k, hash)));
    const todo = plans.filter((p): p is { note: string; upgradeOf?: number } => !!p);
    // the file is deployed whole: not over a decision of it a designer changed since
    if (!todo.length || keys.some((k) => out.keptDesigned.includes(k))) continue;
    const upgrade = todo.find((p) => p.upgradeOf !== undefined);
    try {
      out.decisions += (await platform.decisions.deploy(xml, SYSTEM_DEPLOYER, upgrade ? upgrade.note : '平台预置的决策表（首次启动）')).length;
      if (upgrade) out.upgraded.push(...keys);
    } catch (err) {
      logger.error({ file: f, err: (err as Error).message }, 'seed decision refused');
    }
  }

  const dir = path.join(PROJECT_ROOT, 'processes', 'diagrams');
  const later: { f: string; xml: string; note: string; upgrade: boolean }[] = [];
  const deployDiagram = async (f: string, xml: string, note: string, upgrade: boolean, last: boolean) => {
    const key = f.replace(/\.bpmn$/, '');
    try {
      const d = await platform.processService.deploy(xml, SYSTEM_DEPLOYER, note);
      if (upgrade) {
        out.upgraded.push(key);
        logger.info({ key, version: d.version }, 'shipped diagram upgraded (系统升级): deployed as a new version; running cases keep theirs');
      } else out.diagrams++;
    } catch (err) {
      if (!last) later.push({ f, xml, note, upgrade });
      else logger.error({ file: f, err: (err as Error).message }, 'seed diagram refused');
    }
  };
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.bpmn')).sort()) {
    const key = f.replace(/\.bpmn$/, '');
    const xml = readFileSync(path.join(dir, f), 'utf8');
    const p = await plan(Definition, key, sha(xml));
    if (!p) continue;
    await deployDiagram(f, xml, p.upgradeOf !== undefined ? p.note : '平台预置的路径模式（首次启动）', p.upgradeOf !== undefined, false);
  }
  // refused once (a called process of another shipped file not deployed yet): once more, now that the others are
  for (const l of later.splice(0)) await deployDiagram(l.f, l.xml, l.note, l.upgrade, true);
  return out;
}
