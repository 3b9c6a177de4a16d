/**
 * PATCH /products/:id/stock's Idempotency-Key (issue #12): validated like POST /sales's, and scoped
 * to its caller, so one person's retry changes stock once while another person's identical key is
 * a change of its own.
 */
import request from 'supertest';
import { createProduct, stockOf } from '../helpers/catalog';
import { useSagaSuite } from '../helpers/saga-suite';
import { bearer, createUser, tokenFor } from '../helpers/users';

const suite = useSagaSuite('sales');

const restock = (token: string, productId: string, key: string) =>
  request(suite.ctx.app).patch(`/products/${productId}/stock`).set(bearer(token)).set('Idempotency-Key', key).send({ kind: 'restock', quantity: 5 });

test.each([
  ['with a space', 'has space'],
  ['longer than 200 characters', 'k'.repeat(201)],
  ['with a non-ASCII character', 'clé-1'],
])('an Idempotency-Key %s is refused with 400 and stock is unchanged', async (_name, key) => {
  const productId = await createProduct(suite.ctx.db, 3);
  const res = await restock(suite.token, productId, key);
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body.detail).toMatch(/Idempotency-Key/);
  expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ on_hand: 3, version: 1 });
});

test('the same key: one change per caller, two callers two changes', async () => {
  const other = await createUser(suite.ctx.db, { role: 'admin' });
  const otherToken = await tokenFor(suite.ctx.app, other.email, other.password);
  const productId = await createProduct(suite.ctx.db, 3);
  const key = `restock-${productId}`;

  expect((await restock(suite.token, productId, key)).status).toBe(200);
  expect((await restock(suite.token, productId, key)).status).toBe(200); // a retry
  expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ on_hand: 8 });

  const theirs = await restock(otherToken, productId, key);
  expect(theirs.status).toBe(200);
  expect(theirs.body).toMatchObject({ onHand: 13 });
  expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ on_hand: 13 });
});
