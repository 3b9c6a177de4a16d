/**
 * Exactly-once effects on an at-least-once wire: a consumer claims an event id for its group inside
 * the transaction that applies the effect. The claim and the effect commit together or not at all,
 * so a redelivered event (producer retry, re-publish, rebalance, crash before the offset commit)
 * finds its id taken and is skipped. Two members racing on the same event serialise on the primary
 * key: the second waits for the first to commit, then sees the conflict.
 */
import type { Knex } from 'knex';

/** true when this group has not applied the event before (the caller goes on with the effect) */
export async function claimEvent(trx: Knex.Transaction, consumerGroup: string, eventId: string): Promise<boolean> {
  return (await claimEvents(trx, consumerGroup, [eventId])).has(eventId);
}

/**
 * Claims a batch's event ids in one statement; returns the ids this group had not applied before.
 * The ids are inserted in the order given (a batch's offset order), so two members that race on
 * overlapping batches during a rebalance wait on each other instead of deadlocking.
 */
export async function claimEvents(trx: Knex.Transaction, consumerGroup: string, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  // one JSON parameter (knex would expand a JS array binding into a list of parameters)
  const result = await trx.raw<{ rows: { event_id: string }[] }>(
    `INSERT INTO processed_events (consumer_group, event_id)
     SELECT ?, e.id FROM json_array_elements_text(CAST(? AS json)) WITH ORDINALITY AS e(id, n) ORDER BY e.n
     ON CONFLICT (consumer_group, event_id) DO NOTHING
     RETURNING event_id`,
    [consumerGroup, JSON.stringify(eventIds)],
  );
  return new Set(result.rows.map((r) => r.event_id));
}
