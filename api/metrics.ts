/**
 * Prometheus metrics (prom-client): process metrics, HTTP request durations by route, and the
 * Temporal worker's own metrics, which its Rust core serves on WORKER_METRICS_ADDRESS and which
 * /metrics relays so one scrape shows both.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import { Histogram, Registry, collectDefaultMetrics, register as processRegistry } from 'prom-client';
import { getConfig, type Config } from '../shared/config';
import { pinoHttp } from 'pino-http';
import { AppError } from '../shared/errors';
import { componentLogger } from '../shared/logger';
import { notFoundHandler, problemHandler } from './problem';

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

/**
 * Where /metrics is served (issue #12: scrapes reveal traffic and internals, so not to anyone who
 * reaches the API): on its own port when METRICS_PORT is set (a port the load balancer does not
 * publish), behind `Authorization: Bearer <METRICS_TOKEN>` when that is set (on either port), openly
 * on the API port in development and tests, and not at all on the API port in production without
 * either setting.
 */
export function metricsOnApiPort(cfg: Config = getConfig()): boolean {
  if (cfg.metrics.port !== undefined) return false;
  return cfg.metrics.token !== undefined || cfg.env !== 'production';
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Lets a scrape through only with the METRICS_TOKEN bearer token, when one is configured. */
export const requireMetricsToken: RequestHandler = (req, res, next) => {
  const token = getConfig().metrics.token;
  if (token === undefined) return next();
  const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  // compared as digests: constant time whatever the lengths
  if (!timingSafeEqual(digest(given), digest(token))) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    throw AppError.unauthorized('/metrics needs the METRICS_TOKEN bearer token');
  }
  next();
};

/** The app served on METRICS_PORT: /metrics and nothing else. */
export function createMetricsApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(pinoHttp({ logger: componentLogger('metrics'), autoLogging: false }));
  app.get('/metrics', requireMetricsToken, metricsHandler);
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}
