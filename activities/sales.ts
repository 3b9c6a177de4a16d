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
import { applyStockChange, type StockMovementRow } from './inventory-ledger';
import { findSale, saleItems, saleWithHashOf, type SaleRow } from './sale-records';

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

/**
 * What a step did: the sale as it committed it and the ledger rows it wrote (their inventory events
 * are built from them, activities/fused-steps.ts). A retry of a step that had committed writes
 * nothing: `movements` is undefined then, and whoever needs them reads them back.
 */
export interface StepOutcome<S = SaleWithHash> {
  sale: S;
  movements: StockMovementRow[] | undefined;
}

/** The steps' transactions, answering with what they wrote; the activities below and the fused steps run them. */
export function saleSteps(db: Knex) {
  return {
    async reserve(request: ReserveRequest): Promise<StepOutcome> {
      const items = mergeItems(request.items);
      const reserved = await db.transaction(async (trx): Promise<StepOutcome | undefined> => {
        const products: { id: string; price: number; name: string }[] = await trx('products').whereIn('id', items.map((i) => i.productId)).select('id', 'price', 'name');
        const byId = new Map(products.map((p) => [p.id, p]));
        const unknown = items.filter((i) => !byId.has(i.productId)).map((i) => i.productId);
        if (unknown.length > 0) {
          throw ApplicationFailure.nonRetryable(`unknown product${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, FAILURE.unknownProduct, { productIds: unknown });
        }
        const priceOf = (productId: string): number => byId.get(productId)?.price ?? 0;
        const subtotal = items.reduce((sum, i) => sum + i.quantity * priceOf(i.productId), 0);
        if (subtotal > INT32_MAX) {
          throw ApplicationFailure.nonRetryable(
            `the sale's subtotal (${subtotal} minor units) is more than a sale can record (${INT32_MAX}); split it into smaller sales`,
            FAILURE.invalidData,
          );
        }
        const total = Math.round((subtotal * (100 - request.discount)) / 100);
        // the POST's trace (this step runs in it): what happens to the sale later links back to it
        const origin = currentTrace();
        // the sale row first: ledger rows reference it. A sale that exists already is a retry of a step
        // that committed (the id is the idempotency key): nothing is written, it is answered below.
        const [row]: SaleRow[] = await trx('sales')
          .insert({
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
          })
          .onConflict('id')
          .ignore()
          .returning('*');
        if (!row) return undefined;
        await trx('sale_items').insert(items.map((i) => ({ sale_id: request.saleId, product_id: i.productId, quantity: i.quantity, unit_price: priceOf(i.productId) })));

        const shortages: StockShortage[] = [];
        const movements: StockMovementRow[] = [];
        for (const item of items) {
          const moved = await applyStockChange(trx, { productId: item.productId, type: 'reserve', onHandDelta: 0, reservedDelta: item.quantity, saleId: request.saleId });
          if (moved) movements.push(moved.row);
          else {
            const stock: { available: number } = await trx('inventory').where({ product_id: item.productId }).first('available');
            shortages.push({ productId: item.productId, requested: item.quantity, available: stock.available });
          }
        }
        if (shortages.length > 0) {
          const which = shortages.map((s) => `${s.productId} (requested ${s.requested}, available ${s.available})`).join(', ');
          // thrown inside the transaction: everything above is rolled back, nothing is half-done
          throw ApplicationFailure.nonRetryable(`insufficient stock for ${which}`, FAILURE.insufficientStock, { shortages });
        }
        // items are sorted by product id (mergeItems), as findSale orders them
        const sale = saleWithHashOf(row, items.map((i) => ({ product_id: i.productId, name: byId.get(i.productId)?.name ?? '', quantity: i.quantity, unit_price: priceOf(i.productId) })));
        return { sale, movements };
      });
      return reserved ?? { sale: await mustFind(db, request.saleId), movements: undefined };
    },

    async complete(saleId: string, payment: { paymentMethod: PaymentMethod; paymentReference?: string | null }): Promise<StepOutcome> {
      const completed = await db.transaction(async (trx): Promise<StepOutcome | undefined> => {
        // the status change first: it locks the sale row (as FOR UPDATE did) and answers with the row
        const [row]: SaleRow[] = await trx('sales')
          .where({ id: saleId, status: 'RESERVED' })
          .update({
            status: 'COMPLETED',
            payment_method: payment.paymentMethod,
            payment_reference: payment.paymentReference ?? null,
            version: 2,
            completed_at: trx.fn.now(),
            updated_at: trx.fn.now(),
          })
          .returning('*');
        if (!row) {
          const sale: { status: string } | undefined = await trx('sales').where({ id: saleId }).forUpdate().first('status');
          if (!sale) throw ApplicationFailure.nonRetryable(`sale ${saleId} does not exist`, FAILURE.illegalTransition);
          if (sale.status === 'COMPLETED') return undefined; // a retry of a step that committed
          throw ApplicationFailure.nonRetryable(`cannot complete a ${sale.status.toLowerCase()} sale`, FAILURE.illegalTransition);
        }
        const items = await saleItems(trx, saleId);
        const movements: StockMovementRow[] = [];
        for (const item of items) {
          // the reserved units leave the shelf: on_hand and reserved both drop, available is unchanged
          const moved = await applyStockChange(trx, { productId: item.product_id, type: 'sale', onHandDelta: -item.quantity, reservedDelta: -item.quantity, saleId });
          if (!moved) throw ApplicationFailure.nonRetryable(`reservation of ${item.product_id} for sale ${saleId} is missing`, 'LedgerInconsistent');
          movements.push(moved.row);
        }
        return { sale: saleWithHashOf(row, items), movements };
      });
      return completed ?? { sale: await mustFind(db, saleId), movements: undefined };
    },

    /** Compensation: gives the reserved stock back. A sale that was never reserved is a no-op (sale undefined). */
    async cancel(saleId: string, reason: string): Promise<StepOutcome<SaleWithHash | undefined>> {
      let exists = true;
      const cancelled = await db.transaction(async (trx): Promise<StepOutcome | undefined> => {
        const [row]: SaleRow[] = await trx('sales')
          .where({ id: saleId, status: 'RESERVED' })
          .update({ status: 'CANCELLED', cancel_reason: reason, version: 2, cancelled_at: trx.fn.now(), updated_at: trx.fn.now() })
          .returning('*');
        if (!row) {
          const sale: { status: string } | undefined = await trx('sales').where({ id: saleId }).forUpdate().first('status');
          exists = sale !== undefined;
          if (!sale || sale.status === 'CANCELLED') return undefined;
          throw ApplicationFailure.nonRetryable(`cannot cancel a ${sale.status.toLowerCase()} sale`, FAILURE.illegalTransition);
        }
        const items = await saleItems(trx, saleId);
        const movements: StockMovementRow[] = [];
        for (const item of items) {
          const moved = await applyStockChange(trx, { productId: item.product_id, type: 'release', onHandDelta: 0, reservedDelta: -item.quantity, saleId, reason });
          if (!moved) throw ApplicationFailure.nonRetryable(`reservation of ${item.product_id} for sale ${saleId} is missing`, 'LedgerInconsistent');
          movements.push(moved.row);
        }
        return { sale: saleWithHashOf(row, items), movements };
      });
      if (cancelled) return cancelled;
      return { sale: exists ? await mustFind(db, saleId) : undefined, movements: undefined };
    },
  };
}

/** The steps as activities of their own (sagas of the first generation; compensations), answering with the sale. */
export function createSaleActivities(db: Knex) {
  const steps = saleSteps(db);
  return {
    reserveSale: async (request: ReserveRequest): Promise<SaleWithHash> => (await steps.reserve(request)).sale,
    completeSale: async (saleId: string, payment: { paymentMethod: PaymentMethod; paymentReference?: string | null }): Promise<SaleWithHash> =>
      (await steps.complete(saleId, payment)).sale,
    cancelSale: async (saleId: string, reason: string): Promise<SaleWithHash | undefined> => (await steps.cancel(saleId, reason)).sale,
  };
}
