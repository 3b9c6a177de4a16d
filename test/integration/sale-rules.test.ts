/**
 * Money and stock rules of issue #12, through the API on the real servers: who may grant a
 * discount and how much, per-customer reservation limits, the public view of a status change,
 * and the summary counted by the date each status was reached.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createProduct, stockOf } from '../helpers/catalog';
import { useSagaSuite } from '../helpers/saga-suite';
import { bearer, createUser, tokenFor } from '../helpers/users';

const suite = useSagaSuite('sales');
let admin: string;
let customer: string;

beforeAll(async () => {
  const a = await createUser(suite.ctx.db, { role: 'admin' });
  admin = await tokenFor(suite.ctx.app, a.email, a.password);
  customer = await newCustomer();
});

async function newCustomer(): Promise<string> {
  const c = await createUser(suite.ctx.db, { role: 'customer' });
  return tokenFor(suite.ctx.app, c.email, c.password);
}

const staffBody = (productId: string, quantity: number, discount: number) => ({
  customerName: 'Rules Customer', customerEmail: 'rules@example.com', items: [{ productId, quantity }], discount,
});
const post = (token: string, body: object, key?: string) => {
  const r = request(suite.ctx.app).post('/sales').set(bearer(token));
  return (key ? r.set('Idempotency-Key', key) : r).send(body);
};

describe('discounts: only staff grant them', () => {
  test("a customer's discount is refused with 403 and nothing is reserved", async () => {
    const productId = await createProduct(suite.ctx.db, 5);
    const res = await post(customer, { items: [{ productId, quantity: 1 }], discount: 10 });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(/only sales staff or administrators can grant a discount/);
    expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ reserved: 0 });
    // the same purchase without a discount goes through
    expect((await post(customer, { items: [{ productId, quantity: 1 }], discount: 0 })).status).toBe(201);
  });

  test('sales staff up to MAX_STAFF_DISCOUNT_PERCENT (50), admins any', async () => {
    const productId = await createProduct(suite.ctx.db, 10, { price: 1000 });
    const over = await post(suite.token, staffBody(productId, 1, 60));
    expect(over.status).toBe(403);
    expect(over.body).toMatchObject({ limit: 'MAX_STAFF_DISCOUNT_PERCENT', max: 50 });
    expect(over.body.detail).toMatch(/sales staff may grant at most 50 %/);
    expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ reserved: 0 });

    const atCap = await post(suite.token, staffBody(productId, 1, 50));
    expect(atCap.status).toBe(201);
    expect(atCap.body).toMatchObject({ discount: 50, total: 500 });
    const byAdmin = await post(admin, staffBody(productId, 1, 90));
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.body).toMatchObject({ discount: 90, total: 100 });
  });
});

describe("limits on a customer's own reservations", () => {
  test('at most 5 open reservations; a cancelled one frees a slot; an idempotent retry is not refused', async () => {
    const token = await newCustomer();
    const productId = await createProduct(suite.ctx.db, 100);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(token, { items: [{ productId, quantity: 1 }] }, `slot-${i}`);
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    const sixth = await post(token, { items: [{ productId, quantity: 1 }] });
    expect(sixth.status).toBe(409);
    expect(sixth.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(sixth.body).toMatchObject({ limit: 'MAX_OPEN_RESERVATIONS_PER_CUSTOMER', max: 5 });
    expect(sixth.body.detail).toMatch(/at most 5 open reservations/);
    expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ reserved: 5 });

    // a retry of a sale that already exists is answered with that sale, not refused
    const retry = await post(token, { items: [{ productId, quantity: 1 }] }, 'slot-0');
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(ids[0]);

    const cancel = await request(suite.ctx.app).patch(`/sales/${ids[0]}/status`).set(bearer(token)).send({ status: 'CANCELLED' });
    expect(cancel.status).toBe(200);
    expect((await post(token, { items: [{ productId, quantity: 1 }] })).status).toBe(201);
  });

  test('at most 10 units of one product across open reservations', async () => {
    const token = await newCustomer();
    const [a, b] = [await createProduct(suite.ctx.db, 100), await createProduct(suite.ctx.db, 100)];
    const tooMany = await post(token, { items: [{ productId: a, quantity: 11 }] });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({ limit: 'MAX_RESERVED_UNITS_PER_PRODUCT', max: 10, productId: a });

    expect((await post(token, { items: [{ productId: a, quantity: 6 }] })).status).toBe(201);
    const more = await post(token, { items: [{ productId: b, quantity: 2 }, { productId: a, quantity: 5 }] });
    expect(more.status).toBe(409);
    expect(more.body).toMatchObject({ limit: 'MAX_RESERVED_UNITS_PER_PRODUCT', productId: a });
    expect(more.body.detail).toMatch(/6 units of product .* already reserved/);
    expect(await stockOf(suite.ctx.db, b)).toMatchObject({ reserved: 0 });
    expect((await post(token, { items: [{ productId: b, quantity: 2 }, { productId: a, quantity: 4 }] })).status).toBe(201);
  });

  test('staff selling to a customer are not held to the self-service limits', async () => {
    const productId = await createProduct(suite.ctx.db, 100);
    expect((await post(suite.token, staffBody(productId, 20, 0))).status).toBe(201);
  });
});

test('PATCH /sales/:id/status answers with the same public view as GET (no requestHash)', async () => {
  const productId = await createProduct(suite.ctx.db, 5);
  const sale = await post(suite.token, staffBody(productId, 1, 0));
  const done = await request(suite.ctx.app).patch(`/sales/${sale.body.id}/status`).set(bearer(suite.token)).send({ status: 'COMPLETED', paymentMethod: 'CASH' });
  expect(done.status).toBe(200);
  expect(done.body).not.toHaveProperty('requestHash');
  const read = await request(suite.ctx.app).get(`/sales/${sale.body.id}`).set(bearer(suite.token));
  expect(done.body).toEqual(read.body);
});

describe('GET /sales/summary', () => {
  // sales on days nobody else uses (a random day in the 1970s), written straight to the table
  const day = new Date(Date.UTC(1970 + Math.floor(Math.random() * 10), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 20)));
  const at = (offsetDays: number) => new Date(day.getTime() + offsetDays * 86_400_000);
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const ids = [randomUUID(), randomUUID(), randomUUID()];

  beforeAll(async () => {
    const row = (id: string, status: string, total: number, created: Date, extra: object) => ({
      id, status, customer_name: 'Summary', customer_email: 'summary@example.com', subtotal: total, total,
      request_hash: 'x', expires_at: at(30), created_at: created, updated_at: created, ...extra,
    });
    await suite.ctx.db('sales').insert([
      row(ids[0]!, 'COMPLETED', 1000, at(0), { completed_at: at(2), payment_method: 'CASH' }),
      row(ids[1]!, 'CANCELLED', 500, at(0), { cancelled_at: at(1) }),
      row(ids[2]!, 'RESERVED', 700, at(2), {}),
    ]);
  });
  afterAll(async () => {
    await suite.ctx.db('sales').whereIn('id', ids).delete();
  });

  const summary = async (from: Date, to: Date) => {
    const res = await request(suite.ctx.app).get(`/sales/summary?startDate=${iso(from)}&endDate=${iso(to)}`).set(bearer(suite.token));
    expect(res.status).toBe(200);
    return res.body.byStatus as Record<string, { count: number; revenue: number }>;
  };

  test('each status is counted on the day it was reached', async () => {
    expect(await summary(at(0), at(0))).toEqual({ RESERVED: { count: 0, revenue: 0 }, COMPLETED: { count: 0, revenue: 0 }, CANCELLED: { count: 0, revenue: 0 } });
    expect(await summary(at(1), at(1))).toEqual({ RESERVED: { count: 0, revenue: 0 }, COMPLETED: { count: 0, revenue: 0 }, CANCELLED: { count: 1, revenue: 0 } });
    expect(await summary(at(2), at(2))).toEqual({ RESERVED: { count: 1, revenue: 0 }, COMPLETED: { count: 1, revenue: 1000 }, CANCELLED: { count: 0, revenue: 0 } });
  });

  test('revenue comes only from completed sales', async () => {
    const all = await summary(at(0), at(3));
    expect(all).toEqual({ RESERVED: { count: 1, revenue: 0 }, COMPLETED: { count: 1, revenue: 1000 }, CANCELLED: { count: 1, revenue: 0 } });
  });
});
