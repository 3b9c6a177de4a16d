/**
 * Positive markers for assertions of absence: something that must arrive after whatever must not,
 * so a test waits for it instead of sleeping (a sleep proves nothing on a slow machine).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { NOTIFICATION_CHANNEL } from '../../consumers/notify';

/**
 * An inbox row and its signal committed together, as the notify consumers write them. Signalled
 * after everything committed before it, so on an SSE stream it comes after any of those.
 */
export async function markerNotification(db: Knex, recipientId: string): Promise<number> {
  return db.transaction(async (trx) => {
    const [row] = (await trx('notifications')
      .insert({ recipient_id: recipientId, audience: 'customers', kind: 'inventory', product_id: null, status: 'marker', title: 'marker', body: 'marker', event_id: `marker:${randomUUID()}` })
      .returning('id')) as { id: string }[];
    const id = Number(row!.id);
    await trx.raw(`SELECT pg_notify(?, ?)`, [NOTIFICATION_CHANNEL, JSON.stringify({ id, recipient_id: recipientId })]);
    return id;
  });
}
