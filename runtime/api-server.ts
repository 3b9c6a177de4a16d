/** The HTTP API process: dependencies, the express app, and a graceful stop. */
import type { Server } from 'node:http';
import { Partitioners } from 'kafkajs';
import { createApp } from '../api/app';
import type { Dependencies } from '../api/dependencies';
import { createNotificationHub } from '../api/notifications/hub';
import { closeProductStream } from '../api/routes/product-stream';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { createKafka } from '../shared/kafka';
import { componentLogger } from '../shared/logger';
import { createTemporalClient } from '../shared/temporal';
import type { Stoppable } from './lifecycle';

export async function startApiServer(): Promise<Stoppable & { server: Server; url: string }> {
  const log = componentLogger('api');
  const cfg = getConfig();
  const db = createDb();
  const kafka = createKafka('-api');
  const kafkaAdmin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await Promise.all([kafkaAdmin.connect(), producer.connect()]);
  const temporal = await createTemporalClient();
  // one LISTEN connection per API process bridges notifications from any consumer process to SSE
  const notificationHub = await createNotificationHub({ db });
  const deps: Dependencies = { db, kafkaAdmin, producer, temporal, notificationHub };
  const app = createApp(deps);

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(cfg.http.port, cfg.http.host, () => resolve(s));
    s.once('error', reject);
  });
  // SSE streams stay open; keep-alive sockets must not hold shutdown hostage
  server.keepAliveTimeout = 5_000;
  const url = `http://${cfg.http.host}:${cfg.http.port}`;
  log.info({ url }, 'API listening');

  return {
    server,
    url,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.allSettled([notificationHub.close(), closeProductStream(), kafkaAdmin.disconnect(), producer.disconnect(), temporal.connection.close()]);
      await db.destroy();
    },
  };
}
