/**
 * One database transaction per fetched batch (issue #13 point 7, #14): the consumers' effects of
 * every new event in a batch commit together, so a batch of n events costs one BEGIN/COMMIT, one
 * set-based dedupe statement (consumers/dedupe.ts) and one pg_notify statement per channel instead
 * of n of each.
 *
 * - Dedupe: the batch's event ids are claimed in processed_events in one statement inside the
 *   transaction; an event already claimed (a redelivery after a crash between the commit and the
 *   offset commit, a rebalance) is skipped, and so is a second copy of an id within the batch.
 * - Order: effects run one after another in offset order, so the per-product version logic
 *   (consumer_product_state) sees the partition's events in the order they were produced.
 * - Signals: effects hand their pg_notify payloads to the batch, which sends them in one statement
 *   per channel just before the commit (NOTIFY is transactional: listeners hear only committed rows).
 * - Poison: an effect failing for good (consumers/messages.ts isPoison) rolls the whole transaction
 *   back; the events before the failing one are applied again in one transaction, the failing one is
 *   reported (the runner dead-letters it) and the events after it are applied the same way, so only
 *   the poison is left out. Any other failure is thrown: nothing committed, the runner resolves no
 *   offset, kafkajs retries the batch.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { claimEvents } from './dedupe';
import { boundToCurrentSpan, inEventSpan } from './event-span';
import { isPoison, type Delivered } from './messages';

export interface EffectContext {
  trx: Knex.Transaction;
  /** queues pg_notify payloads on a channel; sent in one statement at the end of the transaction */
  signal(channel: string, payloads: string[]): void;
  /** runs once the transaction has committed (log lines for what was done) */
  afterCommit(fn: () => void): void;
}

/** A group's effect of one new event, inside the batch's transaction. */
export type EventEffect = (ctx: EffectContext, delivered: Delivered) => Promise<void>;

/** Applies a batch's events; returns the events that are poison, with their errors (their effects are not applied). */
export type BatchHandler = (events: Delivered[]) => Promise<Map<Delivered, unknown>>;

export interface BatchHandlerOptions {
  db: Knex;
  /** the group id actually consumed; keys processed_events */
  groupId: string;
  effect: EventEffect;
  log: Logger;
}

/** A poison failure and the event whose effect raised it (undefined: not one event's effect). */
class PoisonInBatch extends Error {
  constructor(
    readonly failure: unknown,
    readonly at: number | undefined,
  ) {
    super('poison in batch');
  }
}

export function createBatchHandler({ db, groupId, effect, log }: BatchHandlerOptions): BatchHandler {
  async function inOneTransaction(events: Delivered[]): Promise<void> {
    const after: (() => void)[] = [];
    const signals = new Map<string, string[]>();
    const ctxOf = (trx: Knex.Transaction): EffectContext => ({
      trx,
      signal(channel, payloads) {
        const queued = signals.get(channel);
        if (queued) queued.push(...payloads);
        else signals.set(channel, [...payloads]);
      },
      // bound to the event's span (consumers/event-span.ts): the line names the event's trace
      afterCommit: (fn) => after.push(boundToCurrentSpan(fn)),
    });
    await db.transaction(async (trx) => {
      const fresh = await claimEvents(trx, groupId, [...new Set(events.map((d) => d.event.event_id))]);
      const ctx = ctxOf(trx);
      for (const [i, delivered] of events.entries()) {
        // delete: a second copy of an id within the batch is a duplicate too
        if (!fresh.delete(delivered.event.event_id)) {
          after.push(() => log.debug({ event_id: delivered.event.event_id, ...delivered.origin }, 'event duplicate'));
          continue;
        }
        try {
          await inEventSpan(delivered, groupId, () => effect(ctx, delivered));
        } catch (err) {
          throw isPoison(err) ? new PoisonInBatch(err, i) : err;
        }
      }
      for (const [channel, payloads] of signals) {
        if (payloads.length === 0) continue;
        await trx.raw(`SELECT pg_notify(?, p) FROM json_array_elements_text(CAST(? AS json)) AS p`, [channel, JSON.stringify(payloads)]);
      }
    });
    for (const fn of after) fn();
  }

  async function apply(events: Delivered[], poison: Map<Delivered, unknown>): Promise<void> {
    if (events.length === 0) return;
    try {
      await inOneTransaction(events);
      return;
    } catch (err) {
      if (!(err instanceof PoisonInBatch) && !isPoison(err)) throw err;
      const at = err instanceof PoisonInBatch ? err.at : undefined;
      const failure = err instanceof PoisonInBatch ? err.failure : err;
      if (at === undefined || events.length === 1) {
        if (events.length === 1) {
          poison.set(events[0]!, failure);
          return;
        }
        // not one event's effect: one transaction each finds it
        for (const delivered of events) await apply([delivered], poison);
        return;
      }
      await apply(events.slice(0, at), poison);
      poison.set(events[at]!, failure);
      await apply(events.slice(at + 1), poison);
    }
  }

  return async (events) => {
    const poison = new Map<Delivered, unknown>();
    await apply(events, poison);
    return poison;
  };
}
