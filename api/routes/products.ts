/**
 * The catalog: any authenticated caller may read it; only admins create products. Initial stock is
 * applied through the stock-change saga path (api/services/stock-changes.ts), so a new product's
 * stock has the same ledger row, version and inventory event as any later restock.
 */
import { Router } from 'express';
import { z } from 'zod';
import { STOCK_STATUSES } from '../../shared/events';
import { authenticate, requireRole } from '../auth/middleware';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { createProduct, getProduct, listProducts } from '../services/products';
import { changeStock } from '../services/stock-changes';
import { parseBody, parseParams } from '../validate';
import { INT32_MAX } from '../../shared/limits';


const productId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -')
  .openapi({ example: '1' });

const productSchema = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    price: z.number().int().openapi({ description: 'minor units (cents)', example: 2599 }),
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int().openapi({ description: 'onHand - reserved' }),
    status: z.enum(STOCK_STATUSES),
    lowStockThreshold: z.number().int(),
    version: z.number().int().openapi({ description: 'bumped by every stock change' }),
  })
  .openapi('Product');

const createProductBody = z
  .object({
    id: productId.optional().openapi({ description: 'defaults to a new UUID' }),
    sku: z.string().trim().min(1).max(64).openapi({ example: 'SKU-0100' }),
    name: z.string().trim().min(1).max(200).openapi({ example: 'Desk lamp' }),
    price: z.number().int().positive().max(INT32_MAX).openapi({ description: 'minor units (cents), > 0', example: 3999 }),
    stock: z.number().int().min(0).max(INT32_MAX).openapi({ description: 'initial units on hand', example: 10 }),
    lowStockThreshold: z.number().int().min(0).max(INT32_MAX).default(5),
  })
  .strict()
  .openapi('CreateProductRequest');

const idParams = z.object({ id: z.string().min(1).max(64) });

openapi.registerPath({
  method: 'get',
  path: '/products',
  tags: ['products'],
  summary: 'All products with their stock',
  security: secured,
  responses: { 200: jsonResponse('The catalog', z.array(productSchema)), 401: problemResponse('Not authenticated') },
});

openapi.registerPath({
  method: 'get',
  path: '/products/{id}',
  tags: ['products'],
  summary: 'One product with its stock',
  security: secured,
  request: { params: z.object({ id: z.string().openapi({ example: '1' }) }) },
  responses: {
    200: jsonResponse('The product', productSchema),
    401: problemResponse('Not authenticated'),
    404: problemResponse('No such product'),
  },
});

openapi.registerPath({
  method: 'post',
  path: '/products',
  tags: ['products'],
  summary: 'Create a product with its initial stock (admin)',
  security: secured,
  request: { body: { required: true, content: { 'application/json': { schema: createProductBody } } } },
  responses: {
    201: { ...jsonResponse('Created; Location names the new product', productSchema), headers: { Location: { schema: { type: 'string' } } } },
    400: problemResponse('Invalid body; `errors` names each field'),
    401: problemResponse('Not authenticated'),
    403: problemResponse('Not an admin'),
    409: problemResponse('The id or sku is taken'),
  },
});

export function productRoutes(deps: Dependencies): Router {
  const router = Router();

  router.get('/products', authenticate, async (_req, res) => {
    res.json(await listProducts(deps.db));
  });

  router.get('/products/:id', authenticate, async (req, res) => {
    const { id } = parseParams(idParams, req);
    res.json(await getProduct(deps.db, id));
  });

  router.post('/products', authenticate, requireRole('admin'), async (req, res) => {
    const { stock, ...product } = parseBody(createProductBody, req);
    const id = await createProduct(deps.db, product);
    if (stock > 0) {
      await changeStock(deps.temporal, { productId: id, kind: 'restock', quantity: stock, reason: 'initial stock', requestId: 'initial' });
    }
    res
      .status(201)
      .location(`/products/${encodeURIComponent(id)}`)
      .json(await getProduct(deps.db, id));
  });

  return router;
}
