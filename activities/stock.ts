/** Staff stock changes (restock, adjust): one transaction, idempotent by the request key. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { FAILURE, type StockChangeRequest } from '../shared/sale-types';
import { applyStockChange } from './inventory-ledger';

export function createStockActivities(db: Knex) {
  return {
    /** Returns the id of the ledger row the change wrote (or wrote on an earlier attempt). */
    async changeStock(request: StockChangeRequest): Promise<number> {
      return db.transaction(async (trx) => {
        const done: { id: string } | undefined = await trx('stock_movements').where({ request_key: request.requestKey }).first('id');
        if (done) return Number(done.id);
        const inventory: { on_hand: number; reserved: number } | undefined = await trx('inventory').where({ product_id: request.productId }).first('on_hand', 'reserved');
        if (!inventory) throw ApplicationFailure.nonRetryable(`unknown product: ${request.productId}`, FAILURE.unknownProduct, { productIds: [request.productId] });
        const moved = await applyStockChange(trx, {
          productId: request.productId,
          type: request.kind,
          onHandDelta: request.quantity,
          reservedDelta: 0,
          reason: request.reason,
          requestKey: request.requestKey,
        });
        if (!moved) {
          throw ApplicationFailure.nonRetryable(
            `adjusting ${request.productId} by ${request.quantity} would leave ${inventory.on_hand + request.quantity} on hand with ${inventory.reserved} reserved`,
            FAILURE.invalidStockChange,
          );
        }
        return moved.id;
      });
    },
  };
}
