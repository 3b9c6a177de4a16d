/**
 * Events for consumer tests, built with the contract's own builders (shared/events.ts) and
 * published with a real producer; fixtures written straight to the tables.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import {
  inventoryEventId,
  inventoryMessage,
  saleEventId,
  saleMessage,
  type InventoryEvent,
  type OutgoingMessage,
  type SaleEvent,
  type SaleEventKind,
} from '../../shared/events';

export const unique = (): string => randomUUID().slice(0, 8);

export async function insertProduct(db: Knex, options: { id?: string; name?: string; price?: number } = {}): Promise<string> {
  const id = options.id ?? `sub-${randomUUID()}`;
  await db('products').insert({ id, sku: `SKU-${id}`, name: options.name ?? `Product ${id.slice(-8)}`, price: options.price ?? 1000 });
  await db('inventory').insert({ product_id: id, on_hand: 10, reserved: 0, low_stock_threshold: 2, version: 1, status: 'in_stock' });
  return id;
}

/** An `inventory.updated` for `productId` at `version`, moving from `previous` to `status`. */
export function stockChanged(productId: string, version: number, previous: string, status: string, overrides: Partial<InventoryEvent> = {}): InventoryEvent {
  return {
    event_id: inventoryEventId(productId, version),
    type: 'inventory.updated',
    occurred_at: new Date().toISOString(),
    version,
    product_id: productId,
    status,
    previous_status: previous,
    available: status === 'out_of_stock' ? 0 : 5,
    on_hand: 5,
    reserved: 0,
    movement: 'adjust',
    sale_id: null,
    ...overrides,
  };
}

export function statusReported(productId: string, version: number, status: string): InventoryEvent {
  return { event_id: `inventory-report:${randomUUID()}`, type: 'inventory.status_reported', occurred_at: new Date().toISOString(), version, product_id: productId, status };
}

export interface SaleFixture {
  saleId?: string;
  customerUserId?: string | null;
  items: { productId: string; quantity: number; unitPrice: number }[];
  discount?: number;
  occurredAt?: string;
}

const SALE_STATUS: Record<SaleEventKind, SaleEvent['status']> = { created: 'RESERVED', completed: 'COMPLETED', cancelled: 'CANCELLED' };

export function saleEvent(kind: SaleEventKind, fixture: SaleFixture): SaleEvent {
  const saleId = fixture.saleId ?? randomUUID();
  const discount = fixture.discount ?? 0;
  const subtotal = fixture.items.reduce((s, i) => s + i.quantity * i.unitPrice, 0);
  return {
    event_id: saleEventId(kind, saleId),
    type: `sale.${kind}`,
    occurred_at: fixture.occurredAt ?? new Date().toISOString(),
    version: kind === 'created' ? 1 : 2,
    sale_id: saleId,
    status: SALE_STATUS[kind],
    customer_name: 'Test Customer',
    customer_email: 'customer@test.example.com',
    customer_user_id: fixture.customerUserId ?? null,
    items: fixture.items.map((i) => ({ product_id: i.productId, product_name: `Product ${i.productId.slice(-8)}`, quantity: i.quantity, unit_price: i.unitPrice })),
    subtotal,
    discount,
    total: Math.round((subtotal * (100 - discount)) / 100),
    expires_at: new Date(Date.now() + 15 * 60_000).toISOString(),
    payment_method: kind === 'completed' ? 'card' : null,
    payment_reference: null,
    reason: kind === 'cancelled' ? 'changed my mind' : null,
  };
}

export async function publish(producer: Producer, ...events: (InventoryEvent | SaleEvent)[]): Promise<void> {
  for (const e of events) {
    const m: OutgoingMessage = 'sale_id' in e && e.type.startsWith('sale.') ? saleMessage(e as SaleEvent) : inventoryMessage(e as InventoryEvent);
    await producer.send({ topic: m.topic, acks: -1, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
  }
}

export interface TailedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Reads what is produced to `topic` from now on: a fresh group that, once joined, seeks to the end
 * offsets taken before it started (so nothing produced after this call can be missed).
 */
export async function tailTopic(kafka: Kafka, admin: Admin, topic: string): Promise<{ records: TailedRecord[]; stop(): Promise<void> }> {
  const groupId = `test-tail-${randomUUID()}`;
  const ends = await admin.fetchTopicOffsets(topic);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  const records: TailedRecord[] = [];
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const e of ends) consumer.seek({ topic, partition: e.partition, offset: e.high });
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  await consumer.run({
    eachMessage: async ({ topic: t, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
      records.push({ topic: t, partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
    },
  });
  return {
    records,
    async stop() {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    },
  };
}

/** Polls until `check` returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
