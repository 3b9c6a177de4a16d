/** The express application: middleware, routes and the problem+json error handler. */
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { componentLogger } from '../shared/logger';
import type { Dependencies } from './dependencies';
import { healthRoutes } from './health';
import { metricsHandler, metricsOnApiPort, recordHttpMetrics, requireMetricsToken } from './metrics';
import { notFoundHandler, problemHandler } from './problem';
import { traceIdHeader, unpickedRequestWithoutSpans } from './trace-header';
import { openApiRoutes } from './openapi';
import { authRoutes } from './routes/auth';
import { followRoutes } from './routes/follows';
import { notificationRoutes } from './routes/notifications';
import { productRoutes } from './routes/products';
import { productStreamRoutes } from './routes/product-stream';
import { saleRoutes } from './routes/sales';
import { stockRoutes } from './routes/stock';
import { userRoutes } from './routes/users';
import { streamTicketRoutes } from './routes/stream-tickets';
import { deliveryRoutes } from './routes/deliveries';
import { preferenceRoutes } from './routes/preferences';
import { unsubscribeRoutes } from './routes/unsubscribe';
import { createLiveStreams } from './streams/live-streams';
import { webRoutes } from './routes/web';

export function createApp(deps: Dependencies): Express {
  const app = express();
  // both live streams share one set of caps (per process)
  const streams = deps.liveStreams ?? createLiveStreams(deps.db);
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  // authenticate reads the users row on every request (a disabled user's token stops at once)
  app.locals.db = deps.db;

  app.use(unpickedRequestWithoutSpans); // with tracing on: a request not recorded makes no spans
  app.use(traceIdHeader); // with tracing on: X-Trace-Id names the request's trace
  app.use(
    pinoHttp({
      logger: componentLogger('api'),
      // a caller's X-Request-Id is kept (so a trace can cross services); otherwise one is made
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // probes and scrapes would drown the log
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  app.use(recordHttpMetrics);
  app.use(express.json({ limit: '100kb' }));

  app.use(healthRoutes(deps));
  if (metricsOnApiPort()) app.get('/metrics', requireMetricsToken, metricsHandler);
  // ROUTES: each feature's router is mounted here (one line each)
  app.use(openApiRoutes());
  app.use(authRoutes(deps));
  // before productRoutes: its GET /products/:id would otherwise answer GET /products/stream
  app.use(productStreamRoutes(deps, streams));
  app.use(productRoutes(deps));
  app.use(stockRoutes(deps));
  app.use(saleRoutes(deps));
  app.use(webRoutes()); // the live page at / and GET /ui-config
  app.use(followRoutes(deps));
  app.use(notificationRoutes(deps, streams));
  app.use(userRoutes(deps));
  app.use(streamTicketRoutes(deps));
  app.use(preferenceRoutes(deps));
  app.use(deliveryRoutes(deps));
  app.use(unsubscribeRoutes(deps));

  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}
