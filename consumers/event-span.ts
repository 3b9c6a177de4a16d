/**
 * A consumer's effect of one event runs in a span that continues the event's own trace (issue #16).
 * kafkajs's instrumentation gives an `eachBatch` one receive span in a trace of its own, with the
 * records only linked to where they came from; since the consumers apply a whole batch in one
 * transaction (consumers/batch.ts), each event's effect — its SQL, its log lines — would otherwise
 * land in that batch trace, not in the trace of the request that caused the event. With tracing off
 * there is no active span and this only calls `fn`.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Span, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';
import { endingSpan } from '../shared/sale-trace';
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
  const batch = trace.getActiveSpan();
  if (!batch) return fn();
  const { topic, partition, offset } = delivered.origin;
  const parent = propagation.extract(ROOT_CONTEXT, delivered.headers ?? {}, headerGetter);
  return trace.getTracer('sales-saga').startActiveSpan(
    `${topic} process ${groupId}`,
    {
      kind: SpanKind.CONSUMER,
      // the batch's receive span is not recorded (shared/tracing-sampler.ts): no link to nothing
      links: batch.isRecording() ? [{ context: batch.spanContext() }] : [],
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

/** `fn` bound to the span running now, so a log line written after the commit names the event's trace. */
export function boundToCurrentSpan(fn: () => void): () => void {
  return context.bind(context.active(), fn);
}
