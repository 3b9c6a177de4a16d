/** The sale lifecycle (seed 004's shapes) over the saga: thin handlers, logic in services/. */
import { Router } from 'express';
import { z } from 'zod';
import { authenticate, requireRole } from '../auth/middleware';
import { currentUser } from '../auth/types';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { listSales, salesSummary } from '../services/sale-queries';
import { changeSaleStatus, createSale, getSale } from '../services/sales';
import { writeLimiter } from '../write-limit';
import { idempotencyKeySchema, parseBody, parseIdempotencyKey, parseParams, parseQuery } from '../validate';
import { createSaleBody, dateRange, listSalesQuery, saleIdParams, salePageSchema, saleSchema, statusChangeBody, summaryQuery, summarySchema } from './sale-schemas';

const idempotencyKey = idempotencyKeySchema;
const sagaUnavailable = problemResponse(
  'The saga did not finish the step within SALE_REQUEST_DEADLINE_SECONDS and keeps retrying it, or the Temporal server is not ready (starting, overloaded); `Retry-After` says when to ask again',
);

openapi.registerPath({
  method: 'post', path: '/sales', tags: ['sales'], security: secured,
  summary: 'Create a sale: reserves the stock through the saga (update-with-start)',
  request: { headers: z.object({ 'Idempotency-Key': idempotencyKey.optional() }), body: { required: true, content: { 'application/json': { schema: createSaleBody } } } },
  responses: {
    201: jsonResponse('Reserved; `expiresAt` says until when', saleSchema),
    400: problemResponse('Invalid body'), 401: problemResponse('Not authenticated'),
    403: problemResponse('A discount from a customer, or above MAX_STAFF_DISCOUNT_PERCENT from sales staff (`limit`, `max`)'),
    409: problemResponse('Insufficient stock (`shortages` lists the items), or a customer reservation limit reached (`limit` names the setting, `max` its value)'),
    422: problemResponse('Unknown product, Idempotency-Key reused with another body, or a total larger than a sale can record'),
    429: problemResponse('More than WRITE_RATE_LIMIT_PER_MINUTE writes this minute (see Retry-After)'),
    503: sagaUnavailable,
  },
});
openapi.registerPath({
  method: 'get', path: '/sales', tags: ['sales'], security: secured, summary: 'Sales, newest first (customers: their own)',
  request: { query: listSalesQuery },
  responses: { 200: jsonResponse('A page of sales', salePageSchema), 400: problemResponse('Invalid query'), 401: problemResponse('Not authenticated') },
});
openapi.registerPath({
  method: 'get', path: '/sales/summary', tags: ['sales'], security: secured, summary: 'Count and revenue by status, top products (staff)',
  request: { query: summaryQuery },
  responses: { 200: jsonResponse('Summary', summarySchema), 400: problemResponse('Invalid query'), 401: problemResponse('Not authenticated'), 403: problemResponse('Customers cannot') },
});
openapi.registerPath({
  method: 'get', path: '/sales/{id}', tags: ['sales'], security: secured, summary: 'One sale',
  request: { params: saleIdParams },
  responses: { 200: jsonResponse('The sale', saleSchema), 401: problemResponse('Not authenticated'), 403: problemResponse('Another customer’s sale'), 404: problemResponse('No such sale') },
});
openapi.registerPath({
  method: 'patch', path: '/sales/{id}/status', tags: ['sales'], security: secured,
  summary: 'Complete (staff) or cancel a reserved sale (a workflow update with a validator)',
  request: { params: saleIdParams, body: { required: true, content: { 'application/json': { schema: statusChangeBody } } } },
  responses: {
    200: jsonResponse('The sale in its new status', saleSchema), 400: problemResponse('Invalid body'), 401: problemResponse('Not authenticated'),
    403: problemResponse('Not allowed'), 404: problemResponse('No such sale'), 409: problemResponse('Illegal transition; nothing was recorded'),
    503: sagaUnavailable,
  },
});

export function saleRoutes(deps: Dependencies): Router {
  const router = Router();
  const limitWrites = writeLimiter();

  router.post('/sales', authenticate, limitWrites, async (req, res) => {
    const body = parseBody(createSaleBody, req);
    const sale = await createSale(deps, currentUser(res), body, parseIdempotencyKey(req));
    res.status(201).location(`/sales/${sale.id}`).json(sale);
  });

  router.get('/sales', authenticate, async (req, res) => {
    const q = parseQuery(listSalesQuery, req);
    res.json(await listSales(deps.db, currentUser(res), { status: q.status, page: q.page, limit: q.limit, ...dateRange(q) }));
  });

  router.get('/sales/summary', authenticate, requireRole('admin', 'sales'), async (req, res) => {
    res.json(await salesSummary(deps.db, dateRange(parseQuery(summaryQuery, req))));
  });

  router.get('/sales/:id', authenticate, async (req, res) => {
    const { id } = parseParams(saleIdParams, req);
    res.json(await getSale(deps.db, currentUser(res), id));
  });

  router.patch('/sales/:id/status', authenticate, async (req, res) => {
    const { id } = parseParams(saleIdParams, req);
    const change = parseBody(statusChangeBody, req);
    res.json(await changeSaleStatus(deps, currentUser(res), id, change));
  });

  return router;
}
