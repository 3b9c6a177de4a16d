/**
 * Throughput with the host's speed taken out (bench/lib/host-speed.ts): a host that slows down
 * between two runs must not read as a cost, and a real cost must still show.
 */
import { hostAdjustedOverheadPct, type HostSample } from '../../bench/lib/host-speed';

/** A run at `throughput` lifecycles/s whose Temporal server and PostgreSQL spent these CPU ms per lifecycle. */
const run = (throughput: number, temporal: number, postgres: number, app = 70): HostSample => ({
  throughput,
  cpuMsPerLifecycle: { 'temporal server': temporal, postgres, api: app },
});

describe('hostAdjustedOverheadPct', () => {
  test('a host 1.5x slower in the second run, at the same cost per lifecycle, is no overhead', () => {
    // a third fewer lifecycles, each at 1.5x the servers' CPU (and the app's)
    expect(hostAdjustedOverheadPct(run(10, 45, 24, 105), run(15, 30, 16))).toBe(0);
  });

  test('at the same host speed it is the throughput overhead, whatever the app processes spend', () => {
    expect(hostAdjustedOverheadPct(run(9, 30, 16, 90), run(10, 30, 16, 70))).toBe(10);
  });

  test('a slower host and a real cost: the cost remains', () => {
    expect(hostAdjustedOverheadPct(run(9 / 1.5, 45, 24), run(10, 30, 16))).toBe(10);
  });

  test('a faster host in the second run does not hide a cost', () => {
    expect(hostAdjustedOverheadPct(run(9 / 0.8, 24, 12.8), run(10, 30, 16))).toBe(10);
  });

  test('undefined for a run that did not record both reference servers', () => {
    expect(hostAdjustedOverheadPct({ throughput: 10, cpuMsPerLifecycle: { 'temporal server': 30 } }, run(10, 30, 16))).toBeUndefined();
    expect(hostAdjustedOverheadPct({ throughput: 10 }, run(10, 30, 16))).toBeUndefined();
  });
});
