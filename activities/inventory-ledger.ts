/**
 * The one place stock changes. A single conditional UPDATE moves on_hand/reserved only if the
 * result stays valid (available >= 0, nothing negative), so concurrent sales cannot oversell:
 * PostgreSQL re-checks the WHERE clause against the row's latest version after waiting for a
 * competing writer. Each change bumps the product's version and writes a stock_movements row.
 */
import type { Knex } from 'knex';
import type { StockStatus } from '../shared/events';

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
  /** the ledger row as written: what its inventory event is built from (activities/publish.ts) */
  row: StockMovementRow;
}

/** A stock_movements row as node-postgres returns it (bigints as strings). */
export interface StockMovementRow {
  id: string;
  product_id: string;
  sale_id: string | null;
  type: MovementType | 'initial';
  on_hand_after: number;
  reserved_after: number;
  available_after: number;
  status_before: StockStatus;
  status_after: StockStatus;
  version: string;
  created_at: Date;
}

/**
 * The conditional UPDATE and its ledger row in one statement: the hot inventory row is locked for
 * one round trip instead of three (update, insert, then commit), which is what bounds throughput on
 * a popular product. The status thresholds match stockStatusFor in shared/events.ts. Parameters in
 * the SELECT list are cast: PostgreSQL would type them as text there, not as the columns' types.
 */
const MOVE_STOCK = `
  WITH moved AS (
    UPDATE inventory
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
     RETURNING product_id, on_hand, reserved, available, low_stock_threshold, status, version)
  INSERT INTO stock_movements (product_id, sale_id, type, on_hand_delta, reserved_delta, on_hand_after, reserved_after,
                               available_after, status_before, status_after, version, reason, request_key)
  SELECT product_id, CAST(:saleId AS uuid), CAST(:type AS text), CAST(:dOn AS integer), CAST(:dRes AS integer), on_hand, reserved, available,
         CASE
           WHEN available - (CAST(:dOn AS integer) - CAST(:dRes AS integer)) <= 0 THEN 'out_of_stock'
           WHEN available - (CAST(:dOn AS integer) - CAST(:dRes AS integer)) <= low_stock_threshold THEN 'low_stock'
           ELSE 'in_stock' END,
         status, version, CAST(:reason AS text), CAST(:requestKey AS text)
    FROM moved
  RETURNING *`;

/**
 * Applies the change, in the caller's transaction or on its own (autocommit); undefined when it
 * would make stock invalid (nothing is written then).
 */
export async function applyStockChange(db: Knex | Knex.Transaction, change: StockChange): Promise<Movement | undefined> {
  const { rows } = await db.raw<{ rows: StockMovementRow[] }>(MOVE_STOCK, {
    dOn: change.onHandDelta,
    dRes: change.reservedDelta,
    productId: change.productId,
    saleId: change.saleId ?? null,
    type: change.type,
    reason: change.reason ?? null,
    requestKey: change.requestKey ?? null,
  });
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: Number(row.id),
    productId: change.productId,
    type: change.type,
    onHandAfter: row.on_hand_after,
    reservedAfter: row.reserved_after,
    availableAfter: row.available_after,
    statusBefore: row.status_before,
    statusAfter: row.status_after,
    version: Number(row.version),
    row,
  };
}
