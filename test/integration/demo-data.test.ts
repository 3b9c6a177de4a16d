/** The demo seed: idempotent, consistent inventory and ledger, and users who can log in. */
import request from 'supertest';
import { stockStatusFor } from '../../shared/events';
import { DEMO_PRODUCTS, DEMO_USERS, demoSku, seedDemoData } from '../../shared/demo-data';
import { getConfig } from '../../shared/config';
import { createTestContext, type TestContext } from '../helpers/context';

let ctx: TestContext;
const password = getConfig().demo.password;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

test('seeding twice inserts nothing the second time', async () => {
  const first = await seedDemoData(ctx.db, password);
  expect(first.products).toBeLessThanOrEqual(DEMO_PRODUCTS.length);
  expect(await seedDemoData(ctx.db, password)).toEqual({ products: 0, users: 0 });
  expect(await ctx.db('products').whereIn('id', DEMO_PRODUCTS.map((p) => p.id)).count({ n: '*' })).toEqual([{ n: String(DEMO_PRODUCTS.length) }]);
  expect(await ctx.db('users').whereIn('email', DEMO_USERS.map((u) => u.email)).count({ n: '*' })).toEqual([{ n: String(DEMO_USERS.length) }]);
});

test('each demo product has inventory with a consistent status and an initial ledger row', async () => {
  for (const p of DEMO_PRODUCTS) {
    const product = await ctx.db('products').where({ id: p.id }).first();
    expect(product).toMatchObject({ sku: demoSku(p.id), name: p.name, price: p.price });
    // other tests may since have moved the stock; the status must still follow it
    const inv = await ctx.db('inventory').where({ product_id: p.id }).first();
    expect(inv.status).toBe(stockStatusFor(inv.available, inv.low_stock_threshold));
    const initial = await ctx.db('stock_movements').where({ product_id: p.id, version: 1 }).first();
    expect(initial).toMatchObject({
      type: 'initial',
      on_hand_delta: p.stock,
      on_hand_after: p.stock,
      available_after: p.stock,
      status_after: stockStatusFor(p.stock, 5),
    });
  }
  expect(demoSku('3')).toBe('SKU-0003');
});

test.each(DEMO_USERS.map((u) => [u.email, u] as const))('%s logs in with the demo password', async (_email, user) => {
  const res = await request(ctx.app).post('/auth/login').send({ email: user.email, password });
  expect(res.status).toBe(200);
  expect(res.body.user).toMatchObject(user);
});
