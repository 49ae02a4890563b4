/**
 * The guard that enforces the access table (api/http/access-table.ts) before any handler runs,
 * and the check that the table, the OpenAPI document and the Express routes agree.
 *
 * Each rule names
 *   - `who`: `public` (no login), `anyone` logged in, or the roles that may call it (admin always passes);
 *   - `unit`: how the record's org unit is checked —
 *       `none`       no record of an org unit (catalogue, calendar, definitions, the caller's own data);
 *       `case`       the service case `{no}`: its org unit or an org unit it was handed to (involvedOrgUnits);
 *       `instance`   the process instance `{id}`: its service case as above, else the starter's org unit and
 *                    the org units of its steps;
 *       `task`       the task `{id}`: the people it names (holder, candidate users, copied, who completed it),
 *                    its window, and the org units of its case — a candidate group counts only inside that
 *                    org unit, so the shared group `town-window` never reaches another town; a `city-*`
 *                    group is the city office's over the towns' steps routed up to it;
 *       `escalation` the escalation `{id}`: its org unit;
 *       `unit`       the org unit `{id}` in the path: the caller's own (the handler checks; 403);
 *       `list`       a list the handler narrows to the caller's org unit (or to what names the caller);
 *       `handler`    checked inside the use case against the record (named in `note`).
 * Supervisors and admins see across org units (DESIGN.md §6); a foreign record answers 404 with
 * nothing of the record in the body, the same answer as a record that does not exist.
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { ForbiddenError, NotFoundError, reachesTask, seesAcross, type ProcessService, type RecordAccess, type ScopeActor } from '../../engine';
import { ACCESS, type AccessRule } from './access-table';

export { ACCESS, type AccessRule, type UnitCheck } from './access-table';

// ------------------------------------------------------------------ matching

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
interface Compiled { key: string; method: string; re: RegExp; params: string[]; rule: AccessRule }

function compile(): Compiled[] {
  const out = Object.entries(ACCESS).map(([key, r]) => {
    const [method, path] = key.split(' ');
    const params: string[] = [];
    const src = path.split('/').map((seg) => {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1]);
      return '([^/]+)';
    }).join('/');
    return { key, method, re: new RegExp(`^${src}/?$`), params, rule: r };
  });
  // literal paths before parameterised ones (/api/stats/rankings/towns before /api/stats/{dimension})
  return out.sort((a, b) => a.params.length - b.params.length);
}
const compiled = compile();

/** The rule of a request (method and full path), with its path parameters; undefined when no route matches. */
export function ruleFor(method: string, path: string): { key: string; rule: AccessRule; params: Record<string, string> } | undefined {
  for (const c of compiled) {
    if (c.method !== method.toUpperCase()) continue;
    const m = c.re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    c.params.forEach((p, i) => {
      try { params[p] = decodeURIComponent(m[i + 1]); } catch { params[p] = m[i + 1]; }
    });
    return { key: c.key, rule: c.rule, params };
  }
  return undefined;
}

// ------------------------------------------------------------------ the agreement check

/** `METHOD /path` of every route Express serves under /api, paths written the OpenAPI way. */
export function expressRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          if (typeof p !== 'string') continue;
          for (const m of Object.keys(layer.route.methods)) {
            if (m === '_all') continue;
            out.push(`${m.toUpperCase()} ${(prefix + p).replace(/:(\w+)/g, '{$1}')}`);
          }
        }
      } else if (layer.handle?.stack && typeof layer.rawPath === 'string') {
        walk(layer.handle.stack, prefix + (layer.rawPath === '/' ? '' : layer.rawPath));
      }
    }
  };
  walk((app as any).router.stack, '');
  return [...new Set(out)].filter((k) => k.split(' ')[1].startsWith('/api/'));
}

/** `METHOD /path` of every operation in the OpenAPI document. */
export function openApiRoutes(doc: any): string[] {
  const out: string[] = [];
  for (const [p, ops] of Object.entries<any>(doc.paths ?? {})) {
    for (const m of METHODS) if (ops[m]) out.push(`${m.toUpperCase()} ${p}`);
  }
  return out;
}

/**
 * The table, the OpenAPI document and the Express routes name the same routes, and a route's
 * `public` rule agrees with the document's `security: []`. Returns the disagreements (empty = agreed).
 */
export function accessDisagreements(app: Express, doc: any): string[] {
  const table = new Set(Object.keys(ACCESS));
  const served = new Set(expressRoutes(app));
  const documented = new Set([...openApiRoutes(doc), 'GET /api/openapi.json']);
  const problems: string[] = [];
  for (const k of served) if (!table.has(k)) problems.push(`route ${k} has no access rule`);
  for (const k of documented) if (!table.has(k)) problems.push(`documented ${k} has no access rule`);
  for (const k of table) {
    if (!served.has(k)) problems.push(`access rule ${k} names no Express route`);
    if (!documented.has(k)) problems.push(`access rule ${k} is not in the OpenAPI document`);
  }
  for (const k of served) if (!documented.has(k)) problems.push(`route ${k} is not in the OpenAPI document`);
  for (const k of openApiRoutes(doc)) {
    const [m, p] = k.split(' ');
    const op = doc.paths[p][m.toLowerCase()];
    const isPublic = Array.isArray(op.security) && op.security.length === 0;
    if (ACCESS[k] && isPublic !== (ACCESS[k].who === 'public')) problems.push(`${k}: the document says ${isPublic ? 'public' : 'login'}, the table ${ACCESS[k].who === 'public' ? 'public' : 'login'}`);
  }
  return problems;
}

// ------------------------------------------------------------------ org-unit checks

export type AccessActor = ScopeActor;
export { seesAcross, reachesTask };

const foreign = (what: string, id: string) => new NotFoundError(`${what}_NOT_FOUND`, `${what.toLowerCase()} ${id} does not exist`);

/**
 * The guard, mounted after `authenticate`: the route's rule decides before the handler runs.
 * A role outside the rule is 403 ROLE_REQUIRED; a record of another org unit is 404, exactly as
 * a record that does not exist. A route without a rule is refused (createApp also refuses to start).
 * The record checks are the engine's (engine/org/record-access.ts): api/ reads no model.
 */
export function accessGuard(access: RecordAccess, tasks?: Pick<ProcessService, 'taskWithHead'>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const hit = ruleFor(req.method === 'HEAD' ? 'GET' : req.method, req.baseUrl + req.path);
    if (!hit) return next(); // no such endpoint: the 404 handler answers
    const { rule: r, params } = hit;
    const actor = req.actor;
    if (r.who === 'public' || !actor) return next();
    if (r.who !== 'anyone' && !actor.roles.includes('admin') && !r.who.some((role) => actor.roles.includes(role))) {
      throw new ForbiddenError('ROLE_REQUIRED', `this needs one of the roles: ${r.who.join(', ')}`);
    }
    if (seesAcross(actor)) return next();
    if (r.narrow === 'tasks') {
      // the list's use case offers by candidate group alone: leave out the tasks of other org units
      const send = res.json.bind(res);
      res.json = ((body: unknown) => {
        if (!Array.isArray(body) || res.statusCode >= 400) return send(body);
        access.visibleTasks(actor, body).then(send, next);
        return res;
      }) as Response['json'];
    }
    switch (r.unit) {
      case 'case': {
        if (!(await access.readsCase(actor, params.no))) throw foreign('CASE', params.no);
        break;
      }
      case 'instance': {
        if (!(await access.readsInstance(actor, params.id))) throw foreign('CASE', params.id);
        break;
      }
      case 'task': {
        if (hit.key === 'POST /api/tasks/{id}/complete' && tasks) {
          // a completion works on the task with its instance head: read here once (one round trip)
          // and handed to the handler (`res.locals.loadedTask`), which reads neither again
          const loaded = await tasks.taskWithHead(params.id);
          if (loaded?.task && !(await access.reachesLoadedTask(actor, loaded))) throw foreign('TASK', params.id);
          res.locals.loadedTask = loaded ?? undefined;
        } else if (!(await access.reachesTask(actor, params.id))) throw foreign('TASK', params.id);
        break;
      }
      case 'escalation': {
        // the city office supervises its towns; an escalation of a bare instance goes by the instance
        if (!(await access.readsEscalation(actor, params.id))) throw foreign('ESCALATION', params.id);
        break;
      }
      default:
        break;
    }
    next();
  };
}
