/**
 * POST /products with initial stock: the stock goes through the stock-change workflow, so a real
 * Temporal worker (the project's workflows and activities, on the test task queue) runs here.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer } from '../helpers/users';
import { useSagaSuite } from '../helpers/saga-suite';

const suite = useSagaSuite('admin');

test('initial stock is applied as a restock after the initial ledger row', async () => {
  const id = `stocked-${randomUUID().slice(0, 8)}`;
  const res = await request(suite.ctx.app)
    .post('/products')
    .set(bearer(suite.token))
    .send({ id, sku: `SKU-${id}`, name: 'Stocked lamp', price: 1500, stock: 12, lowStockThreshold: 3 });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ id, onHand: 12, reserved: 0, available: 12, status: 'in_stock', lowStockThreshold: 3, version: 2 });

  const movements = await suite.ctx.db('stock_movements').where({ product_id: id }).orderBy('version');
  expect(movements.map((m) => [m.type, m.on_hand_delta, m.on_hand_after, m.status_after, Number(m.version)])).toEqual([
    ['initial', 0, 0, 'out_of_stock', 1],
    ['restock', 12, 12, 'in_stock', 2],
  ]);
  expect(movements[1].reason).toBe('initial stock');
});
