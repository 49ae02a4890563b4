/**
 * createApp(deps): the Express 5 application, without listen (tests and main mount it).
 * JSON in and out; XML accepted for diagram deploys; every error as problem+json.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Request } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { BusinessRuleError, checkItemsOnPath, MAX_DIAGRAM_BYTES, MAX_DMN_BYTES, ValidationError, type Logger, type PathItemCheck, type Platform } from '../engine';
import { authenticate, bearerToken, requireRole } from './http/auth';
import { errorHandler, sendProblem } from './http/error-handler';
import { requestDeadline } from './http/deadline';
import { pathParam } from './http/params';
import { openApiDocument } from './openapi';
import { rateLimit } from './http/rate-limit';
import { boundJsonBody, MAX_JSON_BYTES } from './http/body-limits';
import { securityHeaders } from './http/security-headers';
import { networkOfficeRoutes } from './routes/network-office';
import { formRoutes } from './routes/forms';
import { openingRoutes, publicOpeningRoutes } from './routes/opening';
import { publicRoutes } from './routes/public';
import { supervisionRoutes } from './routes/supervision';
import { statsRoutes } from './routes/stats';
import { outboxRoutes } from './routes/outbox';
import { incidentRoutes } from './routes/incidents';
import { messageRoutes } from './routes/messages';
import { accessDisagreements } from './http/access';
import { ArchiveBody, DeployJsonBody, LoginBody, StartCaseBody, TaskListQuery } from './schemas';

export interface AppDeps {
  platform: Platform;
  logger: Logger;
  sessionHours: number;
  /** Folder of the built browser app; served at `/` when it exists. */
  uiDir?: string;
  /** Public case lookups per client address and minute. Default 10. */
  lookupPerMinute?: number;
  /** A request without an answer after this long gets 503 REQUEST_TIMEOUT. Default REQUEST_TIMEOUT_MS or 30 000. */
  requestTimeoutMs?: number;
  /** Trusted reverse proxies (TRUST_PROXY, api/config.ts). Default none: `req.ip` is the socket peer. */
  trustProxy?: string[];
}

/** /api/health answers within this bound even when the database hangs. */
const HEALTH_BOUND_MS = 3000;

const param = (req: Request, name: string) => pathParam(req, name);

/**
 * The body of a deploy (a diagram or a DMN file): the XML as application/xml with the change
 * note (变更说明) in X-Change-Note, or JSON {xml, note}; anything else 400 UNSUPPORTED_MEDIA_TYPE.
 */
function deployBody(req: Request, what: 'diagram' | 'DMN'): { xml: string; note?: string } {
  if (typeof req.body === 'string') return { xml: req.body, note: changeNoteHeader(req) };
  if (req.is('application/json')) return DeployJsonBody.parse(req.body);
  throw new ValidationError('UNSUPPORTED_MEDIA_TYPE', `send the ${what} as application/xml (change note in X-Change-Note), or JSON {"xml": "...", "note": "..."}`);
}

/** The change note of an XML deploy: header X-Change-Note, UTF-8 percent-encoded (headers carry no Chinese as is). */
function changeNoteHeader(req: Request): string | undefined {
  const raw = req.get('x-change-note');
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError('INVALID_CHANGE_NOTE', 'X-Change-Note must be UTF-8 text, percent-encoded (encodeURIComponent)');
  }
}

export function createApp(deps: AppDeps) {
  const { platform, logger } = deps;
  const svc = platform.processService;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy?.length ? deps.trustProxy : false);
  app.set('query parser', 'simple');
  app.use(helmet(securityHeaders));

  app.use('/api', requestDeadline(deps.requestTimeoutMs ?? 30_000));
  app.use('/api', express.json({ limit: MAX_JSON_BYTES, type: ['application/json', 'application/*+json'] }));
  app.use('/api', boundJsonBody());
  app.use('/api/definitions', express.text({ limit: MAX_DIAGRAM_BYTES, type: ['application/xml', 'text/xml', 'application/bpmn+xml'] }));
  app.use('/api/decisions', express.text({ limit: MAX_DMN_BYTES, type: ['application/xml', 'text/xml', 'application/dmn+xml'] }));

  app.get('/api/health', async (_req, res) => {
    let bound: NodeJS.Timeout | undefined;
    const database = await Promise.race([
      platform.databaseInfo(),
      new Promise<{ up: false; embedded: boolean; detail: string }>((resolve) => {
        bound = setTimeout(() => resolve({ up: false, embedded: !!platform.embeddedDb, detail: `no answer within ${HEALTH_BOUND_MS} ms` }), HEALTH_BOUND_MS);
      }),
    ]).finally(() => clearTimeout(bound));
    res.status(database.up ? 200 : 503).json({ status: database.up ? 'ok' : 'degraded', database });
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  // login attempts: 30 a minute per address, and 10 failed ones per user name in 15 minutes
  const loginUser = (req: Request) => (typeof req.body?.username === 'string' ? `user:${req.body.username.trim().toLowerCase().slice(0, 64)}` : undefined);
  app.post(
    '/api/auth/login',
    rateLimit({ windowMs: 60_000, max: 30 }),
    rateLimit({ windowMs: 15 * 60_000, max: 10, key: loginUser, countWhen: (status) => status === 401, detail: 'too many failed logins for this user; wait 15 minutes and try again' }),
    async (req, res) => {
      const body = LoginBody.parse(req.body ?? {});
      res.json(await platform.sessions.login(body.username, body.password, deps.sessionHours));
    },
  );

  app.use('/api/public', publicOpeningRoutes(platform));
  app.use('/api/public', publicRoutes(platform, { lookupPerMinute: deps.lookupPerMinute }));

  app.use('/api', authenticate(platform));

  app.post('/api/auth/logout', async (req, res) => {
    const token = bearerToken(req);
    if (token) await platform.sessions.logout(token);
    res.status(204).end();
  });
  app.get('/api/me', (req, res) => {
    res.json(req.actor);
  });

  // ---- definitions (流程定义)
  app.post('/api/definitions', requireRole('designer'), async (req, res) => {
    const { xml, note } = deployBody(req, 'diagram');
    // the catalogue items on this path must stay consistent with its new steps (422 naming each
    // item and rule, engine/catalogue/path-check.ts); other problems of the request (no change
    // note, an invalid diagram) are the deploy's own answer, in its order
    let onPath: PathItemCheck | undefined;
    try {
      onPath = await checkItemsOnPath(platform.catalogue, xml);
    } catch (err) {
      if (err instanceof BusinessRuleError && err.code === 'ITEM_RULE_VIOLATION' && note?.trim()) throw err;
    }
    const def = await svc.deploy(xml, req.actor!, note);
    res.status(201).location(`/api/definitions/${encodeURIComponent(def.key)}/versions/${def.version}`).json({ ...def, items: onPath?.items ?? [] });
  });
  app.get('/api/definitions', async (_req, res) => {
    res.json(await svc.listDefinitions());
  });
  app.get('/api/definitions/:key', async (req, res) => {
    res.json(await svc.definitionEntry(param(req, 'key')));
  });
  // 归档 / 恢复: no new case starts on an archived definition; running cases finish on their version
  app.put('/api/definitions/:key/archived', requireRole('designer'), async (req, res) => {
    const body = ArchiveBody.parse(req.body ?? {});
    res.json(await svc.setArchived(param(req, 'key'), body.archived, req.actor!, body.note));
  });
  app.get('/api/definitions/:key/versions', async (req, res) => {
    const key = param(req, 'key');
    const entry = (await svc.listDefinitions()).find((d) => d.key === key);
    if (!entry) await svc.getDefinition(key);
    res.json(entry.versions);
  });
  const versionOf = (req: Request) => {
    const v = z.coerce.number().int().min(1).max(1_000_000).safeParse(req.params.version);
    if (!v.success) throw new ValidationError('INVALID_VERSION', 'version must be a positive whole number');
    return v.data;
  };
  app.get('/api/definitions/:key/versions/:version', async (req, res) => {
    const { xml: _xml, ...rest } = await svc.getDefinition(param(req, 'key'), versionOf(req));
    res.json(rest);
  });
  app.get('/api/definitions/:key/versions/:version/xml', async (req, res) => {
    const d = await svc.getDefinition(param(req, 'key'), versionOf(req));
    res.type('application/xml').send(d.xml);
  });
  app.get('/api/definitions/:key/xml', async (req, res) => {
    const d = await svc.getDefinition(param(req, 'key'));
    res.type('application/xml').send(d.xml);
  });

  // ---- decisions (决策表, DMN): deployed next to diagrams, a version per decision id
  app.post('/api/decisions', requireRole('designer'), async (req, res) => {
    const { xml, note } = deployBody(req, 'DMN');
    const versions = await platform.decisions.deploy(xml, req.actor!, note);
    res.status(201).location(`/api/decisions/${encodeURIComponent(versions[0].key)}`).json(versions);
  });
  app.get('/api/decisions', async (_req, res) => {
    res.json(await platform.decisions.list());
  });
  app.get('/api/decisions/:key', async (req, res) => {
    res.json(await platform.decisions.entry(param(req, 'key')));
  });
  app.get('/api/decisions/:key/xml', async (req, res) => {
    // ?version=n: an older version (the designer's read-only view of it); else the latest
    const version = req.query.version === undefined ? undefined : versionOf({ params: { version: req.query.version } } as unknown as Request);
    const d = await platform.decisions.get(param(req, 'key'), version);
    res.type('application/xml').send(d.xml);
  });

  // ---- cases (办件)
  app.post('/api/cases', requireRole('clerk'), async (req, res) => {
    const body = StartCaseBody.parse(req.body ?? {});
    const c = await svc.startCase(body.definitionKey, body.variables, req.actor!, body.businessKey);
    res.status(201).location(`/api/cases/${c.id}`).json(c);
  });
  app.get('/api/cases/:id', async (req, res) => {
    res.json(await svc.getCase(param(req, 'id'), req.actor!));
  });

  // ---- tasks (待办)
  app.get('/api/tasks', async (req, res) => {
    const q = TaskListQuery.parse(req.query);
    res.json(await svc.listTasks(req.actor!, q.filter, q.caseId));
  });

  // ---- escalations (超时督办): see routes/supervision.ts

  app.use('/api', formRoutes(platform));
  app.use('/api', openingRoutes(platform));
  app.use('/api', networkOfficeRoutes(platform));
  app.use('/api', supervisionRoutes(platform));
  app.use('/api', statsRoutes(platform));
  app.use('/api', outboxRoutes(platform, logger));
  app.use('/api', incidentRoutes(platform, logger));
  app.use('/api', messageRoutes(platform));

  app.use('/api', (req, res) => sendProblem(res, 404, 'NO_SUCH_ENDPOINT', `no endpoint ${req.method} ${req.originalUrl.split('?')[0]}`));

  if (deps.uiDir && existsSync(path.join(deps.uiDir, 'index.html'))) {
    const ui = deps.uiDir;
    app.use(express.static(ui, { index: 'index.html', maxAge: '1h' }));
    app.get(/^\/(?!api\/).*/, (_req, res) => res.sendFile(path.join(ui, 'index.html')));
  }
  app.use((req, res) => sendProblem(res, 404, 'NOT_FOUND', `nothing at ${req.originalUrl.split('?')[0]}`));
  app.use(errorHandler(logger));
  // every route has an access rule, and the table, the OpenAPI document and Express agree (api/http/access.ts)
  const disagreements = accessDisagreements(app, openApiDocument());
  if (disagreements.length) throw new Error(`access table out of step: ${disagreements.join('; ')}`);
  return app;
}
