/**
 * Steps that fail: a status change whose step fails for good leaves the sale reserved and its expiry
 * armed; a step failing for a reason that will not go away (a programming error) is retried by the
 * saga, but the request waiting for it is answered within SALE_REQUEST_DEADLINE_SECONDS (503 with
 * Retry-After), and the retries past STEP_RETRY_WARN_ATTEMPTS are counted and logged.
 */
process.env.RESERVATION_TTL_SECONDS = '4'; // read by shared/config.ts, loaded fresh for this test file
process.env.SALE_REQUEST_DEADLINE_SECONDS = '3';
process.env.STEP_RETRY_WARN_ATTEMPTS = '2';

import { ApplicationFailure } from '@temporalio/common';
import request from 'supertest';
import type { Activities } from '../../activities';
import { stepRetriesPastThreshold } from '../../activities/step-retries';
import { createProduct, stockOf } from '../helpers/catalog';
import { captureLogs } from '../helpers/logs';
import { bearer } from '../helpers/users';
import { useSagaSuite } from '../helpers/saga-suite';
import { waitUntil, within } from '../helpers/workflows';

/** test-only faults, by sale id (or customer name for a reservation): 'final' fails at once, 'bug' fails on every attempt */
const faults = new Map<string, 'final' | 'bug'>();
const stepLogs = captureLogs('warn');

afterEach(() => faults.clear()); // a saga left failing would keep the worker from stopping

const suite = useSagaSuite('sales', {
  stepLog: stepLogs.logger,
  wrapActivities: (real: Activities): Activities => ({
    ...real,
    // the saga's current generation runs each step with its events (activities/fused-steps.ts)
    async reserveSaleAndPublish(request, publish) {
      if (faults.get(request.customerName) === 'bug') throw new TypeError("Cannot read properties of undefined (reading 'price') (test)");
      return real.reserveSaleAndPublish(request, publish);
    },
    async completeSaleAndPublish(saleId, payment, publish) {
      const fault = faults.get(saleId);
      if (fault === 'final') throw ApplicationFailure.nonRetryable('the payment record was refused (test)', 'TestFailure');
      if (fault === 'bug') throw new TypeError("Cannot read properties of undefined (reading 'method') (test)");
      return real.completeSaleAndPublish(saleId, payment, publish);
    },
  }),
});

async function reserve(productId: string, quantity: number): Promise<{ id: string; workflowId: string; expiresAt: string }> {
  const res = await request(suite.ctx.app)
    .post('/sales')
    .set(bearer(suite.token))
    .send({ customerName: 'Faulty Fred', customerEmail: 'fred@example.com', items: [{ productId, quantity }] });
  expect(res.status).toBe(201);
  return res.body as { id: string; workflowId: string; expiresAt: string };
}

const complete = (saleId: string) =>
  request(suite.ctx.app).patch(`/sales/${saleId}/status`).set(bearer(suite.token)).send({ status: 'COMPLETED', paymentMethod: 'CASH' }).timeout(20_000);

test('a completion whose step fails for good leaves the sale reserved, and the reservation still expires', async () => {
  const productId = await createProduct(suite.ctx.db, 5);
  const sale = await reserve(productId, 2);
  faults.set(sale.id, 'final');

  const res = await complete(sale.id);
  expect(res.status).not.toBe(200);
  expect(await suite.ctx.db('sales').where({ id: sale.id }).first('status')).toEqual({ status: 'RESERVED' });

  const handle = suite.ctx.deps.temporal.workflow.getHandle(sale.workflowId);
  const outcome = await within(handle.result(), 20_000, 'the saga ending by its expiry (4 s)');
  expect(outcome).toEqual({ saleId: sale.id, outcome: 'CANCELLED' });
  expect(await suite.ctx.db('sales').where({ id: sale.id }).first('status', 'cancel_reason')).toEqual({ status: 'CANCELLED', cancel_reason: 'reservation expired' });
  expect(await stockOf(suite.ctx.db, productId)).toMatchObject({ on_hand: 5, reserved: 0, available: 5 });
}, 60_000);

test('a completion step that fails on every attempt: 503 with Retry-After within the deadline, retries counted and logged, the saga finishes once the cause is gone', async () => {
  const productId = await createProduct(suite.ctx.db, 5);
  const sale = await reserve(productId, 1);
  faults.set(sale.id, 'bug');

  const started = Date.now();
  const res = await complete(sale.id);
  const tookMs = Date.now() - started;
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.headers['retry-after']).toBe('3');
  expect(res.body).toMatchObject({ status: 503, saleId: sale.id });
  expect(res.body.detail).toMatch(/did not finish this step within 3 s; it keeps retrying it/);
  expect(tookMs).toBeGreaterThanOrEqual(3_000);
  expect(tookMs).toBeLessThan(6_000);

  // attempts at ≈ 0, 0.5, 1.5 s…: the 2nd and later failures are counted and logged
  const counted = async () => (await stepRetriesPastThreshold.get()).values.find((v) => v.labels.step === 'completeSaleAndPublish')?.value ?? 0;
  await waitUntil('completeSaleAndPublish retries are counted', async () => (await counted()) >= 2, 10_000);
  const warned = stepLogs.lines.filter((l) => l.step === 'completeSaleAndPublish' && l.workflowId === sale.workflowId);
  expect(warned.length).toBeGreaterThanOrEqual(1);
  expect(warned[0]).toMatchObject({ level: 40, attempt: 2, msg: 'saga step completeSaleAndPublish still failing after 2 attempts; retrying' });

  // the saga kept retrying: once the cause is gone the step commits and the saga ends
  faults.delete(sale.id);
  const handle = suite.ctx.deps.temporal.workflow.getHandle(sale.workflowId);
  expect(await within(handle.result(), 30_000, 'the saga finishing')).toEqual({ saleId: sale.id, outcome: 'COMPLETED' });
}, 60_000);

test('a reservation step that fails on every attempt: POST /sales answers 503 with Retry-After; the same Idempotency-Key gets the sale once it goes through', async () => {
  const productId = await createProduct(suite.ctx.db, 5);
  faults.set('Buggy Bob', 'bug');
  const post = () =>
    request(suite.ctx.app)
      .post('/sales')
      .set(bearer(suite.token))
      .set('Idempotency-Key', `bug-${productId}`)
      .send({ customerName: 'Buggy Bob', customerEmail: 'bob@example.com', items: [{ productId, quantity: 1 }] })
      .timeout(20_000);

  const started = Date.now();
  const res = await post();
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('3');
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(Date.now() - started).toBeLessThan(6_000);

  faults.delete('Buggy Bob');
  await waitUntil('the reservation goes through', async () => (await stockOf(suite.ctx.db, productId)).reserved === 1, 20_000);
  const retried = await post();
  expect(retried.status).toBe(201);
  expect(retried.body).toMatchObject({ status: 'RESERVED', customerName: 'Buggy Bob' });
}, 60_000);
