/**
 * A sale's own trace (its POST's), and spans elsewhere that point back at it (issue #16). A PATCH,
 * the reservation's expiry and the reconciliation each run in a trace of their own; the span that
 * publishes their events links to the span that reserved the sale and names its trace in the
 * attribute `sale.trace_id` (Zipkin keeps no links, but finds spans by attribute). Only the
 * OpenTelemetry API: with tracing off there is no active span and nothing here costs anything.
 */
import { context, SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';

export interface SaleTrace {
  traceId: string;
  spanId: string;
}

/** the attribute that names the sale's own trace on spans of later traces */
export const SALE_TRACE_ATTRIBUTE = 'sale.trace_id';

/** The span running now, if tracing is on and one is. */
export function currentTrace(): SaleTrace | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? { traceId: ctx.traceId, spanId: ctx.spanId } : undefined;
}

/** Runs `fn` in a new child span of the current one that links to the sale's trace. */
export function inSpanLinkedToSale<T>(name: string, saleId: string, sale: SaleTrace, fn: () => Promise<T>): Promise<T> {
  const tracer = trace.getTracer('sales-saga');
  return tracer.startActiveSpan(
    name,
    {
      links: [{ context: { ...sale, traceFlags: TraceFlags.SAMPLED, isRemote: true } }],
      attributes: { [SALE_TRACE_ATTRIBUTE]: sale.traceId, 'sale.id': saleId },
    },
    context.active(),
    (span: Span) => endingSpan(span, fn),
  );
}

/** Runs `fn` and ends `span` after it, recording a failure on the span. */
export async function endingSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}
