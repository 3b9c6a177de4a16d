/**
 * The catalog as clients see it: a product joined with its inventory. `available` comes from the
 * database's generated column, so it always equals on_hand - reserved.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { ProductView } from '../../shared/api-views';
import { AppError } from '../../shared/errors';
import type { StockStatus } from '../../shared/events';

export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  price: number;
  on_hand: number;
  reserved: number;
  available: number;
  status: StockStatus;
  low_stock_threshold: number;
  /** bigint: pg returns it as a string */
  version: string | number;
}

export type { ProductView };

export function productView(row: ProductRow): ProductView {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    price: row.price,
    onHand: row.on_hand,
    reserved: row.reserved,
    available: row.available,
    status: row.status,
    lowStockThreshold: row.low_stock_threshold,
    version: Number(row.version),
  };
}

function productRows(db: Knex): Knex.QueryBuilder {
  return db('products as p')
    .join('inventory as i', 'i.product_id', 'p.id')
    .select('p.id', 'p.sku', 'p.name', 'p.price', 'i.on_hand', 'i.reserved', 'i.available', 'i.status', 'i.low_stock_threshold', 'i.version');
}

export async function getProduct(db: Knex, id: string): Promise<ProductView> {
  const row = (await productRows(db).where('p.id', id).first()) as ProductRow | undefined;
  if (!row) throw AppError.notFound(`product ${id} not found`);
  return productView(row);
}

export async function listProducts(db: Knex): Promise<ProductView[]> {
  const rows = (await productRows(db).orderBy([{ column: 'p.created_at' }, { column: 'p.id' }])) as ProductRow[];
  return rows.map(productView);
}

export interface NewProduct {
  id?: string;
  sku: string;
  name: string;
  price: number;
  lowStockThreshold: number;
}

const PG_UNIQUE_VIOLATION = '23505';

/**
 * Creates the product with empty inventory (version 1, an 'initial' ledger row), in one
 * transaction. Initial stock is not set here: it goes through the stock-change path like any
 * restock, so it produces the same ledger row, version bump and inventory event.
 */
export async function createProduct(db: Knex, input: NewProduct): Promise<string> {
  const id = input.id ?? randomUUID();
  try {
    await db.transaction(async (trx) => {
      await trx('products').insert({ id, sku: input.sku, name: input.name, price: input.price });
      await trx('inventory').insert({ product_id: id, on_hand: 0, reserved: 0, version: 1, status: 'out_of_stock', low_stock_threshold: input.lowStockThreshold });
      await trx('stock_movements').insert({
        product_id: id,
        type: 'initial',
        on_hand_delta: 0,
        reserved_delta: 0,
        on_hand_after: 0,
        reserved_after: 0,
        available_after: 0,
        status_before: 'out_of_stock',
        status_after: 'out_of_stock',
        version: 1,
        reason: 'product created',
      });
    });
  } catch (err) {
    const pgError = err as { code?: string; constraint?: string };
    if (pgError.code === PG_UNIQUE_VIOLATION) {
      if (pgError.constraint === 'products_pkey') throw AppError.conflict(`a product with id "${id}" already exists`, { field: 'id' });
      throw AppError.conflict(`a product with sku "${input.sku}" already exists`, { field: 'sku' });
    }
    throw err;
  }
  return id;
}
