/**
 * The small HTTP server the consumers and delivery processes run beside their work (the API has its
 * own routes): /healthz (alive), /readyz (each dependency answers; 503 names what does not, without
 * the servers' error text) and /metrics (behind METRICS_TOKEN when that is set).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { requireMetricsToken } from '../api/metrics';

const CHECK_TIMEOUT_MS = 2_000;

/** whether the check settles within CHECK_TIMEOUT_MS; its error is dropped (it may hold a server's address or credentials) */
export async function answers(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export interface HealthAppOptions {
  /** each dependency's name and whether it is up, in the order /readyz lists them */
  readiness(): Promise<Record<string, boolean>>;
  metrics: Pick<Registry, 'contentType' | 'metrics'>;
}

export function healthApp({ readiness, metrics }: HealthAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = Object.fromEntries(Object.entries(await readiness()).map(([name, up]) => [name, { status: up ? 'up' : 'down' }]));
    const down = Object.entries(checks).filter(([, c]) => c.status === 'down').map(([name]) => name);
    res.status(down.length === 0 ? 200 : 503).json({
      status: down.length === 0 ? 'ready' : 'not ready',
      ...(down.length > 0 ? { detail: `not ready: ${down.join(', ')}` } : {}),
      checks,
    });
  });
  app.get('/metrics', requireMetricsToken, async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  return app;
}

export interface HealthServer {
  url: string;
  /** stops listening and drops the open connections (a scraper's keep-alive must not hold shutdown) */
  close(): Promise<void>;
}

export async function listenHealthServer(app: Express, port: number, host: string): Promise<HealthServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
