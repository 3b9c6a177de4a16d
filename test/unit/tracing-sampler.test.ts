/**
 * Which spans are recorded (shared/tracing-sampler.ts): every request is traced by default, a
 * sample when OTEL_TRACES_SAMPLER_ARG says so — always whole traces — and a Kafka batch's own
 * receive trace is never made (each event's effect is a span in its request's trace).
 */
import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace, type Context } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { parseConfig } from '../../shared/config';
import { salesSampler } from '../../shared/tracing-sampler';

const RECORDED = SamplingDecision.RECORD_AND_SAMPLED;
const NOT_RECORDED = SamplingDecision.NOT_RECORD;

/** a context whose parent came in a message's traceparent, sampled or not */
function remoteParent(sampled: boolean): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

// 400 fixed, well-spread trace ids
const traceIds = Array.from({ length: 400 }, (_, i) => createHash('md5').update(`trace ${i}`).digest('hex'));
const decide = (ratio: number, context: Context, kind: SpanKind, attributes = {}, traceId = traceIds[0]!) =>
  salesSampler(ratio).shouldSample(context, traceId, 'span', kind, attributes, []).decision;

test('by default every request starts a recorded trace, and what it causes follows it', () => {
  expect(parseConfig({}).tracing.sampleRatio).toBe(1);
  expect(traceIds.every((id) => decide(1, ROOT_CONTEXT, SpanKind.SERVER, {}, id) === RECORDED)).toBe(true);
  // an event's effect in a consumer continues the request's trace
  expect(decide(1, remoteParent(true), SpanKind.CONSUMER, { 'messaging.operation': 'process' })).toBe(RECORDED);
});

test("a Kafka batch's receive span starts no trace of its own, whatever the ratio", () => {
  expect(decide(1, ROOT_CONTEXT, SpanKind.CONSUMER, { 'messaging.system': 'kafka', 'messaging.operation': 'receive' })).toBe(NOT_RECORDED);
  // a consumer span that is not a batch receive (an event published untraced) is still a trace
  expect(decide(1, ROOT_CONTEXT, SpanKind.CONSUMER, { 'messaging.operation': 'process' })).toBe(RECORDED);
});

test('a ratio keeps that share of requests, and a kept or dropped trace stays whole across processes', () => {
  const kept = traceIds.filter((id) => decide(0.25, ROOT_CONTEXT, SpanKind.SERVER, {}, id) === RECORDED).length;
  expect(kept / traceIds.length).toBeGreaterThan(0.15);
  expect(kept / traceIds.length).toBeLessThan(0.35);
  // the parent's flag decides downstream, not the ratio: no half traces
  expect(decide(0, remoteParent(true), SpanKind.CONSUMER)).toBe(RECORDED);
  expect(decide(1, remoteParent(false), SpanKind.CONSUMER)).toBe(NOT_RECORDED);
  expect(parseConfig({ OTEL_TRACES_SAMPLER_ARG: '0.1' }).tracing.sampleRatio).toBe(0.1);
  expect(() => parseConfig({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
});
