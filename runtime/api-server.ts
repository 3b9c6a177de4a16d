/** The HTTP API process: dependencies, the express app, and a graceful stop. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createApp } from '../api/app';
import { createMetricsApp, metricsOnApiPort } from '../api/metrics';
import type { Dependencies } from '../api/dependencies';
import { createNotificationHub } from '../api/notifications/hub';
import { closeProductStream } from '../api/routes/product-stream';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { createKafka, PRODUCER_OPTIONS } from '../shared/kafka';
import { componentLogger } from '../shared/logger';
import { createTemporalClient } from '../shared/temporal';
import type { Stoppable } from './lifecycle';

function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
}

const urlOf = (server: Server, host: string): string => `http://${host}:${(server.address() as AddressInfo).port}`;

export async function startApiServer(): Promise<Stoppable & { server: Server; url: string; metricsUrl?: string }> {
  const log = componentLogger('api');
  const cfg = getConfig();
  const db = createDb();
  const kafka = createKafka('-api');
  const kafkaAdmin = kafka.admin();
  const producer = kafka.producer(PRODUCER_OPTIONS);
  await Promise.all([kafkaAdmin.connect(), producer.connect()]);
  const temporal = await createTemporalClient();
  // one LISTEN connection per API process bridges notifications from any consumer process to SSE
  const notificationHub = await createNotificationHub({ db });
  const deps: Dependencies = { db, kafkaAdmin, producer, temporal, notificationHub };
  const app = createApp(deps);

  const server = await listen(app, cfg.http.port, cfg.http.host);
  // SSE streams stay open; keep-alive sockets must not hold shutdown hostage
  server.keepAliveTimeout = 5_000;
  const url = urlOf(server, cfg.http.host);
  log.info({ url }, 'API listening');
  // /metrics on a port of its own (METRICS_PORT), apart from the public one
  const metricsServer = cfg.metrics.port === undefined ? undefined : await listen(createMetricsApp(), cfg.metrics.port, cfg.http.host);
  const metricsUrl = metricsServer ? `${urlOf(metricsServer, cfg.http.host)}/metrics` : metricsOnApiPort(cfg) ? `${url}/metrics` : undefined;
  if (metricsServer) log.info({ url: metricsUrl }, 'metrics listening');
  if (!metricsUrl) log.warn('metrics are not served: in production set METRICS_PORT or METRICS_TOKEN to expose /metrics');

  return {
    server,
    url,
    metricsUrl,
    async stop() {
      metricsServer?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.allSettled([notificationHub.close(), closeProductStream(), kafkaAdmin.disconnect(), producer.disconnect(), temporal.connection.close()]);
      await db.destroy();
    },
  };
}
