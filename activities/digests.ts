/** The digest schedule's one step: queue every digest whose window closed (delivery/digests.ts); the delivery workers send them. */
import type { Knex } from 'knex';
import { queueDueDigests, type DigestRun } from '../delivery/digests';

export function createDigestActivities(db: Knex) {
  return {
    async queueDueDigests(run: DigestRun): Promise<{ queued: number }> {
      return { queued: await queueDueDigests(db, run) };
    },
  };
}
