/**
 * The email delivery workers of one process (bin/delivery.ts alone, or inside `npm start`): its own
 * database pool and SMTP pool; stop() lets the batch in hand finish, then closes both.
 */
import { createDeliveryWorker } from '../delivery/worker';
import { createDb } from '../shared/db';
import { logger } from '../shared/logger';
import type { Stoppable } from './lifecycle';

export async function startDeliveryProcess(): Promise<Stoppable> {
  const db = createDb();
  const worker = createDeliveryWorker({ db, log: logger().child({ component: 'delivery' }) });
  worker.start();
  return {
    async stop() {
      await worker.stop();
      await db.destroy();
    },
  };
}
