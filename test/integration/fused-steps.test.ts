/**
 * The saga's current generation (saleWorkflowV2, issue #14): each step sends its events itself
 * (activities/fused-steps.ts), so a sale's history holds one local activity per step and no patch
 * marker; and a broker that does not answer in time does not hold the step's answer: the saga then
 * publishes the events in a step of their own.
 */
process.env.STEP_INLINE_PUBLISH_TIMEOUT_MS = '500'; // read by shared/config.ts on first use

import { temporal } from '@temporalio/proto';
import type { Producer } from 'kafkajs';
import request from 'supertest';
import type { Activities } from '../../activities';
import { createFusedStepActivities } from '../../activities/fused-steps';
import { SALE_TOPICS } from '../../shared/topics';
import { createProduct } from '../helpers/catalog';
import { collectMessages } from '../helpers/topics';
import { bearer } from '../helpers/users';
import { useSagaSuite } from '../helpers/saga-suite';
import { waitUntil as until } from '../helpers/workflows';

const EventType = temporal.api.enums.v1.EventType;

/** test-only: reservations for this customer meet a broker that never answers their step's send */
const SILENT_BROKER_CUSTOMER = 'Silent Broker Sam';
/** sale ids whose events the saga published in a step of their own (publishSaleEvents) */
const publishedOnTheirOwn: string[] = [];
/** test-only: while set, a sale.created published on its own waits until it resolves */
let createdHeldUntil: Promise<void> | undefined;
/** the `publish` argument of every completion step, by sale id */
const completionAskedToPublish = new Map<string, boolean>();

/** A producer whose sends never answer (a broker that accepts the connection and then says nothing). */
const silentProducer = async (): Promise<Producer> => ({ send: () => new Promise(() => undefined) }) as unknown as Producer;

const suite = useSagaSuite('sales', {
  wrapActivities: (real: Activities): Activities => {
    const silent = createFusedStepActivities(suite.ctx.db, silentProducer);
    return {
      ...real,
      async reserveSaleAndPublish(request, publish) {
        return request.customerName === SILENT_BROKER_CUSTOMER ? silent.reserveSaleAndPublish(request, publish) : real.reserveSaleAndPublish(request, publish);
      },
      async completeSaleAndPublish(saleId, payment, publish) {
        completionAskedToPublish.set(saleId, publish);
        return real.completeSaleAndPublish(saleId, payment, publish);
      },
      async publishSaleEvents(saleId, kind) {
        publishedOnTheirOwn.push(`${saleId} ${kind}`);
        if (kind === 'created' && createdHeldUntil) await createdHeldUntil;
        return real.publishSaleEvents(saleId, kind);
      },
    };
  },
});

const post = (customerName: string, productId: string) =>
  request(suite.ctx.app)
    .post('/sales')
    .set(bearer(suite.token))
    .send({ customerName, customerEmail: 'fused@example.com', items: [{ productId, quantity: 1 }] });

async function historyOf(workflowId: string) {
  const history = await suite.ctx.deps.temporal.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

test('a completed sale: one local activity per step, no patch marker, the status alone upserted at completion, both events on their topics', async () => {
  const productId = await createProduct(suite.ctx.db, 5);
  const created = await post('Fused Fiona', productId);
  expect(created.status).toBe(201);
  const completed = await request(suite.ctx.app).patch(`/sales/${created.body.id}/status`).set(bearer(suite.token)).send({ status: 'COMPLETED', paymentMethod: 'CASH' });
  expect(completed.status).toBe(200);

  const [createdEvent] = await collectMessages([SALE_TOPICS.created], (m) => m.key === created.body.id, 1);
  const [completedEvent] = await collectMessages([SALE_TOPICS.completed], (m) => m.key === created.body.id, 1);
  expect(createdEvent?.value).toMatchObject({ status: 'RESERVED', version: 1 });
  expect(completedEvent?.value).toMatchObject({ status: 'COMPLETED', version: 2, payment_method: 'CASH' });
  expect(await suite.ctx.deps.temporal.workflow.getHandle(created.body.workflowId).result()).toEqual({ saleId: created.body.id, outcome: 'COMPLETED' });

  const events = await historyOf(created.body.workflowId);
  expect(events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('saleWorkflowV2');
  const markers = events.filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED).map((e) => e.markerRecordedEventAttributes?.markerName);
  expect(markers).toEqual(['core_local_activity', 'core_local_activity']);
  const upserts = events.filter((e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
  const upsertedKeys = upserts.map((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).sort());
  expect(upsertedKeys).toEqual([['CustomerEmail', 'ProductIds', 'SaleStatus', 'SaleTotal'], ['SaleStatus']]);
  expect(publishedOnTheirOwn.filter((p) => p.startsWith(created.body.id))).toEqual([]);
}, 60_000);

test('the broker does not answer the step in time: the reservation answers, and the saga publishes sale.created on its own', async () => {
  const productId = await createProduct(suite.ctx.db, 5);
  const started = Date.now();
  const created = await post(SILENT_BROKER_CUSTOMER, productId);
  expect(created.status).toBe(201);
  expect(Date.now() - started).toBeLessThan(10_000); // the 0.5 s bound, not the step's 30 s timeout

  const [event] = await collectMessages([SALE_TOPICS.created], (m) => m.key === created.body.id, 1);
  expect(event?.value).toMatchObject({ status: 'RESERVED', version: 1, sale_id: created.body.id });
  expect(publishedOnTheirOwn).toContain(`${created.body.id} created`);
  const markers = (await historyOf(created.body.workflowId)).filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED);
  expect(markers).toHaveLength(2); // the step, then publishSaleEvents
}, 60_000);

test("a completion while the sale's sale.created is still on its way: the step does not send sale.completed ahead of it", async () => {
  const productId = await createProduct(suite.ctx.db, 5);
  let release: () => void = () => undefined;
  createdHeldUntil = new Promise<void>((resolve) => (release = resolve));
  // the broker is silent for the reservation's own send, so sale.created goes out on its own, and is held there;
  // the reservation is answered meanwhile (the worker hands in the workflow task at 80 % of its timeout)
  const created = await post(SILENT_BROKER_CUSTOMER, productId);
  expect(created.status).toBe(201);
  expect(publishedOnTheirOwn).toContain(`${created.body.id} created`);
  const answered = request(suite.ctx.app)
    .patch(`/sales/${created.body.id}/status`)
    .set(bearer(suite.token))
    .send({ status: 'COMPLETED', paymentMethod: 'CASH' })
    .then((res) => res);
  await until('the completion step ran', async () => completionAskedToPublish.has(created.body.id), 20_000);
  expect(completionAskedToPublish.get(created.body.id)).toBe(false);
  createdHeldUntil = undefined;
  release();

  expect((await answered).status).toBe(200);
  const [createdEvent] = await collectMessages([SALE_TOPICS.created], (m) => m.key === created.body.id, 1);
  const [completedEvent] = await collectMessages([SALE_TOPICS.completed], (m) => m.key === created.body.id, 1);
  expect(createdEvent?.value).toMatchObject({ status: 'RESERVED', version: 1 });
  expect(completedEvent?.value).toMatchObject({ status: 'COMPLETED', version: 2 });
  // both went out on their own, sale.created first
  const own = publishedOnTheirOwn.filter((p) => p.startsWith(created.body.id));
  expect(own.indexOf(`${created.body.id} created`)).toBeGreaterThanOrEqual(0);
  expect(own.indexOf(`${created.body.id} completed`)).toBeGreaterThan(own.indexOf(`${created.body.id} created`));
}, 60_000);
