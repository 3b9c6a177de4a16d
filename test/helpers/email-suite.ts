/**
 * The setup the email suites share: the app on the real test servers, a Temporal worker, the notify
 * consumers in groups of the file's own, a delivery worker driven batch by batch (runOnce) that sends
 * to the stack's local mail server, and a logged-in admin who changes the catalogue. Registers
 * beforeAll/afterAll; read the fields inside tests.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startConsumers, type RunningConsumers, type StartConsumersOptions } from '../../consumers';
import type { DeliverySettings } from '../../shared/config';
import { createDeliveryWorker, type DeliveryWorker } from '../../delivery/worker';
import { createTestContext, type TestContext } from './context';
import { eventually } from './events';
import { captureLogs, type CapturedLogs } from './logs';
import { bearer, createUser, tokenFor, type TestUser } from './users';
import { startTestWorker, type TestWorker } from './worker';

export interface Person {
  user: TestUser;
  token: string;
}

/** a deliveries row, as the tests read it */
export interface DeliveryRow {
  id: string;
  /** null: a digest */
  notification_id: string | null;
  status: string;
  template: string;
  attempts: number;
  last_error: string | null;
  message_id: string | null;
  sent_at: Date | null;
  next_attempt_at: Date;
  window_start: Date | null;
  window_end: Date | null;
}

export interface EmailSuiteOptions {
  /** the consumer groups' suffix (unique per file) and, if not all, which notify groups run */
  consumers: Pick<StartConsumersOptions, 'groupSuffix' | 'groups'>;
  /** the delivery worker's settings that differ from the configured ones */
  delivery?: Partial<DeliverySettings>;
  /** how the file's product ids start */
  productPrefix: string;
}

export interface EmailSuite {
  readonly ctx: TestContext;
  readonly worker: TestWorker;
  readonly delivery: DeliveryWorker;
  readonly adminToken: string;
  readonly logs: CapturedLogs;
  /** a user of the role and locale, logged in */
  person(role: 'customer' | 'sales', locale: 'es' | 'en'): Promise<Person>;
  /** a product created through the API; `name` builds its name from a tag of its id */
  product(stock: number, lowStockThreshold?: number, name?: (tag: string) => string): Promise<{ id: string; name: string; status: string }>;
  follow(person: Person, productId: string): Promise<void>;
  changeStock(productId: string, body: Record<string, unknown>): Promise<void>;
  setPreferences(person: Person, body: Record<string, unknown>): Promise<void>;
  /** the recipient's newest inbox row about the product reaching the status (after the row `afterId`) */
  inboxRow(person: Person, productId: string, status: string, afterId?: string): Promise<{ id: string; created_at: Date }>;
  /** the email delivery of a notification, once it is queued */
  emailOf(notificationId: string): Promise<DeliveryRow>;
  /** runs worker batches until the delivery row reaches the status */
  deliverUntil(id: string, status: string, timeoutMs?: number): Promise<DeliveryRow>;
  /** stops the Temporal worker and starts a new one */
  restartWorker(): Promise<void>;
}

export function useEmailSuite(options: EmailSuiteOptions): EmailSuite {
  const logs = captureLogs();
  const state = {} as { ctx: TestContext; worker: TestWorker; consumers: RunningConsumers; delivery: DeliveryWorker; adminToken: string };

  beforeAll(async () => {
    state.ctx = await createTestContext();
    state.worker = await startTestWorker(state.ctx);
    state.consumers = await startConsumers({ ...options.consumers, startFromNow: true, logger: logs.logger });
    state.delivery = createDeliveryWorker({ db: state.ctx.db, log: logs.logger, ...(options.delivery ? { settings: options.delivery } : {}) });
    const admin = await createUser(state.ctx.db, { role: 'admin' });
    state.adminToken = await tokenFor(state.ctx.app, admin.email, admin.password);
  }, 120_000);

  afterAll(async () => {
    await state.delivery?.stop();
    await state.consumers?.stop();
    await state.worker?.stop();
    await state.ctx?.close();
  });

  const suite: EmailSuite = {
    get ctx() {
      return state.ctx;
    },
    get worker() {
      return state.worker;
    },
    get delivery() {
      return state.delivery;
    },
    get adminToken() {
      return state.adminToken;
    },
    logs,
    async person(role, locale) {
      const user = await createUser(state.ctx.db, { role });
      await state.ctx.db('users').where({ id: user.id }).update({ locale });
      return { user, token: await tokenFor(state.ctx.app, user.email, user.password) };
    },
    async product(stock, lowStockThreshold = 3, name = (tag) => `Lamp ${tag}`) {
      const id = `${options.productPrefix}-${randomUUID()}`;
      const named = name(id.slice(-6));
      const res = await request(state.ctx.app).post('/products').set(bearer(state.adminToken)).send({ id, sku: `SKU-${id}`, name: named, price: 1500, stock, lowStockThreshold });
      expect(res.status).toBe(201);
      return { id, name: named, status: (res.body as { status: string }).status };
    },
    async follow(person, productId) {
      await request(state.ctx.app).post(`/products/${productId}/follow`).set(bearer(person.token)).expect(201);
    },
    async changeStock(productId, body) {
      const res = await request(state.ctx.app).patch(`/products/${productId}/stock`).set(bearer(state.adminToken)).send(body);
      expect(res.status).toBe(200);
    },
    async setPreferences(person, body) {
      await request(state.ctx.app).put('/me/preferences').set(bearer(person.token)).send(body).expect(200);
    },
    inboxRow(person, productId, status, afterId = '0') {
      return eventually(
        () => state.ctx.db('notifications').where({ recipient_id: person.user.id, product_id: productId, status }).where('id', '>', afterId).orderBy('id', 'desc').first('id', 'created_at'),
        30_000,
        `${person.user.email}'s ${status} row for ${productId}`,
      );
    },
    emailOf(notificationId) {
      return eventually(() => state.ctx.db('deliveries').where({ notification_id: notificationId, channel: 'email' }).first(), 30_000, `the email delivery of notification ${notificationId}`);
    },
    deliverUntil(id, status, timeoutMs = 30_000) {
      return eventually(async () => {
        await state.delivery.runOnce();
        const row: DeliveryRow | undefined = await state.ctx.db('deliveries').where({ id }).first();
        return row?.status === status ? row : undefined;
      }, timeoutMs, `delivery ${id} ${status}`);
    },
    async restartWorker() {
      await state.worker.stop();
      state.worker = await startTestWorker(state.ctx);
    },
  };
  return suite;
}
