/**
 * The service as it is deployed, with tracing on (issue #16): the API, the worker and the consumers
 * as three real processes (bin/*.ts), each exporting its spans to the stack's local Zipkin, and the
 * way back: reading a trace through Zipkin's HTTP API.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { getConfig } from '../../shared/config';
import { eventually, unique } from './events';

export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: string;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

export interface TracedApp {
  apiUrl: string;
  /** everything the three processes printed so far (pino JSON lines) */
  output(): string;
  stop(): Promise<void>;
}

export function zipkinBaseUrl(): string {
  return `http://127.0.0.1:${getConfig().tracing.localZipkinPort}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/** `overrides`: settings of these processes only (e.g. a short RESERVATION_TTL_SECONDS). */
export async function startTracedApp(overrides: NodeJS.ProcessEnv = {}): Promise<TracedApp> {
  const [apiPort, consumersPort, workerMetricsPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    OTEL_TRACES_EXPORTER: 'zipkin',
    LOG_LEVEL: 'info',
    PORT: String(apiPort),
    CONSUMERS_HEALTH_PORT: String(consumersPort),
    WORKER_METRICS_ADDRESS: `127.0.0.1:${workerMetricsPort}`,
    // a task queue of its own: only this worker (with its tracing interceptors) runs these sagas
    TEMPORAL_TASK_QUEUE: `tracing-${unique()}`,
    ...overrides,
  };
  let output = '';
  const children: ChildProcessWithoutNullStreams[] = ['api', 'worker', 'consumers'].map((entry) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `bin/${entry}.ts`], { cwd: resolve(__dirname, '../..'), env });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return child;
  });
  const app: TracedApp = {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    output: () => output,
    async stop() {
      await Promise.all(
        children.map((child) => {
          if (child.exitCode !== null) return undefined;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM'); // their lifecycle flushes the last spans before exiting
          return exited;
        }),
      );
    },
  };
  try {
    await eventually(() => answers(`${app.apiUrl}/readyz`), 90_000, `the API on ${app.apiUrl} ready`);
    // ready only once every consumer group joined, so the sale's events are consumed
    await eventually(() => answers(`http://127.0.0.1:${consumersPort}/readyz`), 90_000, 'the consumers ready');
    await eventually(async () => output.includes('worker running'), 90_000, 'the worker running');
  } catch (err) {
    await app.stop();
    throw new Error(`${(err as Error).message}\n${output.split('\n').slice(-30).join('\n')}`);
  }
  return app;
}

/** A trace's spans as the backend has them now ([] while it knows none). */
export async function zipkinTrace(traceId: string): Promise<ZipkinSpan[]> {
  const res = await fetch(`${zipkinBaseUrl()}/api/v2/trace/${traceId}`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`Zipkin answered ${res.status} for trace ${traceId}`);
  return (await res.json()) as ZipkinSpan[];
}

/** Who took part in a trace: the services and the Kafka consumer groups. */
export function participants(spans: ZipkinSpan[]): { services: string[]; consumerGroups: string[] } {
  const services = new Set(spans.map((s) => s.localEndpoint?.serviceName).filter((s): s is string => Boolean(s)));
  const groups = new Set(spans.map((s) => s.tags?.['messaging.kafka.consumer.group']).filter((g): g is string => Boolean(g)));
  return { services: [...services].sort(), consumerGroups: [...groups].sort() };
}

/**
 * The traces holding a span tagged `tag=value` (Zipkin's annotationQuery), newest first; e.g. the
 * later work of a sale (PATCH, expiry, reconciliation) by the sale's `sale.trace_id`.
 */
export async function zipkinTracesTagged(tag: string, value: string): Promise<ZipkinSpan[][]> {
  const query = new URLSearchParams({ annotationQuery: `${tag}=${value}`, lookback: String(3_600_000), limit: '20' });
  const res = await fetch(`${zipkinBaseUrl()}/api/v2/traces?${query}`);
  if (!res.ok) throw new Error(`Zipkin answered ${res.status} for traces tagged ${tag}=${value}`);
  return (await res.json()) as ZipkinSpan[][];
}
