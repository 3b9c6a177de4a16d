/** The HTTP API alone (scale out: run N of these behind a load balancer). */
import '../runtime/tracing-start'; // first: tracing hooks the libraries as they load
import { startApiServer } from '../runtime/api-server';
import { runUntilSignal } from '../runtime/lifecycle';
import { preflight } from '../shared/preflight';

runUntilSignal('api', async () => {
  await preflight({ database: true, kafka: true, temporal: true });
  return startApiServer();
});
