/** A real Temporal worker with the project's workflows, activities and interceptors, on the test task queue. */
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Activities } from '../../activities';
import { sagaWorkerOptions } from '../../runtime/worker';
import { getConfig } from '../../shared/config';
import { createWorkerConnection } from '../../shared/temporal';
import type { TestContext } from './context';

export interface TestWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export interface TestWorkerOptions {
  /** test-only: wrap the real activities, e.g. to hold or fail one step of one sale */
  wrapActivities?: (real: Activities) => Activities;
  /** where the step-retry interceptor logs (to read its lines back) */
  stepLog?: Logger;
}

export async function startTestWorker(ctx: TestContext, options: TestWorkerOptions = {}): Promise<TestWorker> {
  const connection: NativeConnection = await createWorkerConnection();
  const base = sagaWorkerOptions({ db: ctx.db, producer: async () => ctx.deps.producer, temporal: async () => ctx.deps.temporal }, options.stepLog);
  const activities = options.wrapActivities ? options.wrapActivities(base.activities) : base.activities;
  // the configured namespace, as the real worker (runtime/worker.ts): not every server has `default`
  const worker = await Worker.create({ connection, namespace: getConfig().temporal.namespace, ...base, activities });
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
