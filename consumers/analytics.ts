/**
 * analytics-group (seed 004's name): per product per day, units sold, revenue and number of sales,
 * the read model behind GET /sales/summary's top products.
 *
 * Only completed sales count (`sale.completed`). For each product in the sale:
 * - units_sold += quantity;
 * - revenue += the product's share of the sale's total (after discount), pro rata to its line
 *   subtotal (quantity × unit_price). Shares are whole minor units by the largest-remainder rule,
 *   so a sale's shares always add up to exactly its total;
 * - sales_count += 1;
 * - day = the UTC date of the event's occurred_at (when the sale completed).
 * The batch claims the event id in the same transaction (consumers/batch.ts), so a redelivery adds nothing.
 * A sale naming a product this database does not have fails the foreign key: the runner treats
 * that as a poison message and dead-letters it.
 */
import type { Logger } from 'pino';
import type { SaleEvent } from '../shared/events';
import { SALE_TOPICS } from '../shared/topics';
import type { EventEffect } from './batch';

export const ANALYTICS_GROUP = 'analytics-group';
export const ANALYTICS_TOPICS = [SALE_TOPICS.completed];

export interface ProductTally {
  productId: string;
  units: number;
  revenue: number;
}

/** Splits `total` over the lines pro rata to their subtotals, in whole units, summing to `total`. */
export function revenueShares(lines: { quantity: number; unit_price: number }[], total: number): number[] {
  const weights = lines.map((l) => BigInt(l.quantity) * BigInt(l.unit_price));
  const sum = weights.reduce((a, b) => a + b, 0n);
  if (sum === 0n) return lines.map(() => 0);
  const t = BigInt(total);
  const floors = weights.map((w) => (t * w) / sum);
  const remainders = weights.map((w, i) => ({ i, r: (t * w) % sum }));
  let left = Number(t - floors.reduce((a, b) => a + b, 0n));
  // the largest remainders get the leftover units; ties go to the earlier line
  remainders.sort((a, b) => (b.r > a.r ? 1 : b.r < a.r ? -1 : a.i - b.i));
  const shares = floors.map(Number);
  for (const { i } of remainders) {
    if (left <= 0) break;
    shares[i] = (shares[i] ?? 0) + 1;
    left -= 1;
  }
  return shares;
}

/** One tally per product (a product listed twice in a sale is still one sale of it). */
export function tallySale(event: Pick<SaleEvent, 'items' | 'total'>): ProductTally[] {
  const shares = revenueShares(event.items, event.total);
  const byProduct = new Map<string, ProductTally>();
  event.items.forEach((item, i) => {
    const t = byProduct.get(item.product_id) ?? { productId: item.product_id, units: 0, revenue: 0 };
    t.units += item.quantity;
    t.revenue += shares[i] ?? 0;
    byProduct.set(item.product_id, t);
  });
  return [...byProduct.values()];
}

export interface AnalyticsDeps {
  log: Logger;
}

/** The group's effect of one new event (the batch has claimed its id). */
export function createAnalyticsEffect({ log }: AnalyticsDeps): EventEffect {
  return async ({ trx, afterCommit }, delivered) => {
    if (delivered.kind !== 'sale' || delivered.event.type !== 'sale.completed') return;
    const event = delivered.event;
    const day = new Date(event.occurred_at).toISOString().slice(0, 10);
    const tallies = tallySale(event);
    for (const t of tallies) {
      await trx('product_sales_daily')
        .insert({ product_id: t.productId, day, units_sold: t.units, revenue: t.revenue, sales_count: 1 })
        .onConflict(['product_id', 'day'])
        .merge({
          units_sold: trx.raw('product_sales_daily.units_sold + EXCLUDED.units_sold'),
          revenue: trx.raw('product_sales_daily.revenue + EXCLUDED.revenue'),
          sales_count: trx.raw('product_sales_daily.sales_count + EXCLUDED.sales_count'),
        });
    }
    afterCommit(() => log.info({ event_id: event.event_id, sale_id: event.sale_id, day, products: tallies.map((t) => t.productId), total: event.total }, 'sale counted'));
  };
}
