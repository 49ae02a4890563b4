/**
 * The setup the diagram stories share (call activities, messages): a server with the people who
 * act in them logged in and the story's diagrams deployed, each with its change note; a case taken
 * in at the town window; a step completed by whoever holds it; and, for the kill-and-repair
 * stories, a server that SIGKILLs itself at a named point (engine/domain/fault.ts), the next server
 * on the same database and a client on that database — all stopped and closed after the describe.
 */
import { MongoClient, type Db } from 'mongodb';
import { ApiClient, waitFor } from './api';
import { applicant as person } from './people';
import { dbUri, startServer, uniqueDbName, type RunningProcess } from './server';
import { useServer, type ServerSuite } from './suite';

/** A diagram (BPMN XML) and the change note it is deployed with (a deployment needs one). */
export type Deployment = readonly [xml: string, changeNote: string];

/** The process id a diagram deploys (for failure messages). */
function processIdOf(xml: string): string {
  return /<bpmn:process\b[^>]*\bid="([^"]+)"/.exec(xml)?.[1] ?? '(no process id)';
}

/** Deploys each diagram in order, as the designer does; each must be answered 201. @returns the definitions deployed */
export async function deployAll(designer: ApiClient, deployments: readonly Deployment[]): Promise<any[]> {
  const deployed: any[] = [];
  for (const [xml, note] of deployments) {
    const r = await designer.deployXml(xml, note);
    // the process id beside the status names the diagram that was refused, and the code says why
    expect([processIdOf(xml), r.status, r.body?.code]).toEqual([processIdOf(xml), 201, undefined]);
    deployed.push(r.body);
  }
  return deployed;
}

/** A file's server (`useServer`) with its diagrams deployed and the people signed in before its tests. */
export interface DeployedServer extends ServerSuite {
  readonly designer: ApiClient;
  readonly clerk: ApiClient;
  readonly admin: ApiClient;
  readonly supervisor: ApiClient;
}

/**
 * Starts the file's server (`env` as for `startServer`) and, in its `beforeAll`, signs in the
 * designer, the town clerk, the admin and the supervisor and deploys `deployments` in order.
 * Call inside a `describe`; the clients can be taken at once (`const { clerk } = …`) and used
 * from the first test on.
 */
export function useDeployedServer(prefix: string, env: Record<string, string>, deployments: readonly Deployment[]): DeployedServer {
  const server = useServer(prefix, env);
  const people = { designer: ApiClient.notSignedIn(), clerk: ApiClient.notSignedIn(), admin: ApiClient.notSignedIn(), supervisor: ApiClient.notSignedIn() };
  beforeAll(async () => {
    for (const [username, client] of Object.entries(people)) await client.signIn(server.url, username);
    await deployAll(people.designer, deployments);
  }, 120_000);
  return {
    get process() {
      return server.process;
    },
    get url() {
      return server.url;
    },
    dbName: server.dbName,
    as: (u) => server.as(u),
    ...people,
  };
}

/** Logged-in clients on one server by user name (a login each time asked: servers in kill stories are short-lived). */
export function peopleOn(server: RunningProcess): { as(username: string): Promise<ApiClient> } {
  return { as: (u) => ApiClient.login(server.url, u) };
}

/**
 * Takes in a case at the town window: the first item whose path is `procedure`, every material
 * handed in, for `applicant` (a person of test/helpers/people.ts; a default when absent).
 * @returns its case number and its process instance
 */
export async function intakeCase(clerk: ApiClient, procedure: string, applicant: Record<string, unknown> = person()): Promise<{ caseNo: string; instanceId: string }> {
  const item = ((await clerk.get('/api/items')).body as any[]).find((i) => i.procedure === procedure);
  expect(item?.procedure).toBe(procedure);
  const taken = await clerk.post('/api/intake', { itemCode: item.code, applicant, materials: item.materials.map((m: any) => ({ code: m.code, provided: true })) });
  expect([taken.status, taken.body?.code]).toEqual([201, undefined]);
  const caseNo: string = taken.body.case.caseNo;
  const instanceId: string = await waitFor(async () => (await clerk.get(`/api/service-cases/${caseNo}`)).body.instanceId, 'the case’s instance');
  return { caseNo, instanceId };
}

/**
 * Completes the open step `elementId` of case `caseNo` as whoever holds it (its assignee, or
 * `fallback` for a step of a group), once it is open; the completion must be answered 200.
 * @returns the step as the case page lists it
 */
export async function completeOpenStep(people: { as(username: string): Promise<ApiClient> }, caseNo: string, elementId: string, fallback: string, body: Record<string, unknown>): Promise<any> {
  const clerk = await people.as('clerk');
  const step = await waitFor(async () => ((await clerk.get(`/api/service-cases/${caseNo}`)).body.steps as any[]).find((s) => s.elementId === elementId && s.status === 'open'), `step ${elementId} to open`);
  const who = await people.as(step.assignee ?? fallback);
  const r = await who.post(`/api/tasks/${step.taskId}/complete`, body);
  expect([r.status, r.body?.code]).toEqual([200, undefined]);
  return step;
}

/** What a kill-and-repair story works with (`useKillAndRepair`). */
export interface KillAndRepair {
  /** A database of the test's own and a client on it (closed after the describe). */
  database(prefix: string): Promise<{ dbName: string; db: Db }>;
  /** A server on `dbName` that SIGKILLs itself when it reaches `point` (PLATFORM_KILL_AT). */
  doomed(dbName: string, point: string, env?: Record<string, string>): Promise<RunningProcess>;
  /** Waits (30 s at most) until a `doomed` server died at its point by SIGKILL. */
  killed(doomed: RunningProcess): Promise<void>;
  /** The next server on `dbName`: its repair sweep finishes what the dead one left. */
  next(dbName: string, env?: Record<string, string>): Promise<RunningProcess>;
}

/** Servers and database clients of the kill-and-repair tests of one `describe`, stopped and closed after it. */
export function useKillAndRepair(): KillAndRepair {
  const servers: RunningProcess[] = [];
  const points = new Map<RunningProcess, string>();
  const clients: MongoClient[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
    for (const c of clients) await c.close();
  });
  return {
    async database(prefix) {
      const dbName = uniqueDbName(prefix);
      const client = await MongoClient.connect(dbUri(dbName));
      clients.push(client);
      return { dbName, db: client.db() };
    },
    async doomed(dbName, point, env = {}) {
      const s = await startServer(dbName, { ...env, PLATFORM_FAULT_INJECTION: '1', PLATFORM_KILL_AT: point });
      servers.push(s);
      points.set(s, point);
      return s;
    },
    async killed(doomed) {
      let timer: NodeJS.Timeout | undefined;
      const point = points.get(doomed) ?? '(no kill point: not started by doomed)';
      await Promise.race([doomed.exited, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the server did not reach ${point}`)), 30_000)))]).finally(() => clearTimeout(timer));
      expect(doomed.child.signalCode).toBe('SIGKILL');
    },
    async next(dbName, env = {}) {
      const s = await startServer(dbName, env);
      servers.push(s);
      return s;
    },
  };
}
