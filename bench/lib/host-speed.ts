/**
 * Throughput compared across runs with the host's speed taken out. On this shared host the
 * machine's speed drifts by more than the effects measured: the Temporal server's CPU per
 * lifecycle, the same work in every run, moved from 26 to 41 ms between two runs of one bench round
 * (a busier host: more CPU per instruction). The servers whose work per lifecycle does not change
 * with the app's code or settings — the Temporal server and PostgreSQL — are the yardstick: their
 * CPU per second under load is lifecycles per second in units of a fixed host.
 */

/** The processes whose work per lifecycle is the same in every run (bench/lib/cpu.ts names). */
export const REFERENCE_PROCESSES = ['temporal server', 'postgres'] as const;

/** What a run recorded: lifecycles/s, and CPU ms per lifecycle by process. */
export interface HostSample {
  throughput: number;
  cpuMsPerLifecycle?: Record<string, number>;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** The reference processes' CPU ms per lifecycle together; undefined unless both were recorded. */
export function referenceCpuMs(cpuMsPerLifecycle: Record<string, number> | undefined): number | undefined {
  const cpu = REFERENCE_PROCESSES.map((p) => cpuMsPerLifecycle?.[p]);
  return cpu.some((ms) => ms === undefined) ? undefined : r1(cpu.reduce((a: number, ms) => a + ms!, 0));
}

/**
 * The overhead on throughput of `run` against `base`, host-adjusted: 1 − the reference processes'
 * CPU per second in `run` / in `base`, in %. Biased low by whatever the change costs those servers
 * themselves (counted as host slowness: tracing adds a small header to a few of the Temporal
 * server's payloads) and by their idle work, spread over fewer lifecycles in the slower run (a few
 * ms per second against hundreds). Undefined when a run did not record both.
 */
export function hostAdjustedOverheadPct(run: HostSample, base: HostSample): number | undefined {
  const busy = (s: HostSample): number | undefined => {
    const cpu = referenceCpuMs(s.cpuMsPerLifecycle);
    return cpu === undefined || !(s.throughput > 0) ? undefined : s.throughput * cpu;
  };
  const r = busy(run);
  const b = busy(base);
  return r === undefined || b === undefined || b <= 0 ? undefined : r1((1 - r / b) * 100);
}
