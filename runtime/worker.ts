/**
 * The Temporal worker: hosts the saga's workflows and activities on the configured task queue.
 * Its Rust core's own metrics are served in Prometheus format on WORKER_METRICS_ADDRESS (relayed
 * by the API's /metrics when both run in one process).
 */
import { DefaultLogger, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps } from '../activities';
import { dataErrorInterceptor } from '../activities/data-errors';
import { stepRetryInterceptor } from '../activities/step-retries';
import { getConfig } from '../shared/config';
import { closeDb, db } from '../shared/db';
import { closeProducer, producer } from '../shared/kafka';
import { componentLogger } from '../shared/logger';
import { createTemporalClient, createWorkerConnection } from '../shared/temporal';
import { activeTracing, type TracingWorkerOptions } from '../shared/tracing';
import type { Stoppable } from './lifecycle';
import { ensureDigestSchedule } from './digests';
import { ensureReconciliationSchedule } from './reconciliation';

let runtimeInstalled = false;

/** Once per process, before any worker: route the SDK's logs to pino and expose core metrics. */
export function installWorkerRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const log = componentLogger('temporal-sdk');
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => {
      const fn = (level as LogLevel) === 'ERROR' ? log.error.bind(log) : log.warn.bind(log);
      fn(meta ?? {}, message);
    }),
    telemetryOptions: { metrics: { prometheus: { bindAddress: getConfig().temporal.workerMetricsAddress } } },
  });
}

export interface WorkerTuning {
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
}

/** Worker defaults, recorded by the benchmark; see README "Performance". */
export const WORKER_DEFAULTS: Required<WorkerTuning> = {
  maxConcurrentActivityTaskExecutions: 64,
  maxConcurrentWorkflowTaskExecutions: 40,
};

/**
 * What every worker of the saga's task queue runs with (the app's and the tests'): the workflows,
 * the activities on these dependencies, and the interceptors that fail deterministic data errors
 * and report steps that keep failing (outermost first: it sees what the data-error one made of it).
 */
export function sagaWorkerOptions(deps: ActivityDeps, stepLog: Logger = componentLogger('saga-steps')) {
  const warnAfterAttempts = getConfig().sagaEdges.stepRetryWarnAttempts;
  const tracing = tracingWorkerOptions();
  return {
    taskQueue: getConfig().temporal.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities(deps),
    interceptors: {
      activity: [...tracing.activity, stepRetryInterceptor({ warnAfterAttempts, log: stepLog }), dataErrorInterceptor],
      workflowModules: tracing.workflowModules,
    },
    sinks: tracing.sinks,
  };
}

/**
 * With tracing on (shared/tracing.ts): workflow spans (continuing the client's context from the
 * workflow's headers, one per activity and update) go out through a sink; activity spans
 * (outermost, so a step's retries and data errors happen inside it) parent the queries and Kafka
 * messages of the step. Off: nothing is added, the workflow bundle is the one without tracing.
 */
function tracingWorkerOptions(): TracingWorkerOptions {
  return activeTracing()?.workerOptions() ?? { activity: [], workflowModules: [], sinks: undefined };
}

/** How long activities in flight may finish after shutdown starts (the worker's drain). */
export const WORKER_SHUTDOWN_GRACE_MS = 10_000;

export async function startWorker(tuning: WorkerTuning = {}): Promise<Stoppable & { worker: Worker }> {
  const log = componentLogger('worker');
  const { temporal } = getConfig();
  const connection = await createWorkerConnection();
  const client = await createTemporalClient();
  await ensureReconciliationSchedule(client);
  await ensureDigestSchedule(client);
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    ...sagaWorkerOptions({ db: db(), producer, temporal: async () => client }),
    ...WORKER_DEFAULTS,
    ...(temporal.workerMaxConcurrentWorkflowTasks && { maxConcurrentWorkflowTaskExecutions: temporal.workerMaxConcurrentWorkflowTasks }),
    ...tuning,
    shutdownGraceTime: WORKER_SHUTDOWN_GRACE_MS,
  });
  let stopRequested = false;
  const running = worker.run();
  // run() ends only after shutdown() was asked for, unless the worker failed (core gave up polling,
  // a workflow thread died, …): then the process must not live on without a worker
  const failure = new Promise<Error>((resolve) => {
    running.then(
      () => !stopRequested && resolve(new Error('the Temporal worker stopped without being asked to')),
      (err: unknown) => !stopRequested && resolve(err instanceof Error ? err : new Error(String(err))),
    );
  });
  log.info({ taskQueue: temporal.taskQueue, namespace: temporal.namespace }, 'worker running');
  return {
    worker,
    failure,
    async stop() {
      stopRequested = true;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await client.connection.close();
      await closeProducer();
      await closeDb();
    },
  };
}
