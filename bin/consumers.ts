/**
 * The Kafka consumer groups alone (scale out: N of these share each group's partitions), with
 * /healthz, /readyz and /metrics on CONSUMERS_HEALTH_PORT.
 */
import '../runtime/tracing-start'; // first: tracing hooks the libraries as they load
import { startConsumersProcess } from '../runtime/consumers-process';
import { runUntilSignal } from '../runtime/lifecycle';
import { preflight } from '../shared/preflight';

runUntilSignal('consumers', async () => {
  await preflight({ database: true, kafka: true });
  return startConsumersProcess();
});
