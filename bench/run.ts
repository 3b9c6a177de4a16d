/**
 * `npm run bench` (issue #7): the saga through REST against bare Temporal, on one private stack
 * with the same settings, plus notification latency, the reservation SQL, consumer lag drain, peak
 * RSS, CPU per lifecycle by process (the profile), and a few tuning runs. Prints the tables and
 * writes .artifacts/bench/bench-<timestamp>.json, bench/results/latest.json and latest.md.
 *
 * Baselines (bench/baseline/, own task queue, own worker in this process with WORKER_DEFAULTS):
 * `bare` (update-with-start + one update + finish, nothing else), and for the profile the same
 * four steps as the saga as no-op activities (`shaped`) and as no-op local activities.
 *
 * The stack is the bench's own (ports 35433/49092/37233, state in .state/bench, wiped at start and
 * stopped at the end; BENCH_KEEP_STACK=1 leaves it running), so nothing another test run does on
 * the shared servers lands in the numbers, and the shared servers are never restarted. The CPU is
 * shared all the same: the report records the load average.
 * The app runs as deployed: bin/api.ts, the worker (bench/worker-process.ts = bin/worker.ts with
 * tunable options) and the consumers as separate processes, LOG_LEVEL=info.
 *
 * Knobs: BENCH_SECONDS (per closed-loop level, default 12), BENCH_LEVELS (default 1,8,32,128),
 * BENCH_HALF_SECONDS (default 20), BENCH_SQL_SECONDS (default 3), BENCH_TUNING_CLIENTS (default 32),
 * BENCH_TUNING_REPEATS (pairs per change, default 2), BENCH_SKIP_TUNING=1, BENCH_TUNING_ONLY (names of
 * the tuning changes to run, comma-separated), BENCH_TRACING_REPEATS (tracing off/on/sampled rounds,
 * default 3), BENCH_TRACING_SECONDS (per tracing run, default 20), BENCH_TRACING_SAMPLE (the sampled
 * mode's share of requests, default 0.1), BENCH_SKIP_TRACING=1.
 *
 * BENCH_CLUSTER=1 or `npm run bench -- --cluster` runs bench/cluster.ts instead: sizing with 1 or 2
 * worker and API replicas on the production topology (stack/cluster/).
 *
 * The app processes run untraced (OTEL_TRACES_EXPORTER=none, bench/env.ts); the tracing section
 * (bench/lib/tracing.ts) restarts them traced into the bench stack's Zipkin and compares.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
// first: the bench's private stack (or, with --cluster, the topology's) settings, before anything reads the configuration
import { CLUSTER_MODE } from './env';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Partitioners } from 'kafkajs';
import type { Knex } from 'knex';
import { createApp } from '../api/app';
import { createNotificationHub, type NotificationHub } from '../api/notifications/hub';
import { ANALYTICS_GROUP } from '../consumers';
import { ANALYTICS_TOPICS } from '../consumers/analytics';
import { WORKER_DEFAULTS } from '../runtime/worker';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { createKafka } from '../shared/kafka';
import { createTemporalClient } from '../shared/temporal';
import { stackDown, stackUp } from '../stack';
import { readPid } from '../stack/proc';
import { clusterDir } from '../stack/postgres';
import { stateDir, stateFile } from '../stack/paths';
import { devServerArgs } from '../stack/temporal';
import { createProduct } from '../test/helpers/catalog';
import { listen, openSse, type SseClient } from '../test/helpers/sse';
import { createUser } from '../test/helpers/users';
import { APP_SPECS, AppProcesses, freePort, peakRssMiB, type AppSpec } from '../test/chaos/support/apps';
import { ApiClient } from '../test/chaos/support/http';
import { baselineActivities } from './baseline/activities';
import { baselineComplete, baselineReserve, type baselineWorkflow } from './baseline/workflows';
import { cpuSeconds, postmasterPid, profiled, snapshot, type CpuSnapshot } from './lib/cpu';
import { closedLoop, openLoop, type Lifecycle, type LoadResult } from './lib/loadgen';
import { groupLag, waitDrained } from './lib/lag';
import { reservationSql } from './lib/sql';
import { loadavg, machine, machineBusySeconds } from './lib/machine';
import { fmt, markdown, r1, type Report } from './lib/report';
import { SAGA_CONSUMER_GROUPS, sagaLifecycle } from './lib/saga';
import { TUNING_CHANGES, runTuning, type AppName } from './lib/tuning';
import { compareTracing } from './lib/tracing';
import { summarize } from './lib/stats';

const repo = resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS || 12);
const LEVELS = (process.env.BENCH_LEVELS || '1,8,32,128').split(',').map(Number);
const HALF_SECONDS = Number(process.env.BENCH_HALF_SECONDS || 20);
const SQL_SECONDS = Number(process.env.BENCH_SQL_SECONDS || 3);
const TUNING_CLIENTS = Number(process.env.BENCH_TUNING_CLIENTS || 32);
const TUNING_REPEATS = Number(process.env.BENCH_TUNING_REPEATS || 2);
/** tracing off/on/sampled rounds: odd, so the median is one round's figure */
const TRACING_REPEATS = Number(process.env.BENCH_TRACING_REPEATS || 3);
/** seconds per tracing run: longer than a level's, since its differences are smaller than a level's */
const TRACING_SECONDS = Number(process.env.BENCH_TRACING_SECONDS || 20);
/** the share of requests recorded in the tracing section's `sampled` mode (OTEL_TRACES_SAMPLER_ARG) */
const TRACING_SAMPLE = Number(process.env.BENCH_TRACING_SAMPLE || 0.1);
const BASELINE_QUEUE = 'bench-baseline';

const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);

async function pgSettings(db: Knex): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of ['server_version', 'synchronous_commit', 'fsync', 'shared_buffers', 'max_connections', 'wal_level']) {
    const { rows } = await db.raw<{ rows: Record<string, string>[] }>(`SHOW ${name}`);
    out[name] = Object.values(rows[0] ?? {})[0] ?? '';
  }
  return out;
}

function kafkaVersion(): string {
  return /<kafka\.version>([^<]+)</.exec(readFileSync(join(repo, 'infra', 'kafka', 'pom.xml'), 'utf8'))?.[1] ?? 'unknown';
}

class Bench {
  apps!: AppProcesses;
  api!: ApiClient;
  db!: Knex;
  temporal!: Client;
  token = '';
  adminToken = '';
  products: string[] = [];
  baselineWorker?: Worker;
  baselineRun?: Promise<void>;
  baselineConnection?: NativeConnection;
  admin = createKafka('-bench').admin();
  port = 0;
  metricsPort = 0;

  /** CPU seconds so far of each component (the app processes, the servers, this process). */
  cpu(): CpuSnapshot {
    const u = process.cpuUsage();
    return snapshot({
      'temporal server': () => cpuSeconds(readPid(stateFile('temporal', 'temporal.pid'))),
      kafka: () => cpuSeconds(readPid(stateFile('kafka', 'kafka.pid'))),
      postgres: () => cpuSeconds(postmasterPid(join(clusterDir(), 'data')), true),
      api: () => cpuSeconds(this.apps.pid('api')),
      worker: () => cpuSeconds(this.apps.pid('worker')),
      consumers: () => cpuSeconds(this.apps.pid('consumers')),
      // the trace backend: busy only while the app processes trace (the tracing section)
      zipkin: () => cpuSeconds(readPid(stateFile('zipkin', 'zipkin.pid'))),
      'bench (load, baseline worker)': () => (u.user + u.system) / 1e6,
      'whole machine': machineBusySeconds,
    });
  }

  /** Runs a load and profiles it: CPU ms per lifecycle per component, and how busy the machine was. */
  profiled(run: () => Promise<LoadResult>): Promise<{ result: LoadResult; cpuMsPerLifecycle: Record<string, number> }> {
    return profiled(() => this.cpu(), run);
  }

  workerSpec(options: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): AppSpec {
    return { script: 'bench/worker-process.ts', readyMarker: 'worker running', readyTimeoutMs: Number(process.env.BENCH_READY_TIMEOUT_MS || 90_000), env: { BENCH_WORKER_OPTIONS: JSON.stringify(options), ...env } };
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.metricsPort = await freePort();
    this.apps = new AppProcesses({
      dir: join(stateDir(), 'apps'),
      tag: 'bench',
      env: { ...process.env, LOG_LEVEL: 'info', PORT: String(this.port), WORKER_METRICS_ADDRESS: `127.0.0.1:${this.metricsPort}` },
    });
    await this.apps.run('migrate', APP_SPECS.migrate);
    await Promise.all([this.apps.start('worker', this.workerSpec()), this.apps.start('consumers', APP_SPECS.consumers), this.apps.start('api', APP_SPECS.api)]);
    this.api = new ApiClient(`http://127.0.0.1:${this.port}`);
    await this.api.waitReady();
    this.db = createDb();
    this.temporal = await createTemporalClient();
    await this.admin.connect();

    const staff = await createUser(this.db, { role: 'sales' });
    this.token = await this.api.login(staff.email, staff.password);
    const admin = await createUser(this.db, { role: 'admin' });
    this.adminToken = await this.api.login(admin.email, admin.password);
    // many products with plenty of stock: the lifecycle benchmark measures the saga, not one hot row
    for (let i = 0; i < 64; i++) this.products.push(await createProduct(this.db, 10_000_000, { price: 1000 + i }));

    Runtime.install({ logger: new DefaultLogger('WARN') });
    this.baselineConnection = await NativeConnection.connect({ address: getConfig().temporal.address });
    this.baselineWorker = await Worker.create({
      connection: this.baselineConnection,
      namespace: getConfig().temporal.namespace,
      taskQueue: BASELINE_QUEUE,
      workflowsPath: require.resolve('./baseline/workflows'),
      activities: baselineActivities,
      ...WORKER_DEFAULTS,
    });
    this.baselineRun = this.baselineWorker.run();
  }

  /** POST /sales (one random product) then PATCH …/status COMPLETED, as a client would. */
  saga(onCompleted?: (saleId: string, completedAt: string) => void): Lifecycle {
    return sagaLifecycle(this.api, this.token, this.products, onCompleted);
  }

  /** The same client pattern against the baseline workflow, straight through the Temporal client. */
  baseline(shape: 'bare' | 'shaped' | 'shaped-local'): Lifecycle {
    return {
      create: async () => {
        const id = randomUUID();
        const start = new WithStartWorkflowOperation<typeof baselineWorkflow>('baselineWorkflow', {
          workflowId: `bench-${id}`,
          taskQueue: BASELINE_QUEUE,
          args: [id, shape],
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
        await this.temporal.workflow.executeUpdateWithStart(baselineReserve, { args: [id], updateId: `reserve-${id}`, startWorkflowOperation: start });
        return id;
      },
      complete: async (created) => {
        await this.temporal.workflow.getHandle(`bench-${created as string}`).executeUpdate(baselineComplete, { args: [] });
      },
    };
  }

  async drain(label: string, timeoutMs = 180_000): Promise<{ ms?: number; lagAtStart: number }> {
    const { ms, lagAtStart } = await waitDrained(this.admin, SAGA_CONSUMER_GROUPS, timeoutMs);
    const total = Object.values(lagAtStart).reduce((a, b) => a + b, 0);
    say(`${label}: consumer lag ${total} records at load stop, drained in ${ms === undefined ? `> ${timeoutMs} ms` : `${ms} ms`}`);
    return { ms, lagAtStart: total };
  }

  /** Restarts the named app processes with these worker options (worker only) and environment. */
  async restartApps(names: AppName[], workerOptions: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<void> {
    for (const name of names) {
      await this.apps.stop(name);
      await this.apps.start(name, name === 'worker' ? this.workerSpec(workerOptions, env) : { ...APP_SPECS[name], env });
    }
    if (names.includes('api')) await this.api.waitReady();
  }

  /** An SSE stream of the admin's notifications: the API's own, or the project's hub served here. */
  async sse(): Promise<{ client: SseClient; via: string; close(): Promise<void> }> {
    const direct = await openSse(`${this.api.baseUrl}/notifications/stream`, { Authorization: `Bearer ${this.adminToken}` });
    if (direct.status === 200) return { client: direct, via: 'GET /notifications/stream of bin/api.ts', close: async () => direct.close() };
    direct.close();
    // bin/api.ts does not serve the stream (503: no notification hub wired into runtime/api-server.ts):
    // serve the same route with the project's hub (api/notifications/hub.ts) from this process
    say(`bin/api.ts answers ${direct.status} on /notifications/stream; serving the route with the project's hub from the bench process`);
    const hub: NotificationHub = await createNotificationHub({ db: this.db });
    const kafka = createKafka('-bench-sse');
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const server = await listen(createApp({ db: this.db, kafkaAdmin: this.admin, producer, temporal: this.temporal, notificationHub: hub }));
    const client = await openSse(`${server.url}/notifications/stream`, { Authorization: `Bearer ${this.adminToken}` });
    if (client.status !== 200) throw new Error(`SSE stream answered ${client.status}: ${client.errorBody}`);
    return {
      client,
      via: `GET /notifications/stream served in the bench process (api/notifications/hub.ts; bin/api.ts answered ${direct.status})`,
      close: async () => {
        client.close();
        await server.close();
        await hub.close();
        await producer.disconnect();
      },
    };
  }

  async stop(): Promise<void> {
    this.baselineWorker?.shutdown();
    await this.baselineRun?.catch(() => undefined);
    await this.baselineConnection?.close();
    await this.admin.disconnect().catch(() => undefined);
    await this.apps?.stopAll();
    await this.temporal?.connection.close();
    await this.db?.destroy();
  }
}

async function main(): Promise<void> {
  // BENCH_CLUSTER=1 or --cluster: sizing on the production topology instead (bench/cluster.ts)
  if (CLUSTER_MODE) return (await import('./cluster')).clusterSizing();
  const started = Date.now();
  const startedAt = new Date().toISOString();
  const keepStack = process.env.BENCH_KEEP_STACK === '1';
  say(`private stack in ${stateDir()} (fresh)`);
  AppProcesses.killLeftovers(join(stateDir(), 'apps'), stateDir());
  await stackDown();
  rmSync(clusterDir(), { recursive: true, force: true });
  rmSync(stateDir(), { recursive: true, force: true });
  await stackUp();

  const bench = new Bench();
  const report: Report = {
    startedAt,
    loadAverage: { start: loadavg(), end: '' },
    durationS: 0,
    machine: machine(),
    settings: {},
    levels: [],
    tuning: [],
    sql: [],
    peakRssMiB: {},
    targets: [],
  };
  try {
    await bench.start();
    const cfg = getConfig();
    report.settings = {
      temporalDevServer: devServerArgs(),
      sqlitePragmas: devServerArgs().flatMap((a, i, all) => (all[i - 1] === '--sqlite-pragma' ? [a] : [])),
      worker: { ...WORKER_DEFAULTS, note: 'SDK defaults otherwise (pollers: min(10, slots)); the baseline worker uses the same' },
      postgres: await pgSettings(bench.db),
      kafka: {
        version: kafkaVersion(),
        partitions: cfg.kafka.partitions,
        producer: 'idempotent, maxInFlightRequests 1, acks -1, one sendBatch per saga step (shared/kafka.ts, activities/publish.ts)',
        consumers: { ...cfg.kafka.consumer, note: 'commitIntervalMs 0 = commit after every batch (consumers/runner.ts)' },
      },
      app: { databasePoolMax: cfg.database.poolMax, logLevel: 'info', reservationTtlSeconds: cfg.saga.reservationTtlSeconds, processes: 'bin/api.ts, worker, consumers: one process each' },
      durations: { levelSeconds: SECONDS, halfLoadSeconds: HALF_SECONDS, sqlSeconds: SQL_SECONDS },
    };

    say('warm-up');
    await closedLoop(bench.saga(), 8, 4);
    await closedLoop(bench.baseline('bare'), 8, 3);
    await closedLoop(bench.baseline('shaped'), 8, 3);
    await closedLoop(bench.baseline('shaped-local'), 8, 3);
    await bench.drain('warm-up');

    for (const c of LEVELS) {
      const { result: saga, cpuMsPerLifecycle: sagaCpu } = await bench.profiled(() => closedLoop(bench.saga(), c, SECONDS));
      say(`saga    c=${c}: ${saga.throughput}/s create ${fmt(saga.create)} complete ${fmt(saga.complete)} errors ${saga.errors} ${saga.errorSamples[0] ?? ''}`);
      const drain = await bench.drain(`after saga c=${c}`);
      const { result: bare, cpuMsPerLifecycle: bareCpu } = await bench.profiled(() => closedLoop(bench.baseline('bare'), c, SECONDS));
      say(`bare    c=${c}: ${bare.throughput}/s create ${fmt(bare.create)} complete ${fmt(bare.complete)} errors ${bare.errors}`);
      const { result: shaped, cpuMsPerLifecycle: shapedCpu } = await bench.profiled(() => closedLoop(bench.baseline('shaped'), c, SECONDS));
      say(`shaped  c=${c}: ${shaped.throughput}/s create ${fmt(shaped.create)} complete ${fmt(shaped.complete)} errors ${shaped.errors}`);
      const { result: local, cpuMsPerLifecycle: localCpu } = await bench.profiled(() => closedLoop(bench.baseline('shaped-local'), c, SECONDS));
      say(`local   c=${c}: ${local.throughput}/s create ${fmt(local.create)} complete ${fmt(local.complete)} errors ${local.errors}`);
      report.levels.push({ concurrency: c, saga, bare, shaped, local, drainMs: drain.ms, lagAtStop: drain.lagAtStart, cpuMsPerLifecycle: { saga: sagaCpu, bare: bareCpu, shaped: shapedCpu, local: localCpu } });
    }

    // half of the saga's saturating throughput, the same rate for the baseline
    const peak = report.levels.reduce((best, l) => (l.saga.throughput > best.saga.throughput ? l : best), report.levels[0]!);
    const rate = Math.max(1, r1(peak.saga.throughput / 2));
    const sse = await bench.sse();
    const completedAt = new Map<string, { response: number; occurred: number }>();
    const halfSaga = await openLoop(bench.saga((id, at) => completedAt.set(id, { response: Date.now(), occurred: Date.parse(at) })), rate, HALF_SECONDS);
    say(`half load ${rate}/s saga: create ${fmt(halfSaga.create)} complete ${fmt(halfSaga.complete)}`);
    const drainHalf = await bench.drain('after half-load saga');
    await new Promise((r) => setTimeout(r, 1_000));
    const fromResponse: number[] = [];
    const fromOccurred: number[] = [];
    let missing = 0;
    const arrivals = new Map<string, number>();
    for (const e of sse.client.events) {
      const n = JSON.parse(e.data) as { kind: string; saleId: string | null; status: string };
      if (n.kind === 'sale' && n.status === 'COMPLETED' && n.saleId && !arrivals.has(n.saleId)) arrivals.set(n.saleId, e.receivedAt);
    }
    for (const [id, t] of completedAt) {
      const at = arrivals.get(id);
      if (at === undefined) missing += 1;
      else {
        fromResponse.push(at - t.response);
        fromOccurred.push(at - t.occurred);
      }
    }
    await sse.close();
    const halfBare = await openLoop(bench.baseline('bare'), rate, HALF_SECONDS);
    say(`half load ${rate}/s bare: create ${fmt(halfBare.create)} complete ${fmt(halfBare.complete)}`);
    report.halfLoad = {
      ratePerS: rate,
      saga: halfSaga,
      bare: halfBare,
      notification: { via: sse.via, fromResponse: summarize(fromResponse), fromOccurredAt: summarize(fromOccurred), missing, drainMs: drainHalf.ms },
    };
    say(`notification latency from response ${fmt(report.halfLoad.notification.fromResponse)} ms, from occurred_at ${fmt(report.halfLoad.notification.fromOccurredAt)} ms, ${missing} missing`);

    if (process.env.BENCH_SKIP_TUNING !== '1') {
      // BENCH_TUNING_ONLY=name,name: just these changes (e.g. a before/after pair of one change)
      const only = process.env.BENCH_TUNING_ONLY?.split(',').map((n) => n.trim());
      const changes = only ? TUNING_CHANGES.filter((c) => only.includes(c.name)) : TUNING_CHANGES;
      report.tuning = await runTuning(bench, { changes, clients: TUNING_CLIENTS, seconds: SECONDS, repeats: TUNING_REPEATS, say });
    }

    if (process.env.BENCH_SKIP_TRACING !== '1') {
      // at the saga's peak level of this run
      const peakLevel = report.levels.reduce((best, l) => (l.saga.throughput > best.saga.throughput ? l : best), report.levels[0]!);
      report.tracing = await compareTracing(bench, { clients: peakLevel.concurrency, seconds: TRACING_SECONDS, repeats: TRACING_REPEATS, sampleRatio: TRACING_SAMPLE, say, loadavg });
    }

    say('reservation SQL');
    const hot = await createProduct(bench.db, 100_000_000, { lowStockThreshold: 2 });
    report.sql = await reservationSql(getConfig().database.url, hot, [1, 8, 32], SQL_SECONDS);
    for (const s of report.sql) say(`sql ${s.statement} x${s.connections}: ${s.opsPerS} ops/s`);

    // peak RSS of the app processes (and, for context, the servers and this process)
    const peaks = bench.apps.peaks();
    report.peakRssMiB = {
      api: peaks.api ?? 0,
      worker: peaks.worker ?? 0,
      consumers: peaks.consumers ?? 0,
      'bench process (load + baseline worker)': peakRssMiB(process.pid) ?? 0,
      'temporal dev server': peakRssMiB(readPid(stateFile('temporal', 'temporal.pid'))) ?? 0,
      kafka: peakRssMiB(readPid(stateFile('kafka', 'kafka.pid'))) ?? 0,
    };
    // lag must be 0 at the end (nothing lost); recorded for the report
    const finalLag = await groupLag(bench.admin, ANALYTICS_GROUP, [...ANALYTICS_TOPICS]);
    report.settings.finalAnalyticsLag = finalLag;
  } finally {
    await bench.stop().catch((err: unknown) => say(`stopping: ${(err as Error).message}`));
    if (!keepStack) await stackDown();
  }

  // targets
  const atPeak = report.levels.reduce((best, l) => (l.saga.throughput > best.saga.throughput ? l : best), report.levels[0]!);
  const bestRatio = Math.max(...report.levels.map((l) => l.saga.throughput / l.bare.throughput));
  report.targets.push({
    name: 'saga throughput vs bare baseline',
    target: '≥ 0.8×',
    value: `${r1(atPeak.saga.throughput / atPeak.bare.throughput)}× at ${atPeak.concurrency} clients (saga peak ${atPeak.saga.throughput}/s vs ${atPeak.bare.throughput}/s); best level ${r1(bestRatio)}×`,
    met: atPeak.saga.throughput / atPeak.bare.throughput >= 0.8,
  });
  if (report.halfLoad) {
    const h = report.halfLoad;
    report.targets.push({ name: 'create p99 at half load', target: '≤ 2× baseline p99', value: `${h.saga.create.p99} ms vs ${h.bare.create.p99} ms (${r1(h.saga.create.p99 / h.bare.create.p99)}×)`, met: h.saga.create.p99 <= 2 * h.bare.create.p99 });
    report.targets.push({ name: 'notification p99 at half load', target: '≤ 100 ms', value: `${h.notification.fromResponse.p99} ms from the response, ${h.notification.fromOccurredAt.p99} ms from occurred_at`, met: h.notification.fromResponse.p99 <= 100 });
  }
  const worst = Math.min(
    ...[...new Set(report.sql.map((s) => s.connections))].map((c) => {
      const p = report.sql.find((s) => s.connections === c && s.statement.startsWith('project (applyStockChange'))!;
      const u = report.sql.find((s) => s.connections === c && s.statement.startsWith('plain'))!;
      return p.opsPerS / u.opsPerS;
    }),
  );
  if (report.tracing) {
    const t = report.tracing;
    const rounds = `median of ${t.rounds.length} rounds at ${t.concurrency} clients`;
    // judged host-adjusted when the runs allow it (bench/lib/host-speed.ts); the raw figure beside it
    const overhead = (mode: 'on' | 'sampled') =>
      t.hostAdjustedOverheadPct ? `${t.hostAdjustedOverheadPct[mode]} % host-adjusted, ${t.throughputOverheadPct[mode]} % raw` : `${t.throughputOverheadPct[mode]} %`;
    report.targets.push({
      name: 'tracing overhead on saga throughput, every request traced',
      target: '≤ 10 %',
      value: `${overhead('on')} (${rounds}; app CPU ${t.appCpuMsPerLifecycle.off} → ${t.appCpuMsPerLifecycle.on} ms / lifecycle)`,
      met: (t.hostAdjustedOverheadPct?.on ?? t.throughputOverheadPct.on) <= 10,
    });
    report.targets.push({
      name: `tracing overhead on saga throughput, ${t.sampleRatio} of requests traced`,
      target: '≤ 10 %',
      value: `${overhead('sampled')} (${rounds}; app CPU ${t.appCpuMsPerLifecycle.off} → ${t.appCpuMsPerLifecycle.sampled} ms / lifecycle)`,
      met: (t.hostAdjustedOverheadPct?.sampled ?? t.throughputOverheadPct.sampled) <= 10,
    });
  }
  report.targets.push({ name: 'reservation SQL vs plain UPDATE', target: '≥ 0.5×', value: `worst level ${r1(worst)}×`, met: worst >= 0.5 });
  report.durationS = (Date.now() - started) / 1000;
  report.loadAverage.end = loadavg();

  const md = markdown(report);
  const outDir = join(repo, '.artifacts', 'bench');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `bench-${startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  copyFileSync(file, join(repo, 'bench', 'results', 'latest.json'));
  writeFileSync(join(repo, 'bench', 'results', 'latest.md'), md);
  process.stdout.write(`\n${md}\nwritten: ${file}, bench/results/latest.json, bench/results/latest.md\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[bench] failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
