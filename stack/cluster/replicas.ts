/**
 * The app processes of the topology: REPLICAS of each entry point (bin/api.ts, bin/worker.ts,
 * bin/consumers.ts, bin/delivery.ts), each with its own ports from stack/cluster/env.js. `npm run
 * cluster` runs them as daemons (pid and log files in the state dir's apps/); the cluster suite
 * starts the same specs as children it can kill (test/cluster/support).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig } from '../../shared/config';
import { repoRoot, stateFile } from '../paths';
import { isAlive, readPid, say, sleep, startDaemon, stopDaemon } from '../proc';
import { REPLICAS, clusterPorts } from './env';

export type Role = 'api' | 'worker' | 'consumers' | 'delivery';

export interface ReplicaSpec {
  /** e.g. api-1 */
  name: string;
  role: Role;
  script: string;
  /** what this replica gets on top of the topology's environment */
  env: Record<string, string>;
  /** a line in its log that says it is ready (any of them); none: ready once it runs */
  readyMarker?: string[];
  /** where it can be looked at */
  urls: string[];
}

const SCRIPTS: Record<Role, string> = { api: 'bin/api.ts', worker: 'bin/worker.ts', consumers: 'bin/consumers.ts', delivery: 'bin/delivery.ts' };
const MARKERS: Partial<Record<Role, string[]>> = {
  api: ['API listening'],
  worker: ['worker running'],
  // started either way; the second says some group is still joining (kafkajs keeps trying)
  consumers: ['consumers running', 'not every consumer has joined'],
};

export function replicaSpecs(roles: readonly Role[] = ['api', 'worker', 'consumers', 'delivery']): ReplicaSpec[] {
  const p = clusterPorts(getConfig().cluster.basePort);
  const local = (port: number) => `http://127.0.0.1:${port}`;
  const perRole = (role: Role, i: number): Pick<ReplicaSpec, 'env' | 'urls'> => {
    switch (role) {
      case 'api':
        return { env: { PORT: String(p.api[i]), METRICS_PORT: String(p.apiMetrics[i]) }, urls: [local(p.api[i]!), `${local(p.apiMetrics[i]!)}/metrics`] };
      case 'worker':
        return { env: { WORKER_METRICS_ADDRESS: `127.0.0.1:${p.workerMetrics[i]}` }, urls: [`${local(p.workerMetrics[i]!)}/metrics`] };
      case 'consumers':
        return { env: { CONSUMERS_HEALTH_PORT: String(p.consumersHealth[i]) }, urls: [`${local(p.consumersHealth[i]!)}/readyz`] };
      case 'delivery':
        return { env: { DELIVERY_HEALTH_PORT: String(p.deliveryHealth[i]) }, urls: [`${local(p.deliveryHealth[i]!)}/readyz`] };
    }
  };
  return roles.flatMap((role) =>
    Array.from({ length: REPLICAS }, (_, i) => ({ name: `${role}-${i + 1}`, role, script: SCRIPTS[role], readyMarker: MARKERS[role], ...perRole(role, i) })),
  );
}

const files = (name: string) => ({ log: stateFile('apps', `${name}.log`), pid: stateFile('apps', `${name}.pid`) });

/** Waits for one of `markers` in `logFile` past byte `offset`; fails with the log's tail. */
export async function waitForLogLine(logFile: string, offset: number, markers: string[], opts: { pid: number; timeoutMs: number; what: string }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    // the offset is in bytes: slice the bytes, not the decoded string
    const text = existsSync(logFile) ? readFileSync(logFile).subarray(offset).toString('utf8') : '';
    if (markers.some((m) => text.includes(m))) return;
    if (!isAlive(opts.pid) || Date.now() > deadline) {
      const tail = text.split('\n').slice(-20).join('\n');
      throw new Error(`${opts.what} ${isAlive(opts.pid) ? `was not ready within ${opts.timeoutMs / 1000} s` : 'exited before it was ready'}; last lines of ${logFile}:\n${tail}`);
    }
    await sleep(200);
  }
}

/** Starts one replica as a daemon (idempotent) and waits until it is ready. */
export async function startReplicaDaemon(spec: ReplicaSpec, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const f = files(spec.name);
  if (readPid(f.pid) !== undefined) return;
  const offset = existsSync(f.log) ? statSync(f.log).size : 0;
  // node itself, not the tsx CLI: the pid is the app's, so a signal reaches it directly
  const pid = startDaemon(process.execPath, ['--import', 'tsx', spec.script], { cwd: repoRoot, logFile: f.log, pidFile: f.pid, env: { ...env, ...spec.env } });
  if (spec.readyMarker) await waitForLogLine(f.log, offset, spec.readyMarker, { pid, timeoutMs: 180_000, what: spec.name });
  else await sleep(1_000);
  if (!isAlive(pid)) throw new Error(`${spec.name} exited at start; see ${f.log}`);
  say(`${spec.name} ready (pid ${pid})`);
}

export async function stopReplicaDaemon(name: string): Promise<boolean> {
  return stopDaemon(files(name).pid, 35_000);
}

export function replicaPid(name: string): number | undefined {
  return readPid(files(name).pid);
}

export function replicaLog(name: string): string {
  return files(name).log;
}

export const appsDir = (): string => join(stateFile('apps'));
