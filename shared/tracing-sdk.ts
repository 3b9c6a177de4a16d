/**
 * The OpenTelemetry SDK side of shared/tracing.ts, loaded only when tracing is on (a process with
 * tracing off never loads it: starting the SDK's modules costs seconds on a small machine).
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors } from '@temporalio/client';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import type { TracingConfig } from './config';
import { rememberDependencyResolutions } from './resolve-cache';
import { salesSampler } from './tracing-sampler';
import { tracingActivityInterceptors, UnpickedAwareClientInterceptor } from './unpicked-interceptors';
import type { Tracing, TracingWorkerOptions } from './tracing';

function exporter(tracing: TracingConfig): SpanExporter {
  switch (tracing.exporter) {
    case 'zipkin':
      return new ZipkinExporter({ url: tracing.zipkinEndpoint });
    case 'otlp':
      return new OTLPTraceExporter({ url: tracing.otlpEndpoint });
    default:
      return new ConsoleSpanExporter();
  }
}

export function startSdk(serviceName: string, tracing: TracingConfig): Tracing {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: serviceName });
  const spanProcessor = new BatchSpanProcessor(exporter(tracing), { scheduledDelayMillis: tracing.exportDelayMs });
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    sampler: salesSampler(tracing.sampleRatio),
    spanProcessors: [spanProcessor],
    instrumentations: [
      // health probes and metrics scrapes would bury the sales in spans
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? '') }),
      // the route's span, not one per middleware layer (about 15 per request: parsers, auth, limits,
      // logging), which made up a third of a sale's spans and showed nothing the route's did not
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // a query outside any span (a poller, LISTEN) would be a trace of one span each time
      new PgInstrumentation({ requireParentSpan: true }),
      new KafkaJsInstrumentation(),
    ],
  });
  sdk.start();
  // after the instrumentations hooked require: their hook resolves every require() call
  rememberDependencyResolutions();
  return {
    stop: () => sdk.shutdown(),
    clientInterceptors: (): ClientInterceptors => ({ workflow: [new UnpickedAwareClientInterceptor()] }),
    // workflow spans leave the sandbox through the `exporter` sink into this process's span processor
    workerOptions: (): TracingWorkerOptions => ({
      activity: [tracingActivityInterceptors],
      workflowModules: [require.resolve('../workflows/tracing-interceptors')],
      sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
    }),
  };
}
