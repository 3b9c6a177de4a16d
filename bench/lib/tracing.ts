/**
 * Tracing on vs off (issue #16): the saga in a closed loop at the peak level, with the three app
 * processes restarted untraced (OTEL_TRACES_EXPORTER=none: no SDK loaded), traced with every request
 * recorded (=zipkin into the bench stack's Zipkin, the default ratio 1) and traced as in production:
 * a sample of requests recorded (OTEL_TRACES_SAMPLER_ARG=BENCH_TRACING_SAMPLE, default 0.1), their
 * spans sent every 5 s (OTEL_BSP_SCHEDULE_DELAY, production's default), in interleaved rounds
 * whose order rotates, so the slow drift of a long bench and the machine's other work fall on every
 * side alike. Reported per round and as medians: the overhead on saga throughput of each traced
 * mode, and CPU ms per lifecycle of the app processes (api + worker + consumers), of Zipkin, and of
 * the whole machine.
 *
 * The host's speed drifts by more than tracing costs, so each round also gives the overhead
 * host-adjusted (bench/lib/host-speed.ts: the Temporal server's and PostgreSQL's CPU per second as
 * throughput at a fixed host speed).
 */
import { hostAdjustedOverheadPct, referenceCpuMs, type HostSample } from './host-speed';
import type { LoadResult } from './loadgen';
import { closedLoop } from './loadgen';
import { median, signedPct } from './stats';
import type { TuningBench } from './tuning';

export type TracingMode = 'off' | 'on' | 'sampled';
const MODES: TracingMode[] = ['off', 'on', 'sampled'];

const WARM_UP_SECONDS = 5;

/** production's OTEL_BSP_SCHEDULE_DELAY (shared/config.ts), which the sampled mode runs with */
const SAMPLED_EXPORT_DELAY_MS = 5000;

export function tracingEnv(sampleRatio: number): Record<TracingMode, NodeJS.ProcessEnv> {
  return {
    off: { OTEL_TRACES_EXPORTER: 'none' },
    on: { OTEL_TRACES_EXPORTER: 'zipkin', OTEL_TRACES_SAMPLER_ARG: '1' },
    // production's tracing: a sample, sent every 5 s (the bench's APP_ENV=development would send every second)
    sampled: { OTEL_TRACES_EXPORTER: 'zipkin', OTEL_TRACES_SAMPLER_ARG: String(sampleRatio), OTEL_BSP_SCHEDULE_DELAY: String(SAMPLED_EXPORT_DELAY_MS) },
  };
}

export interface TracingRun {
  mode: TracingMode;
  result: LoadResult;
  /** CPU ms per lifecycle: the app processes (api + worker + consumers), Zipkin, the whole machine */
  appCpuMs: number;
  zipkinCpuMs: number;
  machineCpuMs: number;
  /** CPU ms per lifecycle of every process measured (absent in results before 3 Dec) */
  byProcessCpuMs?: Record<string, number>;
  loadAverage: string;
}

export interface TracingComparison {
  concurrency: number;
  seconds: number;
  /** the share of requests recorded in the `sampled` mode */
  sampleRatio: number;
  /** the sampled mode's OTEL_BSP_SCHEDULE_DELAY (absent in results recorded before it was set: 1000) */
  sampledExportDelayMs?: number;
  /** seconds at the run's load before each measured run (absent in earlier results: 2 s at 8 clients) */
  warmUpSeconds?: number;
  rounds: Record<TracingMode, TracingRun>[];
  /** medians over the rounds; overhead = 1 − traced/off throughput, in % */
  throughputOverheadPct: { on: number; sampled: number };
  /** medians over the rounds of the overhead host-adjusted (bench/lib/host-speed.ts) (absent in results before 3 Dec) */
  hostAdjustedOverheadPct?: { on: number; sampled: number };
  appCpuMsPerLifecycle: Record<TracingMode, number>;
  machineCpuMsPerLifecycle: Record<TracingMode, number>;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** A run as bench/lib/host-speed.ts takes it. */
export const hostSample = (run: TracingRun): HostSample => ({ throughput: run.result.throughput, cpuMsPerLifecycle: run.byProcessCpuMs });

export async function compareTracing(
  bench: TuningBench,
  options: { clients: number; seconds: number; repeats: number; sampleRatio: number; say: (m: string) => void; loadavg: () => string },
): Promise<TracingComparison> {
  const { clients, seconds, say, sampleRatio } = options;
  const env = tracingEnv(sampleRatio);
  const run = async (mode: TracingMode, label: string): Promise<TracingRun> => {
    await bench.restartApps(['api', 'worker', 'consumers'], {}, env[mode]);
    // a freshly started process's first requests are slow, a traced one's more (more code to compile):
    // the measured run is the steady state, after this many seconds at its own load
    await closedLoop(bench.saga(), clients, WARM_UP_SECONDS);
    await bench.drain(`before tracing ${label}`);
    const loadAverage = options.loadavg();
    const { result, cpuMsPerLifecycle: cpu } = await bench.profiled(() => closedLoop(bench.saga(), clients, seconds));
    await bench.drain(`after tracing ${label}`);
    const appCpuMs = r1((cpu.api ?? 0) + (cpu.worker ?? 0) + (cpu.consumers ?? 0));
    say(`tracing ${label} c=${clients}: ${result.throughput}/s, app CPU ${appCpuMs} ms/lifecycle, machine ${cpu['whole machine']} ms, load ${loadAverage}`);
    return { mode, result, appCpuMs, zipkinCpuMs: cpu.zipkin ?? 0, machineCpuMs: cpu['whole machine'] ?? 0, byProcessCpuMs: cpu, loadAverage };
  };
  const rounds: TracingComparison['rounds'] = [];
  for (let i = 0; i < options.repeats; i++) {
    // the order rotates: off, on, sampled; then on, sampled, off; …
    const order = MODES.map((_, k) => MODES[(k + i) % MODES.length]!);
    const runs: Partial<Record<TracingMode, TracingRun>> = {};
    for (const mode of order) runs[mode] = await run(mode, `${mode} (round ${i + 1})`);
    rounds.push(runs as Record<TracingMode, TracingRun>);
  }
  // back to the bench's default: untraced
  await bench.restartApps(['api', 'worker', 'consumers'], {}, env.off);
  const overhead = (mode: TracingMode) => r1(median(rounds.map((r) => (1 - r[mode].result.throughput / r.off.result.throughput) * 100)));
  const adjusted = (mode: 'on' | 'sampled') => r1(median(rounds.map((r) => hostAdjustedOverheadPct(hostSample(r[mode]), hostSample(r.off))!)));
  const per = (pick: (run: TracingRun) => number) => Object.fromEntries(MODES.map((m) => [m, r1(median(rounds.map((r) => pick(r[m]))))])) as Record<TracingMode, number>;
  return {
    concurrency: clients,
    seconds,
    sampleRatio,
    sampledExportDelayMs: SAMPLED_EXPORT_DELAY_MS,
    warmUpSeconds: WARM_UP_SECONDS,
    rounds,
    throughputOverheadPct: { on: overhead('on'), sampled: overhead('sampled') },
    hostAdjustedOverheadPct: { on: adjusted('on'), sampled: adjusted('sampled') },
    appCpuMsPerLifecycle: per((run) => run.appCpuMs),
    machineCpuMsPerLifecycle: per((run) => run.machineCpuMs),
  };
}

/** A section recorded before the sampled mode existed (off/on pairs; bench results up to 2 Dec). */
interface EarlierTracingComparison {
  concurrency: number;
  pairs: unknown[];
  throughputOverheadPct: number;
  appCpuMsPerLifecycle: { off: number; on: number };
}

export function tracingMarkdown(t: TracingComparison | undefined): string[] {
  if (!t) return [];
  if (!('rounds' in t)) {
    // bench/render.ts re-rendering an older result: its summary, its table stays in the .md it came with
    const e = t as unknown as EarlierTracingComparison;
    return [
      `**Tracing on vs off** (recorded in the earlier off/on layout, ${e.pairs.length} pairs at ${e.concurrency} clients): median overhead on saga throughput **${e.throughputOverheadPct} %**; app CPU per lifecycle ${e.appCpuMsPerLifecycle.off} → ${e.appCpuMsPerLifecycle.on} ms.`,
    ];
  }
  const delta = (run: TracingRun, off: TracingRun) => {
    const d = Math.round((run.result.throughput / off.result.throughput - 1) * 100);
    return `${d >= 0 ? '+' : ''}${d} %`;
  };
  const lines = [
    `**Tracing on vs off** (saga, closed loop at ${t.concurrency} clients, ${t.seconds} s per run${t.warmUpSeconds ? ` after ${t.warmUpSeconds} s of warm-up` : ''}; api, worker and consumers restarted with OTEL_TRACES_EXPORTER=none (off), then =zipkin into the bench stack's Zipkin recording every request (on) or a sample (OTEL_TRACES_SAMPLER_ARG=${t.sampleRatio}${t.sampledExportDelayMs ? `, sent every ${t.sampledExportDelayMs / 1000} s as in production: OTEL_BSP_SCHEDULE_DELAY=${t.sampledExportDelayMs}` : ''}); ${t.rounds.length} interleaved round${t.rounds.length > 1 ? 's' : ''}, order rotating)`,
    '',
    '| round | off: lifecycles/s | on: lifecycles/s (Δ) | sampled: lifecycles/s (Δ) | host-adjusted Δ (on / sampled) | Temporal server + PostgreSQL CPU ms / lifecycle (off / on / sampled) | app CPU ms / lifecycle (off / on / sampled) | Zipkin CPU ms / lifecycle (on) | machine CPU ms / lifecycle (off / on / sampled) | load average (off; on; sampled) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const adjusted = (run: TracingRun, off: TracingRun) => {
    const a = hostAdjustedOverheadPct(hostSample(run), hostSample(off));
    return a === undefined ? '–' : signedPct(-a);
  };
  const reference = (r: Record<TracingMode, TracingRun>) => MODES.map((m) => referenceCpuMs(r[m].byProcessCpuMs) ?? '–').join(' / ');
  t.rounds.forEach((r, i) => {
    lines.push(
      `| ${i + 1} | ${r.off.result.throughput} | ${r.on.result.throughput} (${delta(r.on, r.off)}) | ${r.sampled.result.throughput} (${delta(r.sampled, r.off)}) | ${adjusted(r.on, r.off)} / ${adjusted(r.sampled, r.off)} | ${reference(r)} | ${r.off.appCpuMs} / ${r.on.appCpuMs} / ${r.sampled.appCpuMs} | ${r.on.zipkinCpuMs} | ${r.off.machineCpuMs} / ${r.on.machineCpuMs} / ${r.sampled.machineCpuMs} | ${r.off.loadAverage}; ${r.on.loadAverage}; ${r.sampled.loadAverage} |`,
    );
  });
  const cpu = (c: Record<TracingMode, number>) => `${c.off} / ${c.on} / ${c.sampled} ms`;
  lines.push(
    '',
    `Median overhead on saga throughput: **${t.throughputOverheadPct.on} %** with every request traced, **${t.throughputOverheadPct.sampled} %** with ${t.sampleRatio} of them` +
      (t.hostAdjustedOverheadPct ? `; host-adjusted (the Temporal server's and PostgreSQL's CPU per second as throughput at a fixed host speed, bench/lib/host-speed.ts): **${t.hostAdjustedOverheadPct.on} %** and **${t.hostAdjustedOverheadPct.sampled} %**` : '') +
      `; app CPU per lifecycle (off / on / sampled) ${cpu(t.appCpuMsPerLifecycle)}, whole machine ${cpu(t.machineCpuMsPerLifecycle)}.`,
  );
  return lines;
}
