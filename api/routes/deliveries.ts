/**
 * Delivery records (issue #13): the recipient sees how each of their notifications was delivered;
 * admins list deliveries by status (e.g. the failed ones).
 */
import { Router } from 'express';
import { z } from 'zod';
import { INT32_MAX } from '../../shared/limits';
import { authenticate, requireRole } from '../auth/middleware';
import { currentUser } from '../auth/types';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { deliveriesOfNotification, listDeliveries } from '../services/deliveries';
import { parseParams, parseQuery } from '../validate';

const deliverySchema = z
  .object({
    id: z.number().int(),
    notificationId: z.number().int().nullable().openapi({ description: 'null for a digest' }),
    recipientId: z.string(),
    channel: z.enum(['email']),
    category: z.string(),
    template: z.string().openapi({ example: 'back_in_stock' }),
    status: z.enum(['queued', 'sent', 'failed', 'skipped']),
    attempts: z.number().int(),
    lastError: z.string().nullable().openapi({ description: 'the last failure, or why it was skipped' }),
    nextAttemptAt: z.string().nullable().openapi({ description: 'queued deliveries only' }),
    messageId: z.string().nullable().openapi({ description: 'the same for every attempt' }),
    sentAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Delivery');

const idParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const listQuery = z
  .object({
    status: z.enum(['queued', 'sent', 'failed', 'skipped']).optional(),
    page: z.coerce.number().int().min(1).max(INT32_MAX).default(1),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();

openapi.registerPath({
  method: 'get', path: '/notifications/{id}/deliveries', tags: ['notifications'], security: secured,
  summary: 'How one of your notifications was delivered, per channel',
  request: { params: idParams },
  responses: { 200: jsonResponse('Its deliveries (none: in-app only)', z.array(deliverySchema)), 401: problemResponse('Not authenticated'), 404: problemResponse('Not your notification') },
});
openapi.registerPath({
  method: 'get', path: '/deliveries', tags: ['notifications'], security: secured,
  summary: 'Deliveries, most recently changed first, e.g. ?status=failed (admin)',
  request: { query: listQuery },
  responses: {
    200: jsonResponse('A page of deliveries', z.object({ data: z.array(deliverySchema), page: z.number().int(), limit: z.number().int(), total: z.number().int() })),
    400: problemResponse('Invalid query'), 401: problemResponse('Not authenticated'), 403: problemResponse('Admins only'),
  },
});

export function deliveryRoutes(deps: Dependencies): Router {
  const router = Router();

  router.get('/notifications/:id/deliveries', authenticate, async (req, res) => {
    const { id } = parseParams(idParams, req);
    res.json(await deliveriesOfNotification(deps.db, currentUser(res).id, id));
  });

  router.get('/deliveries', authenticate, requireRole('admin'), async (req, res) => {
    res.json(await listDeliveries(deps.db, parseQuery(listQuery, req)));
  });

  return router;
}
