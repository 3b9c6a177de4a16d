/**
 * `BENCH_CLUSTER=1 npm run bench` or `npm run bench -- --cluster` (issue #15 §3): sizing on the
 * production topology (stack/cluster/). Starts its servers once, fresh (three Kafka nodes, the
 * Temporal server on PostgreSQL, PostgreSQL, mail; ports from BENCH_CLUSTER_BASE_PORT, see
 * bench/env.ts), then for (worker replicas, API replicas) in (1,1), (2,1), (1,2), (2,2) runs that
 * many app replicas behind HAProxy and the saga's closed loop (POST /sales, PATCH COMPLETED, as
 * bench/run.ts) through the balancer: lifecycles/s, latencies, CPU ms per lifecycle by process.
 * Consumers ×2 (each group's partitions split between them, as `npm run cluster` runs them) and
 * delivery ×1 in every row, so the rows differ only in what is sized. Writes
 * bench/results/cluster-sizing-latest.{json,md}; stops everything (BENCH_KEEP_STACK=1 leaves the
 * servers running).
 *
 * Knobs: BENCH_SECONDS (per row, default 20), BENCH_CLUSTER_CLIENTS (default 32),
 * BENCH_CLUSTER_CONFIGS (e.g. "1x1,2x2": workers x APIs).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Admin } from 'kafkajs';
import { WORKER_DEFAULTS } from '../runtime/worker';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { createKafka } from '../shared/kafka';
import { balancerSettings, clusterDown, freshClusterServers } from '../stack/cluster';
import { REPLICAS } from '../stack/cluster/env';
import { balancerPid, startBalancer, stopBalancer } from '../stack/cluster/haproxy';
import { kafkaNodePid, kafkaNodes } from '../stack/cluster/kafka-cluster';
import { replicaSpecs, type ReplicaSpec, type Role } from '../stack/cluster/replicas';
import { clusterTemporalPids } from '../stack/cluster/temporal';
import { stateDir, stateFile } from '../stack/paths';
import { clusterDir } from '../stack/postgres';
import { createProduct } from '../test/helpers/catalog';
import { createUser } from '../test/helpers/users';
import { AppProcesses } from '../test/chaos/support/apps';
import { ApiClient } from '../test/chaos/support/http';
import { cpuSeconds, postmasterPid, profiled, snapshot, type CpuSnapshot } from './lib/cpu';
import { waitDrained } from './lib/lag';
import { closedLoop, type Lifecycle } from './lib/loadgen';
import { loadavg, machine, machineBusySeconds } from './lib/machine';
import { fmt, r1 } from './lib/report';
import { SAGA_CONSUMER_GROUPS, sagaLifecycle } from './lib/saga';
import { cpuByKind, sizingMarkdown, type SizingReport, type SizingRun } from './lib/sizing-report';

const repo = resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS || 20);
const CLIENTS = Number(process.env.BENCH_CLUSTER_CLIENTS || 32);
const CONFIGS = (process.env.BENCH_CLUSTER_CONFIGS || '1x1,2x1,1x2,2x2').split(',').map((c) => {
  const [workers, apis] = c.split('x').map(Number);
  if (!(workers! >= 1 && workers! <= REPLICAS && apis! >= 1 && apis! <= REPLICAS)) throw new Error(`BENCH_CLUSTER_CONFIGS: ${c} is not <workers>x<apis>, each 1 to ${REPLICAS}`);
  return { workers: workers!, apis: apis! };
});
/** held in every row: only the worker and the API are sized */
const FIXED = { consumers: 2, delivery: 1 };

const say = (m: string) => process.stderr.write(`[bench:cluster] ${m}\n`);
const sum = (pids: (number | undefined)[]) => pids.reduce((a: number, pid) => a + cpuSeconds(pid), 0);

class Topology {
  readonly specs = new Map<string, ReplicaSpec>(replicaSpecs().map((s) => [s.name, s]));
  readonly apps = new AppProcesses({ dir: stateFile('apps'), tag: 'bench:cluster', env: { ...process.env, LOG_LEVEL: 'info' } });
  readonly api = new ApiClient(`http://127.0.0.1:${balancerSettings().port}`);

  running(role: Role): string[] {
    return [...this.specs.values()].filter((s) => s.role === role && this.apps.isRunning(s.name)).map((s) => s.name);
  }

  /** Starts and stops replicas until `count` of each role run (role-1 … role-N), then points HAProxy at the running APIs. */
  async scale(count: Record<Role, number>): Promise<void> {
    const apisBefore = this.running('api').join();
    for (const role of ['worker', 'consumers', 'delivery', 'api'] as const) {
      for (let i = 1; i <= REPLICAS; i++) {
        const spec = this.specs.get(`${role}-${i}`)!;
        const wanted = i <= count[role];
        if (wanted && !this.apps.isRunning(spec.name)) await this.apps.start(spec.name, { script: spec.script, readyMarker: spec.readyMarker, env: spec.env, readyTimeoutMs: 240_000 });
        if (!wanted && this.apps.isRunning(spec.name)) await this.apps.stop(spec.name);
      }
    }
    const apis = this.running('api');
    if (apis.join() !== apisBefore) {
      // the balancer's list is the running replicas: a stopped one would only cost failed health checks
      await stopBalancer();
      const all = balancerSettings();
      await startBalancer({ ...all, servers: all.servers.filter((s) => apis.includes(s.name)) });
    }
    await this.api.waitReady(120_000);
  }

  /** CPU seconds so far: each running replica, each server kind, the load generator (this process), the whole machine. */
  cpu(): CpuSnapshot {
    const u = process.cpuUsage();
    const replicas = [...this.specs.keys()].filter((name) => this.apps.isRunning(name));
    return snapshot({
      ...Object.fromEntries(replicas.map((name) => [name, () => cpuSeconds(this.apps.pid(name))])),
      'temporal server': () => sum(clusterTemporalPids()),
      kafka: () => sum(kafkaNodes().map((n) => kafkaNodePid(n.nodeId))),
      postgres: () => cpuSeconds(postmasterPid(join(clusterDir(), 'data')), true),
      haproxy: () => cpuSeconds(balancerPid()),
      'load generator': () => (u.user + u.system) / 1e6,
      'whole machine': machineBusySeconds,
    });
  }
}

async function measure(t: Topology, admin: Admin, config: { workers: number; apis: number }, saga: () => Lifecycle): Promise<SizingRun> {
  say(`${config.workers} worker(s), ${config.apis} API(s): scaling`);
  await t.scale({ worker: config.workers, api: config.apis, ...FIXED });
  // freshly started processes answer their first requests slowly; the lag of the warm-up drains before the window
  await closedLoop(saga(), 8, 3);
  await waitDrained(admin, SAGA_CONSUMER_GROUPS, 120_000);
  const start = loadavg();
  const started = Date.now();
  const { result, cpuMsPerLifecycle } = await profiled(() => t.cpu(), () => closedLoop(saga(), CLIENTS, SECONDS));
  const elapsedMs = Date.now() - started;
  const end = loadavg();
  const drain = await waitDrained(admin, SAGA_CONSUMER_GROUPS, 180_000);
  const run: SizingRun = {
    ...config,
    ...FIXED,
    loadAverage: { start, end },
    result,
    cpuMsPerLifecycle,
    lagAtStop: Object.values(drain.lagAtStart).reduce((a, b) => a + b, 0),
    drainMs: drain.ms,
    busyCores: r1(((cpuMsPerLifecycle['whole machine'] ?? 0) * result.finished) / elapsedMs),
  };
  say(`${config.workers}x${config.apis}: ${result.throughput}/s POST ${fmt(result.create)} PATCH ${fmt(result.complete)} errors ${result.errors} ${result.errorSamples[0] ?? ''}`);
  say(`  CPU ms/lifecycle ${JSON.stringify(cpuByKind(cpuMsPerLifecycle))}; busy cores ${run.busyCores}; load ${start} → ${end}`);
  return run;
}

export async function clusterSizing(): Promise<void> {
  const started = Date.now();
  const startedAt = new Date().toISOString();
  const report: SizingReport = { startedAt, durationS: 0, machine: machine(), loadAverage: { start: loadavg(), end: '' }, settings: {}, runs: [] };
  say(`production topology on ports from ${getConfig().cluster.basePort}, state in ${stateDir()} (fresh)`);
  AppProcesses.killLeftovers(stateFile('apps'), stateDir());
  const temporal = await freshClusterServers();
  const t = new Topology();
  const db = createDb();
  const admin = createKafka('-bench').admin();
  try {
    await admin.connect();
    const cfg = getConfig();
    report.settings = {
      temporal: temporal.kind,
      kafka: `3 KRaft nodes, ${cfg.kafka.partitions} partitions per topic, replication factor ${cfg.kafka.replicationFactor}, min.insync.replicas 2`,
      balancer: 'HAProxy, leastconn over the running API replicas',
      load: `${CLIENTS} clients, closed loop, ${SECONDS} s per row, each lifecycle one of 64 products`,
      fixed: `consumers ×${FIXED.consumers}, delivery ×${FIXED.delivery}`,
      workerWorkflowTaskSlots: cfg.temporal.workerMaxConcurrentWorkflowTasks ?? `${WORKER_DEFAULTS.maxConcurrentWorkflowTaskExecutions} (WORKER_DEFAULTS)`,
      consumers: cfg.kafka.consumer,
      tracing: 'off (OTEL_TRACES_EXPORTER=none)',
    };
    // the first replicas, then the data the load needs (the API logs the staff member in)
    await t.scale({ worker: 1, api: 1, ...FIXED });
    const staff = await createUser(db, { role: 'sales' });
    const token = await t.api.login(staff.email, staff.password);
    const products: string[] = [];
    for (let i = 0; i < 64; i++) products.push(await createProduct(db, 10_000_000, { price: 1000 + i }));
    const saga = () => sagaLifecycle(t.api, token, products);
    for (const config of CONFIGS) report.runs.push(await measure(t, admin, config, saga));
  } finally {
    await t.apps.stopAll().catch((err: unknown) => say(`stopping the replicas: ${(err as Error).message}`));
    await admin.disconnect().catch(() => undefined);
    await db.destroy();
    if (process.env.BENCH_KEEP_STACK === '1') say('BENCH_KEEP_STACK=1: the servers keep running (npm run cluster:down with the same CLUSTER_BASE_PORT / CLUSTER_STATE_DIR stops them)');
    else await clusterDown();
  }
  report.durationS = (Date.now() - started) / 1000;
  report.loadAverage.end = loadavg();

  const md = sizingMarkdown(report);
  const outDir = join(repo, '.artifacts', 'bench');
  mkdirSync(outDir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(outDir, `cluster-sizing-${startedAt.replace(/[:.]/g, '-')}.json`), json);
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  writeFileSync(join(repo, 'bench', 'results', 'cluster-sizing-latest.json'), json);
  writeFileSync(join(repo, 'bench', 'results', 'cluster-sizing-latest.md'), md);
  process.stdout.write(`\n${md}\nwritten: bench/results/cluster-sizing-latest.json, bench/results/cluster-sizing-latest.md\n`);
}
