/**
 * The one place stock changes. A single conditional UPDATE moves on_hand/reserved only if the
 * result stays valid (available >= 0, nothing negative), so concurrent sales cannot oversell:
 * PostgreSQL re-checks the WHERE clause against the row's latest version after waiting for a
 * competing writer. Each change bumps the product's version and writes a stock_movements row.
 */
import type { Knex } from 'knex';
import { stockStatusFor, type StockStatus } from '../shared/events';

export type MovementType = 'reserve' | 'release' | 'sale' | 'restock' | 'adjust';

export interface StockChange {
  productId: string;
  type: MovementType;
  onHandDelta: number;
  reservedDelta: number;
  saleId?: string | null;
  reason?: string | null;
  requestKey?: string | null;
}

export interface Movement {
  id: number;
  productId: string;
  type: MovementType;
  onHandAfter: number;
  reservedAfter: number;
  availableAfter: number;
  statusBefore: StockStatus;
  statusAfter: StockStatus;
  version: number;
}

interface UpdatedRow {
  on_hand: number;
  reserved: number;
  available: number;
  low_stock_threshold: number;
  status: StockStatus;
  version: string;
}

/** Applies the change inside the caller's transaction; undefined when it would make stock invalid. */
export async function applyStockChange(trx: Knex.Transaction, change: StockChange): Promise<Movement | undefined> {
  const { rows } = await trx.raw<{ rows: UpdatedRow[] }>(
    `UPDATE inventory
        SET on_hand = on_hand + :dOn,
            reserved = reserved + :dRes,
            version = version + 1,
            status = CASE
              WHEN (on_hand + :dOn) - (reserved + :dRes) <= 0 THEN 'out_of_stock'
              WHEN (on_hand + :dOn) - (reserved + :dRes) <= low_stock_threshold THEN 'low_stock'
              ELSE 'in_stock' END,
            updated_at = now()
      WHERE product_id = :productId
        AND on_hand + :dOn >= 0
        AND reserved + :dRes >= 0
        AND (on_hand + :dOn) - (reserved + :dRes) >= 0
      RETURNING on_hand, reserved, available, low_stock_threshold, status, version`,
    { dOn: change.onHandDelta, dRes: change.reservedDelta, productId: change.productId },
  );
  const row = rows[0];
  if (!row) return undefined;
  const availableBefore = row.available - (change.onHandDelta - change.reservedDelta);
  const statusBefore = stockStatusFor(availableBefore, row.low_stock_threshold);
  const [inserted] = await trx('stock_movements')
    .insert({
      product_id: change.productId,
      sale_id: change.saleId ?? null,
      type: change.type,
      on_hand_delta: change.onHandDelta,
      reserved_delta: change.reservedDelta,
      on_hand_after: row.on_hand,
      reserved_after: row.reserved,
      available_after: row.available,
      status_before: statusBefore,
      status_after: row.status,
      version: row.version,
      reason: change.reason ?? null,
      request_key: change.requestKey ?? null,
    })
    .returning('id');
  return {
    id: Number((inserted as { id: string | number }).id),
    productId: change.productId,
    type: change.type,
    onHandAfter: row.on_hand,
    reservedAfter: row.reserved,
    availableAfter: row.available,
    statusBefore,
    statusAfter: row.status,
    version: Number(row.version),
  };
}
