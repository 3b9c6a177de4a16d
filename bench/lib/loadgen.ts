/**
 * Load shapes for the benchmark: a closed loop (N clients, each starting its next lifecycle as soon
 * as the last one finished) and an open loop (lifecycles started at a fixed rate, whatever the
 * answers). A lifecycle is two calls (create, then complete); each call's latency is recorded.
 * Only lifecycles that finish inside the measured window count toward throughput.
 */
import { summarize, type Summary } from './stats';

export interface Lifecycle {
  /** the create call; returns a context for the second call */
  create(): Promise<unknown>;
  complete(created: unknown): Promise<void>;
}

export interface LoadResult {
  concurrency?: number;
  ratePerS?: number;
  durationS: number;
  lifecycles: number;
  /** lifecycles finished at all, including those that ended after the window (for CPU per lifecycle) */
  finished: number;
  throughput: number;
  errors: number;
  errorSamples: string[];
  create: Summary;
  complete: Summary;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Recorder {
  createMs: number[] = [];
  completeMs: number[] = [];
  lifecycles = 0;
  finished = 0;
  errors = 0;
  errorSamples: string[] = [];
  constructor(private readonly until: number) {}

  async one(l: Lifecycle): Promise<void> {
    try {
      const t0 = performance.now();
      const created = await l.create();
      const t1 = performance.now();
      await l.complete(created);
      const t2 = performance.now();
      this.finished += 1;
      if (Date.now() <= this.until) {
        this.createMs.push(t1 - t0);
        this.completeMs.push(t2 - t1);
        this.lifecycles += 1;
      }
    } catch (err) {
      this.errors += 1;
      if (this.errorSamples.length < 5) this.errorSamples.push((err as Error).message.slice(0, 300));
    }
  }

  result(durationS: number, extra: Partial<LoadResult>): LoadResult {
    return {
      ...extra,
      durationS,
      lifecycles: this.lifecycles,
      finished: this.finished,
      throughput: Math.round((this.lifecycles / durationS) * 10) / 10,
      errors: this.errors,
      errorSamples: this.errorSamples,
      create: summarize(this.createMs),
      complete: summarize(this.completeMs),
    };
  }
}

export async function closedLoop(l: Lifecycle, concurrency: number, durationS: number): Promise<LoadResult> {
  const started = Date.now();
  const until = started + durationS * 1000;
  const rec = new Recorder(until);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) await rec.one(l);
    }),
  );
  return rec.result(durationS, { concurrency });
}

export async function openLoop(l: Lifecycle, ratePerS: number, durationS: number): Promise<LoadResult> {
  const started = Date.now();
  // lifecycles started in the window may finish a little after it: give them time to count
  const until = started + durationS * 1000 + 30_000;
  const rec = new Recorder(until);
  const inFlight: Promise<void>[] = [];
  const interval = 1000 / ratePerS;
  for (let i = 0; ; i++) {
    const at = started + i * interval;
    if (at >= started + durationS * 1000) break;
    const wait = at - Date.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(rec.one(l));
  }
  await Promise.all(inFlight);
  return rec.result(durationS, { ratePerS });
}
