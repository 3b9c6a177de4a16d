/**
 * OpenTelemetry tracing (issue #16): one trace from the HTTP call to the person notified.
 *
 * Each entry point starts it before anything else is loaded (bin/*.ts import runtime/tracing-start
 * first), so the instrumentations hook http/express, pg and kafkajs as they are required: HTTP
 * server spans, query spans, Kafka produce spans that put the context into the message headers
 * and consume spans that continue it. The Temporal worker adds the interceptors and the workflow
 * span sink given here (runtime/worker.ts), the API's client its interceptor (shared/temporal.ts).
 *
 * OTEL_TRACES_EXPORTER=none (the default outside development) loads and starts no SDK: the API
 * stays OpenTelemetry's no-op one, no span is made, nothing is exported.
 */
import type { ClientInterceptors } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { getConfig } from './config';

/** What a Temporal worker adds with tracing on (see runtime/worker.ts). */
export interface TracingWorkerOptions {
  activity: ActivityInterceptorsFactory[];
  workflowModules: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's sink type, kept out of this light module
  sinks?: InjectedSinks<any>;
}

export interface Tracing {
  stop(): Promise<void>;
  clientInterceptors(): ClientInterceptors;
  workerOptions(): TracingWorkerOptions;
}

let active: Tracing | undefined;

/** Starts the SDK once per process under the service name `sales-saga-<process>`; a no-op when tracing is off. */
export function startTracing(processName: string): Tracing | undefined {
  const { tracing } = getConfig();
  if (active || tracing.exporter === 'none') return active;
  // loaded here, not imported: a process with tracing off never pays for the SDK's modules
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startSdk } = require('./tracing-sdk') as typeof import('./tracing-sdk');
  active = startSdk(`sales-saga-${processName}`, tracing);
  return active;
}

/** The running SDK, when tracing is on in this process. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/** Sends the spans still buffered (called on shutdown, after the components stopped). */
export async function stopTracing(): Promise<void> {
  const running = active;
  active = undefined;
  await running?.stop();
}
