/** A real Temporal worker with the project's workflows, activities and interceptors, on the test task queue. */
import { Worker, type NativeConnection } from '@temporalio/worker';
import { sagaWorkerOptions } from '../../runtime/worker';
import { createWorkerConnection } from '../../shared/temporal';
import type { TestContext } from './context';

export interface TestWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export async function startTestWorker(ctx: TestContext): Promise<TestWorker> {
  const connection: NativeConnection = await createWorkerConnection();
  const worker = await Worker.create({ connection, ...sagaWorkerOptions({ db: ctx.db, producer: async () => ctx.deps.producer }) });
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
