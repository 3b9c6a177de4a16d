/**
 * `npx tsx bench/profile.ts` (issue #14): where a sale's lifecycle spends its CPU, and whether a
 * change lowers it. The saga through REST (POST /sales, PATCH COMPLETED) in a closed loop, on the
 * bench's private stack (bench/env.ts: BENCH_* ports and state dir), measured per process from /proc
 * like `npm run bench`, plus:
 * - PostgreSQL's pg_stat_statements (calls and time per statement per lifecycle);
 * - the broker's request counts per lifecycle (Kafka's RequestMetrics over JMX, read with the
 *   JmxTool of the cached Kafka distribution);
 * - with PROFILE_CPU_PROF=1, `node --cpu-prof` on the api, worker and consumers, summarised into
 *   self time per module and function (bench/lib/cpuprofile.ts).
 * Code versions are compared in interleaved pairs: PROFILE_TREES="before=/path/to/a/checkout,after=."
 * runs the app processes of each tree in turn (same stack, same data), PROFILE_PAIRS times, the order
 * rotating from one pair to the next.
 * A tree may carry settings of its own after a colon, so one checkout is compared with itself under
 * two configurations: PROFILE_TREES="off=.:OTEL_TRACES_EXPORTER=none,on=.:OTEL_TRACES_EXPORTER=zipkin"
 * (several settings joined by `;`).
 * Writes .artifacts/bench/profile-<timestamp>.json and .md. Other knobs: PROFILE_SECONDS (20),
 * PROFILE_CLIENTS (32), PROFILE_REUSE_STACK=1, BENCH_KAFKA_JMX_PORT (BENCH_KAFKA_PORT + 2).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import './env';
import knex, { type Knex } from 'knex';
import { ANALYTICS_GROUP, NOTIFY_GROUPS } from '../consumers';
import { ANALYTICS_TOPICS } from '../consumers/analytics';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { createKafka } from '../shared/kafka';
import { EVENT_TOPICS } from '../shared/topics';
import { stackDown, stackUp } from '../stack';
import { clusterDir, startPostgres, stopPostgres } from '../stack/postgres';
import { stateDir, stateFile } from '../stack/paths';
import { readPid } from '../stack/proc';
import { createProduct } from '../test/helpers/catalog';
import { createUser } from '../test/helpers/users';
import { APP_SPECS, AppProcesses, freePort } from '../test/chaos/support/apps';
import { ApiClient } from '../test/chaos/support/http';
import { cpuSeconds, perUnit, postmasterPid, snapshot, type CpuSnapshot } from './lib/cpu';
import { hostAdjustedOverheadPct, type HostSample } from './lib/host-speed';
import { profileMarkdown, summarizeProfile } from './lib/cpuprofile';
import { waitDrained } from './lib/lag';
import { closedLoop, type Lifecycle } from './lib/loadgen';
import { median, signedPct } from './lib/stats';

const repo = resolve(__dirname, '..');
const SECONDS = Number(process.env.PROFILE_SECONDS || 20);
const CLIENTS = Number(process.env.PROFILE_CLIENTS || 32);
const PAIRS = Number(process.env.PROFILE_PAIRS || 1);
const CPU_PROF = process.env.PROFILE_CPU_PROF === '1';
/** PROFILE_REUSE_STACK=1: keep a running bench stack and its data instead of starting fresh */
const REUSE_STACK = process.env.PROFILE_REUSE_STACK === '1';
const JMX_PORT = Number(process.env.BENCH_KAFKA_JMX_PORT || Number(process.env.LOCAL_KAFKA_PORT) + 2);
const TREES = (process.env.PROFILE_TREES || 'current=.').split(',').map((t) => {
  const [name, rest = '.'] = t.split(/=(.*)/s);
  const [dir, settings = ''] = rest.split(/:(.*)/s);
  const env = Object.fromEntries(settings.split(';').filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
  return { name: name!, dir: resolve(repo, dir ?? '.'), env: env as NodeJS.ProcessEnv };
});
const APPS = ['worker', 'consumers', 'api'] as const;
const say = (m: string) => process.stderr.write(`[profile] ${m}\n`);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const GROUPS: Record<string, string[]> = {
  [NOTIFY_GROUPS.admin]: [...EVENT_TOPICS],
  [NOTIFY_GROUPS.sales]: [...EVENT_TOPICS],
  [NOTIFY_GROUPS.customers]: [...EVENT_TOPICS],
  [ANALYTICS_GROUP]: [...ANALYTICS_TOPICS],
};

function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) / 100;
}

/** Kafka's request counts by request type (cumulative since the broker started). */
function kafkaRequests(): Record<string, number> {
  const libs = join(process.env.HOME ?? '/root', '.cache', 'sales-saga', 'kafka-3.9.1', 'libs');
  try {
    const out = execFileSync(
      'java',
      ['-cp', `${libs}/*`, 'org.apache.kafka.tools.JmxTool', '--jmx-url', `service:jmx:rmi:///jndi/rmi://127.0.0.1:${JMX_PORT}/jmxrmi`, '--object-name', 'kafka.network:type=RequestMetrics,name=RequestsPerSec,*', '--attributes', 'Count', '--one-time', 'true', '--report-format', 'properties'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const counts: Record<string, number> = {};
    for (const m of out.matchAll(/request=([A-Za-z]+)(?:,version=\d+)?:Count=(\d+)/g)) counts[m[1]!] = (counts[m[1]!] ?? 0) + Number(m[2]);
    return counts;
  } catch (err) {
    say(`JMX read failed: ${(err as Error).message.slice(0, 200)}`);
    return {};
  }
}

/** JMX on the running broker only (the stack's other JVMs, e.g. Zipkin, are left alone). */
function jmxAgent(): void {
  const pid = String(readPid(stateFile('kafka', 'kafka.pid')));
  try {
    execFileSync('jcmd', [pid, 'ManagementAgent.start', `jmxremote.port=${JMX_PORT}`, `jmxremote.rmi.port=${JMX_PORT}`, 'jmxremote.authenticate=false', 'jmxremote.ssl=false'], { stdio: 'ignore' });
  } catch {
    say('JMX agent not started (a reused broker may have it already)');
  }
}

/** A superuser connection to the app's database (trust auth on the private cluster). */
function superuserDb(): Knex {
  const url = new URL(getConfig().database.url);
  url.username = 'postgres';
  url.password = '';
  return knex({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 } });
}

async function enableStatStatements(): Promise<void> {
  let su = superuserDb();
  await su.raw(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
  await su.destroy();
  stopPostgres();
  await startPostgres();
  su = superuserDb();
  await su.raw('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await su.destroy();
}

interface Statement {
  query: string;
  callsPerLifecycle: number;
  msPerLifecycle: number;
  rowsPerCall: number;
}

async function statStatements(su: Knex, lifecycles: number): Promise<Statement[]> {
  const { rows } = await su.raw<{ rows: { query: string; calls: string; total_exec_time: number; rows: string }[] }>(
    `SELECT query, calls, total_exec_time, rows FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC`,
  );
  return rows
    .filter((r) => !/pg_stat_statements/.test(r.query))
    .map((r) => ({
      query: r.query.replace(/\s+/g, ' ').slice(0, 160),
      callsPerLifecycle: Math.round((Number(r.calls) / lifecycles) * 100) / 100,
      msPerLifecycle: Math.round((r.total_exec_time / lifecycles) * 1000) / 1000,
      rowsPerCall: Math.round((Number(r.rows) / Math.max(1, Number(r.calls))) * 10) / 10,
    }))
    .filter((s) => s.callsPerLifecycle >= 0.05);
}

interface RunResult {
  tree: string;
  pair: number;
  loadBefore: string;
  loadAfter: string;
  lifecycles: number;
  throughput: number;
  errors: number;
  cpuMsPerLifecycle: Record<string, number>;
  kafkaRequestsPerLifecycle: Record<string, number>;
  statements: Statement[];
  profiles: Record<string, string>;
}

async function main(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(repo, '.artifacts', 'bench');
  const profDir = join(outDir, `cpuprof-${stamp}`);
  mkdirSync(outDir, { recursive: true });
  AppProcesses.killLeftovers(join(stateDir(), 'apps'), stateDir());
  if (!REUSE_STACK) {
    await stackDown();
    rmSync(clusterDir(), { recursive: true, force: true });
    rmSync(stateDir(), { recursive: true, force: true });
  }
  await stackUp();
  jmxAgent();
  await enableStatStatements();

  const port = await freePort();
  const apps = new AppProcesses({ dir: join(stateDir(), 'apps'), tag: 'profile', env: { ...process.env, LOG_LEVEL: 'info', PORT: String(port), WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}` } });
  await apps.run('migrate', APP_SPECS.migrate);
  const db = createDb();
  const su = superuserDb();
  const admin = createKafka('-profile').admin();
  await admin.connect();
  const api = new ApiClient(`http://127.0.0.1:${port}`);
  const products: string[] = [];
  for (let i = 0; i < 64; i++) products.push(await createProduct(db, 10_000_000, { price: 1000 + i }));
  const staff = await createUser(db, { role: 'sales' });
  let token = '';

  const saga: Lifecycle = {
    create: async () => {
      const productId = products[Math.floor(Math.random() * products.length)]!;
      const res = await api.request<{ id: string }>('POST', '/sales', { token, body: { customerName: 'Bench Customer', customerEmail: 'bench@example.com', items: [{ productId, quantity: 1 }] }, timeoutMs: 60_000 });
      if (res.status !== 201) throw new Error(`POST /sales ${res.status || res.error} ${JSON.stringify(res.body).slice(0, 200)}`);
      return res.body.id;
    },
    complete: async (id) => {
      const res = await api.request('PATCH', `/sales/${id as string}/status`, { token, body: { status: 'COMPLETED', paymentMethod: 'CASH' }, timeoutMs: 60_000 });
      if (res.status !== 200) throw new Error(`PATCH ${res.status || res.error} ${JSON.stringify(res.body).slice(0, 200)}`);
    },
  };

  const cpu = (): CpuSnapshot =>
    snapshot({
      'temporal server': () => cpuSeconds(readPid(stateFile('temporal', 'temporal.pid'))),
      kafka: () => cpuSeconds(readPid(stateFile('kafka', 'kafka.pid'))),
      postgres: () => cpuSeconds(postmasterPid(join(clusterDir(), 'data')), true),
      api: () => cpuSeconds(apps.pid('api')),
      worker: () => cpuSeconds(apps.pid('worker')),
      consumers: () => cpuSeconds(apps.pid('consumers')),
      // the trace backend, busy only while a tree runs traced
      zipkin: () => cpuSeconds(readPid(stateFile('zipkin', 'zipkin.pid'))),
      'profile driver (load)': () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      },
      'whole machine': machineBusySeconds,
    });

  const runs: RunResult[] = [];
  try {
    for (let pair = 1; pair <= PAIRS; pair++) {
      // the order rotates from pair to pair (a, b; b, a; …): the servers' data grows and the machine
      // drifts over a long run, which would otherwise always fall on the same side
      for (const tree of TREES.map((_, k) => TREES[(k + pair - 1) % TREES.length]!)) {
        const tag = `${tree.name}-${pair}`;
        for (const name of APPS) {
          await apps.stop(name);
          const spec = APP_SPECS[name];
          const dir = join(profDir, tag, name);
          const nodeArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
          // the worker bundles its workflows at start: minutes on a loaded machine
          await apps.start(name, { ...spec, script: join(tree.dir, spec.script), env: tree.env, nodeArgs, readyTimeoutMs: 300_000 });
        }
        await api.waitReady();
        token = await api.login(staff.email, staff.password);
        say(`${tag}: warm-up`);
        await closedLoop(saga, 8, 4);
        await waitDrained(admin, GROUPS, 60_000);
        await su.raw('SELECT pg_stat_statements_reset()');
        const kafkaBefore = kafkaRequests();
        const loadBefore = loadavg();
        const before = cpu();
        // V8 profile timestamps and hrtime read the same monotonic clock: the profile is cut to this window
        const windowUs = { start: Number(process.hrtime.bigint() / 1000n), end: 0 };
        const result = await closedLoop(saga, CLIENTS, SECONDS);
        // the consumers' share includes the records still in flight when the load stops
        await waitDrained(admin, GROUPS, 60_000);
        const after = cpu();
        windowUs.end = Number(process.hrtime.bigint() / 1000n);
        const kafkaAfter = kafkaRequests();
        const cpuMs = perUnit(before, after, result.finished);
        const kafkaPer: Record<string, number> = {};
        for (const [k, v] of Object.entries(kafkaAfter)) {
          const d = v - (kafkaBefore[k] ?? 0);
          if (d > 0) kafkaPer[k] = Math.round((d / result.finished) * 100) / 100;
        }
        const statements = await statStatements(su, result.finished);
        const profiles: Record<string, string> = {};
        if (CPU_PROF) {
          for (const name of APPS) {
            await apps.stop(name);
            const dir = join(profDir, tag, name);
            // one file per thread: the main thread, tsx's loader thread, the worker's workflow threads
            for (const file of existsSync(dir) ? readdirSync(dir) : []) {
              const thread = /\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(file)?.[1] ?? '?';
              const summary = summarizeProfile(join(dir, file), 25, windowUs);
              if (summary.busyMs >= 100) profiles[`${name}-${thread}`] = profileMarkdown(`${name}, thread ${thread} (${tag})`, summary, result.finished);
            }
          }
        }
        runs.push({ tree: tree.name, pair, loadBefore, loadAfter: loadavg(), lifecycles: result.lifecycles, throughput: result.throughput, errors: result.errors, cpuMsPerLifecycle: cpuMs, kafkaRequestsPerLifecycle: kafkaPer, statements, profiles });
        say(`${tag}: ${result.throughput}/s, ${result.finished} finished, errors ${result.errors} ${result.errorSamples[0] ?? ''}; load ${loadBefore} → ${loadavg()}; CPU ms/lifecycle ${JSON.stringify(cpuMs)}; kafka ${JSON.stringify(kafkaPer)}`);
      }
    }
  } finally {
    await apps.stopAll();
    await admin.disconnect().catch(() => undefined);
    await su.destroy();
    await db.destroy();
    if (process.env.BENCH_KEEP_STACK !== '1') await stackDown();
  }
  writeFileSync(join(outDir, `profile-${stamp}.json`), `${JSON.stringify(runs, null, 2)}\n`);
  writeFileSync(join(outDir, `profile-${stamp}.md`), report(runs));
  process.stdout.write(`${report(runs)}\nwritten: .artifacts/bench/profile-${stamp}.{json,md}\n`);
}

const hostSample = (r: RunResult): HostSample => ({ throughput: r.throughput, cpuMsPerLifecycle: r.cpuMsPerLifecycle });

/** Each other tree's throughput against the first tree's run of the same pair: raw and host-adjusted. */
function againstFirstTree(runs: RunResult[]): string[] {
  const [first, ...others] = TREES;
  if (!first || others.length === 0) return [];
  const lines = [`## Throughput against ${first.name} in the same pair (raw Δ; host-adjusted Δ, bench/lib/host-speed.ts)`, ''];
  for (const tree of others) {
    const pairs: string[] = [];
    const adjusted: number[] = [];
    for (const run of runs.filter((r) => r.tree === tree.name)) {
      const base = runs.find((r) => r.tree === first.name && r.pair === run.pair);
      if (!base) continue;
      const a = hostAdjustedOverheadPct(hostSample(run), hostSample(base));
      if (a !== undefined) adjusted.push(-a);
      pairs.push(`#${run.pair} ${signedPct((run.throughput / base.throughput - 1) * 100)}; ${a === undefined ? '–' : signedPct(-a)}`);
    }
    lines.push(`- ${tree.name}: ${pairs.join(' · ')}${adjusted.length ? `; host-adjusted median ${signedPct(median(adjusted))}` : ''}`);
  }
  return [...lines, ''];
}

function report(runs: RunResult[]): string {
  const procs = Object.keys(runs[0]?.cpuMsPerLifecycle ?? {});
  const lines = [
    `## CPU ms per lifecycle by process (closed loop, ${CLIENTS} clients, ${SECONDS} s per run)`,
    '',
    `| run | load avg before → after | lifecycles/s | errors | ${procs.join(' | ')} |`,
    `|---|---|---|---|${procs.map(() => '---').join('|')}|`,
    ...runs.map((r) => `| ${r.tree} #${r.pair} | ${r.loadBefore} → ${r.loadAfter} | ${r.throughput} | ${r.errors} | ${procs.map((p) => r.cpuMsPerLifecycle[p]).join(' | ')} |`),
    '',
    ...againstFirstTree(runs),
    '## Kafka requests per lifecycle (broker RequestMetrics)',
    '',
    ...runs.map((r) => `- ${r.tree} #${r.pair}: ${Object.entries(r.kafkaRequestsPerLifecycle).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`),
    '',
  ];
  for (const r of runs.filter((x) => x.pair === 1)) {
    lines.push(`## PostgreSQL statements per lifecycle (${r.tree}; pg_stat_statements, top 25 by time)`, '', '| statement | calls / lifecycle | ms / lifecycle | rows / call |', '|---|---|---|---|');
    for (const s of r.statements.slice(0, 25)) lines.push(`| \`${s.query.replace(/\|/g, '\\|')}\` | ${s.callsPerLifecycle} | ${s.msPerLifecycle} | ${s.rowsPerCall} |`);
    const calls = r.statements.reduce((a, s) => a + s.callsPerLifecycle, 0);
    lines.push('', `all statements: ${Math.round(calls * 10) / 10} calls per lifecycle, ${Math.round(r.statements.reduce((a, s) => a + s.msPerLifecycle, 0) * 100) / 100} ms execution per lifecycle`, '');
    for (const p of Object.values(r.profiles)) lines.push(p);
  }
  return `${lines.join('\n')}\n`;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[profile] failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
