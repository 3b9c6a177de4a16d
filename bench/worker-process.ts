/**
 * The saga worker for the benchmark: bin/worker.ts with options from BENCH_WORKER_OPTIONS (JSON),
 * so tuning runs can vary them without touching the defaults. Options not in WorkerTuning
 * (e.g. poller counts) are passed through to Worker.create the same way startWorker spreads them.
 */
import '../runtime/tracing-start'; // first, as in bin/worker.ts: tracing hooks the libraries as they load
import { runUntilSignal } from '../runtime/lifecycle';
import { installWorkerRuntime, startWorker, type WorkerTuning } from '../runtime/worker';
import { preflight } from '../shared/preflight';

const tuning = JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}') as WorkerTuning;

runUntilSignal('worker', async () => {
  await preflight({ database: true, kafka: true, temporal: true });
  installWorkerRuntime();
  return startWorker(tuning);
});
