/**
 * OpenTelemetry tracing (issue #16): one trace from the HTTP call to the person notified.
 *
 * Each entry point starts it before anything else is loaded (bin/*.ts import runtime/tracing-start
 * first), so the instrumentations hook http/express, pg and kafkajs as they are required: HTTP
 * server spans, query spans, Kafka produce spans that put the context into the message headers
 * and consume spans that continue it. The Temporal worker adds its interceptors and the workflow
 * span sink from here (runtime/worker.ts), the API's client its interceptor (shared/temporal.ts).
 *
 * OTEL_TRACES_EXPORTER=none (the default outside development) starts no SDK: the API stays the
 * no-op one, no span is made, nothing is exported.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { getConfig } from './config';

export interface Tracing {
  sdk: NodeSDK;
  /** shared with the Temporal worker's workflow span sink, so workflow spans leave the same way */
  spanProcessor: SpanProcessor;
  resource: Resource;
}

let active: Tracing | undefined;

function exporter(): SpanExporter | undefined {
  const { tracing } = getConfig();
  switch (tracing.exporter) {
    case 'zipkin':
      return new ZipkinExporter({ url: tracing.zipkinEndpoint });
    case 'otlp':
      return new OTLPTraceExporter({ url: tracing.otlpEndpoint });
    case 'console':
      return new ConsoleSpanExporter();
    case 'none':
      return undefined;
  }
}

/** Starts the SDK once per process under the service name `sales-saga-<process>`; a no-op when tracing is off. */
export function startTracing(processName: string): Tracing | undefined {
  if (active) return active;
  const spanExporter = exporter();
  if (!spanExporter) return undefined;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: `sales-saga-${processName}` });
  const spanProcessor = new BatchSpanProcessor(spanExporter, { scheduledDelayMillis: 1000 });
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors: [spanProcessor],
    instrumentations: [
      // health probes and metrics scrapes would bury the sales in spans
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? '') }),
      new ExpressInstrumentation(),
      new PgInstrumentation(),
      new KafkaJsInstrumentation(),
    ],
  });
  sdk.start();
  active = { sdk, spanProcessor, resource };
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
  await running?.sdk.shutdown();
}
