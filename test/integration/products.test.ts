/** The catalog API against the real database: reads, admin-only creation, validation, conflicts. */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/context';
import { bearer, createUser, tokenFor } from '../helpers/users';

let ctx: TestContext;
const tokens: Record<'admin' | 'sales' | 'customer', string> = { admin: '', sales: '', customer: '' };
/** a product whose stock is partly reserved, written straight to the tables */
const fixtureId = `test-${randomUUID()}`;

const unique = () => randomUUID().slice(0, 8);
const api = () => request(ctx.app);
const problemJson = /^application\/problem\+json/;

function fieldsIn(body: { errors?: { path: string }[] }): string[] {
  return (body.errors ?? []).map((e) => e.path);
}

beforeAll(async () => {
  ctx = await createTestContext();
  for (const role of ['admin', 'sales', 'customer'] as const) {
    const user = await createUser(ctx.db, { role });
    tokens[role] = await tokenFor(ctx.app, user.email, user.password);
  }
  await ctx.db('products').insert({ id: fixtureId, sku: `SKU-${fixtureId}`, name: 'Fixture lamp', price: 1999 });
  await ctx.db('inventory').insert({ product_id: fixtureId, on_hand: 7, reserved: 2, low_stock_threshold: 5, version: 4, status: 'low_stock' });
});

afterAll(async () => {
  await ctx.close();
});

describe('reading the catalog', () => {
  const expected = {
    id: fixtureId,
    sku: `SKU-${fixtureId}`,
    name: 'Fixture lamp',
    price: 1999,
    onHand: 7,
    reserved: 2,
    available: 5,
    status: 'low_stock',
    lowStockThreshold: 5,
    version: 4,
  };

  test('GET /products lists products with their stock, for any role', async () => {
    for (const role of ['admin', 'sales', 'customer'] as const) {
      const res = await api().get('/products').set(bearer(tokens[role]));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.arrayContaining([expected]));
    }
  });

  test('GET /products/:id gives one product', async () => {
    const res = await api().get(`/products/${fixtureId}`).set(bearer(tokens.customer));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expected);
  });

  test('an unknown product is 404 problem+json', async () => {
    const res = await api().get('/products/no-such-product').set(bearer(tokens.customer));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(problemJson);
    expect(res.body).toMatchObject({ status: 404, title: 'Not found', detail: 'product no-such-product not found', instance: '/products/no-such-product' });
  });

  test('the catalog needs a token', async () => {
    expect((await api().get('/products')).status).toBe(401);
    expect((await api().get(`/products/${fixtureId}`)).status).toBe(401);
  });
});

describe('POST /products', () => {
  test('an admin creates a product: 201, Location, the view, and an initial ledger row', async () => {
    const id = `p-${unique()}`;
    const sku = `SKU-${unique()}`;
    const res = await api().post('/products').set(bearer(tokens.admin)).send({ id, sku, name: 'Desk lamp', price: 3999, stock: 0, lowStockThreshold: 2 });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/products/${id}`);
    expect(res.body).toEqual({ id, sku, name: 'Desk lamp', price: 3999, onHand: 0, reserved: 0, available: 0, status: 'out_of_stock', lowStockThreshold: 2, version: 1 });

    const movements = await ctx.db('stock_movements').where({ product_id: id });
    expect(movements).toHaveLength(1);
    expect(movements[0]).toMatchObject({
      type: 'initial',
      on_hand_delta: 0,
      reserved_delta: 0,
      on_hand_after: 0,
      reserved_after: 0,
      available_after: 0,
      status_before: 'out_of_stock',
      status_after: 'out_of_stock',
      sale_id: null,
    });
    expect(Number(movements[0].version)).toBe(1);

    const again = await api().get(res.headers.location!).set(bearer(tokens.sales));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
  });

  test('without an id the product gets a UUID and the default low-stock threshold', async () => {
    const res = await api().post('/products').set(bearer(tokens.admin)).send({ sku: `SKU-${unique()}`, name: 'Cable', price: 499, stock: 0 });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.body.lowStockThreshold).toBe(5);
  });

  test.each(['sales', 'customer'] as const)('%s may not create products (403) and nothing is written', async (role) => {
    const sku = `SKU-${unique()}`;
    const res = await api().post('/products').set(bearer(tokens[role])).send({ sku, name: 'Nope', price: 100, stock: 0 });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(problemJson);
    expect(res.body.detail).toBe(`requires role admin; you are ${role}`);
    expect(await ctx.db('products').where({ sku }).first()).toBeUndefined();
  });

  test('creating needs a token', async () => {
    const res = await api().post('/products').send({ sku: `SKU-${unique()}`, name: 'Nope', price: 100, stock: 0 });
    expect(res.status).toBe(401);
  });

  describe('invalid bodies are 400 problem+json naming the field', () => {
    const valid = () => ({ sku: `SKU-${unique()}`, name: 'Valid', price: 100, stock: 0 });
    const cases: [string, Record<string, unknown>, string][] = [
      ['missing sku', { name: 'x', price: 100, stock: 0 }, 'sku'],
      ['negative price', { ...valid(), price: -5 }, 'price'],
      ['zero price', { ...valid(), price: 0 }, 'price'],
      ['price as a string', { ...valid(), price: '100' }, 'price'],
      ['fractional price', { ...valid(), price: 10.5 }, 'price'],
      ['price beyond a 32-bit integer', { ...valid(), price: 2 ** 31 }, 'price'],
      ['negative stock', { ...valid(), stock: -1 }, 'stock'],
      ['missing stock', { sku: `SKU-${unique()}`, name: 'x', price: 100 }, 'stock'],
      ['id with forbidden characters', { ...valid(), id: 'has space/slash' }, 'id'],
      ['id too long', { ...valid(), id: 'x'.repeat(65) }, 'id'],
      ['blank name', { ...valid(), name: '   ' }, 'name'],
      ['negative lowStockThreshold', { ...valid(), lowStockThreshold: -1 }, 'lowStockThreshold'],
    ];

    test.each(cases)('%s', async (_label, body, field) => {
      const res = await api().post('/products').set(bearer(tokens.admin)).send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(problemJson);
      expect(fieldsIn(res.body)).toContain(field);
      expect(res.body.detail).toContain(field);
    });

    test('an unknown field is refused rather than silently ignored', async () => {
      const res = await api().post('/products').set(bearer(tokens.admin)).send({ ...valid(), quantity: 3 });
      expect(res.status).toBe(400);
      expect(res.body.detail).toContain('quantity');
    });

    test('malformed JSON', async () => {
      const res = await api().post('/products').set(bearer(tokens.admin)).set('Content-Type', 'application/json').send('{"sku": "x", "price": ');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(problemJson);
      expect(res.body.detail).toMatch(/not valid JSON/);
    });

    test('no body, or a body that is not an object', async () => {
      const none = await api().post('/products').set(bearer(tokens.admin));
      expect(none.status).toBe(400);
      expect(none.headers['content-type']).toMatch(problemJson);
      expect(none.body.detail).toMatch(/must be a JSON object/);

      const array = await api().post('/products').set(bearer(tokens.admin)).send([valid()]);
      expect(array.status).toBe(400);
      expect(array.body.detail).toMatch(/must be a JSON object.*array/);

      const form = await api().post('/products').set(bearer(tokens.admin)).type('form').send('sku=a&name=b&price=1&stock=0');
      expect(form.status).toBe(400);
      expect(form.body.detail).toMatch(/Content-Type: application\/json/);
    });
  });

  test('a duplicate sku is 409, and the failed attempt leaves nothing behind', async () => {
    const sku = `SKU-${unique()}`;
    const first = await api().post('/products').set(bearer(tokens.admin)).send({ sku, name: 'First', price: 100, stock: 0 });
    expect(first.status).toBe(201);
    const id = `dup-${unique()}`;
    const second = await api().post('/products').set(bearer(tokens.admin)).send({ id, sku, name: 'Second', price: 200, stock: 0 });
    expect(second.status).toBe(409);
    expect(second.headers['content-type']).toMatch(problemJson);
    expect(second.body.detail).toBe(`a product with sku "${sku}" already exists`);
    expect(await ctx.db('products').where({ id }).first()).toBeUndefined();
    expect(await ctx.db('inventory').where({ product_id: id }).first()).toBeUndefined();
    expect(await ctx.db('stock_movements').where({ product_id: id }).first()).toBeUndefined();
  });

  test('a duplicate id is 409 naming the id', async () => {
    const res = await api().post('/products').set(bearer(tokens.admin)).send({ id: fixtureId, sku: `SKU-${unique()}`, name: 'Clash', price: 100, stock: 0 });
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe(`a product with id "${fixtureId}" already exists`);
    // the existing product is untouched
    expect((await ctx.db('inventory').where({ product_id: fixtureId }).first()).on_hand).toBe(7);
  });
});
