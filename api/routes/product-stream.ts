/**
 * GET /products/stream: every product's stock as it changes, over Server-Sent Events, for anyone
 * logged in (the live page's catalog; issue #6).
 *
 * The database announces each committed inventory change (the trigger of migration
 * 20261124000004 runs `pg_notify('inventory_changes', …)`), whichever process made it. Each API
 * process holds ONE dedicated `pg` connection that LISTENs on that channel, opened when the first
 * client subscribes, and broadcasts each change to this process's SSE sessions as
 * `event: stock`, `data: {productId, onHand, reserved, available, status, version}`.
 *
 * - The LISTEN is up before a session is answered, so a client that loads GET /products once its
 *   stream is open cannot miss a change in between; clients keep the highest `version` per product.
 * - NOTIFYs sent while the connection is down are lost: it is re-opened with backoff and then every
 *   product's current stock is sent once to the connected sessions (a resync).
 * - `closeProductStream()` ends the connection (tests, shutdown); open streams then get no more
 *   events and end with their server.
 */
import { createChannel, type Channel } from 'better-sse';
import { Router } from 'express';
import type { Client } from 'pg';
import { z } from 'zod';
import { getConfig } from '../../shared/config';
import { AppError } from '../../shared/errors';
import { STOCK_STATUSES } from '../../shared/events';
import { componentLogger } from '../../shared/logger';
import { authenticateStream } from '../auth/middleware';
import type { Dependencies } from '../dependencies';
import { openapi, problemResponse } from '../openapi';
import { createPgListener, type PgListener } from '../pg-listener';
import type { LiveStreams } from '../streams/live-streams';
import { STREAM_AUTH_DESCRIPTION, streamAuthQuery, streamLimitResponses, streamSecurity } from '../streams/openapi';

export const INVENTORY_CHANNEL = 'inventory_changes';
const APPLICATION_NAME = 'sales-saga-product-stream';

const changeSchema = z.object({
  product_id: z.string(),
  on_hand: z.coerce.number().int(),
  reserved: z.coerce.number().int(),
  available: z.coerce.number().int(),
  status: z.enum(STOCK_STATUSES),
  version: z.coerce.number().int(),
});

const stockEventSchema = z
  .object({
    productId: z.string(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    status: z.enum(STOCK_STATUSES),
    version: z.number().int().openapi({ description: 'the inventory version; keep the highest per product' }),
  })
  .openapi('StockEvent');

export type StockEvent = z.infer<typeof stockEventSchema>;

const toStockEvent = (row: z.infer<typeof changeSchema>): StockEvent => ({
  productId: row.product_id,
  onHand: row.on_hand,
  reserved: row.reserved,
  available: row.available,
  status: row.status,
  version: row.version,
});

openapi.registerPath({
  method: 'get', path: '/products/stream', tags: ['products'], security: streamSecurity,
  summary: "Server-Sent Events: every product's stock as it changes",
  description:
    STREAM_AUTH_DESCRIPTION +
    'Each event: `event: stock`, `data: <StockEvent JSON>`. A comment line is sent every 15 s to keep the connection open. ' +
    'Load GET /products once the stream is open and keep, per product, the data with the highest `version`.',
  request: { query: streamAuthQuery },
  responses: {
    200: { description: 'The event stream; each `data` is a StockEvent', content: { 'text/event-stream': { schema: stockEventSchema } } },
    ...streamLimitResponses,
    503: problemResponse('The database cannot be listened to right now; retry'),
  },
});

interface StockFeed {
  listener: PgListener;
  channel: Channel;
}

function createStockFeed(): StockFeed {
  const log = componentLogger('product-stream');
  const channel = createChannel();

  function onNotification(payload: string | undefined): void {
    let change: StockEvent;
    try {
      change = toStockEvent(changeSchema.parse(JSON.parse(payload ?? '')));
    } catch {
      log.warn({ payload }, 'ignoring a malformed inventory change');
      return;
    }
    channel.broadcast(change, 'stock');
  }

  /** After an outage: what the sessions may have missed is every product's current stock. */
  async function resync(c: Client): Promise<void> {
    if (channel.sessionCount === 0) return;
    const { rows } = await c.query('SELECT product_id, on_hand, reserved, available, status, version FROM inventory ORDER BY product_id');
    for (const row of rows) channel.broadcast(toStockEvent(changeSchema.parse(row)), 'stock');
    log.info({ products: rows.length, sessions: channel.sessionCount }, 'resynced stock after reconnecting');
  }

  const listener = createPgListener({ url: getConfig().database.url, channel: INVENTORY_CHANNEL, applicationName: APPLICATION_NAME, log, onNotification, onReconnect: resync });
  return { listener, channel };
}

// one per process (see the header); created on first use so an API that nobody streams from
// holds no extra connection
let feed: StockFeed | undefined;

/** Ends this process's LISTEN connection; a later subscriber starts a new one. */
export async function closeProductStream(): Promise<void> {
  const current = feed;
  feed = undefined;
  await current?.listener.close();
}

/** Whether this process is LISTENing for inventory changes, and on which server process (health checks, tests). */
export function productStreamStatus(): { listening: boolean; backendPid?: number } {
  const backendPid = feed?.listener.backendPid();
  return { listening: backendPid !== undefined, backendPid };
}

export function productStreamRoutes(deps: Pick<Dependencies, 'db'>, streams: LiveStreams): Router {
  const router = Router();

  // mounted before the catalog's GET /products/:id, which would otherwise take "stream" for an id
  router.get('/products/stream', authenticateStream(deps.db), async (req, res) => {
    const current = (feed ??= createStockFeed());
    try {
      await current.listener.start();
    } catch (err) {
      req.log.warn({ err }, 'cannot LISTEN for inventory changes');
      throw AppError.unavailable('live stock is unavailable right now (the database cannot be listened to); retry shortly');
    }
    const session = await streams.open(req, res);
    if (session) current.channel.register(session);
  });

  return router;
}
