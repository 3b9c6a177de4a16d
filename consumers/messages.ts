/**
 * What a consumer gets from the wire: the raw record is parsed and validated against the event
 * contract (shared/events.ts) before any handler sees it. A record that can never be applied is a
 * poison message: it goes to the dead-letter topic instead of blocking its partition. Everything
 * else that fails (database down, broker hiccup) is transient and is retried.
 */
import type { IHeaders } from 'kafkajs';
import { INVENTORY_TOPIC, SALE_TOPICS } from '../shared/topics';
import { inventoryEventSchema, saleEventSchema, type InventoryEvent, type SaleEvent } from '../shared/events';

/** Thrown for a message that no retry can fix; the runner dead-letters it and moves on. */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
}

export type ParsedEvent = { kind: 'inventory'; event: InventoryEvent } | { kind: 'sale'; event: SaleEvent };

/** Where a record came from, for logs and dead-letter headers. */
export interface Origin {
  topic: string;
  partition: number;
  offset: string;
}

/** `headers`: the record's, which carry the trace context of whoever published it (consumers/event-span.ts) */
export type Delivered = ParsedEvent & { origin: Origin; headers?: IHeaders };

const SALE_TYPE_BY_TOPIC: Record<string, SaleEvent['type']> = {
  [SALE_TOPICS.created]: 'sale.created',
  [SALE_TOPICS.completed]: 'sale.completed',
  [SALE_TOPICS.cancelled]: 'sale.cancelled',
};

function zodSummary(issues: { path: (string | number)[]; message: string }[]): string {
  return issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
}

/** Parses one record's value for the topic it came from; throws PoisonMessageError if it cannot. */
export function parseEvent(topic: string, value: Buffer | null): ParsedEvent {
  if (value === null || value.length === 0) throw new PoisonMessageError('empty message value');
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new PoisonMessageError(`value is not JSON: ${(err as Error).message}`);
  }
  if (topic === INVENTORY_TOPIC) {
    const parsed = inventoryEventSchema.safeParse(json);
    if (!parsed.success) throw new PoisonMessageError(`invalid inventory event: ${zodSummary(parsed.error.issues)}`);
    return { kind: 'inventory', event: parsed.data };
  }
  const expectedType = SALE_TYPE_BY_TOPIC[topic];
  if (expectedType) {
    const parsed = saleEventSchema.safeParse(json);
    if (!parsed.success) throw new PoisonMessageError(`invalid sale event: ${zodSummary(parsed.error.issues)}`);
    if (parsed.data.type !== expectedType) throw new PoisonMessageError(`event type ${parsed.data.type} does not belong on topic ${topic}`);
    return { kind: 'sale', event: parsed.data };
  }
  throw new PoisonMessageError(`no schema for topic ${topic}`);
}

/**
 * Whether a failed effect can never succeed for this message. PostgreSQL classes 22 (data
 * exception, e.g. a value that does not fit a column) and 23 (integrity violation, e.g. a sale of
 * a product this database does not know) are properties of the message, not of the moment; every
 * other error (connection refused, timeouts, serialization failures, …) is worth retrying.
 */
export function isPoison(err: unknown): boolean {
  if (err instanceof PoisonMessageError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
