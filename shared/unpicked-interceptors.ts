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

/** The running unpicked trace's context as Temporal headers, or undefined when the work is not unpicked. */
function unpickedHeaders(headers: Record<string, Payload>): Record<string, Payload> | undefined {
  return unpickedTrace() ? withTraceHeader(headers, unpickedTraceHeaders()) : undefined;
}

export class UnpickedAwareClientInterceptor implements WorkflowClientInterceptor {
  constructor(private readonly otel = new OpenTelemetryWorkflowClientInterceptor()) {}

  start(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'start'>): Promise<string> {
    const headers = unpickedHeaders(input.headers);
    return headers ? next({ ...input, headers }) : this.otel.start(input, next);
  }

  startWithDetails(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'startWithDetails'>) {
    const headers = unpickedHeaders(input.headers);
    return headers ? next({ ...input, headers }) : this.otel.startWithDetails(input, next);
  }

  startUpdate(input: WorkflowStartUpdateInput, next: Next<WorkflowClientInterceptor, 'startUpdate'>) {
    const headers = unpickedHeaders(input.headers);
    return headers ? next({ ...input, headers }) : this.otel.startUpdate(input, next);
  }

  startUpdateWithStart(input: WorkflowStartUpdateWithStartInput, next: Next<WorkflowClientInterceptor, 'startUpdateWithStart'>) {
    const workflowStartHeaders = unpickedHeaders(input.workflowStartHeaders);
    const updateHeaders = unpickedHeaders(input.updateHeaders);
    return workflowStartHeaders && updateHeaders ? next({ ...input, workflowStartHeaders, updateHeaders }) : this.otel.startUpdateWithStart(input, next);
  }

  signal(input: WorkflowSignalInput, next: Next<WorkflowClientInterceptor, 'signal'>): Promise<void> {
    const headers = unpickedHeaders(input.headers);
    return headers ? next({ ...input, headers }) : this.otel.signal(input, next);
  }

  signalWithStart(input: WorkflowSignalWithStartInput, next: Next<WorkflowClientInterceptor, 'signalWithStart'>): Promise<string> {
    const headers = unpickedHeaders(input.headers);
    return headers ? next({ ...input, headers }) : this.otel.signalWithStart(input, next);
  }

  query(input: WorkflowQueryInput, next: Next<WorkflowClientInterceptor, 'query'>): Promise<unknown> {
    const headers = unpickedHeaders(input.headers);
    return headers ? next({ ...input, headers }) : this.otel.query(input, next);
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
