/**
 * The trace id of the work running now, for log lines, error bodies and the X-Trace-Id header: a
 * user's error report or a log line leads to its trace. Only the OpenTelemetry API (a no-op while
 * tracing is off: there is never an active span then), so anything may import it.
 *
 * Work in a trace the sampler did not pick runs without spans (withoutSpans): spans that would
 * never be exported cost the process for nothing — the request's or step's own, and one per query
 * and Kafka message under it. It keeps the trace's context to name it in log lines and to pass the
 * decision on (unpickedTraceHeaders), so what it causes elsewhere is not recorded either.
 */
import { context, createContextKey, propagation, ROOT_CONTEXT, trace, type SpanContext } from '@opentelemetry/api';

/** the context of the unpicked trace the work runs in (withoutSpans) */
const UNPICKED = createContextKey('sales-saga unpicked trace');

export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span)) return span.traceId;
  return unpickedTrace()?.traceId;
}

/** The unpicked trace the work running now belongs to, if it is such work. */
export function unpickedTrace(): SpanContext | undefined {
  return context.active().getValue(UNPICKED) as SpanContext | undefined;
}

/**
 * Runs `fn` in no span, with the SDK told to make none (its instrumentations then skip HTTP, pg
 * and kafkajs calls), in the trace `unpicked`: its log lines name that trace, its Temporal calls
 * and Kafka messages carry its context with the sampled flag off.
 */
export function withoutSpans<T>(unpicked: SpanContext, fn: () => T): T {
  return context.with(suppressTracing(ROOT_CONTEXT.setValue(UNPICKED, unpicked)), fn);
}

/** The W3C trace context (`traceparent`) of the unpicked trace running now, for a message's headers; {} otherwise. */
export function unpickedTraceHeaders(): Record<string, string> {
  const unpicked = unpickedTrace();
  const carrier: Record<string, string> = {};
  // injected from a context of its own: the running one has tracing suppressed, which stops the propagator
  if (unpicked) propagation.inject(trace.setSpanContext(ROOT_CONTEXT, unpicked), carrier);
  return carrier;
}

function suppressTracing(ctx: typeof ROOT_CONTEXT): typeof ROOT_CONTEXT {
  // loaded on first use: only a process with tracing on gets here, and @opentelemetry/core takes
  // tens of ms to load (tracing off loads none of the SDK)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@opentelemetry/core') as typeof import('@opentelemetry/core')).suppressTracing(ctx);
}
