/**
 * GET /products/stream (issue #6): inventory changes reach SSE clients through the database
 * trigger (pg_notify on commit) and the API process's one LISTEN connection. Not a browser test,
 * but it lives beside them: it is the live catalog's contract.
 */
import { closeProductStream, productStreamStatus, type StockEvent } from '../../api/routes/product-stream';
import { createProduct } from '../helpers/catalog';
import { createTestContext, type TestContext } from '../helpers/context';
import { json, listen, openSse, type SseClient } from '../helpers/sse';
import { bearer, createUser, tokenFor } from '../helpers/users';
import { startTestWorker } from '../helpers/worker';

let ctx: TestContext;
let server: { url: string; close(): Promise<void> };
let token: string;
const clients: SseClient[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  server = await listen(ctx.app);
  const user = await createUser(ctx.db, { role: 'customer', locale: 'en' });
  token = await tokenFor(ctx.app, user.email, user.password);
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await closeProductStream();
  await server?.close();
  await ctx?.close();
});

async function stream(headers: Record<string, string> = {}, query?: string): Promise<SseClient> {
  if (query === undefined) {
    const res = await fetch(`${server.url}/stream-tickets`, { method: 'POST', headers: bearer(token) });
    query = `?ticket=${((await res.json()) as { ticket: string }).ticket}`;
  }
  const c = await openSse(`${server.url}/products/stream${query}`, headers);
  clients.push(c);
  return c;
}

const stockFor = (productId: string, version: number) => (e: { event: string; data: string }) =>
  e.event === 'stock' && json<StockEvent>(e as never).productId === productId && json<StockEvent>(e as never).version === version;

test('a committed inventory change arrives as a `stock` event within 2 s, with the new figures', async () => {
  const productId = await createProduct(ctx.db, 3, { lowStockThreshold: 1 });
  const sse = await stream();
  expect(sse.status).toBe(200);
  expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);

  const changedAt = Date.now();
  await ctx.db('inventory').where({ product_id: productId }).update({ reserved: 3, status: 'out_of_stock', version: 2 });
  const event = await sse.waitFor(stockFor(productId, 2), 2_000);
  expect(event.receivedAt - changedAt).toBeLessThan(2_000);
  expect(json(event)).toEqual({ productId, onHand: 3, reserved: 3, available: 0, status: 'out_of_stock', version: 2 });
});

test('nothing is announced before the transaction commits, and a rolled-back change never is', async () => {
  const sse = await stream();
  const productId = await createProduct(ctx.db, 5);
  await sse.waitFor(stockFor(productId, 1), 2_000); // its creation
  const trx = await ctx.db.transaction();
  await trx('inventory').where({ product_id: productId }).update({ on_hand: 4, version: 2 });
  // a marker: another product committed after the open change; an early announcement would come first
  const marker = await createProduct(ctx.db, 1);
  await sse.waitFor(stockFor(marker, 1), 2_000);
  expect(sse.events.filter((e) => e.data.includes(productId)).map((e) => json<StockEvent>(e).version)).toEqual([1]);
  await trx.rollback();
  await ctx.db('inventory').where({ product_id: productId }).update({ on_hand: 6, version: 3 });
  const event = await sse.waitFor(stockFor(productId, 3), 2_000);
  expect(json<StockEvent>(event).onHand).toBe(6);
  expect(sse.events.some(stockFor(productId, 2))).toBe(false);
});

test('a sale made through the API reaches every connected client (one LISTEN serves them all)', async () => {
  const productId = await createProduct(ctx.db, 2);
  const a = await stream();
  const pid = productStreamStatus().backendPid;
  expect(pid).toEqual(expect.any(Number));
  const b = await stream(bearer(token), '');
  const worker = await startTestWorker(ctx);
  try {
    const res = await fetch(`${server.url}/sales`, {
      method: 'POST',
      headers: { ...bearer(token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ items: [{ productId, quantity: 2 }] }),
    });
    expect(res.status).toBe(201);
    for (const c of [a, b]) {
      const e = await c.waitFor((ev) => ev.event === 'stock' && json<StockEvent>(ev).productId === productId && json<StockEvent>(ev).version > 1, 2_000);
      expect(json(e)).toMatchObject({ productId, available: 0, reserved: 2, status: 'out_of_stock' });
    }
  } finally {
    await worker.stop();
  }
  expect(productStreamStatus().backendPid).toBe(pid);
});

test('after the LISTEN connection drops it reconnects and resends current stock', async () => {
  const sse = await stream();
  const productId = await createProduct(ctx.db, 7);
  const created = await sse.waitFor(stockFor(productId, 1), 2_000);
  const { backendPid } = productStreamStatus();
  expect(backendPid).toEqual(expect.any(Number));
  await ctx.db.raw('SELECT pg_terminate_backend(?)', [backendPid!]);
  // the resync after reconnecting sends every product's stock again, this one's included
  const resent = await sse.waitFor((e) => e !== created && stockFor(productId, 1)(e), 10_000);
  expect(json(resent)).toMatchObject({ productId, onHand: 7, available: 7, status: 'in_stock' });
  const now = productStreamStatus();
  expect(now.listening).toBe(true);
  expect(now.backendPid).not.toBe(backendPid);
  await ctx.db('inventory').where({ product_id: productId }).update({ on_hand: 1, status: 'low_stock', version: 2 });
  await sse.waitFor(stockFor(productId, 2), 2_000);
});

test('the stream needs a valid ticket or token (query or header)', async () => {
  const none = await stream({}, '');
  expect(none.status).toBe(401);
  const bad = await stream({}, '?ticket=not-a-ticket');
  expect(bad.status).toBe(401);
  expect(JSON.parse(bad.errorBody ?? '{}')).toMatchObject({ status: 401, detail: expect.stringContaining('invalid stream ticket') });
});
