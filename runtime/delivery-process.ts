/**
 * The email delivery workers of one process (bin/delivery.ts alone, or inside `npm start`): its own
 * database pool and SMTP pool, and a small HTTP server on DELIVERY_HEALTH_PORT like the consumers'
 * one: /healthz (alive), /readyz (PostgreSQL and the SMTP server answer; 503 names what does not,
 * without the servers' error text) and /metrics (delivery/metrics.ts; behind METRICS_TOKEN when
 * that is set). stop() closes the server, lets the batch in hand finish, then closes both pools.
 */
import type { Express } from 'express';
import type { Knex } from 'knex';
import { createMailer, type Mailer } from '../delivery/mailer';
import { createDeliveryMetrics, type DeliveryMetrics } from '../delivery/metrics';
import { createDeliveryWorker } from '../delivery/worker';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { componentLogger } from '../shared/logger';
import { answers, healthApp, listenHealthServer, type HealthServer } from './health-server';
import type { Stoppable } from './lifecycle';

export function deliveryHealthApp(deps: { db: Knex; mailer: Pick<Mailer, 'verify'>; metrics: DeliveryMetrics }): Express {
  return healthApp({
    async readiness() {
      const [postgres, smtp] = await Promise.all([answers(() => deps.db.raw('select 1')), answers(() => deps.mailer.verify())]);
      return { postgres, smtp };
    },
    metrics: deps.metrics.registry,
  });
}

export async function startDeliveryProcess(): Promise<Stoppable & { url: string }> {
  const cfg = getConfig();
  const log = componentLogger('delivery');
  const db = createDb();
  const mailer = createMailer();
  const metrics = createDeliveryMetrics(db);
  const worker = createDeliveryWorker({ db, log, mailer: metrics.timed(mailer), onOutcome: metrics.count });
  let server: HealthServer;
  try {
    server = await listenHealthServer(deliveryHealthApp({ db, mailer, metrics }), cfg.delivery.healthPort, cfg.http.host);
  } catch (err) {
    mailer.close();
    await db.destroy();
    throw err;
  }
  worker.start();
  const { url } = server;
  log.info({ url }, 'delivery health and metrics listening');
  return {
    url,
    async stop() {
      await server.close();
      await worker.stop(); // closes the mailer
      await db.destroy();
    },
  };
}
