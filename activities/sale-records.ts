/** Reading sales back as the API and the events show them. */
import type { Knex } from 'knex';
import type { SaleStatus } from '../shared/events';
import type { SaleTrace } from '../shared/sale-trace';
import { saleWorkflowId, type SaleView } from '../shared/sale-types';

export interface SaleRow {
  id: string;
  status: SaleStatus;
  customer_name: string;
  customer_email: string;
  customer_user_id: string | null;
  subtotal: number;
  discount: string;
  total: number;
  expires_at: Date;
  payment_method: string | null;
  payment_reference: string | null;
  cancel_reason: string | null;
  request_hash: string;
  version: number;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  cancelled_at: Date | null;
}

interface ItemRow {
  sale_id: string;
  product_id: string;
  name: string;
  quantity: number;
  unit_price: number;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

async function itemsBySale(db: Knex, saleIds: string[]): Promise<Map<string, ItemRow[]>> {
  const rows: ItemRow[] = await db('sale_items as i')
    .join('products as p', 'p.id', 'i.product_id')
    .whereIn('i.sale_id', saleIds)
    .select('i.sale_id', 'i.product_id', 'p.name', 'i.quantity', 'i.unit_price')
    .orderBy(['i.sale_id', 'i.product_id']);
  const grouped = new Map<string, ItemRow[]>();
  for (const row of rows) grouped.set(row.sale_id, [...(grouped.get(row.sale_id) ?? []), row]);
  return grouped;
}

function toView(row: SaleRow, items: ItemRow[]): SaleView {
  return {
    id: row.id,
    workflowId: saleWorkflowId(row.id),
    status: row.status,
    customerName: row.customer_name,
    customerEmail: row.customer_email,
    customerUserId: row.customer_user_id,
    items: items.map((i) => ({ productId: i.product_id, productName: i.name, quantity: i.quantity, unitPrice: i.unit_price, lineTotal: i.quantity * i.unit_price })),
    subtotal: row.subtotal,
    discount: Number(row.discount),
    total: row.total,
    expiresAt: row.expires_at.toISOString(),
    paymentMethod: row.payment_method,
    paymentReference: row.payment_reference,
    cancelReason: row.cancel_reason,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    completedAt: iso(row.completed_at),
    cancelledAt: iso(row.cancelled_at),
  };
}

/**
 * The view of a sale row a step just wrote (RETURNING *) and its items, without reading it back:
 * the steps answer with what they committed (issue #14: two statements fewer per step).
 */
export function saleWithHashOf(row: SaleRow, items: Omit<ItemRow, 'sale_id'>[]): SaleView & { requestHash: string } {
  return { ...toView(row, items.map((i) => ({ ...i, sale_id: row.id }))), requestHash: row.request_hash };
}

/** A sale's items with their product names, ordered as findSale orders them (by product id). */
export async function saleItems(db: Knex, saleId: string): Promise<Omit<ItemRow, 'sale_id'>[]> {
  return db('sale_items as i')
    .join('products as p', 'p.id', 'i.product_id')
    .where('i.sale_id', saleId)
    .select('i.product_id', 'p.name', 'i.quantity', 'i.unit_price')
    .orderBy('i.product_id');
}

export async function findSale(db: Knex, saleId: string): Promise<(SaleView & { requestHash: string }) | undefined> {
  const row: SaleRow | undefined = await db('sales').where({ id: saleId }).first();
  if (!row) return undefined;
  const items = await itemsBySale(db, [saleId]);
  return { ...toView(row, items.get(saleId) ?? []), requestHash: row.request_hash };
}

/** Just a sale's status and customer (who may see or change it), in one statement. */
export async function findSaleState(db: Knex, saleId: string): Promise<Pick<SaleView, 'status' | 'customerUserId'> | undefined> {
  const row: Pick<SaleRow, 'status' | 'customer_user_id'> | undefined = await db('sales').where({ id: saleId }).first('status', 'customer_user_id');
  return row && { status: row.status, customerUserId: row.customer_user_id };
}

export async function salesViews(db: Knex, rows: SaleRow[]): Promise<SaleView[]> {
  if (rows.length === 0) return [];
  const items = await itemsBySale(db, rows.map((r) => r.id));
  return rows.map((r) => toView(r, items.get(r.id) ?? []));
}

/** The trace that reserved the sale (its POST's), if it was reserved with tracing on. */
export async function findSaleTrace(db: Knex, saleId: string): Promise<SaleTrace | undefined> {
  const row: { trace_id: string | null; trace_span_id: string | null } | undefined = await db('sales').where({ id: saleId }).first('trace_id', 'trace_span_id');
  return row?.trace_id && row.trace_span_id ? { traceId: row.trace_id, spanId: row.trace_span_id } : undefined;
}

/** A view without internals, for answering clients. */
export function publicSale(sale: SaleView & { requestHash?: string }): SaleView {
  const { requestHash: _hidden, ...rest } = sale;
  return rest;
}
