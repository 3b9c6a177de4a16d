/**
 * POST /products with initial stock: the stock goes through the stock-change workflow, so a real
 * Temporal worker (the project's workflows and activities, on the test task queue) runs here.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/context';
import { bearer, createUser, tokenFor } from '../helpers/users';
import { startTestWorker, type TestWorker } from '../helpers/worker';

let ctx: TestContext;
let worker: TestWorker;
let adminToken: string;

beforeAll(async () => {
  ctx = await createTestContext();
  worker = await startTestWorker(ctx);
  const admin = await createUser(ctx.db, { role: 'admin' });
  adminToken = await tokenFor(ctx.app, admin.email, admin.password);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await ctx.close();
});

test('initial stock is applied as a restock after the initial ledger row', async () => {
  const id = `stocked-${randomUUID().slice(0, 8)}`;
  const res = await request(ctx.app)
    .post('/products')
    .set(bearer(adminToken))
    .send({ id, sku: `SKU-${id}`, name: 'Stocked lamp', price: 1500, stock: 12, lowStockThreshold: 3 });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ id, onHand: 12, reserved: 0, available: 12, status: 'in_stock', lowStockThreshold: 3, version: 2 });

  const movements = await ctx.db('stock_movements').where({ product_id: id }).orderBy('version');
  expect(movements.map((m) => [m.type, m.on_hand_delta, m.on_hand_after, m.status_after, Number(m.version)])).toEqual([
    ['initial', 0, 0, 'out_of_stock', 1],
    ['restock', 12, 12, 'in_stock', 2],
  ]);
  expect(movements[1].reason).toBe('initial stock');
});
