/**
 * Stock changes by staff (restock, adjust) and seed 000's `POST /send_notification`, by which an
 * inventory system that only knows a status pushes it onto `inventory-updates`.
 */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { sendEvents } from '../../activities/publish';
import { AppError } from '../../shared/errors';
import { inventoryMessage } from '../../shared/events';
import { canonicalReportedStatus } from '../../shared/reported-status';
import { authenticate, requireRole } from '../auth/middleware';
import { currentUser } from '../auth/types';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { getProduct } from '../services/products';
import { changeStock, stockRequestId } from '../services/stock-changes';
import { idempotencyKeySchema, parseBody, parseIdempotencyKey, parseParams } from '../validate';
import { writeLimiter } from '../write-limit';

const stockChangeBody = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('restock'), quantity: z.number().int().positive().max(1_000_000), reason: z.string().trim().max(500).optional() }).strict(),
    z.object({
      kind: z.literal('adjust'),
      quantity: z.number().int().min(-1_000_000).max(1_000_000).refine((q) => q !== 0, 'an adjustment must not be 0').openapi({ description: 'signed correction of units on hand' }),
      reason: z.string().trim().min(1, 'say why stock is adjusted').max(500),
    }).strict(),
  ])
  .openapi('StockChange');

const sendNotificationBody = z
  .object({
    product_id: z.string().min(1).max(64).openapi({ example: '1' }),
    status: z.string().trim().min(1).max(64).openapi({ description: 'free text, e.g. in_stock; seed 000\'s "en stock", "stock bajo" and "agotado" (any case or spacing) are published as in_stock, low_stock and out_of_stock', example: 'in_stock' }),
  })
  .strict()
  .openapi('SendNotificationRequest');

const params = z.object({ id: z.string().min(1).max(64) });

openapi.registerPath({
  method: 'patch', path: '/products/{id}/stock', tags: ['products'], security: secured,
  summary: 'Restock or adjust a product (admin, sales); runs through Temporal and publishes an inventory event',
  request: { params, headers: z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() }), body: { required: true, content: { 'application/json': { schema: stockChangeBody } } } },
  responses: {
    200: jsonResponse('The product after the change', z.object({}).passthrough()),
    400: problemResponse('Invalid body or Idempotency-Key'), 401: problemResponse('Not authenticated'), 403: problemResponse('Customers cannot'),
    404: problemResponse('No such product'), 409: problemResponse('Would leave fewer units on hand than reserved'),
    422: problemResponse('The result cannot be stored (e.g. more units on hand than the largest count the shop records)'),
    503: problemResponse('The Temporal server is not ready (starting, overloaded); `Retry-After` says when to ask again'),
  },
});
openapi.registerPath({
  method: 'post', path: '/send_notification', tags: ['notifications'], security: secured,
  summary: 'Publish a product status on inventory-updates (seed 000; admin, sales)',
  request: { body: { required: true, content: { 'application/json': { schema: sendNotificationBody } } } },
  responses: {
    202: jsonResponse('Published', z.object({ event_id: z.string(), topic: z.string() })),
    400: problemResponse('Invalid body'), 401: problemResponse('Not authenticated'), 403: problemResponse('Customers cannot'), 404: problemResponse('No such product'),
    429: problemResponse('More than WRITE_RATE_LIMIT_PER_MINUTE writes this minute (see Retry-After)'),
  },
});

export function stockRoutes(deps: Dependencies): Router {
  const router = Router();
  const limitWrites = writeLimiter();

  router.patch('/products/:id/stock', authenticate, requireRole('admin', 'sales'), async (req, res) => {
    const { id } = parseParams(params, req);
    const change = parseBody(stockChangeBody, req);
    await getProduct(deps.db, id); // 404 before starting a workflow for nothing
    const requestId = stockRequestId(currentUser(res), parseIdempotencyKey(req));
    await changeStock(deps.temporal, { productId: id, kind: change.kind, quantity: change.quantity, reason: change.reason, requestId });
    res.json(await getProduct(deps.db, id));
  });

  router.post('/send_notification', authenticate, requireRole('admin', 'sales'), limitWrites, async (req, res) => {
    const body = parseBody(sendNotificationBody, req);
    const product: { version: string } | undefined = await deps.db('inventory').where({ product_id: body.product_id }).first('version');
    if (!product) throw AppError.notFound(`product '${body.product_id}' does not exist`);
    // A reported status is a new fact each time (its own id), stamped with the stock version it
    // was reported against, so consumers can still order it against the saga's own events.
    const message = inventoryMessage({
      event_id: `inventory-report:${randomUUID()}`,
      type: 'inventory.status_reported',
      occurred_at: new Date().toISOString(),
      version: Number(product.version),
      product_id: body.product_id,
      status: canonicalReportedStatus(body.status),
    });
    await sendEvents(async () => deps.producer, [message]);
    res.status(202).json({ event_id: JSON.parse(message.value).event_id as string, topic: message.topic });
  });

  return router;
}
