/**
 * The email delivery workers of one process (bin/delivery.ts alone, or inside `npm start`): its own
 * database pool and SMTP pool, and a small HTTP server on DELIVERY_HEALTH_PORT like the consumers'
 * one: /healthz (alive), /readyz (PostgreSQL and the SMTP server answer; 503 names what does not,
 * without the servers' error text) and /metrics (delivery/metrics.ts; behind METRICS_TOKEN when
 * that is set). stop() closes the server, lets the batch in hand finish, then closes both pools.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Knex } from 'knex';
import { requireMetricsToken } from '../api/metrics';
import { createMailer, type Mailer } from '../delivery/mailer';
import { createDeliveryMetrics, type DeliveryMetrics } from '../delivery/metrics';
import { createDeliveryWorker } from '../delivery/worker';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { componentLogger } from '../shared/logger';
import type { Stoppable } from './lifecycle';

const CHECK_TIMEOUT_MS = 2_000;

async function answers(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function deliveryHealthApp(deps: { db: Knex; mailer: Pick<Mailer, 'verify'>; metrics: DeliveryMetrics }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const [postgres, smtp] = await Promise.all([answers(() => deps.db.raw('select 1')), answers(() => deps.mailer.verify())]);
    const checks = { postgres: { status: postgres ? 'up' : 'down' }, smtp: { status: smtp ? 'up' : 'down' } } as const;
    const down = Object.entries(checks).filter(([, c]) => c.status === 'down').map(([name]) => name);
    res.status(down.length === 0 ? 200 : 503).json({
      status: down.length === 0 ? 'ready' : 'not ready',
      ...(down.length > 0 ? { detail: `not ready: ${down.join(', ')}` } : {}),
      checks,
    });
  });
  app.get('/metrics', requireMetricsToken, async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return app;
}

export async function startDeliveryProcess(): Promise<Stoppable & { url: string }> {
  const cfg = getConfig();
  const log = componentLogger('delivery');
  const db = createDb();
  const mailer = createMailer();
  const metrics = createDeliveryMetrics(db);
  const worker = createDeliveryWorker({ db, log, mailer: metrics.timed(mailer), onOutcome: metrics.count });
  let server: Server;
  try {
    const app = deliveryHealthApp({ db, mailer, metrics });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(cfg.delivery.healthPort, cfg.http.host, () => resolve(s));
      s.once('error', reject);
    });
  } catch (err) {
    mailer.close();
    await db.destroy();
    throw err;
  }
  worker.start();
  const url = `http://${cfg.http.host}:${(server.address() as AddressInfo).port}`;
  log.info({ url }, 'delivery health and metrics listening');
  return {
    url,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await worker.stop(); // closes the mailer
      await db.destroy();
    },
  };
}
