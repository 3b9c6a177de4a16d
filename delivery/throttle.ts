/**
 * The stock-email throttle: at most one immediate stock email per (user, product) per
 * DELIVERY_THROTTLE_SECONDS. It is decided when a delivery is sent, not when it is queued, so the
 * notify consumers stay as they are and the inbox still gets every change at once:
 *
 * - the first stock email for a (user, product) takes the window (one conditional upsert on
 *   email_throttle: two workers cannot both take it) and goes out;
 * - a later one inside the window is deferred to the window's end (still queued, no attempt spent);
 * - when deferred ones come due, only the newest is sent: older queued stock deliveries for the same
 *   (user, product) are skipped as coalesced into it, and it is rendered with the product's status
 *   at that moment. So three changes in a window make one email now and one after the window.
 */
import type { Knex } from 'knex';
import type { Template } from './preferences';

const STOCK_TEMPLATES: ReadonlySet<string> = new Set<Template>(['back_in_stock', 'in_stock', 'low_stock', 'out_of_stock']);

export function isStockTemplate(template: string): boolean {
  return STOCK_TEMPLATES.has(template);
}

export interface StockDelivery {
  id: string;
  recipientId: string;
  productId: string;
}

/** A newer queued stock delivery to the same person about the same product, which will tell the latest status instead. */
export async function newerStockDelivery(db: Knex, d: StockDelivery): Promise<string | undefined> {
  const row: { id: string } | undefined = await db('deliveries as d')
    .join('notifications as n', 'n.id', 'd.notification_id')
    .where({ 'd.recipient_id': d.recipientId, 'n.product_id': d.productId, 'd.status': 'queued', 'd.channel': 'email' })
    .whereIn('d.template', [...STOCK_TEMPLATES])
    .where('d.id', '>', d.id)
    .orderBy('d.id', 'desc')
    .first('d.id');
  return row?.id;
}

/**
 * Takes the (user, product) window for this delivery, or tells until when another delivery holds
 * it. The holder may take it again (a retry after an SMTP failure) and so stretches it.
 */
export async function takeWindow(db: Knex, d: StockDelivery, seconds: number): Promise<{ taken: true } | { taken: false; until: Date }> {
  const taken = await db.raw<{ rows: unknown[] }>(
    `INSERT INTO email_throttle (user_id, product_id, delivery_id, window_until)
     VALUES (?, ?, ?, now() + make_interval(secs => ?))
     ON CONFLICT (user_id, product_id) DO UPDATE
       SET delivery_id = EXCLUDED.delivery_id, window_until = EXCLUDED.window_until
       WHERE email_throttle.window_until <= now() OR email_throttle.delivery_id = EXCLUDED.delivery_id
     RETURNING window_until`,
    [d.recipientId, d.productId, d.id, seconds],
  );
  if (taken.rows.length === 1) return { taken: true };
  const held: { window_until: Date } | undefined = await db('email_throttle').where({ user_id: d.recipientId, product_id: d.productId }).first('window_until');
  // released meanwhile: try again at once
  return { taken: false, until: held?.window_until ?? new Date() };
}

/** A delivery that failed for good gives its window back, so it holds back no later email. */
export async function releaseWindow(db: Knex, deliveryId: string): Promise<void> {
  await db('email_throttle').where({ delivery_id: deliveryId }).delete();
}
