/**
 * `npm start` (after scripts/start.sh has started the servers): prepares the schema and topics,
 * then runs the worker, the consumers and the API in this one process, and says where
 * everything is. For scale-out, run bin/api.ts, bin/worker.ts, bin/consumers.ts and bin/delivery.ts
 * separately.
 */
import '../runtime/tracing-start'; // first: tracing hooks the libraries as they load
import { startApiServer } from '../runtime/api-server';
import { startConsumersProcess } from '../runtime/consumers-process';
import { startDeliveryProcess } from '../runtime/delivery-process';
import { runUntilSignal, type Stoppable } from '../runtime/lifecycle';
import { prepare } from '../runtime/prepare';
import { installWorkerRuntime, startWorker } from '../runtime/worker';
import { getConfig } from '../shared/config';
import { DEMO_USERS } from '../shared/demo-data';

/** Where this process's spans go (README "Tracing"). */
function traceBackend(): string {
  const { tracing } = getConfig();
  if (tracing.exporter === 'none') return 'off (OTEL_TRACES_EXPORTER=none)';
  if (tracing.exporter === 'zipkin') return tracing.uiUrl ? `${tracing.uiUrl}   (Zipkin; X-Trace-Id / traceId / trace_id lead to a trace)` : `${tracing.zipkinEndpoint} (OTEL_EXPORTER_ZIPKIN_ENDPOINT)`;
  return tracing.exporter === 'otlp' ? `${tracing.otlpEndpoint} (OTLP)` : 'printed on the console';
}

function banner(apiUrl: string, metricsUrl: string | undefined, consumersUrl: string, deliveryUrl: string): string {
  const cfg = getConfig();
  const db = cfg.database.url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
  const lines = [
    '',
    'sales-saga is running',
    `  API            ${apiUrl}`,
    `  Live page      ${apiUrl}/`,
    `  API docs       ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`,
    `  Health         ${apiUrl}/readyz   metrics: ${metricsUrl ?? 'not served (METRICS_PORT / METRICS_TOKEN)'}`,
    `  Consumers      ${consumersUrl}/readyz   metrics: ${consumersUrl}/metrics`,
    `  Delivery       ${deliveryUrl}/readyz   metrics: ${deliveryUrl}/metrics`,
    `  Temporal UI    ${cfg.temporal.uiUrl}/namespaces/${cfg.temporal.namespace}/workflows   (gRPC ${cfg.temporal.address})`,
    `  Kafka          ${cfg.kafka.brokers.join(',')}   e.g. kcat -b ${cfg.kafka.brokers[0]} -t inventory-updates -C`,
    `  PostgreSQL     ${db}`,
    cfg.mail.external
      ? `  Mail (SMTP)    ${cfg.mail.smtpUrl.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@')}   (SMTP_URL)`
      : `  Mail UI        ${cfg.mail.uiUrl}/   (SMTP 127.0.0.1:${cfg.mail.localSmtpPort}; every email sent lands here)`,
    `  Traces         ${traceBackend()}`,
  ];
  if (cfg.demo.seed) {
    lines.push(`  Demo users     ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(', ')}; password: ${cfg.demo.password === 'demo-password' ? 'demo-password' : '(DEMO_PASSWORD)'}`);
  }
  lines.push('  Ctrl-C stops the application; `npm run stack:down` stops the servers.', '');
  return lines.join('\n');
}

runUntilSignal('start', async () => {
  await prepare();
  installWorkerRuntime();
  const parts: Stoppable[] = [];
  parts.push(await startWorker());
  const consumers = await startConsumersProcess();
  parts.push(consumers);
  const delivery = await startDeliveryProcess();
  parts.push(delivery);
  const api = await startApiServer();
  parts.push(api);
  process.stderr.write(banner(api.url, api.metricsUrl, consumers.url, delivery.url));
  const failures = parts.flatMap((part) => (part.failure ? [part.failure] : []));
  return {
    failure: failures.length > 0 ? Promise.race(failures) : undefined,
    async stop() {
      // API first (no new work), then the consumers and the worker drain
      for (const part of parts.reverse()) await part.stop();
    },
  };
});
