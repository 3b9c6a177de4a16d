/**
 * Following products: a customer who follows a product gets its stock status changes
 * (notify-customers). Any authenticated user may follow; staff already receive every product's
 * status changes through their own audiences (notify-admin, notify-sales), so for them a follow is
 * only a bookmark listed by GET /me/follows.
 */
import { Router } from 'express';
import { z } from 'zod';
import { STOCK_STATUSES } from '../../shared/events';
import { authenticate } from '../auth/middleware';
import { currentUser } from '../auth/types';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { followProduct, listFollows, unfollowProduct } from '../services/follows';
import { parseParams } from '../validate';
import { writeLimiter } from '../write-limit';

const params = z.object({ id: z.string().min(1).max(64).openapi({ example: '1' }) });

const followSchema = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    price: z.number().int(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    status: z.enum(STOCK_STATUSES),
    lowStockThreshold: z.number().int(),
    version: z.number().int(),
    followedAt: z.string(),
  })
  .openapi('FollowedProduct');

openapi.registerPath({
  method: 'post', path: '/products/{id}/follow', tags: ['notifications'], security: secured,
  summary: "Follow a product's stock status (idempotent)",
  request: { params },
  responses: {
    201: jsonResponse('Now following', followSchema),
    200: jsonResponse('Already following', followSchema),
    401: problemResponse('Not authenticated'),
    404: problemResponse('No such product'),
    429: problemResponse('More than WRITE_RATE_LIMIT_PER_MINUTE writes this minute (see Retry-After)'),
  },
});
openapi.registerPath({
  method: 'delete', path: '/products/{id}/follow', tags: ['notifications'], security: secured,
  summary: 'Stop following a product (idempotent)',
  request: { params },
  responses: { 204: { description: 'Not following (any more)' }, 401: problemResponse('Not authenticated'), 429: problemResponse('More than WRITE_RATE_LIMIT_PER_MINUTE writes this minute (see Retry-After)') },
});
openapi.registerPath({
  method: 'get', path: '/me/follows', tags: ['notifications'], security: secured,
  summary: 'The products you follow, with their stock',
  responses: { 200: jsonResponse('Followed products, oldest follow first', z.array(followSchema)), 401: problemResponse('Not authenticated') },
});

export function followRoutes(deps: Dependencies): Router {
  const router = Router();
  const limitWrites = writeLimiter();

  router.post('/products/:id/follow', authenticate, limitWrites, async (req, res) => {
    const { id } = parseParams(params, req);
    const { created, follow } = await followProduct(deps.db, currentUser(res).id, id);
    res.status(created ? 201 : 200).json(follow);
  });

  router.delete('/products/:id/follow', authenticate, limitWrites, async (req, res) => {
    const { id } = parseParams(params, req);
    await unfollowProduct(deps.db, currentUser(res).id, id);
    res.status(204).end();
  });

  router.get('/me/follows', authenticate, async (_req, res) => {
    res.json(await listFollows(deps.db, currentUser(res).id));
  });

  return router;
}
