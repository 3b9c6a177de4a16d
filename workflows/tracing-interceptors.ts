/**
 * The workflow side of tracing (issue #16), loaded only by the sagas whose trace was picked.
 *
 * The Temporal SDK evaluates a workflow's modules once per workflow run (each run has its own
 * module cache in the shared V8 context), so importing the OpenTelemetry interceptors means loading
 * the OpenTelemetry SDK into every saga, sampled or not: with 1 trace in 10 kept that was most of
 * tracing's cost in the worker. Here a call whose header carries a trace context the sampler did
 * not pick (W3C `traceparent` flags 00) runs without them; the first picked call of a run, or one
 * with no trace context at all (a root, e.g. a schedule's run), loads them for the rest of the run.
 *
 * An unpicked saga still hands its activities the trace context it was given, unchanged, so their
 * spans follow the same decision (not recorded) instead of starting traces of their own.
 * Deterministic on replay: the decision comes from headers kept in the history.
 */
import { trace } from '@opentelemetry/api';
import type * as OtelWorkflow from '@temporalio/interceptors-opentelemetry/lib/workflow';
import {
  type ActivityInput,
  type ContinueAsNewInput,
  type GetLogAttributesInput,
  type LocalActivityInput,
  type Next,
  type Payload,
  type QueryInput,
  type SignalInput,
  type SignalWorkflowInput,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { headerTrace, TRACE_HEADER } from '../shared/temporal-trace-header';

/**
 * Whether a call's headers ask for tracing: false only for a trace context whose sampled flag is
 * off. No context (or one that cannot be read) is a root: the OpenTelemetry interceptors decide.
 */
export function headersAskForTracing(headers: Record<string, Payload>): boolean {
  return headerTrace(headers)?.sampled !== false;
}

type OtelInterceptors = { inbound: OtelWorkflow.OpenTelemetryInboundInterceptor; outbound: OtelWorkflow.OpenTelemetryOutboundInterceptor; internals: OtelWorkflow.OpenTelemetryInternalsInterceptor };

/** One workflow run's tracing: the OpenTelemetry interceptors once needed, else the unpicked context. */
class RunTracing {
  private otel?: OtelInterceptors;
  private unpickedHeader?: Payload;

  /** The OpenTelemetry inbound interceptor for a call with these headers, or none (unpicked, not loaded). */
  inbound(headers: Record<string, Payload>): OtelWorkflow.OpenTelemetryInboundInterceptor | undefined {
    if (this.otel === undefined && !headersAskForTracing(headers)) {
      this.unpickedHeader = headers[TRACE_HEADER];
      return undefined;
    }
    return this.load().inbound;
  }

  /** The OpenTelemetry interceptors if this run loaded them (queries, log lines and disposal never load them). */
  loaded(): OtelInterceptors | undefined {
    return this.otel;
  }

  /**
   * Activities: under a span (picked or not) the OpenTelemetry interceptor makes the child and
   * passes it on; outside any span, an unpicked run passes its context on unchanged rather than
   * let a root start here.
   */
  outbound(): OtelWorkflow.OpenTelemetryOutboundInterceptor | undefined {
    if (this.otel === undefined) return undefined;
    if (trace.getActiveSpan() === undefined && this.unpickedHeader !== undefined) return undefined;
    return this.otel.outbound;
  }

  withUnpickedContext<T extends { headers: Record<string, Payload> }>(input: T): T {
    return this.unpickedHeader === undefined ? input : { ...input, headers: { ...input.headers, [TRACE_HEADER]: this.unpickedHeader } };
  }

  private load(): OtelInterceptors {
    if (this.otel === undefined) {
      // required here, not imported: evaluated only by a run that traces (see the module comment)
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const otel = require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof OtelWorkflow;
      this.otel = { inbound: new otel.OpenTelemetryInboundInterceptor(), outbound: new otel.OpenTelemetryOutboundInterceptor(), internals: new otel.OpenTelemetryInternalsInterceptor() };
    }
    return this.otel;
  }
}

class PickedInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly run: RunTracing) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const otel = this.run.inbound(input.headers);
    return otel ? otel.execute(input, next) : next(input);
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    const otel = this.run.inbound(input.headers);
    return otel ? otel.handleUpdate(input, next) : next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    const otel = this.run.inbound(input.headers);
    if (otel) otel.validateUpdate(input, next);
    else next(input);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    const otel = this.run.inbound(input.headers);
    return otel ? otel.handleSignal(input, next) : next(input);
  }

  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    const otel = this.run.loaded()?.inbound;
    return otel ? otel.handleQuery(input, next) : next(input);
  }
}

class PickedOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly run: RunTracing) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    const otel = this.run.outbound();
    return otel ? otel.scheduleActivity(input, next) : next(this.run.withUnpickedContext(input));
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    const otel = this.run.outbound();
    return otel ? otel.scheduleLocalActivity(input, next) : next(this.run.withUnpickedContext(input));
  }

  startChildWorkflowExecution(input: StartChildWorkflowExecutionInput, next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>): Promise<[Promise<string>, Promise<unknown>]> {
    const otel = this.run.outbound();
    return otel ? otel.startChildWorkflowExecution(input, next) : next(this.run.withUnpickedContext(input));
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    const otel = this.run.outbound();
    return otel ? otel.continueAsNew(input, next) : next(this.run.withUnpickedContext(input));
  }

  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>): Promise<void> {
    const otel = this.run.outbound();
    return otel ? otel.signalWorkflow(input, next) : next(this.run.withUnpickedContext(input));
  }

  /** a traced run's log lines name the trace (trace_id, span_id) */
  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    const otel = this.run.loaded()?.outbound;
    return otel ? otel.getLogAttributes(input, next) : next(input);
  }
}

/** The workflow interceptor module the worker names when tracing is on (shared/tracing-sdk.ts). */
export const interceptors = (): WorkflowInterceptors => {
  const run = new RunTracing();
  return {
    inbound: [new PickedInbound(run)],
    outbound: [new PickedOutbound(run)],
    internals: [
      {
        dispose: (input, next) => {
          const otel = run.loaded()?.internals;
          return otel ? otel.dispose(input, next) : next(input);
        },
      },
    ],
  };
};
