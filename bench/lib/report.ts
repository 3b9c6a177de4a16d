/** The bench report: its shape (written as JSON) and its markdown tables (bench/results/latest.md). */
import type { LoadResult } from './loadgen';
import type { SqlRound } from './sql';
import type { Summary } from './stats';
import { tracingMarkdown, type TracingComparison } from './tracing';
import { tuningMarkdown, type TuningRun } from './tuning';

export const r1 = (x: number) => Math.round(x * 10) / 10;

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
}

export function fmt(s: Summary): string {
  return `${s.p50} / ${s.p95} / ${s.p99}`;
}

export interface Report {
  startedAt: string;
  /** /proc/loadavg at the start and the end: other work on the machine skews every number here */
  loadAverage: { start: string; end: string };
  durationS: number;
  machine: MachineInfo;
  settings: Record<string, unknown>;
  levels: {
    concurrency: number;
    saga: LoadResult;
    bare: LoadResult;
    shaped: LoadResult;
    /** the same four steps as local activities */
    local: LoadResult;
    drainMs?: number;
    lagAtStop: number;
    /** CPU ms per lifecycle by component; consumers' work on the saga's events continues after the window (see drain) */
    cpuMsPerLifecycle: { saga: Record<string, number>; bare: Record<string, number>; shaped: Record<string, number>; local: Record<string, number> };
  }[];
  halfLoad?: {
    ratePerS: number;
    saga: LoadResult;
    bare: LoadResult;
    notification: { via: string; fromResponse: Summary; fromOccurredAt: Summary; missing: number; drainMs?: number };
  };
  tuning: TuningRun[];
  /** tracing on vs off (absent with BENCH_SKIP_TRACING=1) */
  tracing?: TracingComparison;
  sql: SqlRound[];
  peakRssMiB: Record<string, number>;
  targets: { name: string; target: string; value: string; met: boolean }[];
}

export function markdown(r: Report): string {
  const lines: string[] = [];
  lines.push(
    `Run ${r.startedAt} on ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Linux ${r.machine.kernel}, Node ${r.machine.node}; ${r.durationS.toFixed(0)} s in all.`,
    `Load average (1/5/15 min) at start ${r.loadAverage.start}, at end ${r.loadAverage.end}: anything above ~2 on this 2-core machine means other work shared the CPU.`,
    '',
  );
  lines.push('**Saga lifecycle through REST vs bare Temporal** (closed loop; latencies in ms, p50 / p95 / p99; ratio = saga / baseline throughput)', '');
  lines.push('| clients | saga lifecycles/s | POST /sales | PATCH COMPLETED | bare lifecycles/s | bare update-with-start | bare update | **ratio** | 4 no-op activities: lifecycles/s (ratio) | 4 no-op local activities: lifecycles/s (ratio) | lag drain after saga |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const l of r.levels) {
    lines.push(
      `| ${l.concurrency} | ${l.saga.throughput}${l.saga.errors ? ` (${l.saga.errors} errors)` : ''} | ${fmt(l.saga.create)} | ${fmt(l.saga.complete)} | ${l.bare.throughput} | ${fmt(l.bare.create)} | ${fmt(l.bare.complete)} | **${r1(l.saga.throughput / l.bare.throughput)}** | ${l.shaped.throughput} (${r1(l.saga.throughput / l.shaped.throughput)}) | ${l.local.throughput} (${r1(l.saga.throughput / l.local.throughput)}) | ${l.drainMs === undefined ? 'timeout' : `${(l.drainMs / 1000).toFixed(1)} s (${l.lagAtStop} records)`} |`,
    );
  }
  const top = r.levels.reduce((best, l) => (l.saga.throughput > best.saga.throughput ? l : best), r.levels[0]!);
  if (top) {
    lines.push('', `**Where the CPU goes** (ms of CPU per lifecycle by process, at ${top.concurrency} clients, the saga's peak; 2 cores = 2000 ms of CPU per second)`, '');
    lines.push('| process | saga | bare baseline | 4 no-op activities | 4 no-op local activities |', '|---|---|---|---|---|');
    for (const k of Object.keys(top.cpuMsPerLifecycle.saga)) {
      const c = top.cpuMsPerLifecycle;
      lines.push(`| ${k} | ${c.saga[k]} | ${c.bare[k] ?? ''} | ${c.shaped[k] ?? ''} | ${c.local[k] ?? ''} |`);
    }
  }
  if (r.halfLoad) {
    const h = r.halfLoad;
    lines.push('', `**At half the saga's saturating load** (open loop, ${h.ratePerS} lifecycles/s for both)`, '');
    lines.push('| what | p50 / p95 / p99 ms | n |', '|---|---|---|');
    const c1 = r.levels.find((l) => l.concurrency === 1);
    lines.push(`| saga POST /sales | ${fmt(h.saga.create)} | ${h.saga.create.n} |`);
    lines.push(`| saga PATCH COMPLETED | ${fmt(h.saga.complete)} | ${h.saga.complete.n} |`);
    lines.push(`| bare update-with-start | ${fmt(h.bare.create)} | ${h.bare.create.n} |`);
    lines.push(`| bare update | ${fmt(h.bare.complete)} | ${h.bare.complete.n} |`);
    lines.push(`| notification: PATCH response → SSE arrival | ${fmt(h.notification.fromResponse)} | ${h.notification.fromResponse.n} (${h.notification.missing} missing) |`);
    lines.push(`| notification: event occurred_at → SSE arrival | ${fmt(h.notification.fromOccurredAt)} | ${h.notification.fromOccurredAt.n} |`);
    if (c1) {
      lines.push(`| (1 client) 4 no-op activities: update-with-start | ${fmt(c1.shaped.create)} | ${c1.shaped.create.n} |`);
      lines.push(`| (1 client) 4 no-op local activities: update-with-start | ${fmt(c1.local.create)} | ${c1.local.create.n} |`);
    }
    lines.push('', `SSE via ${h.notification.via}.`);
  }
  if (r.tuning.length) lines.push('', ...tuningMarkdown(r.tuning));
  if (r.tracing) lines.push('', ...tracingMarkdown(r.tracing));
  lines.push('', '**Reservation SQL on one hot product** (ops/s; latency p50 / p95 / p99 ms)', '');
  lines.push('| connections | project statement (UPDATE + ledger row, one statement) | plain UPDATE | pgbench plain UPDATE | project / plain | project statement in its own transaction |', '|---|---|---|---|---|---|');
  for (const c of [...new Set(r.sql.map((s) => s.connections))]) {
    const p = r.sql.find((s) => s.connections === c && s.statement.startsWith('project (applyStockChange'));
    const u = r.sql.find((s) => s.connections === c && s.statement.startsWith('plain'));
    const g = r.sql.find((s) => s.connections === c && s.statement.startsWith('pgbench'));
    const o = r.sql.find((s) => s.connections === c && s.statement.startsWith('project in a transaction'));
    lines.push(
      `| ${c} | ${p?.opsPerS} (${p?.latency ? fmt(p.latency) : ''}) | ${u?.opsPerS} (${u?.latency ? fmt(u.latency) : ''}) | ${g?.opsPerS ?? 'n/a'} | ${p && u ? r1(p.opsPerS / u.opsPerS) : ''} | ${o ? `${o.opsPerS} (${r1(o.opsPerS / (u?.opsPerS ?? 1))}× plain)` : ''} |`,
    );
  }
  lines.push('', `**Peak RSS** (VmHWM, MiB): ${Object.entries(r.peakRssMiB).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push('', '**Targets**', '', '| target | wanted | measured | met |', '|---|---|---|---|');
  for (const t of r.targets) lines.push(`| ${t.name} | ${t.target} | ${t.value} | ${t.met ? 'yes' : 'no'} |`);
  const s = r.settings as { temporalDevServer: string[]; worker: unknown; postgres: unknown; kafka: unknown; app: unknown };
  lines.push('', '**Settings**', '');
  lines.push(`- Temporal dev server: \`temporal ${s.temporalDevServer.join(' ')}\``);
  lines.push(`- Worker options (saga and baseline): \`${JSON.stringify(s.worker)}\``);
  lines.push(`- PostgreSQL: \`${JSON.stringify(s.postgres)}\``);
  lines.push(`- Kafka: \`${JSON.stringify(s.kafka)}\``);
  lines.push(`- App: \`${JSON.stringify(s.app)}\``);
  return `${lines.join('\n')}\n`;
}

