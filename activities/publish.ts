/**
 * Publishing events after the state change committed (Temporal is the outbox): these activities
 * read the committed facts back from the database and send them, and are retried until the broker
 * acknowledges them. Event ids are derived from the facts, so a re-send is recognisable downstream.
 */
import type { Knex } from 'knex';
import type { Producer } from 'kafkajs';
import {
  inventoryEventId,
  inventoryMessage,
  saleEventId,
  saleMessage,
  type InventoryEvent,
  type OutgoingMessage,
  type SaleEventKind,
  type SaleStatus,
} from '../shared/events';
import type { StockMovementRow } from './inventory-ledger';
import type { SaleView } from '../shared/sale-types';
import { currentTrace, inSpanLinkedToSale, type SaleTrace } from '../shared/sale-trace';
import { unpickedTraceHeaders } from '../shared/trace-id';
import { findSale, findSaleTrace } from './sale-records';

/**
 * The stock movement whose inventory events a step publishes. A completion publishes none: its
 * movement (`sale`) lowers on_hand and reserved by the same amount, so `available` and `status` —
 * what subscribers read — stay as the reservation left them (issue #14: one message, its fan-out to
 * three groups and a query fewer per sale). The ledger still records it and the product's version
 * still moves; subscribers order by version and tolerate the gap.
 */
const MOVEMENT_OF: Record<SaleEventKind, string | undefined> = { created: 'reserve', completed: undefined, cancelled: 'release' };

/** The sale's status and version right after each step (reserve = v1; complete or cancel = v2). */
const STEP: Record<SaleEventKind, { status: SaleStatus; version: number }> = {
  created: { status: 'RESERVED', version: 1 },
  completed: { status: 'COMPLETED', version: 2 },
  cancelled: { status: 'CANCELLED', version: 2 },
};

export function inventoryEventFor(m: StockMovementRow): InventoryEvent {
  return {
    event_id: inventoryEventId(m.product_id, Number(m.version)),
    type: 'inventory.updated',
    occurred_at: m.created_at.toISOString(),
    version: Number(m.version),
    product_id: m.product_id,
    status: m.status_after,
    previous_status: m.status_before,
    available: m.available_after,
    on_hand: m.on_hand_after,
    reserved: m.reserved_after,
    movement: m.type,
    sale_id: m.sale_id,
  };
}

/**
 * One producer call per message, so each call has one partition and one leader. kafkajs 2.2.4's
 * send keeps, across its retries, the brokers that already answered and skips them: when a batch
 * spans two leaders, one answers and the other dies, the dead one's partitions move to a broker
 * that already answered and the retry never sends them, yet the call resolves — the events are
 * lost (the cluster suite's leader-kill fault lost a sale.created that way). With one message per
 * call a retry always goes to a broker without an answer. The calls run concurrently (the
 * producer is not idempotent: shared/kafka.ts says why; consumers deduplicate by event id).
 */
export async function sendEvents(producer: () => Promise<Producer>, messages: OutgoingMessage[]): Promise<string[]> {
  if (messages.length > 0) {
    const p = await producer();
    // in an unpicked trace kafkajs's instrumentation makes no span and so puts no context in the
    // headers: the consumers are told here that the trace is not recorded (shared/trace-id.ts)
    const trace = unpickedTraceHeaders();
    await Promise.all(messages.map(({ topic, key, value, headers }) => p.send({ topic, acks: -1, messages: [{ key, value, headers: { ...headers, ...trace } }] })));
  }
  return messages.map((m) => m.headers.event_id ?? '');
}

/**
 * A step's messages: the sale's event, and the inventory events of the stock it moved (its ledger
 * rows of MOVEMENT_OF's type). The event describes the sale as it was at that step, not as it is
 * now: a sale.created that is only delivered after the sale was completed (broker down meanwhile)
 * still says RESERVED, v1.
 */
export function saleEventMessages(sale: SaleView, kind: SaleEventKind, movements: StockMovementRow[]): OutgoingMessage[] {
  const step = STEP[kind];
  const occurredAt = kind === 'completed' ? sale.completedAt : kind === 'cancelled' ? sale.cancelledAt : sale.createdAt;
  const saleEvent = saleMessage({
    event_id: saleEventId(kind, sale.id),
    type: `sale.${kind}`,
    occurred_at: occurredAt ?? sale.updatedAt,
    version: step.version,
    sale_id: sale.id,
    status: step.status,
    customer_name: sale.customerName,
    customer_email: sale.customerEmail,
    customer_user_id: sale.customerUserId,
    items: sale.items.map((i) => ({ product_id: i.productId, product_name: i.productName, quantity: i.quantity, unit_price: i.unitPrice })),
    subtotal: sale.subtotal,
    discount: sale.discount,
    total: sale.total,
    expires_at: sale.expiresAt,
    payment_method: kind === 'completed' ? sale.paymentMethod : null,
    payment_reference: kind === 'completed' ? sale.paymentReference : null,
    reason: kind === 'cancelled' ? sale.cancelReason : null,
  });
  const movement = MOVEMENT_OF[kind];
  const moved = movement ? movements.filter((m) => m.type === movement).sort((a, b) => (a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0)) : [];
  return [saleEvent, ...moved.map((m) => inventoryMessage(inventoryEventFor(m)))];
}

/** The stock movements of a step of this sale, read back (MOVEMENT_OF's type; none for a completion). */
export async function stepMovements(db: Knex, saleId: string, kind: SaleEventKind): Promise<StockMovementRow[]> {
  const movement = MOVEMENT_OF[kind];
  return movement ? db('stock_movements').where({ sale_id: saleId, type: movement }).orderBy('product_id') : [];
}

/**
 * Runs a publication in the current span, or — when the current trace is not the sale's own (a
 * PATCH's, the expiry's, the reconciliation's) — under a span that links back to the sale's trace.
 * `origin`: the sale's trace when the caller has it at hand; read from the sale row otherwise.
 */
export async function inPublishSpan<T>(db: Knex, saleId: string, kind: SaleEventKind, run: () => Promise<T>, origin?: SaleTrace): Promise<T> {
  const here = currentTrace(); // tracing off: none, and no look-up
  if (!here) return run();
  const sale = origin ?? (await findSaleTrace(db, saleId));
  if (sale && sale.traceId !== here.traceId) return inSpanLinkedToSale(`sale.${kind} publish`, saleId, sale, run);
  return run();
}

export function createPublishActivities(db: Knex, producer: () => Promise<Producer>) {
  return {
    /** The sale's event for this step, plus the inventory events of the stock it moved, read back from the database. */
    async publishSaleEvents(saleId: string, kind: SaleEventKind): Promise<string[]> {
      return inPublishSpan(db, saleId, kind, async () => {
        const sale = await findSale(db, saleId);
        if (!sale) return [];
        return sendEvents(producer, saleEventMessages(sale, kind, await stepMovements(db, saleId, kind)));
      });
    },

    async publishMovements(movementIds: number[]): Promise<string[]> {
      const movements: StockMovementRow[] = await db('stock_movements').whereIn('id', movementIds).orderBy('id');
      return sendEvents(producer, movements.map((m) => inventoryMessage(inventoryEventFor(m))));
    },
  };
}
