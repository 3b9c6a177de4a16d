/** Test products with known stock, written straight to the database (fast, isolated by id). */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { stockStatusFor } from '../../shared/events';

export async function createProduct(db: Knex, stock: number, options: { price?: number; lowStockThreshold?: number } = {}): Promise<string> {
  const id = `t-${randomUUID().slice(0, 12)}`;
  const threshold = options.lowStockThreshold ?? 2;
  const status = stockStatusFor(stock, threshold);
  await db.transaction(async (trx) => {
    await trx('products').insert({ id, sku: `SKU-${id}`, name: `Test product ${id}`, price: options.price ?? 1000 });
    await trx('inventory').insert({ product_id: id, on_hand: stock, reserved: 0, low_stock_threshold: threshold, version: 1, status });
    await trx('stock_movements').insert({
      product_id: id, type: 'initial', on_hand_delta: stock, reserved_delta: 0, on_hand_after: stock, reserved_after: 0,
      available_after: stock, status_before: 'out_of_stock', status_after: status, version: 1,
    });
  });
  return id;
}

export async function stockOf(db: Knex, productId: string): Promise<{ on_hand: number; reserved: number; available: number; status: string; version: number }> {
  const row = await db('inventory').where({ product_id: productId }).first('on_hand', 'reserved', 'available', 'status', 'version');
  return { ...row, version: Number(row.version) };
}

/** Units sold according to the ledger (sale movements take units off the shelf). */
export async function ledgerTotals(db: Knex, productId: string): Promise<{ onHandDelta: number; reservedDelta: number; sold: number }> {
  const row = await db('stock_movements')
    .where({ product_id: productId })
    .first(
      db.raw('coalesce(sum(on_hand_delta), 0)::int as on_hand_delta'),
      db.raw('coalesce(sum(reserved_delta), 0)::int as reserved_delta'),
      db.raw(`coalesce(sum(case when type = 'sale' then -on_hand_delta else 0 end), 0)::int as sold`),
    );
  return { onHandDelta: row.on_hand_delta, reservedDelta: row.reserved_delta, sold: row.sold };
}
