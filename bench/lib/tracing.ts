/**
 * Tracing on vs off (issue #16): the saga in a closed loop at the peak level, with the three app
 * processes restarted untraced (OTEL_TRACES_EXPORTER=none: no SDK loaded) and traced (=zipkin, into
 * the bench stack's own Zipkin), in interleaved pairs whose order alternates (off→on, on→off), so
 * the slow drift of a long bench and the machine's other work fall on both sides alike. Reported per
 * pair and as medians: the overhead on saga throughput, and CPU ms per lifecycle of the app processes
 * (api + worker + consumers), of Zipkin, and of the whole machine.
 */
import type { LoadResult } from './loadgen';
import { closedLoop } from './loadgen';
import type { TuningBench } from './tuning';

export type TracingMode = 'off' | 'on';

export const TRACING_ENV: Record<TracingMode, NodeJS.ProcessEnv> = {
  off: { OTEL_TRACES_EXPORTER: 'none' },
  on: { OTEL_TRACES_EXPORTER: 'zipkin' },
};

export interface TracingRun {
  mode: TracingMode;
  result: LoadResult;
  /** CPU ms per lifecycle: the app processes (api + worker + consumers), Zipkin, the whole machine */
  appCpuMs: number;
  zipkinCpuMs: number;
  machineCpuMs: number;
  loadAverage: string;
}

export interface TracingComparison {
  concurrency: number;
  seconds: number;
  pairs: { off: TracingRun; on: TracingRun }[];
  /** medians over the pairs; overhead = 1 − on/off throughput, in % */
  throughputOverheadPct: number;
  appCpuMsPerLifecycle: { off: number; on: number };
  machineCpuMsPerLifecycle: { off: number; on: number };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

export async function compareTracing(
  bench: TuningBench,
  options: { clients: number; seconds: number; repeats: number; say: (m: string) => void; loadavg: () => string },
): Promise<TracingComparison> {
  const { clients, seconds, say } = options;
  const run = async (mode: TracingMode, label: string): Promise<TracingRun> => {
    await bench.restartApps(['api', 'worker', 'consumers'], {}, TRACING_ENV[mode]);
    await closedLoop(bench.saga(), 8, 2); // a freshly started process's first requests are slow
    await bench.drain(`before tracing ${label}`);
    const loadAverage = options.loadavg();
    const { result, cpuMsPerLifecycle: cpu } = await bench.profiled(() => closedLoop(bench.saga(), clients, seconds));
    await bench.drain(`after tracing ${label}`);
    const appCpuMs = r1((cpu.api ?? 0) + (cpu.worker ?? 0) + (cpu.consumers ?? 0));
    say(`tracing ${label} c=${clients}: ${result.throughput}/s, app CPU ${appCpuMs} ms/lifecycle, machine ${cpu['whole machine']} ms, load ${loadAverage}`);
    return { mode, result, appCpuMs, zipkinCpuMs: cpu.zipkin ?? 0, machineCpuMs: cpu['whole machine'] ?? 0, loadAverage };
  };
  const pairs: TracingComparison['pairs'] = [];
  for (let i = 1; i <= options.repeats; i++) {
    const order: TracingMode[] = i % 2 ? ['off', 'on'] : ['on', 'off'];
    const runs: Partial<Record<TracingMode, TracingRun>> = {};
    for (const mode of order) runs[mode] = await run(mode, `${mode} (pair ${i})`);
    pairs.push({ off: runs.off!, on: runs.on! });
  }
  // back to the bench's default: untraced
  await bench.restartApps(['api', 'worker', 'consumers'], {}, TRACING_ENV.off);
  return {
    concurrency: clients,
    seconds,
    pairs,
    throughputOverheadPct: r1(median(pairs.map((p) => (1 - p.on.result.throughput / p.off.result.throughput) * 100))),
    appCpuMsPerLifecycle: { off: r1(median(pairs.map((p) => p.off.appCpuMs))), on: r1(median(pairs.map((p) => p.on.appCpuMs))) },
    machineCpuMsPerLifecycle: { off: r1(median(pairs.map((p) => p.off.machineCpuMs))), on: r1(median(pairs.map((p) => p.on.machineCpuMs))) },
  };
}

export function tracingMarkdown(t: TracingComparison | undefined): string[] {
  if (!t) return [];
  const lines = [
    `**Tracing on vs off** (saga, closed loop at ${t.concurrency} clients, ${t.seconds} s per run; api, worker and consumers restarted with OTEL_TRACES_EXPORTER=none, then =zipkin into the bench stack's Zipkin; ${t.pairs.length} interleaved pair${t.pairs.length > 1 ? 's' : ''}, order alternating)`,
    '',
    '| pair | off: lifecycles/s | on: lifecycles/s | Δ throughput | app CPU ms / lifecycle (off → on) | Zipkin CPU ms / lifecycle (on) | machine CPU ms / lifecycle (off → on) | load average (off; on) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  t.pairs.forEach((p, i) => {
    const d = Math.round((p.on.result.throughput / p.off.result.throughput - 1) * 100);
    lines.push(
      `| ${i + 1} | ${p.off.result.throughput} | ${p.on.result.throughput} | ${d >= 0 ? '+' : ''}${d} % | ${p.off.appCpuMs} → ${p.on.appCpuMs} | ${p.on.zipkinCpuMs} | ${p.off.machineCpuMs} → ${p.on.machineCpuMs} | ${p.off.loadAverage}; ${p.on.loadAverage} |`,
    );
  });
  lines.push(
    '',
    `Median overhead on saga throughput: **${t.throughputOverheadPct} %**; app CPU per lifecycle ${t.appCpuMsPerLifecycle.off} → ${t.appCpuMsPerLifecycle.on} ms, whole machine ${t.machineCpuMsPerLifecycle.off} → ${t.machineCpuMsPerLifecycle.on} ms.`,
  );
  return lines;
}
