/**
 * The trace id of the span running now, for log lines, error bodies and the X-Trace-Id header: a
 * user's error report or a log line leads to its trace. Only the OpenTelemetry API (a no-op while
 * tracing is off: there is never an active span then), so anything may import it.
 */
import { context, createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';

/** a trace's id without a span: work in a trace the sampler did not pick (withTraceIdOnly) */
const TRACE_ID_ONLY = createContextKey('sales-saga trace id only');

export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span)) return span.traceId;
  const only = context.active().getValue(TRACE_ID_ONLY);
  return typeof only === 'string' ? only : undefined;
}

/**
 * Runs `fn` in no span, its log lines still naming `traceId`: for work in a trace that is not
 * recorded, where spans that would never be exported (the event's, its queries') cost for nothing.
 */
export function withTraceIdOnly<T>(traceId: string, fn: () => T): T {
  return context.with(ROOT_CONTEXT.setValue(TRACE_ID_ONLY, traceId), fn);
}
