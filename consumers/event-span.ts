/**
 * A consumer's effect of one event runs in a span that continues the event's own trace (issue #16).
 * kafkajs's instrumentation gives an `eachBatch` one receive span in a trace of its own, with the
 * records only linked to where they came from; since the consumers apply a whole batch in one
 * transaction (consumers/batch.ts), each event's effect — its SQL, its log lines — would otherwise
 * land in that batch trace, not in the trace of the request that caused the event. That batch span
 * is never recorded (shared/tracing-sampler.ts), so the batch's own queries run outside it
 * (outsideBatchSpan) and make no span at all. An event whose trace the sampler did not pick gets
 * no span either (shared/trace-id.ts withoutSpans), only its trace id for the log lines and the
 * messages it sends. With tracing off this only calls `fn`.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Span, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';
import { endingSpan } from '../shared/sale-trace';
import { withoutSpans } from '../shared/trace-id';
import { activeTracing } from '../shared/tracing';
import type { Delivered } from './messages';

/** kafkajs headers are Buffers (or strings, or arrays of either) */
const headerGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map((v) => v.toString()) : value.toString();
  },
};

export function inEventSpan<T>(delivered: Delivered, groupId: string, fn: () => Promise<T>): Promise<T> {
  if (!activeTracing()) return fn();
  const { topic, partition, offset } = delivered.origin;
  const parent = propagation.extract(ROOT_CONTEXT, delivered.headers ?? {}, headerGetter);
  const caller = trace.getSpanContext(parent);
  if (caller && trace.isSpanContextValid(caller) && (caller.traceFlags & TraceFlags.SAMPLED) === 0) return withoutSpans(caller, fn);
  return trace.getTracer('sales-saga').startActiveSpan(
    `${topic} process ${groupId}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.destination.name': topic,
        'messaging.kafka.consumer.group': groupId,
        'messaging.kafka.destination.partition': partition,
        'messaging.kafka.message.offset': offset,
        'messaging.message.id': delivered.event.event_id,
      },
    },
    parent,
    (span: Span) => endingSpan(span, fn),
  );
}

/** Runs a batch's transaction outside the batch's receive span when that span is not recorded. */
export function outsideBatchSpan<T>(fn: () => Promise<T>): Promise<T> {
  const batch = trace.getActiveSpan();
  return batch && !batch.isRecording() ? context.with(trace.deleteSpan(context.active()), fn) : fn();
}

/** `fn` bound to the span running now, so a log line written after the commit names the event's trace. */
export function boundToCurrentSpan(fn: () => void): () => void {
  return context.bind(context.active(), fn);
}
