/**
 * A saga cancelled from the Temporal Web UI or CLI (`temporal workflow cancel`): while reserved, while
 * its completion commits, and while the completion's event is being published. Whichever step
 * committed wins, and the committed step's event always reaches its topic.
 */
process.env.SALE_REQUEST_DEADLINE_SECONDS = '30'; // the PATCH below waits out a held row lock (read by shared/config.ts)

import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import request from 'supertest';
import type { Activities } from '../../activities';
import { SALE_TOPICS, INVENTORY_TOPIC } from '../../shared/topics';
import { createProduct, stockOf } from '../helpers/catalog';
import { collectMessages } from '../helpers/topics';
import { bearer } from '../helpers/users';
import { useSagaSuite } from '../helpers/saga-suite';
import { cancelProcessed, waitUntil } from '../helpers/workflows';

/** test-only: the sale whose `completed` events cannot reach the broker yet, and a marker that one try failed */
let brokerDownForCompletionOf: string | undefined;
let publishFailed: () => void = () => undefined;

const suite = useSagaSuite('sales', {
  wrapActivities: (real: Activities): Activities => ({
    ...real,
    // the broker down for the completion's events: its step cannot send them along (activities/fused-steps.ts)…
    async completeSaleAndPublish(saleId, payment, publish) {
      return real.completeSaleAndPublish(saleId, payment, publish && saleId !== brokerDownForCompletionOf);
    },
    // …and the saga's own publication of them fails until the broker is back
    async publishSaleEvents(saleId, kind) {
      if (saleId === brokerDownForCompletionOf && kind === 'completed') {
        publishFailed();
        throw new Error('the broker is unavailable (test)');
      }
      return real.publishSaleEvents(saleId, kind);
    },
  }),
});

async function reserve(productId: string, quantity: number): Promise<{ id: string; workflowId: string }> {
  const res = await request(suite.ctx.app)
    .post('/sales')
    .set(bearer(suite.token))
    .send({ customerName: 'Cancel Carla', customerEmail: 'carla@example.com', items: [{ productId, quantity }] });
  expect(res.status).toBe(201);
  return res.body as { id: string; workflowId: string };
}

const complete = (saleId: string) =>
  request(suite.ctx.app).patch(`/sales/${saleId}/status`).set(bearer(suite.token)).send({ status: 'COMPLETED', paymentMethod: 'CASH' });

test('cancelled while reserved: stock released, sale cancelled, sale.cancelled and inventory events published', async () => {
  const productId = await createProduct(suite.ctx.db, 5);
  const sale = await reserve(productId, 2);
  const handle = suite.ctx.deps.temporal.workflow.getHandle(sale.workflowId);

  await handle.cancel();
  const failure = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

  expect(await suite.ctx.db('sales').where({ id: sale.id }).first('status', 'cancel_reason')).toEqual({ status: 'CANCELLED', cancel_reason: 'saga compensated' });
  expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ on_hand: 5, reserved: 0, available: 5 });
  const [event] = await collectMessages([SALE_TOPICS.cancelled], (m) => m.key === sale.id, 1);
  expect(event?.value).toMatchObject({ status: 'CANCELLED', reason: 'saga compensated', version: 2 });
  const inventory = await collectMessages([INVENTORY_TOPIC], (m) => m.key === productId, 2);
  expect(inventory.map((e) => [e.value.movement, e.value.available])).toEqual([
    ['reserve', 3],
    ['release', 5],
  ]);
}, 60_000);

test('cancelled while completeSale commits: the completion wins, the saga ends cleanly and sale.completed is published', async () => {
  const productId = await createProduct(suite.ctx.db, 5);
  const sale = await reserve(productId, 2);
  const handle = suite.ctx.deps.temporal.workflow.getHandle(sale.workflowId);

  // the test holds the sale's row lock: completeSale blocks inside its transaction
  const lock = await suite.ctx.db.transaction();
  await lock('sales').where({ id: sale.id }).forUpdate().first('id');
  const patched = complete(sale.id).then((res) => res);
  const lockWaiters = async () =>
    Number((await suite.ctx.db.raw(`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows[0].n);
  await waitUntil('completeSale waits for the row lock', async () => (await lockWaiters()) >= 1, 15_000);

  await handle.cancel();
  await cancelProcessed(handle);
  await lock.commit(); // completeSale commits now

  const res = await patched;
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ id: sale.id, status: 'COMPLETED' });
  expect(await handle.result()).toEqual({ saleId: sale.id, outcome: 'COMPLETED' });
  expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ on_hand: 3, reserved: 0, available: 3 });
  const [event] = await collectMessages([SALE_TOPICS.completed], (m) => m.key === sale.id, 1);
  expect(event?.value).toMatchObject({ status: 'COMPLETED', version: 2 });
}, 120_000);

test('cancelled while sale.completed is being published: the event still reaches its topic', async () => {
  const productId = await createProduct(suite.ctx.db, 5);
  const sale = await reserve(productId, 1);
  const handle = suite.ctx.deps.temporal.workflow.getHandle(sale.workflowId);

  brokerDownForCompletionOf = sale.id;
  const firstTryFailed = new Promise<void>((resolve) => (publishFailed = resolve));
  const patched = complete(sale.id).then((res) => res);
  await firstTryFailed; // committed; its event is being retried

  await handle.cancel();
  await cancelProcessed(handle);
  brokerDownForCompletionOf = undefined; // the broker is back

  const [event] = await collectMessages([SALE_TOPICS.completed], (m) => m.key === sale.id, 1, 60_000);
  expect(event?.value).toMatchObject({ status: 'COMPLETED', version: 2 });
  expect(await handle.result()).toEqual({ saleId: sale.id, outcome: 'COMPLETED' });
  expect((await patched).status).toBe(200);
  expect(await suite.ctx.db('sales').where({ id: sale.id }).first('status')).toEqual({ status: 'COMPLETED' });
}, 120_000);
