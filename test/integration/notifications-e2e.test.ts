/**
 * End to end, nothing faked: sales and a cancel go through the real saga (a Temporal worker runs
 * the project's workflows and activities here), the activities publish the inventory and sale
 * events to the broker, the four consumer groups store and signal notifications, and real SSE
 * clients connected to a real HTTP server receive them.
 *
 * A customer who follows product A sees A go out of stock and back in stock within 2 s of the API
 * call that caused it, and nothing about product B; an admin sees both products and every sale;
 * sales staff see the sale events.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startConsumers, type RunningConsumers } from '../../consumers';
import { createTestContext, type TestContext } from '../helpers/context';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import { saleEventId } from '../../shared/events';
import { eventually, unique } from '../helpers/events';
import { markerNotification } from '../helpers/markers';
import { captureLogs } from '../helpers/logs';
import { json, listen, openSse, type SseClient, type SseEvent } from '../helpers/sse';
import { bearer, createUser, tokenFor, type TestUser } from '../helpers/users';

let ctx: TestContext;
let worker: TestWorker;
let consumers: RunningConsumers;
let server: { url: string; close(): Promise<void> };
const suffix = `e2e-${unique()}`;
const logs = captureLogs();
const people = {} as Record<'admin' | 'sales' | 'customer', { user: TestUser; token: string }>;
const streams: SseClient[] = [];

interface Note {
  kind: string;
  productId: string | null;
  saleId: string | null;
  status: string;
  eventId: string;
}
const note = (e: SseEvent): Note => json<Note>(e);

beforeAll(async () => {
  ctx = await createTestContext();
  worker = await startTestWorker(ctx);
  consumers = await startConsumers({ groupSuffix: suffix, startFromNow: true, logger: logs.logger });
  server = await listen(ctx.app);
  for (const role of ['admin', 'sales', 'customer'] as const) {
    const user = await createUser(ctx.db, { role });
    people[role] = { user, token: await tokenFor(ctx.app, user.email, user.password) };
  }
}, 120_000);

afterAll(async () => {
  for (const s of streams) s.close();
  await server?.close();
  await consumers?.stop();
  await worker?.stop();
  await ctx.close();
});

async function createProduct(stock: number): Promise<string> {
  const id = `e2e-${randomUUID()}`;
  const res = await request(ctx.app)
    .post('/products')
    .set(bearer(people.admin.token))
    .send({ id, sku: `SKU-${id}`, name: `Lamp ${id.slice(-6)}`, price: 2500, stock, lowStockThreshold: 0 });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ status: 'in_stock', available: stock });
  return id;
}

test('stock moved by sales and a cancel reaches each audience over SSE: the follower within 2 s and only for its product', async () => {
  const a = await createProduct(2);
  const b = await createProduct(1);
  // the initial restocks are events too; let every notify group apply them before anyone listens
  const groups = ['notify-admin', 'notify-sales', 'notify-customers'].map((g) => `${g}-${suffix}`);
  await eventually(async () => {
    const rows = await ctx.db('processed_events').whereIn('consumer_group', groups).whereIn('event_id', [`inventory:${a}:v2`, `inventory:${b}:v2`]);
    return rows.length === 6;
  }, 20_000, 'initial stock events processed');

  await request(ctx.app).post(`/products/${a}/follow`).set(bearer(people.customer.token)).expect(201);
  const ticket = await request(ctx.app).post('/stream-tickets').set(bearer(people.customer.token)).expect(201);
  const customer = await openSse(`${server.url}/notifications/stream?ticket=${(ticket.body as { ticket: string }).ticket}`);
  const admin = await openSse(`${server.url}/notifications/stream`, bearer(people.admin.token));
  const sales = await openSse(`${server.url}/notifications/stream`, bearer(people.sales.token));
  streams.push(customer, admin, sales);
  expect([customer.status, admin.status, sales.status]).toEqual([200, 200, 200]);

  // sale 1: the customer's own purchase of all of A → A out of stock
  const sale1 = await request(ctx.app)
    .post('/sales')
    .set(bearer(people.sales.token))
    .send({ customerName: 'Follower', customerEmail: people.customer.user.email, items: [{ productId: a, quantity: 2 }], discount: 0 });
  expect(sale1.status).toBe(201);
  expect(sale1.body).toMatchObject({ status: 'RESERVED', customerUserId: people.customer.user.id });
  const soldAt = Date.now();
  const out = await customer.waitFor((e) => note(e).productId === a && note(e).status === 'out_of_stock', 2_000);
  const outLatency = out.receivedAt - soldAt;

  // sale 2: someone else buys all of B → B out of stock (not the follower's business)
  const sale2 = await request(ctx.app)
    .post('/sales')
    .set(bearer(people.sales.token))
    .send({ customerName: 'Walk-in', customerEmail: `walk-in-${unique()}@example.com`, items: [{ productId: b, quantity: 1 }], discount: 0 });
  expect(sale2.status).toBe(201);

  // cancel sale 1 → A back in stock
  const cancel = await request(ctx.app).patch(`/sales/${sale1.body.id}/status`).set(bearer(people.sales.token)).send({ status: 'CANCELLED', reason: 'changed mind' });
  expect(cancel.status).toBe(200);
  expect(cancel.body.status).toBe('CANCELLED');
  const cancelledAt = Date.now();
  const back = await customer.waitFor((e) => note(e).productId === a && note(e).status === 'in_stock', 2_000);
  const inLatency = back.receivedAt - cancelledAt;
  process.stdout.write(`\n[latency] API response → follower's SSE frame: POST /sales ${outLatency} ms, PATCH cancel ${inLatency} ms\n`);

  // and sale 2 is cancelled too, so B comes back (the admin sees it; the follower must not)
  await request(ctx.app).patch(`/sales/${sale2.body.id}/status`).set(bearer(people.sales.token)).send({ status: 'CANCELLED' }).expect(200);

  const isB = (e: SseEvent) => note(e).productId === b;
  await admin.waitFor((e) => isB(e) && note(e).status === 'in_stock', 5_000);
  await admin.waitFor((e) => note(e).saleId === sale2.body.id && note(e).status === 'CANCELLED', 5_000);
  await customer.waitFor((e) => note(e).saleId === sale1.body.id && note(e).status === 'CANCELLED', 5_000);
  await sales.waitFor((e) => note(e).saleId === sale2.body.id && note(e).status === 'CANCELLED', 5_000);
  // anything wrongly routed (or sent twice) would have arrived before these markers: first every
  // notify group has applied the last change of A and B and every event of both sales…
  const saleEvents = [sale1.body.id, sale2.body.id].flatMap((id: string) => [saleEventId('created', id), saleEventId('cancelled', id)]);
  await eventually(async () => {
    const latest = await ctx.db('inventory').whereIn('product_id', [a, b]).select('product_id', 'version');
    const applied = await ctx.db('consumer_product_state').whereIn('consumer_group', groups).whereIn('product_id', [a, b]).select('product_id', 'version');
    const upToDate = applied.filter((s) => latest.some((l) => l.product_id === s.product_id && Number(l.version) === Number(s.version)));
    const processed = await ctx.db('processed_events').whereIn('consumer_group', groups).whereIn('event_id', saleEvents);
    return upToDate.length === groups.length * 2 && processed.length === groups.length * saleEvents.length;
  }, 20_000, 'every notify group done with both products and both sales');
  // …then a notification signalled after all of those reaches each stream
  for (const [stream, who] of [[customer, people.customer], [admin, people.admin], [sales, people.sales]] as const) {
    const marker = await markerNotification(ctx.db, who.user.id);
    await stream.waitFor((e) => e.id === String(marker), 5_000);
  }

  const ours = (c: SseClient) =>
    c.events
      .map(note)
      .filter((n) => n.productId === a || n.productId === b || n.saleId === sale1.body.id || n.saleId === sale2.body.id)
      .map((n) => `${n.kind}:${n.productId === a ? 'A' : n.productId === b ? 'B' : n.saleId === sale1.body.id ? 'sale1' : 'sale2'}:${n.status}`);

  // the follower: A out, then A in, plus its own sale's lifecycle; nothing about B or sale 2
  const follower = ours(customer);
  expect(follower.filter((s) => s.startsWith('inventory:'))).toEqual(['inventory:A:out_of_stock', 'inventory:A:in_stock']);
  expect(follower.filter((s) => s.startsWith('sale:'))).toEqual(['sale:sale1:RESERVED', 'sale:sale1:CANCELLED']);
  expect(customer.events.map(note).some((n) => n.productId === b || n.saleId === sale2.body.id)).toBe(false);

  // the admin: both products, in order per product, and every sale event
  const adminSaw = ours(admin);
  expect(adminSaw.filter((s) => s.startsWith('inventory:A'))).toEqual(['inventory:A:out_of_stock', 'inventory:A:in_stock']);
  expect(adminSaw.filter((s) => s.startsWith('inventory:B'))).toEqual(['inventory:B:out_of_stock', 'inventory:B:in_stock']);
  expect(adminSaw.filter((s) => s.startsWith('sale:')).sort()).toEqual(['sale:sale1:CANCELLED', 'sale:sale1:RESERVED', 'sale:sale2:CANCELLED', 'sale:sale2:RESERVED']);

  // sales staff: the sale events (and the stock status changes)
  const salesSaw = ours(sales);
  expect(salesSaw.filter((s) => s.startsWith('sale:')).sort()).toEqual(['sale:sale1:CANCELLED', 'sale:sale1:RESERVED', 'sale:sale2:CANCELLED', 'sale:sale2:RESERVED']);
  expect(salesSaw.filter((s) => s.startsWith('inventory:')).sort()).toEqual(['inventory:A:in_stock', 'inventory:A:out_of_stock', 'inventory:B:in_stock', 'inventory:B:out_of_stock']);

  // every SSE frame is a stored notification of that user; ids are the inbox ids
  const inbox = await request(ctx.app).get('/notifications?limit=100').set(bearer(people.customer.token));
  expect(inbox.body.data.map((n: { id: number }) => String(n.id)).sort()).toEqual(customer.events.map((e) => e.id).sort());

  // and the operators' log has the follower's two stock notifications
  const lines = logs.lines.filter((l) => l.msg === 'notification' && l.recipient === people.customer.user.email && l.product_id === a);
  expect(lines.map((l) => [l.audience, l.status])).toEqual([
    ['customers', 'out_of_stock'],
    ['customers', 'in_stock'],
  ]);
  expect(outLatency).toBeLessThan(2_000);
  expect(inLatency).toBeLessThan(2_000);
}, 60_000);

test('seed 000: POST /send_notification → inventory-updates → every audience logs and streams the reported status', async () => {
  const c = await createProduct(3);
  const groups = ['notify-admin', 'notify-sales', 'notify-customers'].map((g) => `${g}-${suffix}`);
  await eventually(async () => (await ctx.db('processed_events').whereIn('consumer_group', groups).where({ event_id: `inventory:${c}:v2` })).length === 3, 20_000, 'initial stock processed');
  await request(ctx.app).post(`/products/${c}/follow`).set(bearer(people.customer.token)).expect(201);
  const watchers = await Promise.all(
    (['customer', 'admin', 'sales'] as const).map((role) => openSse(`${server.url}/notifications/stream`, bearer(people[role].token))),
  );
  streams.push(...watchers);

  const sent = await request(ctx.app).post('/send_notification').set(bearer(people.sales.token)).send({ product_id: c, status: 'in_stock' });
  expect(sent.status).toBe(202);
  const eventId = sent.body.event_id as string;
  for (const w of watchers) {
    const got = await w.waitFor((e) => note(e).eventId === eventId, 2_000);
    expect(note(got)).toMatchObject({ kind: 'inventory', productId: c, status: 'in_stock' });
  }
  const lines = logs.lines.filter((l) => l.msg === 'notification' && l.event_id === eventId);
  const byAudience = (audience: string) => lines.filter((l) => l.audience === audience).map((l) => l.recipient);
  expect(byAudience('customers')).toEqual([people.customer.user.email]); // the only follower of a brand-new product
  expect(byAudience('admin')).toContain(people.admin.user.email);
  expect(byAudience('sales')).toContain(people.sales.user.email);
  expect(lines.every((l) => l.product_id === c && l.status === 'in_stock')).toBe(true);
}, 60_000);
