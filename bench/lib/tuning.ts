/**
 * Tuning runs: each change is measured right after a run with the defaults (a pair) and judged
 * against that one, and the pairs are repeated, interleaved across the changes. On a shared 2-core
 * machine one closed-loop run varies by ±20 %, and the servers slow down a little as their data
 * grows during a bench, so a single run per change, or a comparison across the whole bench, misleads.
 */
import type { Lifecycle, LoadResult } from './loadgen';
import { closedLoop } from './loadgen';
import { median } from './stats';

export type AppName = 'api' | 'worker' | 'consumers';

export interface TuningChange {
  name: string;
  change: string;
  worker?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** the processes the change concerns: restarted with it, and back to the defaults after */
  restart: AppName[];
}

export const TUNING_CHANGES: TuningChange[] = [
  { name: 'fewer pollers', change: 'maxConcurrentWorkflowTaskPolls 2, maxConcurrentActivityTaskPolls 2', worker: { maxConcurrentWorkflowTaskPolls: 2, maxConcurrentActivityTaskPolls: 2 }, restart: ['worker'] },
  { name: 'more slots', change: 'maxConcurrentWorkflowTaskExecutions 100, maxConcurrentLocalActivityExecutions 200', worker: { maxConcurrentWorkflowTaskExecutions: 100, maxConcurrentLocalActivityExecutions: 200 }, restart: ['worker'] },
  { name: 'fewer slots', change: 'maxConcurrentWorkflowTaskExecutions 10', worker: { maxConcurrentWorkflowTaskExecutions: 10 }, restart: ['worker'] },
  { name: 'bigger pools', change: 'DATABASE_POOL_MAX 10 → 30 (worker and API)', env: { DATABASE_POOL_MAX: '30' }, restart: ['worker', 'api'] },
  { name: 'lazy offset commits', change: 'KAFKA_CONSUMER_COMMIT_INTERVAL_MS 0 → 1000 (consumers)', env: { KAFKA_CONSUMER_COMMIT_INTERVAL_MS: '1000' }, restart: ['consumers'] },
  { name: 'one transaction per record', change: 'KAFKA_CONSUMER_BATCH_MAX_EVENTS 500 → 1 (consumers: the pre-#13.7 shape)', env: { KAFKA_CONSUMER_BATCH_MAX_EVENTS: '1' }, restart: ['consumers'] },
  { name: 'partitions in parallel', change: 'KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY 1 → 3 (consumers)', env: { KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY: '3' }, restart: ['consumers'] },
];

/** What the tuning needs of the bench. */
export interface TuningBench {
  saga(): Lifecycle;
  restartApps(names: AppName[], workerOptions: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<void>;
  drain(label: string): Promise<{ ms?: number }>;
  profiled(run: () => Promise<LoadResult>): Promise<{ result: LoadResult; cpuMsPerLifecycle: Record<string, number> }>;
}

export interface TuningPair {
  defaults: LoadResult;
  defaultsCpuMs: number;
  changed: LoadResult;
  changedCpuMs: number;
  drainMs?: number;
  /** CPU ms per lifecycle by process (bench/lib/cpu.ts), of each run of the pair */
  profiles?: { defaults: Record<string, number>; changed: Record<string, number> };
}

export interface TuningRun {
  name: string;
  change: string;
  concurrency: number;
  pairs: TuningPair[];
}

/** Δ throughput of each pair, in %. */
export function pairDeltas(run: TuningRun): number[] {
  return run.pairs.map((p) => Math.round((p.changed.throughput / p.defaults.throughput - 1) * 100));
}

export async function runTuning(
  bench: TuningBench,
  options: { changes: TuningChange[]; clients: number; seconds: number; repeats: number; say: (m: string) => void },
): Promise<TuningRun[]> {
  const { clients, seconds, say } = options;
  const runs: TuningRun[] = options.changes.map((c) => ({ name: c.name, change: c.change, concurrency: clients, pairs: [] }));
  const measure = async (label: string) => {
    await closedLoop(bench.saga(), 8, 2); // a freshly started process's first requests are slow
    await bench.drain(`before ${label}`);
    const { result, cpuMsPerLifecycle } = await bench.profiled(() => closedLoop(bench.saga(), clients, seconds));
    say(`tuning ${label} c=${clients}: ${result.throughput}/s create p50 ${result.create.p50} complete p50 ${result.complete.p50}`);
    const drain = await bench.drain(`after ${label}`);
    return { result, cpuMs: cpuMsPerLifecycle['whole machine'] ?? 0, drainMs: drain.ms, profile: cpuMsPerLifecycle };
  };
  for (let round = 1; round <= options.repeats; round++) {
    for (const [i, t] of options.changes.entries()) {
      const defaults = await measure(`defaults (pair ${round} of ${t.name})`);
      await bench.restartApps(t.restart, t.worker ?? {}, t.env ?? {});
      const changed = await measure(`${t.name} (pair ${round})`);
      await bench.restartApps(t.restart, {}, {});
      runs[i]!.pairs.push({ defaults: defaults.result, defaultsCpuMs: defaults.cpuMs, changed: changed.result, changedCpuMs: changed.cpuMs, drainMs: changed.drainMs, profiles: { defaults: defaults.profile, changed: changed.profile } });
    }
  }
  return runs;
}

export function tuningMarkdown(runs: TuningRun[]): string[] {
  if (runs.length === 0) return [];
  const n = runs[0]!.pairs.length;
  const lines = [
    `**Tuning** (saga, closed loop at ${runs[0]!.concurrency} clients; each change right after a run with the defaults and compared with it; ${n} pair${n > 1 ? 's' : ''} per change, interleaved)`,
    '',
    '| change | defaults lifecycles/s (median) | with the change (median) | Δ per pair | **median Δ** | machine CPU ms / lifecycle, medians (defaults → change) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of runs) {
    const d = pairDeltas(r);
    const m = Math.round(median(d));
    const rate = (xs: number[]) => Math.round(median(xs) * 10) / 10;
    lines.push(
      `| ${r.name}: ${r.change} | ${rate(r.pairs.map((p) => p.defaults.throughput))} | ${rate(r.pairs.map((p) => p.changed.throughput))} | ${d.map((x) => `${x >= 0 ? '+' : ''}${x} %`).join(', ')} | **${m >= 0 ? '+' : ''}${m} %** | ${Math.round(median(r.pairs.map((p) => p.defaultsCpuMs)))} → ${Math.round(median(r.pairs.map((p) => p.changedCpuMs)))} |`,
    );
  }
  return lines;
}
