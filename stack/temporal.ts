/**
 * The Temporal CLI dev server (server + Web UI in one binary), built once from source with
 * `go install …/cmd/temporal@v1.5.1` into the cache (later tags carry a `replace` directive that
 * `go install` rejects). SQLite file in .state/ so sagas survive a restart, WAL journal, and the
 * search attributes the saga sets registered at start.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig } from '../shared/config';
import { SEARCH_ATTRIBUTE_TYPES } from '../shared/search-attributes';
import { cacheDir, stateFile } from './paths';
import { commandExists, readPid, run, say, startServerDaemon, stopDaemon } from './proc';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export function temporalBinary(): string {
  const bin = join(cacheDir(), 'bin', 'temporal');
  if (existsSync(bin)) return bin;
  if (!commandExists('go')) throw new Error('building the Temporal CLI needs Go; install it or set TEMPORAL_ADDRESS');
  say(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (once; a few minutes)…`);
  run('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: join(cacheDir(), 'bin'), GOFLAGS: '-buildvcs=false' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return bin;
}

function files() {
  const dir = stateFile('temporal');
  return { dir, db: join(dir, 'temporal.db'), log: join(dir, 'temporal.log'), pid: join(dir, 'temporal.pid') };
}

function grpcPort(): number {
  return Number(getConfig().temporal.address.split(':')[1] ?? 7233);
}

/** The dev server's flags, also recorded by the benchmark. */
export function devServerArgs(): string[] {
  const { temporal } = getConfig();
  const f = files();
  return [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(grpcPort()),
    '--ui-port', String(temporal.uiPort),
    '--metrics-port', String(grpcPort() + 2),
    // values from configuration joined to their flags: a namespace or path starting with '-' stays a value
    `--db-filename=${f.db}`,
    `--namespace=${temporal.namespace}`,
    '--log-level', 'warn',
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=NORMAL',
    '--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
}

export function temporalRunning(): boolean {
  return readPid(files().pid) !== undefined;
}

export async function startTemporal(): Promise<void> {
  const bin = temporalBinary();
  if (temporalRunning()) return;
  const f = files();
  await startServerDaemon(bin, devServerArgs(), {
    dir: f.dir,
    logFile: f.log,
    pidFile: f.pid,
    announce: `starting the Temporal dev server on 127.0.0.1:${grpcPort()} (Web UI on ${getConfig().temporal.uiPort})`,
    ports: [
      { port: grpcPort(), what: 'Temporal', timeoutMs: 60_000, mustBeFree: { what: 'Temporal', setting: 'TEMPORAL_ADDRESS to use a running server' } },
      { port: getConfig().temporal.uiPort, what: 'Temporal Web UI', timeoutMs: 30_000 },
    ],
  });
}

export async function stopTemporal(): Promise<boolean> {
  return stopDaemon(files().pid, 20_000);
}

export function temporalStatus(): string {
  return temporalRunning() ? `running on ${getConfig().temporal.address}, Web UI ${getConfig().temporal.uiUrl} (db ${files().db})` : 'stopped';
}
