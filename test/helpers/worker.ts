/** A real Temporal worker with the project's workflows and activities, on the test task queue. */
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { getConfig } from '../../shared/config';
import { createWorkerConnection } from '../../shared/temporal';
import type { TestContext } from './context';

export interface TestWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export async function startTestWorker(ctx: TestContext): Promise<TestWorker> {
  const connection: NativeConnection = await createWorkerConnection();
  const worker = await Worker.create({
    connection,
    taskQueue: getConfig().temporal.taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: createActivities({ db: ctx.db, producer: async () => ctx.deps.producer }),
  });
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
