/**
 * Values the database cannot store are the request's fault and fail at once: 422 with a
 * problem+json body, the saga (or stock change) finished, nothing reserved or written. Before, such
 * an error was retried by Temporal forever and the request never answered.
 */
import request from 'supertest';
import { INT32_MAX } from '../../shared/limits';
import { createProduct, stockOf } from '../helpers/catalog';
import { bearer } from '../helpers/users';
import { useSagaSuite } from '../helpers/saga-suite';

const suite = useSagaSuite();

test('a sale whose total is more than the database can record is a 422, and nothing is reserved', async () => {
  // both values are valid on their own (price ≤ INT32_MAX, quantity ≤ 10 000); their product is not
  const productId = await createProduct(suite.ctx.db, 20_000, { price: 1_000_000 });
  const res = await request(suite.ctx.app)
    .post('/sales')
    .set(bearer(suite.token))
    .set('Idempotency-Key', `too-big-${productId}`)
    .send({ customerName: 'Big Spender', customerEmail: 'big@example.com', items: [{ productId, quantity: 10_000 }] });
  expect(res.status).toBe(422);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body.detail).toMatch(/subtotal \(10000000000 minor units\) is more than a sale can record/);
  expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ on_hand: 20_000, reserved: 0 });
  expect(await suite.ctx.db('sale_items').where({ product_id: productId }).count<{ count: string }[]>('* as count')).toEqual([{ count: '0' }]);
  expect(await suite.ctx.db('stock_movements').where({ product_id: productId }).whereNot({ type: 'initial' }).count<{ count: string }[]>('* as count')).toEqual([{ count: '0' }]);
}, 30_000);

test('a restock past the largest stock count the database holds is a 422 at once, not retried forever', async () => {
  const productId = await createProduct(suite.ctx.db, INT32_MAX - 10);
  const started = Date.now();
  const res = await request(suite.ctx.app).patch(`/products/${productId}/stock`).set(bearer(suite.token)).send({ kind: 'restock', quantity: 1_000 });
  expect(res.status).toBe(422);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body.detail).toBe('the database refused the data: a number is out of range');
  // the first attempt's failure is final: no retry backoff in between
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ on_hand: INT32_MAX - 10, reserved: 0 });
}, 30_000);
