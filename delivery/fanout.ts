/**
 * Email deliveries of a fan-out (issue #13 §7), in two sizes:
 *
 * - up to `inlineMax` recipients: the delivery rows are written by the notify consumer's own
 *   statement, beside the inbox rows (`emailDeliveriesCte`);
 * - above it: that statement writes one `delivery_fanouts` job instead, and the delivery workers
 *   expand it into delivery rows `chunk` at a time (`expandFanout`), outside the consumer's
 *   transaction. The in-app push of 100 000 notifications then waits for the inbox rows only, and
 *   no transaction holds 100 000 email rows.
 *
 * Either way a committed notification leads to its email (the job commits with the inbox rows) and
 * a repeated expansion queues nothing twice (unique (notification_id, channel)). Who gets an email
 * is decided the same way in both: the recipient's cadence for the category (their own row, else
 * the role default) is immediate, there is no "all email off" row and no mute of the product. Keep
 * the two statements in step.
 */
import type { Knex } from 'knex';
import { ALL_EMAIL, type Category, type Template } from './preferences';

export interface FanoutEmail {
  audience: string;
  eventId: string;
  category: Category;
  template: Template;
  /** the role's default email cadence for the category */
  defaultCadence: string;
  productId: string | null;
  /** more recipients than this: one job instead of the rows */
  inlineMax: number;
}

/**
 * CTEs to append to a statement whose CTE `ins` returns the inserted notifications (id, recipient_id):
 * the immediate email deliveries when they are few, else one fan-out job.
 */
export function emailDeliveriesCte(e: FanoutEmail): { sql: string; bindings: (string | number | null)[] } {
  return {
    sql: `, queued AS (
       INSERT INTO deliveries (notification_id, recipient_id, channel, category, template)
       SELECT ins.id, ins.recipient_id, 'email', ?, ? FROM ins
       LEFT JOIN notification_preferences p ON p.user_id = ins.recipient_id AND p.category = ? AND p.channel = 'email'
       WHERE (SELECT count(*) FROM ins) <= ?
         AND COALESCE(p.cadence, ?) = 'immediate'
         AND NOT EXISTS (SELECT 1 FROM notification_preferences a WHERE a.user_id = ins.recipient_id AND a.category = ? AND a.channel = 'email' AND a.cadence = 'off')
         AND NOT EXISTS (SELECT 1 FROM email_product_mutes m WHERE m.user_id = ins.recipient_id AND m.product_id = ?)
       ON CONFLICT (notification_id, channel) DO NOTHING
     ), fanout AS (
       INSERT INTO delivery_fanouts (event_id, audience, first_id, last_id, next_id, category, template, default_cadence, product_id)
       SELECT ?, ?, min(ins.id), max(ins.id), min(ins.id), ?, ?, ?, ? FROM ins HAVING count(*) > ?
     )`,
    bindings: [
      e.category, e.template, e.category, e.inlineMax, e.defaultCadence, ALL_EMAIL, e.productId,
      e.eventId, e.audience, e.category, e.template, e.defaultCadence, e.productId, e.inlineMax,
    ],
  };
}

export interface Expanded {
  /** the job a chunk was taken from; undefined: no open job (or every open one is being expanded) */
  fanoutId?: number;
  /** delivery rows queued by this chunk */
  queued: number;
  /** the job has no notifications left */
  done: boolean;
}

/**
 * Queues the delivery rows of the next `chunk` notifications of the oldest open fan-out job, and
 * moves its cursor, in one statement (one transaction). Workers take different jobs (SKIP LOCKED).
 */
export async function expandFanout(db: Knex, chunk: number): Promise<Expanded> {
  const result = await db.raw<{ rows: { id: string; queued: string; done: boolean }[] }>(
    `WITH job AS (
       SELECT * FROM delivery_fanouts WHERE done_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
     ), src AS (
       SELECT n.id, n.recipient_id FROM job JOIN notifications n
         ON n.id >= job.next_id AND n.id <= job.last_id AND n.event_id = job.event_id AND n.audience = job.audience
       ORDER BY n.id LIMIT ?
     ), queued AS (
       INSERT INTO deliveries (notification_id, recipient_id, channel, category, template)
       SELECT src.id, src.recipient_id, 'email', job.category, job.template FROM src CROSS JOIN job
       LEFT JOIN notification_preferences p ON p.user_id = src.recipient_id AND p.category = job.category AND p.channel = 'email'
       WHERE COALESCE(p.cadence, job.default_cadence) = 'immediate'
         AND NOT EXISTS (SELECT 1 FROM notification_preferences a WHERE a.user_id = src.recipient_id AND a.category = ? AND a.channel = 'email' AND a.cadence = 'off')
         AND NOT EXISTS (SELECT 1 FROM email_product_mutes m WHERE m.user_id = src.recipient_id AND m.product_id = job.product_id)
       ON CONFLICT (notification_id, channel) DO NOTHING
       RETURNING 1
     )
     UPDATE delivery_fanouts f
        SET next_id = COALESCE((SELECT max(src.id) FROM src), f.last_id) + 1,
            done_at = CASE WHEN (SELECT count(*) FROM src) < ? THEN now() END
       FROM job
      WHERE f.id = job.id
     RETURNING f.id, (SELECT count(*) FROM queued) AS queued, f.done_at IS NOT NULL AS done`,
    [chunk, ALL_EMAIL, chunk],
  );
  const row = result.rows[0];
  return row ? { fanoutId: Number(row.id), queued: Number(row.queued), done: row.done } : { queued: 0, done: false };
}
