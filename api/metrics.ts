/**
 * Prometheus metrics (prom-client): process metrics, HTTP request durations by route, and the
 * Temporal worker's own metrics, which its Rust core serves on WORKER_METRICS_ADDRESS and which
 * /metrics relays so one scrape shows both.
 */
import type { RequestHandler } from 'express';
import { Histogram, Registry, collectDefaultMetrics, register as processRegistry } from 'prom-client';
import { getConfig } from '../shared/config';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const recordHttpMetrics: RequestHandler = (req, res, next) => {
  const end = httpDuration.startTimer();
  res.on('finish', () => {
    // the matched route pattern, not the raw path, keeps the label set small
    const route = (req.route as { path?: string } | undefined)?.path ? `${req.baseUrl}${String((req.route as { path: string }).path)}` : 'unmatched';
    end({ method: req.method, route, status: String(res.statusCode) });
  });
  next();
};

async function workerMetrics(): Promise<string> {
  try {
    const res = await fetch(`http://${getConfig().temporal.workerMetricsAddress}/metrics`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? await res.text() : '';
  } catch {
    return ''; // no worker in this process or it is not up yet
  }
}

export const metricsHandler: RequestHandler = async (_req, res) => {
  // prom-client's default registry holds what a worker in this process counts itself (activities/step-retries.ts)
  const [api, inProcess, worker] = await Promise.all([registry.metrics(), processRegistry.metrics(), workerMetrics()]);
  const own = inProcess ? `${api}\n${inProcess}` : api;
  res.type(registry.contentType).send(worker ? `${own}\n# Temporal worker (core) metrics\n${worker}` : own);
};
