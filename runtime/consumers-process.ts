/**
 * The consumers process (bin/consumers.ts, and the consumers inside `npm start`): the consumer
 * groups, the processed_events pruner, and a small HTTP server of its own on CONSUMERS_HEALTH_PORT
 * with /healthz (alive), /readyz (PostgreSQL, Kafka and every group joined; 503 names what is not,
 * without the servers' error text) and /metrics (per group: processed, failed, dead-lettered,
 * retrying, lag; behind METRICS_TOKEN when that is set).
 */
import type { Express } from 'express';
import type { Admin } from 'kafkajs';
import type { Knex } from 'knex';
import { startConsumers, type RunningConsumers, type StartConsumersOptions } from '../consumers';
import { createConsumerMetrics } from '../consumers/metrics';
import { startProcessedEventsPruner } from '../consumers/retention';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { createKafka } from '../shared/kafka';
import { componentLogger } from '../shared/logger';
import { answers, healthApp, listenHealthServer, type HealthServer } from './health-server';
import type { Stoppable } from './lifecycle';

export function consumersHealthApp(deps: { db: Knex; admin: Admin; consumers: RunningConsumers }): Express {
  return healthApp({
    async readiness() {
      const checks: Record<string, boolean> = {
        postgres: await answers(() => deps.db.raw('select 1')),
        kafka: await answers(() => deps.admin.describeCluster()),
      };
      for (const g of deps.consumers.groups) checks[g.groupId] = g.isJoined();
      return checks;
    },
    metrics: createConsumerMetrics(deps.consumers.groups, deps.admin),
  });
}

export async function startConsumersProcess(options: Omit<StartConsumersOptions, 'db'> = {}): Promise<Stoppable & { url: string; consumers: RunningConsumers }> {
  const cfg = getConfig();
  const log = componentLogger('consumers');
  const db = createDb();
  const admin = createKafka('-consumers-health').admin();
  let consumers: RunningConsumers | undefined;
  let server: HealthServer | undefined;
  const pruner = startProcessedEventsPruner(db, cfg.consumers.processedEventsRetentionDays, log);
  try {
    await admin.connect();
    consumers = await startConsumers({ ...options, db });
    server = await listenHealthServer(consumersHealthApp({ db, admin, consumers }), cfg.consumers.healthPort, cfg.http.host);
  } catch (err) {
    pruner.stop();
    await consumers?.stop();
    await admin.disconnect().catch(() => undefined);
    await db.destroy();
    throw err;
  }
  await pruner.ready;
  const { url } = server;
  log.info({ url }, 'consumers health and metrics listening');
  const running = consumers;
  const listening = server;
  return {
    url,
    consumers: running,
    async stop() {
      pruner.stop();
      await listening.close();
      await running.stop();
      await admin.disconnect().catch(() => undefined);
      await db.destroy();
    },
  };
}
