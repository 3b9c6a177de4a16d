/**
 * One trace from the HTTP call to the person notified (issue #16): with tracing on, a sale's
 * POST and its PATCH each make one trace that crosses the API, the Temporal worker and the Kafka
 * consumer groups (the PATCH's holds the events it caused and links back to the sale's trace),
 * read back through the trace backend's HTTP API (the stack's Zipkin); an error response and the
 * log lines name their trace.
 */
import { randomBytes } from 'node:crypto';
import { saleWorkflowId } from '../../shared/sale-types';
import { createProduct } from '../helpers/catalog';
import { eventually } from '../helpers/events';
import { participants, zipkinTrace, zipkinTracesTagged } from '../helpers/traced-app';
import { useTracedSuite } from '../helpers/traced-suite';

const suite = useTracedSuite();
const { db, api } = suite;

const TRACE_ID = /^[0-9a-f]{32}$/;

/** the spans of a PATCH's trace: the API's request, the workflow's update handler and its step */
const PATCH_SPANS = ['patch', 'startworkflowupdate:changestatus', 'handleupdate:changestatus', 'runactivity:completesaleandpublish'];

/** the spans of a sale's POST: the API's server span, the Temporal client → workflow update → step chain, the Kafka hop (Zipkin lower-cases names) */
const RESERVATION_SPANS = [/^post$/, /^updatewithstartworkflow:reserve$/, /^handleupdate:reserve$/, /^runactivity:reservesaleandpublish$/, /^sale\.created process notify-/];

/**
 * Waits until the trace holds spans of the API, the worker and at least two consumer groups, and
 * every span named. Each process exports its spans in its own batches, and a server span ends
 * (and is exported) after its children: one service's spans arriving says nothing of its others.
 */
async function traceAcrossTheSaga(traceId: string, named: RegExp[]) {
  return eventually(
    async () => {
      const spans = await zipkinTrace(traceId);
      const who = participants(spans);
      const names = spans.map((s) => s.name ?? '');
      const complete =
        ['sales-saga-api', 'sales-saga-worker', 'sales-saga-consumers'].every((s) => who.services.includes(s)) &&
        who.consumerGroups.length >= 2 &&
        named.every((n) => names.some((name) => n.test(name)));
      return complete ? { spans, ...who } : undefined;
    },
    45_000,
    `trace ${traceId} with spans of the API, the worker and two consumer groups, and ${named.join(', ')}`,
  );
}

test("a sale's POST and its PATCH each make one trace across the API, the worker and the consumer groups; the PATCH's links to the sale's", async () => {
  const productId = await createProduct(db, 10);
  const created = await api('POST', '/sales', { customerName: 'Ana Traced', customerEmail: 'ana@example.com', items: [{ productId, quantity: 2 }], discount: 0 });
  expect(created.status).toBe(201);
  const saleTrace = created.headers.get('x-trace-id');
  expect(saleTrace).toMatch(TRACE_ID);
  const sale = (await created.json()) as { id: string };

  const reserved = await traceAcrossTheSaga(saleTrace!, RESERVATION_SPANS);
  const names = reserved.spans.map((s) => s.name ?? '');
  for (const name of RESERVATION_SPANS) expect(names).toContainEqual(expect.stringMatching(name));
  expect(reserved.spans.some((s) => s.kind === 'PRODUCER' && s.localEndpoint?.serviceName === 'sales-saga-worker')).toBe(true);

  const completed = await api('PATCH', `/sales/${sale.id}/status`, { status: 'COMPLETED', paymentMethod: 'CASH' });
  expect(completed.status).toBe(200);
  const patchTrace = completed.headers.get('x-trace-id');
  expect(patchTrace).toMatch(TRACE_ID);
  expect(patchTrace).not.toBe(saleTrace);
  // the PATCH's trace: the API's request, the workflow's update handler and its step, and the events
  // the PATCH caused (sale.completed, the inventory events) through at least two consumer groups.
  // Its publish span links back to the sale's trace; Zipkin keeps no links, so the tag sale.trace_id
  const patched = await eventually(
    async () => {
      const spans = await zipkinTrace(patchTrace!);
      const who = participants(spans);
      const completedGroups = new Set(spans.filter((s) => /^sale\.completed process /.test(s.name ?? '')).map((s) => s.tags?.['messaging.kafka.consumer.group']));
      const linked = spans.some((s) => s.tags?.['sale.trace_id'] === saleTrace);
      const named = PATCH_SPANS.every((n) => spans.some((s) => s.name === n));
      return who.services.length === 3 && completedGroups.size >= 2 && linked && named ? spans : undefined;
    },
    45_000,
    `the PATCH's trace ${patchTrace} with the API, the worker, two consumer groups of sale.completed and a span tagged with the sale's trace`,
  );
  expect(participants(patched).services).toEqual(['sales-saga-api', 'sales-saga-consumers', 'sales-saga-worker']);
  expect(patched.map((s) => s.name)).toEqual(expect.arrayContaining(PATCH_SPANS));
  const link = patched.find((s) => s.tags?.['sale.trace_id'] === saleTrace)!;
  expect(link.localEndpoint?.serviceName).toBe('sales-saga-worker');

  // the sale's own trace ends with the saga's workflow span; the completion (seen above in the
  // PATCH's trace) is not in it: one tree with the POST as its root
  const whole = await eventually(async () => {
    const spans = await zipkinTrace(saleTrace!);
    return spans.some((s) => /^runworkflow:/.test(s.name ?? '')) ? spans : undefined;
  }, 30_000, "the saga's workflow span in the sale's trace");
  expect(whole.filter((s) => /^sale\.completed /.test(s.name ?? '')).map((s) => s.name)).toEqual([]);
  const ids = new Set(whole.map((s) => s.id));
  expect(whole.filter((s) => s.parentId === undefined).map((s) => s.name)).toEqual(['post']);
  expect(whole.filter((s) => s.parentId !== undefined && !ids.has(s.parentId)).map((s) => s.name)).toEqual([]);

  // a consumer's log line about the sale's completion names the trace of the PATCH that completed it
  const counted = await eventually(
    async () => suite.app.output().split('\n').find((l) => l.includes('"sale counted"') && l.includes(sale.id)),
    10_000,
    "the analytics consumer's line about the sale",
  );
  expect(JSON.parse(counted)).toMatchObject({ sale_id: sale.id, trace_id: patchTrace });
}, 120_000);

test('an error response and its log line name the trace', async () => {
  const res = await api('POST', '/sales', { customerName: 'Ana Traced', items: 'not a list' });
  expect(res.status).toBe(400);
  const traceId = res.headers.get('x-trace-id');
  expect(traceId).toMatch(TRACE_ID);
  const problem = (await res.json()) as { traceId?: string; status: number };
  expect(problem).toMatchObject({ status: 400, traceId });
  // the API's request log line (pino JSON) carries it as trace_id
  const line = await eventually(
    async () => suite.app.output().split('\n').find((l) => l.includes(`"trace_id":"${traceId}"`) && l.includes('"statusCode":400')),
    10_000,
    'the log line of the refused request',
  );
  expect(JSON.parse(line)).toMatchObject({ trace_id: traceId, req: { method: 'POST' } });
  // and the backend has the trace of the refused request
  const spans = await eventually(async () => ((await zipkinTrace(traceId!)).length > 0 ? zipkinTrace(traceId!) : undefined), 15_000, 'the refused request in Zipkin');
  expect(participants(spans).services).toEqual(['sales-saga-api']);
}, 60_000);

/** a W3C trace context the caller's sampler did not pick (flags 00): the API continues that decision */
function unpickedTraceparent(): { traceId: string; header: Record<string, string> } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, header: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-00` } };
}

test('a sale whose traces were not picked records no span in any process, not even a root of its own in the worker', async () => {
  const productId = await createProduct(db, 10);
  const post = unpickedTraceparent();
  const created = await api('POST', '/sales', { customerName: 'Ana Unpicked', customerEmail: 'ana@example.com', items: [{ productId, quantity: 1 }], discount: 0 }, post.header);
  expect(created.status).toBe(201);
  expect(created.headers.get('x-trace-id')).toBe(post.traceId);
  const unpicked = (await created.json()) as { id: string };
  const patch = unpickedTraceparent();
  expect((await api('PATCH', `/sales/${unpicked.id}/status`, { status: 'COMPLETED', paymentMethod: 'CASH' }, patch.header)).status).toBe(200);
  const counted = await eventually(
    async () => suite.app.output().split('\n').find((l) => l.includes('"sale counted"') && l.includes(unpicked.id)),
    30_000,
    "the analytics consumer's line about the unpicked sale",
  );
  // not recorded, but still a correlation id: the consumer's line names the PATCH's trace
  expect(JSON.parse(counted)).toMatchObject({ sale_id: unpicked.id, trace_id: patch.traceId });

  // the marker: a picked sale afterwards, whose completion's spans from the worker and the
  // consumers reached the backend; each process exports its spans in the order they ended
  const picked = await api('POST', '/sales', { customerName: 'Ana Picked', customerEmail: 'ana@example.com', items: [{ productId, quantity: 1 }], discount: 0 });
  const pickedSale = (await picked.json()) as { id: string };
  const completed = await api('PATCH', `/sales/${pickedSale.id}/status`, { status: 'COMPLETED', paymentMethod: 'CASH' });
  const pickedTrace = completed.headers.get('x-trace-id')!;
  await eventually(
    async () => {
      const spans = await zipkinTrace(pickedTrace);
      return participants(spans).services.length === 3 && spans.some((s) => /^sale\.completed process /.test(s.name ?? '')) ? spans : undefined;
    },
    45_000,
    `the picked sale's PATCH trace ${pickedTrace} with the API, the worker and the consumers`,
  );

  expect(await zipkinTrace(post.traceId)).toEqual([]);
  expect(await zipkinTrace(patch.traceId)).toEqual([]);
  // no trace of its own anywhere: the worker's activity spans name their workflow, the publish spans the sale
  expect(await zipkinTracesTagged('temporalWorkflowId', saleWorkflowId(unpicked.id))).toEqual([]);
  expect(await zipkinTracesTagged('sale.id', unpicked.id)).toEqual([]);
  expect(await zipkinTracesTagged('temporalWorkflowId', saleWorkflowId(pickedSale.id))).not.toEqual([]);
}, 120_000);
