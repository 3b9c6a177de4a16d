/** The Temporal worker alone (scale out: run N of these on the same task queue). */
import '../runtime/tracing-start'; // first: tracing hooks the libraries as they load
import { runUntilSignal } from '../runtime/lifecycle';
import { installWorkerRuntime, startWorker } from '../runtime/worker';
import { preflight } from '../shared/preflight';

runUntilSignal('worker', async () => {
  await preflight({ database: true, kafka: true, temporal: true });
  installWorkerRuntime();
  return startWorker();
});
