/** Read side of sales: the paginated list and the summary. */
import type { Knex } from 'knex';
import { salesViews } from '../../activities/sale-records';
import type { SaleStatus } from '../../shared/events';
import type { SaleView } from '../../shared/sale-types';
import { isStaff, type AuthUser } from '../auth/types';

export interface SaleFilter {
  status?: SaleStatus;
  page: number;
  limit: number;
  from?: Date;
  to?: Date;
}

export async function listSales(db: Knex, user: AuthUser, filter: SaleFilter): Promise<{ data: SaleView[]; page: number; limit: number; total: number }> {
  const base = db('sales').where((q) => {
    if (!isStaff(user)) q.where('customer_user_id', user.id); // customers see only their own sales
    if (filter.status) q.where('status', filter.status);
    if (filter.from) q.where('created_at', '>=', filter.from);
    if (filter.to) q.where('created_at', '<', filter.to);
  });
  const [{ count }] = (await base.clone().count<{ count: string }[]>({ count: '*' })) as [{ count: string }];
  const rows = await base.clone().select('*').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]).limit(filter.limit).offset((filter.page - 1) * filter.limit);
  return { data: await salesViews(db, rows), page: filter.page, limit: filter.limit, total: Number(count) };
}

export interface SalesSummary {
  from: string | null;
  to: string | null;
  byStatus: Record<string, { count: number; revenue: number }>;
  topProducts: { productId: string; name: string; unitsSold: number; revenue: number; sales: number }[];
}

/**
 * Count and revenue by status come from the sales table, each status counted on the date it was
 * reached (RESERVED: created_at of the sales still reserved; COMPLETED: completed_at; CANCELLED:
 * cancelled_at), so a sale completed today counts today whenever it was reserved. Revenue is money
 * taken: completed sales only. Top products come from the analytics consumer's per-product daily
 * table (consumers/analytics), the read model seed 004 describes.
 */
export async function salesSummary(db: Knex, range: { from?: Date; to?: Date }): Promise<SalesSummary> {
  const reachedAt = { RESERVED: 'created_at', COMPLETED: 'completed_at', CANCELLED: 'cancelled_at' } as const;
  const byStatus: SalesSummary['byStatus'] = {};
  for (const [status, column] of Object.entries(reachedAt)) {
    const row: { count: string; revenue: string | null } = await db('sales')
      .where({ status })
      .where((q) => {
        if (range.from) q.where(column, '>=', range.from);
        if (range.to) q.where(column, '<', range.to);
      })
      .first(db.raw('count(*) as count'), db.raw('sum(total) as revenue'));
    byStatus[status] = { count: Number(row.count), revenue: status === 'COMPLETED' ? Number(row.revenue ?? 0) : 0 };
  }
  return { from: range.from?.toISOString() ?? null, to: range.to?.toISOString() ?? null, byStatus, topProducts: await topProducts(db, range) };
}

async function topProducts(db: Knex, range: { from?: Date; to?: Date }): Promise<SalesSummary['topProducts']> {
  const hasAnalytics = await db.schema.hasTable('product_sales_daily');
  if (!hasAnalytics) return [];
  const rows: { product_id: string; name: string; units: string; revenue: string; sales: string }[] = await db('product_sales_daily as a')
    .join('products as p', 'p.id', 'a.product_id')
    .where((q) => {
      if (range.from) q.where('a.day', '>=', range.from.toISOString().slice(0, 10));
      if (range.to) q.where('a.day', '<', range.to.toISOString().slice(0, 10));
    })
    .groupBy('a.product_id', 'p.name')
    .select('a.product_id', 'p.name', db.raw('sum(a.units_sold) as units'), db.raw('sum(a.revenue) as revenue'), db.raw('sum(a.sales_count) as sales'))
    .orderBy([{ column: 'units', order: 'desc' }, { column: 'a.product_id' }])
    .limit(10);
  return rows.map((r) => ({ productId: r.product_id, name: r.name, unitsSold: Number(r.units), revenue: Number(r.revenue), sales: Number(r.sales) }));
}
