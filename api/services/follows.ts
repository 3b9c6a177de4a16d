/**
 * Product follows: which products a user wants inventory notifications for. The notify-customers
 * consumer reads them when an event arrives, so a follow counts from the next event on.
 */
import type { Knex } from 'knex';
import { getProduct, productView, type ProductRow, type ProductView } from './products';

export type FollowView = ProductView & { followedAt: string };

function followRows(db: Knex, userId: string): Knex.QueryBuilder {
  return db('product_follows as f')
    .join('products as p', 'p.id', 'f.product_id')
    .join('inventory as i', 'i.product_id', 'p.id')
    .where('f.user_id', userId)
    .select('p.id', 'p.sku', 'p.name', 'p.price', 'i.on_hand', 'i.reserved', 'i.available', 'i.status', 'i.low_stock_threshold', 'i.version', 'f.created_at as followed_at');
}

const followView = (row: ProductRow & { followed_at: Date }): FollowView => ({ ...productView(row), followedAt: row.followed_at.toISOString() });

/** Idempotent: `created` tells a new follow from one that already existed. 404 for an unknown product. */
export async function followProduct(db: Knex, userId: string, productId: string): Promise<{ created: boolean; follow: FollowView }> {
  await getProduct(db, productId);
  const inserted: unknown[] = await db('product_follows').insert({ user_id: userId, product_id: productId }).onConflict(['user_id', 'product_id']).ignore().returning('product_id');
  const row = (await followRows(db, userId).where('f.product_id', productId).first()) as (ProductRow & { followed_at: Date }) | undefined;
  // the product was deleted between the two statements: as if it never existed
  if (!row) return followProduct(db, userId, productId);
  return { created: inserted.length === 1, follow: followView(row) };
}

/** Idempotent: unfollowing a product one does not follow is not an error. */
export async function unfollowProduct(db: Knex, userId: string, productId: string): Promise<void> {
  await db('product_follows').where({ user_id: userId, product_id: productId }).delete();
}

export async function listFollows(db: Knex, userId: string): Promise<FollowView[]> {
  const rows = (await followRows(db, userId).orderBy([{ column: 'f.created_at' }, { column: 'p.id' }])) as (ProductRow & { followed_at: Date })[];
  return rows.map(followView);
}
