/**
 * /healthz: the process is alive. /readyz: 200 only when PostgreSQL, Kafka and Temporal all
 * answer within a short timeout; otherwise 503 naming each one that failed. The servers' own error
 * text (addresses, user names, driver internals) goes to the log, not to whoever probes.
 */
import { Router } from 'express';
import type { Dependencies } from './dependencies';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, name: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${name} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref()),
  ]);
}

export function healthRoutes(deps: Dependencies): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const checks: Record<string, () => Promise<unknown>> = {
      postgres: () => deps.db.raw('select 1'),
      kafka: () => deps.kafkaAdmin.describeCluster(),
      temporal: () => deps.temporal.workflowService.getSystemInfo({}),
    };
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), name);
          return [name, { status: 'up' }] as const;
        } catch (err) {
          req.log.warn({ server: name, err }, 'readiness check failed');
          return [name, { status: 'down' }] as const;
        }
      }),
    );
    const down = results.filter(([, r]) => r.status === 'down').map(([name]) => name);
    res.status(down.length === 0 ? 200 : 503).json({
      status: down.length === 0 ? 'ready' : 'not ready',
      ...(down.length > 0 ? { detail: `not answering: ${down.join(', ')}` } : {}),
      checks: Object.fromEntries(results),
    });
  });
  return router;
}
