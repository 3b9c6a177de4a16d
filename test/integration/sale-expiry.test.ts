/**
 * Reservation expiry: with a 2-second TTL the saga's durable timer cancels the sale and releases
 * the stock by itself, and announces it on sale.cancelled.
 */
process.env.RESERVATION_TTL_SECONDS = '2'; // read by shared/config.ts, loaded fresh for this test file

import request from 'supertest';
import { SALE_TOPICS } from '../../shared/topics';
import { createProduct, ledgerTotals, stockOf } from '../helpers/catalog';
import { collectMessages } from '../helpers/topics';
import { bearer } from '../helpers/users';
import { useSagaSuite } from '../helpers/saga-suite';

const suite = useSagaSuite();

test('an unfinished reservation expires: cancelled, stock released, event published, late completion refused', async () => {
  const productId = await createProduct(suite.ctx.db, 3);
  const created = await request(suite.ctx.app)
    .post('/sales')
    .set(bearer(suite.token))
    .send({ customerName: 'Late Larry', customerEmail: 'larry@example.com', items: [{ productId, quantity: 3 }] });
  expect(created.status).toBe(201);
  const sale = created.body as { id: string; workflowId: string; expiresAt: string; createdAt: string };
  expect(Date.parse(sale.expiresAt) - Date.parse(sale.createdAt)).toBe(2000);
  expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ reserved: 3, available: 0 });

  const outcome = await suite.ctx.deps.temporal.workflow.getHandle(sale.workflowId).result();
  expect(outcome).toEqual({ saleId: sale.id, outcome: 'CANCELLED' });

  const after = await request(suite.ctx.app).get(`/sales/${sale.id}`).set(bearer(suite.token));
  expect(after.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'reservation expired' });
  expect(Date.parse(after.body.cancelledAt)).toBeGreaterThanOrEqual(Date.parse(sale.expiresAt));
  expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ on_hand: 3, reserved: 0, available: 3 });
  expect(await ledgerTotals(suite.ctx.db, productId)).toEqual({ onHandDelta: 3, reservedDelta: 0, sold: 0 });

  const [event] = await collectMessages([SALE_TOPICS.cancelled], (m) => m.key === sale.id, 1);
  expect(event?.value).toMatchObject({ status: 'CANCELLED', reason: 'reservation expired' });

  const late = await request(suite.ctx.app).patch(`/sales/${sale.id}/status`).set(bearer(suite.token)).send({ status: 'COMPLETED', paymentMethod: 'CASH' });
  expect(late.status).toBe(409);
  expect(late.body.detail).toBe('cannot complete a cancelled sale');
});
