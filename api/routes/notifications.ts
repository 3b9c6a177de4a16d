/**
 * The caller's notifications: the inbox (paginated, unread first), marking read, and a live
 * Server-Sent Events stream. Every authenticated user has an inbox; what lands in it is decided by
 * the notify-* consumers (consumers/notify.ts).
 *
 * The stream authenticates with `Authorization: Bearer …` or, because a browser's EventSource
 * cannot set headers, with a one-use `?ticket=…` (POST /stream-tickets); api/streams/live-streams.ts
 * bounds it (caps, expiry, slow clients) like the stock stream. Each event is `event: notification`,
 * `id: <notification id>`, `data: <notification JSON>`; reconnecting with `Last-Event-ID` (what
 * EventSource does by itself) replays what was missed.
 */
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { authenticate, authenticateStream } from '../auth/middleware';
import { currentUser } from '../auth/types';
import { STREAM_AUTH_DESCRIPTION, streamAuthQuery, streamLimitResponses, streamSecurity } from '../streams/openapi';
import type { Dependencies } from '../dependencies';
import type { LiveStreams } from '../streams/live-streams';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { listNotifications, markRead } from '../services/notifications';
import { parseParams, parseQuery } from '../validate';
import { INT32_MAX } from '../../shared/limits';


const notificationSchema = z
  .object({
    id: z.number().int().openapi({ description: 'also the SSE event id' }),
    audience: z.enum(['admin', 'sales', 'customers']),
    kind: z.enum(['inventory', 'sale']),
    productId: z.string().nullable(),
    saleId: z.string().nullable(),
    status: z.string().openapi({ description: 'the stock status (inventory) or the sale status (sale)', example: 'out_of_stock' }),
    title: z.string().openapi({ example: 'Desk lamp is out of stock' }),
    body: z.string(),
    eventId: z.string().openapi({ description: 'the event that caused it', example: 'inventory:1:v7' }),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('Notification');

const listQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(INT32_MAX).default(1),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    unread: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .openapi({ description: 'true: only unread; false: only read; absent: all' }),
  })
  .strict();

const pageSchema = z
  .object({
    data: z.array(notificationSchema),
    page: z.number().int(),
    limit: z.number().int(),
    total: z.number().int().openapi({ description: 'notifications matching the filter' }),
    unread: z.number().int().openapi({ description: 'all unread notifications of the caller' }),
  })
  .openapi('NotificationPage');

const idParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({ example: 42 }) });

const streamQuery = streamAuthQuery.extend({
  lastEventId: z.string().optional().openapi({ description: 'same as the Last-Event-ID header (the header wins)' }),
});

const lastEventIdSchema = z
  .string()
  .trim()
  .regex(/^\d{1,15}$/, 'Last-Event-ID must be a notification id (a non-negative integer)')
  .transform(Number);

openapi.registerPath({
  method: 'get', path: '/notifications', tags: ['notifications'], security: secured,
  summary: "The caller's notifications: unread first, then newest first",
  request: { query: listQuery },
  responses: { 200: jsonResponse('A page of the inbox', pageSchema), 400: problemResponse('Invalid query'), 401: problemResponse('Not authenticated') },
});
openapi.registerPath({
  method: 'post', path: '/notifications/{id}/read', tags: ['notifications'], security: secured,
  summary: 'Mark one of your notifications read (idempotent: the first read time is kept)',
  request: { params: idParams },
  responses: { 200: jsonResponse('The notification', notificationSchema), 401: problemResponse('Not authenticated'), 404: problemResponse('Not one of your notifications') },
});
openapi.registerPath({
  method: 'get', path: '/notifications/stream', tags: ['notifications'], security: streamSecurity,
  summary: "Server-Sent Events: the caller's notifications as they happen",
  description:
    STREAM_AUTH_DESCRIPTION +
    'Each event: `event: notification`, `id: <notification id>`, `data: <Notification JSON>`. A comment line is sent every 15 s to keep the ' +
    'connection open. Reconnect with `Last-Event-ID: <id>` (EventSource does) to get the notifications after that id first.',
  request: { query: streamQuery, headers: z.object({ 'Last-Event-ID': z.string().optional() }) },
  responses: {
    200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } },
    400: problemResponse('Invalid Last-Event-ID'),
    ...streamLimitResponses,
    503: problemResponse('Real-time notifications are not enabled on this server'),
  },
});

export function notificationRoutes(deps: Dependencies, streams: LiveStreams): Router {
  const router = Router();

  router.get('/notifications', authenticate, async (req, res) => {
    const q = parseQuery(listQuery, req);
    res.json(await listNotifications(deps.db, currentUser(res).id, q));
  });

  router.get('/notifications/stream', authenticateStream(deps.db), async (req, res) => {
    const hub = deps.notificationHub;
    if (!hub) throw AppError.unavailable('real-time notifications are not enabled on this server');
    const query = parseQuery(streamQuery, req);
    const given = req.get('Last-Event-ID') ?? query.lastEventId;
    let lastEventId: number | undefined;
    if (given !== undefined && given.trim() !== '') {
      const parsed = lastEventIdSchema.safeParse(given);
      if (!parsed.success) throw AppError.badRequest(parsed.error.issues[0]?.message ?? 'invalid Last-Event-ID');
      lastEventId = parsed.data;
    }
    const session = await streams.open(req, res, { keepAliveMs: hub.keepAliveMs });
    if (session) await hub.stream(session, currentUser(res).id, lastEventId);
  });

  router.post('/notifications/:id/read', authenticate, async (req, res) => {
    const { id } = parseParams(idParams, req);
    res.json(await markRead(deps.db, currentUser(res).id, id));
  });

  return router;
}
