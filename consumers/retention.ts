/**
 * processed_events grows by one row per event per group forever unless pruned. Redeliveries (a
 * producer retry, a rebalance, a crash before the offset commit, a re-publish by a retried activity)
 * come within minutes, so a row is only needed for a while: rows older than
 * PROCESSED_EVENTS_RETENTION_DAYS are deleted, in batches so no statement holds many locks. Dedupe
 * within the retention is untouched. Keep the retention longer than the topics' own retention, so
 * no record still on the broker can be replayed after its row is gone.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';

const BATCH = 5_000;
const EVERY_MS = 60 * 60 * 1000;

/** Deletes the rows past the retention; returns how many. */
export async function pruneProcessedEvents(db: Knex, retentionDays: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db.raw(
      `DELETE FROM processed_events WHERE ctid IN (
         SELECT ctid FROM processed_events WHERE processed_at < now() - make_interval(days => ?) LIMIT ?)`,
      [retentionDays, BATCH],
    );
    const count = (deleted as { rowCount: number }).rowCount;
    total += count;
    if (count < BATCH) return total;
  }
}

/** Prunes now and then every hour; several processes doing it at once is harmless. */
export function startProcessedEventsPruner(db: Knex, retentionDays: number, log: Logger): { ready: Promise<number>; stop(): void } {
  const run = () =>
    pruneProcessedEvents(db, retentionDays)
      .then((count) => {
        if (count > 0) log.info({ count, retentionDays }, 'pruned processed_events');
        return count;
      })
      .catch((err: unknown) => {
        log.warn({ err }, 'pruning processed_events failed; trying again in an hour');
        return 0;
      });
  const ready = run();
  const timer = setInterval(() => void run(), EVERY_MS);
  timer.unref();
  return { ready, stop: () => clearInterval(timer) };
}
