/**
 * The consumers process (bin/consumers.ts, and the consumers inside `npm start`): the consumer
 * groups, the processed_events pruner, and a small HTTP server of its own on CONSUMERS_HEALTH_PORT
 * with /healthz (alive), /readyz (PostgreSQL, Kafka and every group joined; 503 names what is not,
 * without the servers' error text) and /metrics (per group: processed, failed, dead-lettered,
 * retrying, lag; behind METRICS_TOKEN when that is set).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Admin } from 'kafkajs';
import type { Knex } from 'knex';
import { requireMetricsToken } from '../api/metrics';
import { startConsumers, type RunningConsumers, type StartConsumersOptions } from '../consumers';
import { createConsumerMetrics } from '../consumers/metrics';
import { startProcessedEventsPruner } from '../consumers/retention';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { createKafka } from '../shared/kafka';
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

export function consumersHealthApp(deps: { db: Knex; admin: Admin; consumers: RunningConsumers }): Express {
  const app = express();
  app.disable('x-powered-by');
  const registry = createConsumerMetrics(deps.consumers.groups, deps.admin);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, { status: 'up' | 'down' }> = {
      postgres: { status: (await answers(() => deps.db.raw('select 1'))) ? 'up' : 'down' },
      kafka: { status: (await answers(() => deps.admin.describeCluster())) ? 'up' : 'down' },
    };
    for (const g of deps.consumers.groups) checks[g.groupId] = { status: g.isJoined() ? 'up' : 'down' };
    const down = Object.entries(checks).filter(([, c]) => c.status === 'down').map(([name]) => name);
    res.status(down.length === 0 ? 200 : 503).json({
      status: down.length === 0 ? 'ready' : 'not ready',
      ...(down.length > 0 ? { detail: `not ready: ${down.join(', ')}` } : {}),
      checks,
    });
  });
  app.get('/metrics', requireMetricsToken, async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return app;
}

export async function startConsumersProcess(options: Omit<StartConsumersOptions, 'db'> = {}): Promise<Stoppable & { url: string; consumers: RunningConsumers }> {
  const cfg = getConfig();
  const log = componentLogger('consumers');
  const db = createDb();
  const admin = createKafka('-consumers-health').admin();
  let consumers: RunningConsumers | undefined;
  let server: Server | undefined;
  const pruner = startProcessedEventsPruner(db, cfg.consumers.processedEventsRetentionDays, log);
  try {
    await admin.connect();
    consumers = await startConsumers({ ...options, db });
    const app = consumersHealthApp({ db, admin, consumers });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(cfg.consumers.healthPort, cfg.http.host, () => resolve(s));
      s.once('error', reject);
    });
  } catch (err) {
    pruner.stop();
    await consumers?.stop();
    await admin.disconnect().catch(() => undefined);
    await db.destroy();
    throw err;
  }
  await pruner.ready;
  const url = `http://${cfg.http.host}:${(server.address() as AddressInfo).port}`;
  log.info({ url }, 'consumers health and metrics listening');
  const running = consumers;
  const listening = server;
  return {
    url,
    consumers: running,
    async stop() {
      pruner.stop();
      await new Promise<void>((resolve) => {
        listening.close(() => resolve());
        listening.closeAllConnections();
      });
      await running.stop();
      await admin.disconnect().catch(() => undefined);
      await db.destroy();
    },
  };
}
