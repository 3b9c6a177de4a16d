/**
 * Terminate skips every compensation: a terminated saga leaves its sale reserved. The worker keeps a
 * Temporal Schedule (the reconciliation) that releases such sales with the saga's own cancel step
 * and announces them. Here the app's own worker runs (runtime/worker.ts: it creates the schedule)
 * with a 2-second period.
 */
process.env.RECONCILE_INTERVAL_SECONDS = '2'; // read by shared/config.ts, loaded fresh for this test file

import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RECONCILE_SCHEDULE_ID } from '../../runtime/reconciliation';
import { startWorker } from '../../runtime/worker';
import { SALE_TOPICS, INVENTORY_TOPIC } from '../../shared/topics';
import { createProduct, stockOf } from '../helpers/catalog';
import { createTestContext, type TestContext } from '../helpers/context';
import { collectMessages } from '../helpers/topics';
import { bearer, createUser, tokenFor } from '../helpers/users';

let ctx: TestContext;
let worker: Awaited<ReturnType<typeof startWorker>>;
let token: string;

beforeAll(async () => {
  ctx = await createTestContext();
  // a run the schedule started on another task queue (an earlier deployment, or another suite's
  // worker) would wait there forever and, with overlap SKIP, hold back every later run: the
  // worker's start must end it. Made here on purpose: the schedule on an idle queue, running once.
  // An earlier file's worker may have left the schedule behind with a run stuck on its own
  // (now unpolled) queue; with overlap SKIP that run would hold back the idle one too, so the
  // schedule is made anew (a new schedule does not wait for an old one's runs).
  await ctx.deps.temporal.schedule.getHandle(RECONCILE_SCHEDULE_ID).delete().catch(() => undefined);
  await ctx.deps.temporal.schedule.create({
    scheduleId: RECONCILE_SCHEDULE_ID,
    spec: { intervals: [{ every: '1 second' }] },
    action: { type: 'startWorkflow', workflowType: 'reconcileSalesWorkflow', workflowId: RECONCILE_SCHEDULE_ID, taskQueue: `reconcile-idle-${randomUUID()}`, args: [60] },
  });
  await waitForIdleRun();
  worker = await startWorker();
  const user = await createUser(ctx.db, { role: 'sales' });
  token = await tokenFor(ctx.app, user.email, user.password);
}, 120_000);

/** until the triggered run shows as running (visibility catches up within moments) */
async function waitForIdleRun(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    for await (const run of ctx.deps.temporal.workflow.list({ query: `WorkflowType = 'reconcileSalesWorkflow' AND ExecutionStatus = 'Running'` })) {
      if (run.taskQueue.startsWith('reconcile-idle-')) return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the triggered reconciliation run did not start');
}

afterAll(async () => {
  // the schedule would outlive the test on the shared test server: remove it
  await ctx?.deps.temporal.schedule.getHandle(RECONCILE_SCHEDULE_ID).delete().catch(() => undefined);
  await worker?.stop();
  await ctx?.close();
});

test('a terminated saga: within one period its stock is back, the sale is cancelled and sale.cancelled is on its topic', async () => {
  const productId = await createProduct(ctx.db, 4);
  const created = await request(ctx.app)
    .post('/sales')
    .set(bearer(token))
    .send({ customerName: 'Terminated Tom', customerEmail: 'tom@example.com', items: [{ productId, quantity: 3 }] });
  expect(created.status).toBe(201);
  const sale = created.body as { id: string; workflowId: string };
  await ctx.deps.temporal.workflow.getHandle(sale.workflowId).terminate('test: an operator terminated the saga');
  expect(await stockOf(ctx.db, productId)).toMatchObject({ reserved: 3, available: 1 });

  const [event] = await collectMessages([SALE_TOPICS.cancelled], (m) => m.key === sale.id, 1, 30_000);
  expect(event?.value).toMatchObject({ status: 'CANCELLED', reason: 'saga terminated', version: 2 });
  expect(await ctx.db('sales').where({ id: sale.id }).first('status', 'cancel_reason')).toEqual({ status: 'CANCELLED', cancel_reason: 'saga terminated' });
  expect(await stockOf(ctx.db, productId)).toMatchObject({ on_hand: 4, reserved: 0, available: 4 });
  const inventory = await collectMessages([INVENTORY_TOPIC], (m) => m.key === productId, 2);
  expect(inventory.map((e) => e.value.movement)).toEqual(['reserve', 'release']);
}, 90_000);

test('a stranded sale behind more than a page of live sagas is still found and released', async () => {
  // 201 reserved sales whose sagas are alive (running on a task queue no worker polls), expiring
  // before the stranded one: a reconciliation that only looked at its first page of reserved sales
  // would see these every run and never reach the stranded sale
  const idleQueue = `reconcile-idle-${randomUUID()}`;
  const live = Array.from({ length: 201 }, () => randomUUID());
  await ctx.db('sales').insert(
    live.map((id) => ({
      id,
      status: 'RESERVED',
      customer_name: 'Live saga',
      customer_email: 'live@example.com',
      subtotal: 0,
      total: 0,
      request_hash: 'reconciliation-test',
      expires_at: ctx.db.raw(`now() + interval '1 minute'`),
    })),
  );
  const started = await Promise.all(live.map((id) => ctx.deps.temporal.workflow.start('saleWorkflow', { workflowId: `sale-${id}`, taskQueue: idleQueue, args: [id] })));
  try {
    const productId = await createProduct(ctx.db, 2);
    const created = await request(ctx.app)
      .post('/sales')
      .set(bearer(token))
      .send({ customerName: 'Stranded Sam', customerEmail: 'sam@example.com', items: [{ productId, quantity: 2 }] });
    expect(created.status).toBe(201);
    const sale = created.body as { id: string; workflowId: string };
    await ctx.deps.temporal.workflow.getHandle(sale.workflowId).terminate('test: stranded behind live sagas');

    const [event] = await collectMessages([SALE_TOPICS.cancelled], (m) => m.key === sale.id, 1, 45_000);
    expect(event?.value).toMatchObject({ status: 'CANCELLED', reason: 'saga terminated' });
    expect(await stockOf(ctx.db, productId)).toMatchObject({ reserved: 0, available: 2 });
    // the live sagas' sales were looked at and left alone
    expect(await ctx.db('sales').whereIn('id', live).where({ status: 'RESERVED' }).count({ n: '*' }).first()).toEqual({ n: '201' });
  } finally {
    // rows first: a reconciliation run must never find them with their sagas ended
    await ctx.db('sales').whereIn('id', live).delete();
    await Promise.all(started.map((h) => h.terminate('test cleanup').catch(() => undefined)));
  }
}, 120_000);
