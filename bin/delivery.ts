/**
 * The email delivery workers alone (scale out: run N of these; they share the deliveries table with
 * FOR UPDATE SKIP LOCKED, see delivery/worker.ts).
 */
import '../runtime/tracing-start'; // first: tracing hooks the libraries as they load
import { startDeliveryProcess } from '../runtime/delivery-process';
import { runUntilSignal } from '../runtime/lifecycle';
import { preflight } from '../shared/preflight';

runUntilSignal('delivery', async () => {
  await preflight({ database: true });
  return startDeliveryProcess();
});
