/** The sale API's request and response shapes: validation and OpenAPI from one source. */
import { z } from 'zod';
import { SALE_STATUSES } from '../../shared/events';
import { PAYMENT_METHODS } from '../../shared/sale-types';
import '../openapi'; // extends zod with .openapi()
import { INT32_MAX } from '../../shared/limits';


export const createSaleBody = z
  .object({
    customerName: z.string().trim().min(1).max(200).optional().openapi({ description: 'required for staff; customers buy as themselves', example: 'Juan Pérez' }),
    customerEmail: z.string().trim().email().max(254).optional().openapi({ description: 'required for staff', example: 'juan@example.com' }),
    items: z
      .array(
        z.object({
          productId: z.string().min(1).max(64).openapi({ example: '1' }),
          quantity: z.number().int().positive().max(10_000),
        }),
      )
      .min(1, 'a sale needs at least one item')
      .max(100),
    discount: z.number().min(0).max(100).default(0).openapi({ description: 'percentage, 0–100', example: 10 }),
  })
  .strict()
  .openapi('CreateSaleRequest');

export const statusChangeBody = z
  .discriminatedUnion('status', [
    z.object({
      status: z.literal('COMPLETED'),
      paymentMethod: z.enum(PAYMENT_METHODS),
      paymentReference: z.string().trim().max(200).optional(),
    }).strict(),
    z.object({
      status: z.literal('CANCELLED'),
      reason: z.string().trim().max(500).optional(),
    }).strict(),
  ])
  .openapi('SaleStatusChange');

const dateParam = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date (YYYY-MM-DD) or ISO timestamp')
  .optional();

export const listSalesQuery = z
  .object({
    status: z.enum(SALE_STATUSES).optional(),
    page: z.coerce.number().int().min(1).max(INT32_MAX).default(1),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    startDate: dateParam,
    endDate: dateParam,
  })
  .strict();

export const summaryQuery = z.object({ startDate: dateParam, endDate: dateParam }).strict();

export const saleIdParams = z.object({ id: z.string().uuid('must be a sale id (UUID)') });

const saleItem = z.object({ productId: z.string(), productName: z.string(), quantity: z.number().int(), unitPrice: z.number().int(), lineTotal: z.number().int() });

export const saleSchema = z
  .object({
    id: z.string().uuid(),
    workflowId: z.string().openapi({ description: 'the saga in the Temporal Web UI' }),
    status: z.enum(SALE_STATUSES),
    customerName: z.string(),
    customerEmail: z.string(),
    customerUserId: z.string().nullable(),
    items: z.array(saleItem),
    subtotal: z.number().int().openapi({ description: 'minor units' }),
    discount: z.number(),
    total: z.number().int().openapi({ description: 'minor units, after discount' }),
    expiresAt: z.string().openapi({ description: 'when an unfinished reservation is cancelled' }),
    paymentMethod: z.string().nullable(),
    paymentReference: z.string().nullable(),
    cancelReason: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
  })
  .openapi('Sale');

export const salePageSchema = z
  .object({ data: z.array(saleSchema), page: z.number().int(), limit: z.number().int(), total: z.number().int() })
  .openapi('SalePage');

export const summarySchema = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    byStatus: z.record(z.object({ count: z.number().int(), revenue: z.number().int() })),
    topProducts: z.array(z.object({ productId: z.string(), name: z.string(), unitsSold: z.number().int(), revenue: z.number().int(), sales: z.number().int() })),
  })
  .openapi('SalesSummary');

/** A date-only end bound means "through the end of that day". */
export function dateRange(q: { startDate?: string; endDate?: string }): { from?: Date; to?: Date } {
  const from = q.startDate ? new Date(q.startDate) : undefined;
  let to = q.endDate ? new Date(q.endDate) : undefined;
  if (to && q.endDate && /^\d{4}-\d{2}-\d{2}$/.test(q.endDate)) to = new Date(to.getTime() + 24 * 3600 * 1000);
  return { from, to };
}
