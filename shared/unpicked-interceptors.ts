/**
 * The Temporal client and activity interceptors of a process with tracing on (issue #16): the
 * OpenTelemetry ones, except for work in a trace the sampler did not pick, which runs without
 * spans (shared/trace-id.ts withoutSpans) and hands its trace context on with the sampled flag off:
 * - a client call (the API's POST and PATCH) adds that context to the workflow's headers itself,
 *   where the OpenTelemetry interceptor would have made a span that is never recorded, and, with
 *   tracing suppressed, would have sent an empty context (the workflow would then start a trace
 *   of its own);
 * - an activity whose headers carry an unpicked context runs in no span, so its queries and Kafka
 *   messages make none either (the messages still carry the context: activities/publish.ts).
 * Loaded with the SDK (shared/tracing-sdk.ts).
 */
import type { Context as ActivityContext } from '@temporalio/activity';
import type {
  Next,
  WorkflowCancelInput,
  WorkflowClientInterceptor,
  WorkflowDescribeInput,
  WorkflowQueryInput,
  WorkflowSignalInput,
  WorkflowSignalWithStartInput,
  WorkflowStartInput,
  WorkflowStartUpdateInput,
  WorkflowStartUpdateWithStartInput,
  WorkflowTerminateInput,
} from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptors } from '@temporalio/worker';
import { headerTrace, withTraceHeader } from './temporal-trace-header';
import { unpickedTrace, unpickedTraceHeaders, withoutSpans } from './trace-id';

type Headers = Record<string, Payload>;

/**
 * An unpicked trace's call goes to `next` with that trace in its headers; any other through the
 * OpenTelemetry interceptor (`traced`).
 */
function carrying<I extends { headers: Headers }, O>(input: I, next: (input: I) => O, traced: () => O): O {
  return unpickedTrace() ? next({ ...input, headers: withTraceHeader(input.headers, unpickedTraceHeaders()) }) : traced();
}

export class UnpickedAwareClientInterceptor implements WorkflowClientInterceptor {
  constructor(private readonly otel = new OpenTelemetryWorkflowClientInterceptor()) {}

  start(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'start'>) {
    return carrying(input, next, () => this.otel.start(input, next));
  }

  startWithDetails(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'startWithDetails'>) {
    return carrying(input, next, () => this.otel.startWithDetails(input, next));
  }

  startUpdate(input: WorkflowStartUpdateInput, next: Next<WorkflowClientInterceptor, 'startUpdate'>) {
    return carrying(input, next, () => this.otel.startUpdate(input, next));
  }

  /** the one call with two sets of headers: the workflow start's and the update's */
  startUpdateWithStart(input: WorkflowStartUpdateWithStartInput, next: Next<WorkflowClientInterceptor, 'startUpdateWithStart'>) {
    if (!unpickedTrace()) return this.otel.startUpdateWithStart(input, next);
    const carrier = unpickedTraceHeaders();
    return next({ ...input, workflowStartHeaders: withTraceHeader(input.workflowStartHeaders, carrier), updateHeaders: withTraceHeader(input.updateHeaders, carrier) });
  }

  signal(input: WorkflowSignalInput, next: Next<WorkflowClientInterceptor, 'signal'>) {
    return carrying(input, next, () => this.otel.signal(input, next));
  }

  signalWithStart(input: WorkflowSignalWithStartInput, next: Next<WorkflowClientInterceptor, 'signalWithStart'>) {
    return carrying(input, next, () => this.otel.signalWithStart(input, next));
  }

  query(input: WorkflowQueryInput, next: Next<WorkflowClientInterceptor, 'query'>) {
    return carrying(input, next, () => this.otel.query(input, next));
  }

  // no headers to carry: an unpicked call only skips the span
  terminate(input: WorkflowTerminateInput, next: Next<WorkflowClientInterceptor, 'terminate'>) {
    return unpickedTrace() ? next(input) : this.otel.terminate(input, next);
  }

  cancel(input: WorkflowCancelInput, next: Next<WorkflowClientInterceptor, 'cancel'>) {
    return unpickedTrace() ? next(input) : this.otel.cancel(input, next);
  }

  describe(input: WorkflowDescribeInput, next: Next<WorkflowClientInterceptor, 'describe'>) {
    return unpickedTrace() ? next(input) : this.otel.describe(input, next);
  }
}

/** Runs an activity whose headers carry an unpicked trace without spans; others under the OpenTelemetry one's. */
class UnpickedAwareActivityInbound implements ActivityInboundCallsInterceptor {
  private readonly otel: OpenTelemetryActivityInboundInterceptor;

  constructor(ctx: ActivityContext) {
    this.otel = new OpenTelemetryActivityInboundInterceptor(ctx);
  }

  execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const caller = headerTrace(input.headers);
    if (caller && !caller.sampled) return withoutSpans({ traceId: caller.traceId, spanId: caller.spanId, traceFlags: 0, isRemote: true }, () => next(input));
    return this.otel.execute(input, next);
  }
}

/** The activity interceptors of a worker with tracing on (outermost: a step's retries run inside its span). */
export function tracingActivityInterceptors(ctx: ActivityContext): ActivityInterceptors {
  return { inbound: new UnpickedAwareActivityInbound(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) };
}
