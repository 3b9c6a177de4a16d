/**
 * Where the CPU goes: user+system CPU seconds of each component's processes, read from /proc, so a
 * run can be split into "ms of CPU per lifecycle" per component (a profile that holds up better
 * than wall-clock throughput when other work shares the machine).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_S = 100; // CLK_TCK on Linux

interface Stat {
  ppid: number;
  self: number;
  reapedChildren: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": state ppid … utime(11) stime(12) cutime(13) cstime(14)
    return { ppid: Number(f[1]), self: (Number(f[11]) + Number(f[12])) / TICKS_PER_S, reapedChildren: (Number(f[13]) + Number(f[14])) / TICKS_PER_S };
  } catch {
    return undefined;
  }
}

/** CPU seconds of a process; with children, also its live children and the ones it has reaped. */
export function cpuSeconds(pid: number | undefined, withChildren = false): number {
  if (pid === undefined) return 0;
  const own = stat(pid);
  if (!own) return 0;
  let total = own.self;
  if (withChildren) {
    total += own.reapedChildren;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const s = stat(Number(entry));
      if (s && s.ppid === pid) total += s.self + s.reapedChildren;
    }
  }
  return total;
}

/** The postmaster's pid from its data directory. */
export function postmasterPid(dataDir: string): number | undefined {
  const file = `${dataDir}/postmaster.pid`;
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export type CpuSnapshot = Record<string, number>;

export function snapshot(components: Record<string, () => number>): CpuSnapshot {
  return Object.fromEntries(Object.entries(components).map(([name, read]) => [name, read()]));
}

/** ms of CPU per unit of work (e.g. per lifecycle), per component, between two snapshots. */
export function perUnit(before: CpuSnapshot, after: CpuSnapshot, units: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(after)) out[name] = units > 0 ? Math.round((((after[name] ?? 0) - (before[name] ?? 0)) * 1000 * 10) / units) / 10 : NaN;
  return out;
}

/**
 * Runs a load between two snapshots of `cpu`: CPU ms per finished lifecycle per component, and
 * 'other processes' (the whole machine's busy time, which `cpu` must include as 'whole machine',
 * less the components'). Counts everything that ran between the snapshots, including lifecycles
 * that ended after the measured window.
 */
export async function profiled<R extends { finished: number }>(cpu: () => CpuSnapshot, run: () => Promise<R>): Promise<{ result: R; cpuMsPerLifecycle: Record<string, number> }> {
  const before = cpu();
  const result = await run();
  const after = cpu();
  const cpuMsPerLifecycle = perUnit(before, after, result.finished);
  const ours = Object.entries(cpuMsPerLifecycle).filter(([k]) => k !== 'whole machine').reduce((a, [, v]) => a + v, 0);
  cpuMsPerLifecycle['other processes'] = Math.round(((cpuMsPerLifecycle['whole machine'] ?? 0) - ours) * 10) / 10;
  return { result, cpuMsPerLifecycle };
}
