/**
 * The stock-email throttle (one immediate stock email per user and product per window; later
 * changes coalesce into one email after it) and the back-in-stock re-check at send time, end to end:
 * stock changes through the API and the saga, the notify consumers, a delivery worker with a short
 * window sending over SMTP, the mail read back from the local mail server.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startConsumers, type RunningConsumers } from '../../consumers';
import { createDeliveryWorker, type DeliveryWorker } from '../../delivery/worker';
import { createTestContext, type TestContext } from '../helpers/context';
import { eventually, unique } from '../helpers/events';
import { captureLogs } from '../helpers/logs';
import { listMessages, waitForMessage, type ReceivedMail } from '../helpers/mailbox';
import { bearer, createUser, tokenFor, type TestUser } from '../helpers/users';
import { startTestWorker, type TestWorker } from '../helpers/worker';

/** the throttle window of this file's delivery worker: long enough for three changes to land inside it */
const THROTTLE_SECONDS = 12;

let ctx: TestContext;
let worker: TestWorker;
let consumers: RunningConsumers;
let delivery: DeliveryWorker;
let adminToken: string;
const logs = captureLogs();

interface Person {
  user: TestUser;
  token: string;
}

beforeAll(async () => {
  ctx = await createTestContext();
  worker = await startTestWorker(ctx);
  consumers = await startConsumers({ groupSuffix: `digest-${unique()}`, startFromNow: true, logger: logs.logger, groups: ['notify-sales', 'notify-customers'] });
  delivery = createDeliveryWorker({ db: ctx.db, log: logs.logger, settings: { throttleSeconds: THROTTLE_SECONDS } });
  const admin = await createUser(ctx.db, { role: 'admin' });
  adminToken = await tokenFor(ctx.app, admin.email, admin.password);
}, 120_000);

afterAll(async () => {
  await delivery?.stop();
  await consumers?.stop();
  await worker?.stop();
  await ctx.close();
});

async function person(role: 'customer' | 'sales', locale: 'es' | 'en'): Promise<Person> {
  const user = await createUser(ctx.db, { role });
  await ctx.db('users').where({ id: user.id }).update({ locale });
  return { user, token: await tokenFor(ctx.app, user.email, user.password) };
}

async function product(stock: number, lowStockThreshold = 3): Promise<{ id: string; name: string }> {
  const id = `digest-${randomUUID()}`;
  const name = `Lamp ${id.slice(-6)}`;
  const res = await request(ctx.app).post('/products').set(bearer(adminToken)).send({ id, sku: `SKU-${id}`, name, price: 1500, stock, lowStockThreshold });
  expect(res.status).toBe(201);
  return { id, name };
}

async function changeStock(productId: string, body: Record<string, unknown>): Promise<void> {
  const res = await request(ctx.app).patch(`/products/${productId}/stock`).set(bearer(adminToken)).send(body);
  expect(res.status).toBe(200);
}

async function setPreferences(p: Person, body: Record<string, unknown>): Promise<void> {
  await request(ctx.app).put('/me/preferences').set(bearer(p.token)).send(body).expect(200);
}

/** the recipient's inbox row about the product reaching the status (after the row `afterId`) */
async function inboxRow(p: Person, productId: string, status: string, afterId = '0'): Promise<{ id: string; created_at: Date }> {
  return eventually(
    () => ctx.db('notifications').where({ recipient_id: p.user.id, product_id: productId, status }).where('id', '>', afterId).orderBy('id', 'desc').first('id', 'created_at'),
    30_000,
    `${p.user.email}'s ${status} row for ${productId}`,
  );
}

interface DeliveryRow {
  id: string;
  notification_id: string | null;
  status: string;
  template: string;
  last_error: string | null;
  message_id: string | null;
  sent_at: Date | null;
  next_attempt_at: Date;
  window_start: Date | null;
  window_end: Date | null;
}

async function emailOf(notificationId: string): Promise<DeliveryRow> {
  return eventually(() => ctx.db('deliveries').where({ notification_id: notificationId, channel: 'email' }).first(), 30_000, `the email delivery of notification ${notificationId}`);
}

/** runs worker batches until the delivery row reaches the status */
async function deliverUntil(id: string, status: string, timeoutMs = 30_000): Promise<DeliveryRow> {
  return eventually(async () => {
    await delivery.runOnce();
    const row: DeliveryRow | undefined = await ctx.db('deliveries').where({ id }).first();
    return row?.status === status ? row : undefined;
  }, timeoutMs, `delivery ${id} ${status}`);
}

test('throttle: three changes of one product inside the window make one email now and one after the window with the latest status', async () => {
  const staff = await person('sales', 'en');
  const lamp = await product(10);
  // the product's creation ("in stock") is told while email is still the daily digest
  await inboxRow(staff, lamp.id, 'in_stock');
  await setPreferences(staff, { grid: { low_stock: { email: 'immediate' }, stock_changes: { email: 'immediate' } } });

  await changeStock(lamp.id, { kind: 'adjust', quantity: -8, reason: 'sold' }); // low
  const firstRow = await emailOf((await inboxRow(staff, lamp.id, 'low_stock')).id);
  const first = await deliverUntil(firstRow.id, 'sent');

  await changeStock(lamp.id, { kind: 'adjust', quantity: -2, reason: 'sold' }); // out
  await changeStock(lamp.id, { kind: 'restock', quantity: 6 }); // back in stock
  const out = await inboxRow(staff, lamp.id, 'out_of_stock');
  const second = await emailOf(out.id);
  const third = await emailOf((await inboxRow(staff, lamp.id, 'in_stock', out.id)).id);

  const coalesced = await deliverUntil(third.id, 'sent', 60_000);
  // not before the window that the first email opened has ended (it opened just before that send: 1 s of slack)
  expect(coalesced.sent_at!.getTime()).toBeGreaterThanOrEqual(first.sent_at!.getTime() + (THROTTLE_SECONDS - 1) * 1000);
  expect(await ctx.db('deliveries').where({ id: second.id }).first('status', 'last_error')).toEqual({ status: 'skipped', last_error: `coalesced into delivery ${third.id} (a later change of the product)` });

  const mails: ReceivedMail[] = await listMessages(staff.user.email);
  expect(mails.map((m) => m.subject)).toEqual([`${lamp.name}: low stock`, `${lamp.name} is back in stock`]);
  expect(mails[1]!.text).toContain('Status: in stock · 6 units available');
}, 120_000);

test('a back-in-stock email held by the throttle is dropped when the product is out of stock again by the end of the window', async () => {
  const customer = await person('customer', 'es');
  const lamp = await product(0, 0);
  await request(ctx.app).post(`/products/${lamp.id}/follow`).set(bearer(customer.token)).expect(201);

  await changeStock(lamp.id, { kind: 'restock', quantity: 1 });
  await deliverUntil((await emailOf((await inboxRow(customer, lamp.id, 'in_stock')).id)).id, 'sent');
  await waitForMessage(customer.user.email);

  await changeStock(lamp.id, { kind: 'adjust', quantity: -1, reason: 'broken' });
  await inboxRow(customer, lamp.id, 'out_of_stock');
  await changeStock(lamp.id, { kind: 'restock', quantity: 1 });
  const again = await eventually(async () => {
    const rows = await ctx.db('notifications').where({ recipient_id: customer.user.id, product_id: lamp.id, status: 'in_stock' }).orderBy('id').select('id');
    return rows.length === 2 ? rows[1] : undefined;
  }, 30_000, 'the second back-in-stock row');
  const held = await emailOf(again.id);
  // the worker sees it inside the window: it waits for the window's end instead of going out
  const waiting = await eventually(async () => {
    await delivery.runOnce();
    const row: DeliveryRow = await ctx.db('deliveries').where({ id: held.id }).first();
    return row.status !== 'queued' || row.next_attempt_at.getTime() > Date.now() + 1000 ? row : undefined;
  }, 15_000, 'the second back-in-stock email handled once');
  expect(waiting.status).toBe('queued');

  await changeStock(lamp.id, { kind: 'adjust', quantity: -1, reason: 'sold elsewhere' });
  const skipped = await deliverUntil(held.id, 'skipped', 60_000);
  expect(skipped.last_error).toBe('the product is out of stock again');
  expect(await listMessages(customer.user.email)).toHaveLength(1);
  // the inbox keeps the history
  expect(await ctx.db('notifications').where({ recipient_id: customer.user.id, product_id: lamp.id }).count({ n: '*' }).first()).toEqual({ n: '4' });
}, 120_000);

