/**
 * The event contract (DESIGN §4): the messages on `sale.created|completed|cancelled` (key = sale id)
 * and `inventory-updates` (key = product id). Producers build them here; consumers validate them
 * with the same schemas, so the two sides cannot drift apart.
 *
 * Every message carries `event_id` (deterministic, so a re-publish of the same fact has the same
 * id), `type`, `occurred_at` (when the fact was committed, not when it was sent), and the
 * aggregate's `version`; the payload fields sit beside them at top level, as in seed 000.
 */
import { z } from 'zod';
import { INVENTORY_TOPIC, SALE_TOPICS } from './topics';

/** The saga's own stock vocabulary. `POST /send_notification` may also publish free text (seed 000). */
export const STOCK_STATUSES = ['in_stock', 'low_stock', 'out_of_stock'] as const;
export type StockStatus = (typeof STOCK_STATUSES)[number];

export const SALE_STATUSES = ['RESERVED', 'COMPLETED', 'CANCELLED'] as const;
export type SaleStatus = (typeof SALE_STATUSES)[number];

const envelope = {
  event_id: z.string().min(1).max(200),
  occurred_at: z.string().datetime({ offset: true }),
  version: z.number().int().nonnegative(),
};

export const inventoryEventSchema = z.object({
  ...envelope,
  /** `inventory.updated`: stock moved (saga or staff); `inventory.status_reported`: an external system pushed a status. */
  type: z.enum(['inventory.updated', 'inventory.status_reported']),
  product_id: z.string().min(1).max(64),
  status: z.string().min(1).max(64),
  previous_status: z.string().max(64).nullable().optional(),
  available: z.number().int().nonnegative().nullable().optional(),
  on_hand: z.number().int().nonnegative().nullable().optional(),
  reserved: z.number().int().nonnegative().nullable().optional(),
  /** what moved the stock: reserve, release, sale, restock, adjust, initial; null for a reported status */
  movement: z.string().nullable().optional(),
  sale_id: z.string().nullable().optional(),
});
export type InventoryEvent = z.infer<typeof inventoryEventSchema>;

const saleItemSchema = z.object({
  product_id: z.string(),
  product_name: z.string().optional(),
  quantity: z.number().int().positive(),
  unit_price: z.number().int().nonnegative(),
});

export const saleEventSchema = z.object({
  ...envelope,
  type: z.enum(['sale.created', 'sale.completed', 'sale.cancelled']),
  sale_id: z.string().uuid(),
  status: z.enum(SALE_STATUSES),
  customer_name: z.string(),
  customer_email: z.string(),
  customer_user_id: z.string().uuid().nullable(),
  items: z.array(saleItemSchema).min(1),
  subtotal: z.number().int().nonnegative(),
  discount: z.number().min(0).max(100),
  total: z.number().int().nonnegative(),
  expires_at: z.string().datetime({ offset: true }),
  payment_method: z.string().nullable().optional(),
  payment_reference: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
});
export type SaleEvent = z.infer<typeof saleEventSchema>;

export type SaleEventKind = 'created' | 'completed' | 'cancelled';

export function saleEventId(kind: SaleEventKind, saleId: string): string {
  return `sale.${kind}:${saleId}`;
}

/** One inventory version is one fact: its id is the product and the version it produced. */
export function inventoryEventId(productId: string, version: number): string {
  return `inventory:${productId}:v${version}`;
}

export function saleTopic(kind: SaleEventKind): string {
  return SALE_TOPICS[kind];
}

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export function inventoryMessage(event: InventoryEvent): OutgoingMessage {
  return {
    topic: INVENTORY_TOPIC,
    key: event.product_id,
    value: JSON.stringify(inventoryEventSchema.parse(event)),
    headers: { event_id: event.event_id, type: event.type },
  };
}

export function saleMessage(event: SaleEvent): OutgoingMessage {
  const kind = event.type.slice('sale.'.length) as SaleEventKind;
  return {
    topic: saleTopic(kind),
    key: event.sale_id,
    value: JSON.stringify(saleEventSchema.parse(event)),
    headers: { event_id: event.event_id, type: event.type },
  };
}

/** How available stock maps to a status; one rule for the saga, the API and the consumers. */
export function stockStatusFor(available: number, lowStockThreshold: number): StockStatus {
  if (available <= 0) return 'out_of_stock';
  if (available <= lowStockThreshold) return 'low_stock';
  return 'in_stock';
}
