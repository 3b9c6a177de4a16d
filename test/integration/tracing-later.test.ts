/**
 * What a sale's saga does later on its own starts a trace of its own that points back at the sale's
 * trace (issue #16): the reservation's expiry (the saga's durable timer) and the reconciliation's
 * release of a sale whose saga was terminated. Each such trace has a span tagged `sale.trace_id` with
 * the sale's POST trace (the span also links to it; Zipkin keeps no links), read back through
 * Zipkin's HTTP API. The app runs as three traced processes with a short reservation and a
 * reconciliation every 2 s.
 */
import { createProduct } from '../helpers/catalog';
import { eventually } from '../helpers/events';
import { participants, zipkinTracesTagged, type ZipkinSpan } from '../helpers/traced-app';
import { useTracedSuite } from '../helpers/traced-suite';

const suite = useTracedSuite({ RESERVATION_TTL_SECONDS: '4', RECONCILE_INTERVAL_SECONDS: '2' });
const { db } = suite;

/** POST /sales; the sale's id and the trace of its POST. */
async function reserve(customerName: string): Promise<{ saleId: string; saleTrace: string }> {
  const productId = await createProduct(db, 5);
  const res = await suite.api('POST', '/sales', { customerName, customerEmail: 'later@example.com', items: [{ productId, quantity: 2 }], discount: 0 });
  expect(res.status).toBe(201);
  const saleTrace = res.headers.get('x-trace-id');
  expect(saleTrace).toMatch(/^[0-9a-f]{32}$/);
  return { saleId: ((await res.json()) as { id: string }).id, saleTrace: saleTrace! };
}

async function cancelReason(saleId: string, reason: string): Promise<void> {
  await eventually(async () => (await db('sales').where({ id: saleId, status: 'CANCELLED', cancel_reason: reason }).first()) !== undefined, 30_000, `sale ${saleId} cancelled: ${reason}`);
}

/** The trace, other than the sale's own, that names the sale's trace and carries its sale.cancelled through two consumer groups. */
async function laterTrace(saleTrace: string, holds: RegExp): Promise<ZipkinSpan[]> {
  return eventually(
    async () =>
      (await zipkinTracesTagged('sale.trace_id', saleTrace)).find((spans) => {
        if (spans[0]?.traceId === saleTrace || !spans.some((s) => holds.test(s.name ?? ''))) return false;
        const groups = new Set(spans.filter((s) => /^sale\.cancelled process /.test(s.name ?? '')).map((s) => s.tags?.['messaging.kafka.consumer.group']));
        return groups.size >= 2;
      }),
    45_000,
    `a trace tagged sale.trace_id=${saleTrace} with ${holds} and sale.cancelled in two consumer groups`,
  );
}

test("a reservation's expiry is a trace of its own, rooted in the saga's timer, that names the sale's trace", async () => {
  const { saleId, saleTrace } = await reserve('Expiring Eve');
  await cancelReason(saleId, 'reservation expired');

  const later = await laterTrace(saleTrace, /^runactivity:cancelsaleandpublish$/);
  const ids = new Set(later.map((s) => s.id));
  const roots = later.filter((s) => s.parentId === undefined || !ids.has(s.parentId));
  expect(roots.map((s) => s.name)).toEqual(['saleexpiry']);
  expect(roots[0]).toMatchObject({ localEndpoint: { serviceName: 'sales-saga-worker' }, tags: { 'sale.trace_id': saleTrace, 'sale.id': saleId } });
  expect(participants(later).services).toEqual(['sales-saga-consumers', 'sales-saga-worker']);
}, 120_000);

test("the reconciliation's release of a stranded sale names the sale's trace", async () => {
  const { saleId, saleTrace } = await reserve('Stranded Stan');
  await suite.temporal.workflow.getHandle(`sale-${saleId}`).terminate('test: an operator terminated the saga');
  await cancelReason(saleId, 'saga terminated');

  const later = await laterTrace(saleTrace, /^runworkflow:reconcilesalesworkflow$/);
  const tagged = later.filter((s) => s.tags?.['sale.trace_id'] === saleTrace);
  expect(tagged.map((s) => s.name)).toEqual(['sale.cancelled publish']);
  expect(tagged[0]).toMatchObject({ localEndpoint: { serviceName: 'sales-saga-worker' }, tags: { 'sale.id': saleId } });
}, 120_000);
