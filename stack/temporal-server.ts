/**
 * The Temporal server on PostgreSQL (issue #15): what a shop runs instead of the dev server once it
 * outgrows one machine. Built once into the cache (stack/temporal-server-build.ts); persistence and
 * visibility in two PostgreSQL databases whose schemas the server's own SQL tool creates and
 * updates; the app's namespace and search attributes registered; the Temporal UI server pointed at it.
 *
 * The four roles run as four processes, as on a real cluster, not as one process with every
 * service: a fault test can then crash and restart the history role alone (the role that owns the
 * shards and the sagas' state) while the frontend keeps answering the app, which is the failure a
 * cluster actually sees. The price on 2 cores is small: idle, each role sleeps (see the README for
 * the measured RSS). The frontend starts first, so the namespace and the search attributes exist
 * before history and matching load their caches: the first saga can set its search attributes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { SEARCH_ATTRIBUTE_TYPES } from '../shared/search-attributes';
import { assertPortFree, portOpen, readPid, run, say, sleep, startDaemon, stopDaemon, stopPid, waitForPort } from './proc';
import { temporalBinary } from './temporal';
import { temporalServerBuild, type TemporalServerBuild } from './temporal-server-build';
import {
  configDir,
  frontendAddress,
  TEMPORAL_ROLES,
  temporalServerSettings,
  writeTemporalServerConfigs,
  type TemporalRole,
  type TemporalServerOptions,
  type TemporalServerSettings,
} from './temporal-server-config';

export { temporalServerSettings, type TemporalServerOptions, type TemporalServerSettings } from './temporal-server-config';

type Component = TemporalRole | 'ui';

const files = (s: TemporalServerSettings, c: Component) => ({ log: join(s.dir, `${c}.log`), pid: join(s.dir, `${c}.pid`) });

const pidOf = (s: TemporalServerSettings, c: Component): number | undefined => readPid(files(s, c).pid);

export function temporalServerRunning(options: TemporalServerOptions = {}): boolean {
  const s = temporalServerSettings(options);
  return TEMPORAL_ROLES.every((role) => pidOf(s, role) !== undefined);
}

// ---- databases ----------------------------------------------------------------------------------

async function withClient<T>(pg: { host: string; port: number; user: string; password: string }, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...pg, database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** On the stack's own PostgreSQL (trust authentication, superuser `postgres`): the server's login role. */
async function ensureStackRole(s: TemporalServerSettings): Promise<void> {
  await withClient({ ...s.postgres, user: 'postgres', password: '' }, async (c) => {
    const found = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [s.postgres.user]);
    if (found.rowCount === 0) await c.query(`CREATE ROLE "${s.postgres.user}" LOGIN CREATEDB PASSWORD '${s.postgres.password}'`);
  });
}

/** Both databases created and their schemas at the build's latest version; a no-op when they already are. */
async function ensureSchemas(s: TemporalServerSettings, build: TemporalServerBuild): Promise<void> {
  if (s.postgresIsStacks) await ensureStackRole(s);
  const existing = await withClient(s.postgres, async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname));
  const schemas: [string, string][] = [
    [s.databases.persistence, join(build.schemaDir, 'temporal', 'versioned')],
    [s.databases.visibility, join(build.schemaDir, 'visibility', 'versioned')],
  ];
  for (const [database, versioned] of schemas) {
    // the connection goes through the tool's environment variables: no password on a command line
    const env = {
      ...process.env,
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: s.postgres.host,
      SQL_PORT: String(s.postgres.port),
      SQL_USER: s.postgres.user,
      SQL_PASSWORD: s.postgres.password,
      SQL_DATABASE: database,
    };
    if (!existing.includes(database)) {
      say(`creating the Temporal database ${database}`);
      run(build.sqlTool, ['create-database'], { env });
    }
    // setup-schema leaves a database past 0.0 alone; update-schema applies only the missing versions
    run(build.sqlTool, ['setup-schema', '-v', '0.0'], { env });
    run(build.sqlTool, ['update-schema', '-d', versioned], { env });
  }
}

// ---- namespace and search attributes ---------------------------------------------------------------

function cli(s: TemporalServerSettings, args: string[]): { ok: boolean; out: string } {
  const result = spawnSync(temporalBinary(), [...args, '--address', frontendAddress(s), '--command-timeout', '10s'], { encoding: 'utf8' });
  return { ok: result.status === 0, out: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** Polls `check`; gives up early when a role it depends on has exited (its log says why). */
async function waitFor(what: string, check: () => boolean, timeoutMs: number, s: TemporalServerSettings, role: TemporalRole): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const logFile = files(s, role).log;
  while (Date.now() < deadline) {
    if (check()) return;
    if (pidOf(s, role) === undefined) break;
    await sleep(500);
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join('\n').slice(-1500) : '';
  throw new Error(`${what} within ${timeoutMs / 1000} s (${pidOf(s, role) === undefined ? `the ${role} role exited` : 'still running'}); last lines of ${logFile}:\n${tail}`);
}

async function ensureNamespace(s: TemporalServerSettings): Promise<void> {
  const ns = s.namespace;
  if (!cli(s, ['operator', 'namespace', 'describe', '--namespace', ns]).ok) {
    say(`creating the Temporal namespace ${ns} (retention ${s.retentionHours} h)`);
    const created = cli(s, ['operator', 'namespace', 'create', '--namespace', ns, '--retention', `${s.retentionHours}h`]);
    if (!created.ok && !/already (exists|registered)/i.test(created.out)) throw new Error(`namespace ${ns} could not be created: ${created.out.trim()}`);
  }
  // registered before any saga runs: a workflow setting an unknown search attribute fails its task
  const listed = cli(s, ['operator', 'search-attribute', 'list', '--namespace', ns, '--output', 'json']);
  const missing = Object.entries(SEARCH_ATTRIBUTE_TYPES).filter(([name]) => !listed.out.includes(`"${name}"`));
  if (missing.length === 0) return;
  say(`registering search attributes ${missing.map(([n]) => n).join(', ')} in ${ns}`);
  for (const [name, type] of missing) {
    let last = '';
    // a namespace just created reaches the frontend's namespace cache within its refresh interval (~10 s)
    await waitFor(
      `search attribute ${name} could not be registered in ${ns}`,
      () => {
        const added = cli(s, ['operator', 'search-attribute', 'create', '--namespace', ns, '--name', name, '--type', type]);
        last = added.out.trim();
        return added.ok;
      },
      60_000,
      s,
      'frontend',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${last}`);
    });
  }
}

// ---- processes -------------------------------------------------------------------------------------

async function startRole(s: TemporalServerSettings, build: TemporalServerBuild, role: TemporalRole): Promise<void> {
  if (pidOf(s, role) !== undefined) return;
  const f = files(s, role);
  await assertPortFree(s.ports[role], `the Temporal ${role} role`, `TEMPORAL_SERVER_${role.toUpperCase()}_PORT`);
  const args = ['--root', join(s.dir, 'config'), '--config', role, '--env', 'development', '--allow-no-auth', 'start', '--service', role];
  const pid = startDaemon(build.server, args, { logFile: f.log, pidFile: f.pid });
  // the worker role serves no gRPC (it runs the system workflows as a client): its membership port says it is up
  const port = role === 'worker' ? s.ports.membership + 3 : s.ports[role];
  await waitForPort(port, `the Temporal ${role} role`, { timeoutMs: 90_000, logFile: f.log, pid });
}

/** Until a call that needs the history role answers (NotFound for a workflow that does not exist). */
async function waitUntilServing(s: TemporalServerSettings): Promise<void> {
  await waitFor(
    `the Temporal server at ${frontendAddress(s)} did not serve workflow calls`,
    () => /not found/i.test(cli(s, ['workflow', 'describe', '--namespace', s.namespace, '--workflow-id', 'temporal-server-readiness-probe']).out),
    120_000,
    s,
    'history',
  );
}

async function startUi(s: TemporalServerSettings, build: TemporalServerBuild): Promise<void> {
  if (pidOf(s, 'ui') !== undefined) return;
  const f = files(s, 'ui');
  await assertPortFree(s.ports.ui, 'the Temporal UI server', 'TEMPORAL_SERVER_UI_PORT');
  const pid = startDaemon(build.uiServer, ['--root', join(s.dir, 'config'), '--config', 'ui', '--env', 'development', 'start'], { logFile: f.log, pidFile: f.pid });
  await waitForPort(s.ports.ui, 'the Temporal UI server', { timeoutMs: 60_000, logFile: f.log, pid });
}

/**
 * Starts whatever is not running yet: schemas, the four roles, the namespace, the UI server.
 * Idempotent; returns the settings it used (addresses for the app: `frontendAddress`).
 */
export async function startTemporalServer(options: TemporalServerOptions = {}): Promise<TemporalServerSettings> {
  const s = temporalServerSettings(options);
  const build = temporalServerBuild();
  const started = Date.now();
  mkdirSync(s.dir, { recursive: true });
  await ensureSchemas(s, build);
  writeTemporalServerConfigs(s);
  say(`starting the Temporal server on PostgreSQL (${s.historyShards} history shards): frontend ${frontendAddress(s)}, UI http://127.0.0.1:${s.ports.ui}`);
  await startRole(s, build, 'frontend');
  await waitFor(`the Temporal frontend at ${frontendAddress(s)} did not report SERVING`, () => cli(s, ['operator', 'cluster', 'health']).ok, 90_000, s, 'frontend');
  await ensureNamespace(s);
  for (const role of ['history', 'matching', 'worker'] as const) await startRole(s, build, role);
  await waitUntilServing(s);
  await startUi(s, build);
  say(`Temporal server ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return s;
}

/** Stops the UI server and the roles (frontend last, so clients see it go away only at the end). */
export async function stopTemporalServer(options: TemporalServerOptions = {}): Promise<boolean> {
  const s = temporalServerSettings(options);
  let stopped = false;
  for (const c of ['ui', 'worker', 'matching', 'history', 'frontend'] as const) {
    if (await stopDaemon(files(s, c).pid, 20_000)) stopped = true;
  }
  return stopped;
}

/** A full restart (fault tests): every role stopped, then started again on the same databases. */
export async function restartTemporalServer(options: TemporalServerOptions = {}): Promise<TemporalServerSettings> {
  await stopTemporalServer(options);
  return startTemporalServer(options);
}

/**
 * The history role alone, crashed (SIGKILL) or stopped (SIGTERM) and started again while the
 * frontend, matching and worker roles keep running. Resolves once workflow calls are served again.
 */
export async function restartHistoryRole(options: TemporalServerOptions & { signal?: 'SIGKILL' | 'SIGTERM' } = {}): Promise<void> {
  const s = temporalServerSettings(options);
  const pid = pidOf(s, 'history');
  if (pid === undefined) throw new Error('the Temporal history role is not running');
  if (options.signal === 'SIGKILL') process.kill(pid, 'SIGKILL');
  await stopPid(pid, 20_000);
  // its port is free once the process is gone; wait for that so the new process can bind it
  while (await portOpen(s.ports.history)) await sleep(100);
  await startRole(s, temporalServerBuild(), 'history');
  await waitUntilServing(s);
}

/** The running roles' pids (frontend, history, matching, worker), e.g. to read their CPU time. */
export function temporalServerPids(options: TemporalServerOptions = {}): Record<TemporalRole, number | undefined> {
  const s = temporalServerSettings(options);
  return Object.fromEntries(TEMPORAL_ROLES.map((role) => [role, pidOf(s, role)])) as Record<TemporalRole, number | undefined>;
}

export function temporalServerStatus(options: TemporalServerOptions = {}): string {
  const s = temporalServerSettings(options);
  const roles = [...TEMPORAL_ROLES, 'ui' as const].map((c) => `${c} ${pidOf(s, c) !== undefined ? 'up' : 'down'}`).join(', ');
  const anyUp = [...TEMPORAL_ROLES, 'ui' as const].some((c) => pidOf(s, c) !== undefined);
  if (!anyUp) return existsSync(configDir(s, 'frontend')) ? 'stopped' : 'not set up';
  return `${roles}; frontend ${frontendAddress(s)}, UI http://127.0.0.1:${s.ports.ui}, namespace ${s.namespace}, PostgreSQL ${s.postgres.host}:${s.postgres.port} (logs ${s.dir})`;
}
