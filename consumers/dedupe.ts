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
  const rows: unknown[] = await trx('processed_events')
    .insert({ consumer_group: consumerGroup, event_id: eventId })
    .onConflict(['consumer_group', 'event_id'])
    .ignore()
    .returning('event_id');
  return rows.length === 1;
}
