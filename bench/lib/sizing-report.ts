/** The cluster sizing run's report (bench/cluster.ts): its shape, written as JSON, and its markdown table. */
import type { LoadResult } from './loadgen';
import type { MachineInfo } from './report';
import { r1 } from './report';

export interface SizingRun {
  workers: number;
  apis: number;
  consumers: number;
  delivery: number;
  loadAverage: { start: string; end: string };
  result: LoadResult;
  /** CPU ms per finished lifecycle: per process (api-1, worker-2, …) and per server, 'whole machine', 'other processes' */
  cpuMsPerLifecycle: Record<string, number>;
  /** consumer lag (records) when the load stopped, and how long the consumers took to reach 0 */
  lagAtStop: number;
  drainMs?: number;
  /** the whole machine's CPU over the load's wall time: 2 = both cores busy */
  busyCores: number;
}

export interface SizingReport {
  startedAt: string;
  durationS: number;
  machine: MachineInfo;
  loadAverage: { start: string; end: string };
  settings: Record<string, unknown>;
  runs: SizingRun[];
}

/** The process kinds of the table, each the sum of its processes' CPU (replicas `<kind>-N`). */
export const PROCESS_KINDS = ['api', 'worker', 'consumers', 'delivery', 'temporal server', 'kafka', 'postgres', 'haproxy', 'load generator', 'other processes', 'whole machine'] as const;

export function cpuByKind(cpu: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of PROCESS_KINDS) {
    const total = Object.entries(cpu)
      .filter(([name]) => name === kind || name.startsWith(`${kind}-`))
      .reduce((a, [, v]) => a + v, 0);
    out[kind] = r1(total);
  }
  return out;
}

export function sizingMarkdown(r: SizingReport): string {
  const lines: string[] = [];
  lines.push(
    `Run ${r.startedAt} on ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Linux ${r.machine.kernel}, Node ${r.machine.node}; ${r.durationS.toFixed(0)} s in all.`,
    `Load average (1/5/15 min) at start ${r.loadAverage.start}, at end ${r.loadAverage.end}: above ~2 on this 2-core machine, other work shared the CPU.`,
    '',
  );
  const first = r.runs[0];
  lines.push(
    `**Saga lifecycles through HAProxy on the production topology** (closed loop, ${first?.result.concurrency ?? '?'} clients, ${first?.result.durationS ?? '?'} s per row; consumers ×${first?.consumers ?? '?'}, delivery ×${first?.delivery ?? '?'} in every row; latencies in ms; CPU in ms per lifecycle; busy cores = whole-machine CPU per second of load)`,
    '',
  );
  const kinds = PROCESS_KINDS;
  lines.push(`| worker replicas | API replicas | lifecycles/s | POST /sales p50 / p99 | PATCH p50 / p99 | errors | ${kinds.join(' | ')} | busy cores | consumer lag at stop → drained in | load avg start → end |`);
  lines.push(`|${'---|'.repeat(6 + kinds.length + 3)}`);
  for (const run of r.runs) {
    const c = cpuByKind(run.cpuMsPerLifecycle);
    const res = run.result;
    lines.push(
      `| ${run.workers} | ${run.apis} | **${res.throughput}** | ${res.create.p50} / ${res.create.p99} | ${res.complete.p50} / ${res.complete.p99} | ${res.errors} | ${kinds.map((k) => c[k]).join(' | ')} | ${run.busyCores} | ${run.lagAtStop} → ${run.drainMs === undefined ? 'timeout' : `${(run.drainMs / 1000).toFixed(1)} s`} | ${run.loadAverage.start.split(' ')[0]} → ${run.loadAverage.end.split(' ')[0]} |`,
    );
  }
  const samples = r.runs.flatMap((run) => run.result.errorSamples.map((e) => `- (${run.workers} workers, ${run.apis} APIs) ${e}`));
  if (samples.length) lines.push('', '**Error samples**', '', ...samples);
  lines.push('', '**Settings**', '');
  for (const [k, v] of Object.entries(r.settings)) lines.push(`- ${k}: \`${typeof v === 'string' ? v : JSON.stringify(v)}\``);
  return `${lines.join('\n')}\n`;
}
