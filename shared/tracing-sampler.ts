/**
 * Which spans are recorded (issue #16). Every span costs the process that makes it, and on a
 * CPU-bound machine that is throughput, so two kinds of trace are not made at all:
 * - a **Kafka batch's receive trace**: kafkajs's instrumentation opens each `eachBatch` as a root
 *   span of its own, with a span per record and the batch transaction's BEGIN/COMMIT under it. Each
 *   event's effect is already a span in the trace of the request that caused it
 *   (consumers/event-span.ts), which is where a reader looks; the batch trace only repeated it.
 * - with a ratio below 1, the traces of requests not picked: a root is kept with the probability
 *   `ratio` (by its trace id), and every other span follows its parent's decision, so a trace is
 *   whole or absent across all five processes (the parent's flag travels in `traceparent`).
 * Queries outside any span (pollers, LISTEN) make no span either: the pg instrumentation's
 * `requireParentSpan` (shared/tracing-sdk.ts).
 */
import { SpanKind, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { AlwaysOnSampler, ParentBasedSampler, SamplingDecision, TraceIdRatioBasedSampler, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/** Roots that are a Kafka batch's receive span (messaging.operation = receive, kind consumer). */
class DropBatchReceiveRoots implements Sampler {
  constructor(private readonly roots: Sampler) {}

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (spanKind === SpanKind.CONSUMER && attributes['messaging.operation'] === 'receive') return { decision: SamplingDecision.NOT_RECORD };
    return this.roots.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `DropBatchReceiveRoots{${this.roots.toString()}}`;
  }
}

/** The sampler of every process: roots by trace-id ratio (less Kafka batch receives), children as their parent. */
export function salesSampler(ratio: number): Sampler {
  // ratio 1 is every trace id, without the ratio sampler's one-in-2³² edge
  const roots = ratio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(ratio);
  return new ParentBasedSampler({ root: new DropBatchReceiveRoots(roots) });
}

