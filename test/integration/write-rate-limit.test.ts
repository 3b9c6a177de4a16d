/**
 * The per-user rate limit on writes (issue #12): POST /sales, follows and POST /send_notification
 * share one budget per user; past it, 429 naming the setting, while other users are unaffected.
 */
process.env.WRITE_RATE_LIMIT_PER_MINUTE = '3'; // read by shared/config.ts, loaded fresh for this test file

import request from 'supertest';
import { createProduct } from '../helpers/catalog';
import { createTestContext, type TestContext } from '../helpers/context';
import { bearer, createUser, tokenFor } from '../helpers/users';

let ctx: TestContext;
let productId: string;

beforeAll(async () => {
  ctx = await createTestContext();
  productId = await createProduct(ctx.db, 10);
});
afterAll(async () => {
  await ctx?.close();
});

async function login(role: 'customer' | 'sales'): Promise<string> {
  const user = await createUser(ctx.db, { role });
  return tokenFor(ctx.app, user.email, user.password);
}

test('a customer gets WRITE_RATE_LIMIT_PER_MINUTE writes a minute across follows and POST /sales; others are unaffected', async () => {
  const busyUser = await createUser(ctx.db, { role: 'customer' });
  const busy = await tokenFor(ctx.app, busyUser.email, busyUser.password);
  const other = await login('customer');
  const follow = (token: string) => request(ctx.app).post(`/products/${productId}/follow`).set(bearer(token));
  expect((await follow(busy)).status).toBe(201);
  expect((await request(ctx.app).delete(`/products/${productId}/follow`).set(bearer(busy))).status).toBe(204);
  expect((await follow(busy)).status).toBe(201);

  const limited = await follow(busy);
  expect(limited.status).toBe(429);
  expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(limited.body).toMatchObject({ limit: 'WRITE_RATE_LIMIT_PER_MINUTE', max: 3 });
  expect(limited.headers['retry-after']).toBeDefined();
  const sale = await request(ctx.app).post('/sales').set(bearer(busy)).send({ items: [{ productId, quantity: 1 }] });
  expect(sale.status).toBe(429);
  // a new token of the same user does not reset the budget; reads are not limited
  const again = await tokenFor(ctx.app, busyUser.email, busyUser.password);
  expect((await follow(again)).status).toBe(429);
  expect((await request(ctx.app).get('/me/follows').set(bearer(busy))).status).toBe(200);

  expect((await follow(other)).status).toBe(201);
});

test('POST /send_notification is limited per staff member', async () => {
  const staff = await login('sales');
  const send = () => request(ctx.app).post('/send_notification').set(bearer(staff)).send({ product_id: productId, status: 'in_stock' });
  for (let i = 0; i < 3; i++) expect((await send()).status).toBe(202);
  expect((await send()).status).toBe(429);
});
