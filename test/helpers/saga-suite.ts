/**
 * The setup most saga suites share: the app on the real test servers, a Temporal worker on the test
 * task queue, and a logged-in staff member. Registers beforeAll/afterAll; read the fields inside tests.
 */
import { createTestContext, type TestContext } from './context';
import { createUser, tokenFor } from './users';
import { startTestWorker, type TestWorker, type TestWorkerOptions } from './worker';

export interface SagaSuite {
  readonly ctx: TestContext;
  readonly worker: TestWorker;
  /** a bearer token of the staff member (role as asked) */
  readonly token: string;
}

export function useSagaSuite(role: 'sales' | 'admin' = 'sales', workerOptions: TestWorkerOptions = {}): SagaSuite {
  const suite = {} as { ctx: TestContext; worker: TestWorker; token: string };
  beforeAll(async () => {
    suite.ctx = await createTestContext();
    suite.worker = await startTestWorker(suite.ctx, workerOptions);
    const user = await createUser(suite.ctx.db, { role });
    suite.token = await tokenFor(suite.ctx.app, user.email, user.password);
  }, 120_000);
  afterAll(async () => {
    await suite.worker?.stop();
    await suite.ctx?.close();
  });
  return suite;
}
