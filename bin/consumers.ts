/** The Kafka consumer groups alone (scale out: N of these share each group's partitions). */
import { startConsumers } from '../consumers';
import { runUntilSignal } from '../runtime/lifecycle';
import { preflight } from '../shared/preflight';

runUntilSignal('consumers', async () => {
  await preflight({ database: true, kafka: true });
  return startConsumers();
});
