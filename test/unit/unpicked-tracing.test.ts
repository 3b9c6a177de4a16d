/**
 * Work in a trace the sampler did not pick runs without spans and hands the decision on (issue #16;
 * shared/trace-id.ts, shared/unpicked-interceptors.ts): the Temporal client call and the activity
 * of an unpicked request make no span, yet the workflow's headers still carry the trace with the
 * sampled flag off — without them the workflow would start a trace of its own.
 */
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags, type Span, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Context as ActivityContext } from '@temporalio/activity';
import type { Request, Response } from 'express';
import type { WorkflowStartUpdateWithStartInput } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { unpickedRequestWithoutSpans } from '../../api/trace-header';
import { headerTrace, withTraceHeader } from '../../shared/temporal-trace-header';
import { currentTraceId, unpickedTrace, unpickedTraceHeaders, withoutSpans } from '../../shared/trace-id';
import { tracingActivityInterceptors, UnpickedAwareClientInterceptor } from '../../shared/unpicked-interceptors';

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
});

afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

const UNPICKED: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true };

function updateWithStartInput(): WorkflowStartUpdateWithStartInput {
  return { workflowType: 'saleWorkflow', workflowStartOptions: { workflowId: 'sale-1' }, workflowStartHeaders: {}, updateName: 'reserve', updateArgs: [], updateHeaders: {}, updateOptions: {} } as unknown as WorkflowStartUpdateWithStartInput;
}

test('inside withoutSpans there is no span and none can be made; the trace id still names log lines and goes into message headers', () => {
  withoutSpans(UNPICKED, () => {
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(currentTraceId()).toBe(UNPICKED.traceId);
    expect(unpickedTrace()).toEqual(UNPICKED);
    expect(trace.getTracer('t').startSpan('would-be').isRecording()).toBe(false);
    expect(unpickedTraceHeaders()).toEqual({ traceparent: `00-${UNPICKED.traceId}-${UNPICKED.spanId}-00` });
  });
  expect(currentTraceId()).toBeUndefined();
  expect(unpickedTraceHeaders()).toEqual({});
  expect(exporter.getFinishedSpans()).toEqual([]);
});

test("an unpicked client call carries the trace, not picked, in the workflow's headers, and makes no span", async () => {
  const sent: WorkflowStartUpdateWithStartInput[] = [];
  const next = async (input: WorkflowStartUpdateWithStartInput) => {
    sent.push(input);
    return { workflowExecution: { workflowId: 'sale-1', runId: 'r' }, updateId: 'u', updateOutcome: undefined } as never;
  };
  await withoutSpans(UNPICKED, () => new UnpickedAwareClientInterceptor().startUpdateWithStart(updateWithStartInput(), next));
  expect(headerTrace(sent[0]!.workflowStartHeaders)).toEqual({ traceId: UNPICKED.traceId, spanId: UNPICKED.spanId, sampled: false });
  expect(headerTrace(sent[0]!.updateHeaders)).toEqual({ traceId: UNPICKED.traceId, spanId: UNPICKED.spanId, sampled: false });
  expect(exporter.getFinishedSpans()).toEqual([]);

  // a recorded request's call goes through the OpenTelemetry interceptor: its span, its context in the headers
  await trace.getTracer('t').startActiveSpan('POST /sales', async (root) => {
    await new UnpickedAwareClientInterceptor().startUpdateWithStart(updateWithStartInput(), next);
    root.end();
  });
  const [call] = exporter.getFinishedSpans().filter((s) => s.name.startsWith('UpdateWithStartWorkflow'));
  expect(call).toBeDefined();
  expect(headerTrace(sent[1]!.updateHeaders)).toMatchObject({ traceId: call!.spanContext().traceId, spanId: call!.spanContext().spanId, sampled: true });
});

test('an activity whose headers carry an unpicked trace runs in no span, in that trace; a picked one in its RunActivity span', async () => {
  const ctx = { info: { activityType: 'completeSaleAndPublish', activityId: '1', inWorkflow: false } } as unknown as ActivityContext;
  const { inbound } = tracingActivityInterceptors(ctx);
  const run = (headers: Record<string, Payload>) =>
    inbound!.execute!({ args: [], headers } as unknown as ActivityExecuteInput, async () => ({ span: trace.getActiveSpan(), unpicked: unpickedTrace() }));

  const unpicked = (await run(withTraceHeader({}, { traceparent: `00-${UNPICKED.traceId}-${UNPICKED.spanId}-00` }))) as { span?: unknown; unpicked?: SpanContext };
  expect(unpicked.span).toBeUndefined();
  expect(unpicked.unpicked).toMatchObject({ traceId: UNPICKED.traceId, spanId: UNPICKED.spanId });
  expect(exporter.getFinishedSpans()).toEqual([]);

  const picked = (await run(withTraceHeader({}, { traceparent: `00-${UNPICKED.traceId}-${UNPICKED.spanId}-01` }))) as { span?: Span; unpicked?: SpanContext };
  expect(picked.span?.spanContext()).toMatchObject({ traceId: UNPICKED.traceId, traceFlags: TraceFlags.SAMPLED });
  expect(picked.unpicked).toBeUndefined();
  expect(exporter.getFinishedSpans().map((s) => [s.name, s.spanContext().traceId])).toEqual([['RunActivity:completeSaleAndPublish', UNPICKED.traceId]]);
});

test("a request whose HTTP span is not recorded runs its route in no span, in that trace; a recorded one's route in its span", () => {
  const seen: { span?: Span; unpicked?: SpanContext }[] = [];
  const route = () => void seen.push({ span: trace.getActiveSpan(), unpicked: unpickedTrace() });
  const request = {} as Request;
  const response = {} as Response;

  // the HTTP instrumentation's span of a request the sampler did not pick: not recording
  context.with(trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(UNPICKED)), () => unpickedRequestWithoutSpans(request, response, route));
  expect(seen[0]).toEqual({ span: undefined, unpicked: UNPICKED });

  trace.getTracer('t').startActiveSpan('POST', (recorded) => {
    unpickedRequestWithoutSpans(request, response, route);
    recorded.end();
    expect(seen[1]).toEqual({ span: recorded, unpicked: undefined });
  });
  // tracing off: no span at all, the route runs as it is
  unpickedRequestWithoutSpans(request, response, route);
  expect(seen[2]).toEqual({ span: undefined, unpicked: undefined });
});
