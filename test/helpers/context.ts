/**
 * A real API wired to the real test servers (no mocks): the express app plus its dependencies.
 * Each test file builds one in beforeAll and closes it in afterAll.
 */
import type { Express } from 'express';
import type { Knex } from 'knex';
import { createApp } from '../../api/app';
import type { Dependencies } from '../../api/dependencies';
import { createNotificationHub, type NotificationHubOptions } from '../../api/notifications/hub';
import { createDb } from '../../shared/db';
import { createKafka } from '../../shared/kafka';
import { createTemporalClient } from '../../shared/temporal';
import { Partitioners } from 'kafkajs';

export interface TestContext {
  app: Express;
  deps: Dependencies;
  db: Knex;
  close(): Promise<void>;
}

export async function createTestContext(options: { hub?: Partial<Omit<NotificationHubOptions, 'db'>> } = {}): Promise<TestContext> {
  const db = createDb();
  const kafka = createKafka('-test');
  const kafkaAdmin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([kafkaAdmin.connect(), producer.connect()]);
  const temporal = await createTemporalClient();
  const notificationHub = await createNotificationHub({ db, ...options.hub });
  const deps: Dependencies = { db, kafkaAdmin, producer, temporal, notificationHub };
  return {
    app: createApp(deps),
    deps,
    db,
    async close() {
      await notificationHub.close();
      await Promise.all([kafkaAdmin.disconnect(), producer.disconnect(), temporal.connection.close(), db.destroy()]);
    },
  };
}
