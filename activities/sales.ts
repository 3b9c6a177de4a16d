/**
 * The sale saga's steps. Each is one database transaction and idempotent by sale id, so Temporal
 * may retry any of them after a crash: a step that already committed returns what it committed.
 * Business failures are non-retryable ApplicationFailures the workflow and API understand.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { FAILURE, type PaymentMethod, type ReserveRequest, type SaleView, type StockShortage } from '../shared/sale-types';
import { INT32_MAX } from '../shared/limits';
import { currentTrace } from '../shared/sale-trace';
import { applyStockChange } from './inventory-ledger';
import { findSale } from './sale-records';

export type SaleWithHash = SaleView & { requestHash: string };

/** Same product twice in one request counts as one line with the summed quantity; sorted so that
 * concurrent multi-item sales lock inventory rows in the same order (no deadlocks). */
function mergeItems(items: ReserveRequest['items']): { productId: string; quantity: number }[] {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.productId, (totals.get(item.productId) ?? 0) + item.quantity);
  return [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([productId, quantity]) => ({ productId, quantity }));
}

async function mustFind(db: Knex, saleId: string): Promise<SaleWithHash> {
  const sale = await findSale(db, saleId);
  if (!sale) throw new Error(`sale ${saleId} vanished after commit`);
  return sale;
}

export function createSaleActivities(db: Knex) {
  return {
    async reserveSale(request: ReserveRequest): Promise<SaleWithHash> {
      const existing = await findSale(db, request.saleId);
      if (existing) return existing;

      const items = mergeItems(request.items);
      await db.transaction(async (trx) => {
        const products: { id: string; price: number }[] = await trx('products').whereIn('id', items.map((i) => i.productId)).select('id', 'price');
        const prices = new Map(products.map((p) => [p.id, p.price]));
        const unknown = items.filter((i) => !prices.has(i.productId)).map((i) => i.productId);
        if (unknown.length > 0) {
          throw ApplicationFailure.nonRetryable(`unknown product${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, FAILURE.unknownProduct, { productIds: unknown });
        }
        const subtotal = items.reduce((sum, i) => sum + i.quantity * (prices.get(i.productId) ?? 0), 0);
        if (subtotal > INT32_MAX) {
          throw ApplicationFailure.nonRetryable(
            `the sale's subtotal (${subtotal} minor units) is more than a sale can record (${INT32_MAX}); split it into smaller sales`,
            FAILURE.invalidData,
          );
        }
        const total = Math.round((subtotal * (100 - request.discount)) / 100);
        // the POST's trace (this step runs in it): what happens to the sale later links back to it
        const origin = currentTrace();
        // the sale row first: ledger rows reference it
        await trx('sales').insert({
          id: request.saleId,
          status: 'RESERVED',
          customer_name: request.customerName,
          customer_email: request.customerEmail,
          customer_user_id: request.customerUserId,
          created_by: request.createdBy,
          subtotal,
          discount: request.discount,
          total,
          request_hash: request.requestHash,
          version: 1,
          expires_at: trx.raw(`now() + make_interval(secs => ?)`, [request.reservationTtlSeconds]),
          trace_id: origin?.traceId ?? null,
          trace_span_id: origin?.spanId ?? null,
        });
        await trx('sale_items').insert(items.map((i) => ({ sale_id: request.saleId, product_id: i.productId, quantity: i.quantity, unit_price: prices.get(i.productId) })));

        const shortages: StockShortage[] = [];
        for (const item of items) {
          const moved = await applyStockChange(trx, { productId: item.productId, type: 'reserve', onHandDelta: 0, reservedDelta: item.quantity, saleId: request.saleId });
          if (!moved) {
            const row: { available: number } = await trx('inventory').where({ product_id: item.productId }).first('available');
            shortages.push({ productId: item.productId, requested: item.quantity, available: row.available });
          }
        }
        if (shortages.length > 0) {
          const which = shortages.map((s) => `${s.productId} (requested ${s.requested}, available ${s.available})`).join(', ');
          // thrown inside the transaction: everything above is rolled back, nothing is half-done
          throw ApplicationFailure.nonRetryable(`insufficient stock for ${which}`, FAILURE.insufficientStock, { shortages });
        }
      });
      return mustFind(db, request.saleId);
    },

    async completeSale(saleId: string, payment: { paymentMethod: PaymentMethod; paymentReference?: string | null }): Promise<SaleWithHash> {
      await db.transaction(async (trx) => {
        const sale: { status: string } | undefined = await trx('sales').where({ id: saleId }).forUpdate().first('status');
        if (!sale) throw ApplicationFailure.nonRetryable(`sale ${saleId} does not exist`, FAILURE.illegalTransition);
        if (sale.status === 'COMPLETED') return; // a retry of a step that committed
        if (sale.status !== 'RESERVED') throw ApplicationFailure.nonRetryable(`cannot complete a ${sale.status.toLowerCase()} sale`, FAILURE.illegalTransition);
        const items: { product_id: string; quantity: number }[] = await trx('sale_items').where({ sale_id: saleId }).orderBy('product_id');
        for (const item of items) {
          // the reserved units leave the shelf: on_hand and reserved both drop, available is unchanged
          const moved = await applyStockChange(trx, { productId: item.product_id, type: 'sale', onHandDelta: -item.quantity, reservedDelta: -item.quantity, saleId });
          if (!moved) throw ApplicationFailure.nonRetryable(`reservation of ${item.product_id} for sale ${saleId} is missing`, 'LedgerInconsistent');
        }
        await trx('sales').where({ id: saleId }).update({
          status: 'COMPLETED',
          payment_method: payment.paymentMethod,
          payment_reference: payment.paymentReference ?? null,
          version: 2,
          completed_at: trx.fn.now(),
          updated_at: trx.fn.now(),
        });
      });
      return mustFind(db, saleId);
    },

    /** Compensation: gives the reserved stock back. A sale that was never reserved is a no-op. */
    async cancelSale(saleId: string, reason: string): Promise<SaleWithHash | undefined> {
      let exists = true;
      await db.transaction(async (trx) => {
        const sale: { status: string } | undefined = await trx('sales').where({ id: saleId }).forUpdate().first('status');
        if (!sale) {
          exists = false;
          return;
        }
        if (sale.status === 'CANCELLED') return;
        if (sale.status !== 'RESERVED') throw ApplicationFailure.nonRetryable(`cannot cancel a ${sale.status.toLowerCase()} sale`, FAILURE.illegalTransition);
        const items: { product_id: string; quantity: number }[] = await trx('sale_items').where({ sale_id: saleId }).orderBy('product_id');
        for (const item of items) {
          const moved = await applyStockChange(trx, { productId: item.product_id, type: 'release', onHandDelta: 0, reservedDelta: -item.quantity, saleId, reason });
          if (!moved) throw ApplicationFailure.nonRetryable(`reservation of ${item.product_id} for sale ${saleId} is missing`, 'LedgerInconsistent');
        }
        await trx('sales').where({ id: saleId }).update({
          status: 'CANCELLED',
          cancel_reason: reason,
          version: 2,
          cancelled_at: trx.fn.now(),
          updated_at: trx.fn.now(),
        });
      });
      return exists ? mustFind(db, saleId) : undefined;
    },
  };
}
