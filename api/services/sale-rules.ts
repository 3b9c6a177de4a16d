/**
 * The money and stock rules a sale must pass before the saga reserves anything (issue #12):
 * - discounts are granted by staff only: sales staff up to MAX_STAFF_DISCOUNT_PERCENT, admins any;
 * - a customer's own reservations are capped (MAX_OPEN_RESERVATIONS_PER_CUSTOMER open sales, and
 *   MAX_RESERVED_UNITS_PER_PRODUCT units of one product across them), so one account cannot hold
 *   the shop's stock. Staff selling to a customer are trusted and not held to these caps.
 * A refusal is a problem naming the setting (`limit`) and its value (`max`).
 *
 * The reservation caps are read before the saga reserves: two requests of one customer racing each
 * other may both pass the check. The per-user write rate limit bounds how far that can go.
 */
import type { Knex } from 'knex';
import { getConfig } from '../../shared/config';
import { AppError } from '../../shared/errors';
import type { AuthUser } from '../auth/types';

export function assertMayGrantDiscount(user: AuthUser, discount: number): void {
  if (discount <= 0 || user.role === 'admin') return;
  if (user.role === 'customer') throw AppError.forbidden('only sales staff or administrators can grant a discount; send discount 0');
  const max = getConfig().rules.maxStaffDiscountPercent;
  if (discount > max) {
    throw new AppError(403, 'Forbidden', `sales staff may grant at most ${max} % discount; ask an administrator for more`, { limit: 'MAX_STAFF_DISCOUNT_PERCENT', max });
  }
}

export async function assertWithinReservationLimits(db: Knex, user: AuthUser, items: { productId: string; quantity: number }[]): Promise<void> {
  if (user.role !== 'customer') return;
  const { maxOpenReservationsPerCustomer, maxReservedUnitsPerProduct } = getConfig().rules;
  const open = db('sales').where({ customer_user_id: user.id, status: 'RESERVED' });
  const [{ count }] = (await open.clone().count<{ count: string }[]>({ count: '*' })) as [{ count: string }];
  if (Number(count) >= maxOpenReservationsPerCustomer) {
    throw AppError.conflict(
      `a customer may hold at most ${maxOpenReservationsPerCustomer} open reservations; complete or cancel one first`,
      { limit: 'MAX_OPEN_RESERVATIONS_PER_CUSTOMER', max: maxOpenReservationsPerCustomer, open: Number(count) },
    );
  }

  const wanted = new Map<string, number>();
  for (const item of items) wanted.set(item.productId, (wanted.get(item.productId) ?? 0) + item.quantity);
  const held: { product_id: string; units: string }[] = await db('sale_items as i')
    .join('sales as s', 's.id', 'i.sale_id')
    .where({ 's.customer_user_id': user.id, 's.status': 'RESERVED' })
    .whereIn('i.product_id', [...wanted.keys()])
    .groupBy('i.product_id')
    .select('i.product_id', db.raw('sum(i.quantity) as units'));
  const heldBy = new Map(held.map((h) => [h.product_id, Number(h.units)]));
  for (const [productId, quantity] of wanted) {
    const already = heldBy.get(productId) ?? 0;
    if (already + quantity > maxReservedUnitsPerProduct) {
      throw AppError.conflict(
        `a customer may reserve at most ${maxReservedUnitsPerProduct} units of one product; ${already} units of product ${productId} already reserved, ${quantity} more asked`,
        { limit: 'MAX_RESERVED_UNITS_PER_PRODUCT', max: maxReservedUnitsPerProduct, productId, reserved: already, requested: quantity },
      );
    }
  }
}
