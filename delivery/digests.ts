/**
 * Email digests (hourly, daily at the user's local hour): which are due, and what one says.
 *
 * A digest is a delivery row with no notification but a cadence and a window [start, end). The
 * `email-digests` Temporal Schedule (runtime/digests.ts → workflows/digests.ts) calls queueDueDigests
 * every DIGEST_SCHEDULE_SECONDS; one set-based INSERT … SELECT queues, for every user whose last
 * window closed and holds something to tell, one digest row. The rows are unique per
 * (recipient, cadence, window end) and the window follows from the time alone, so a repeated or
 * restarted run finds its row already there and queues nothing: a digest is never queued twice.
 * The delivery worker (delivery/worker.ts) sends it like any other delivery, with a Message-ID of
 * its own, reading the items when it sends (digestItems).
 *
 * Windows: hourly ends at the last full UTC hour; daily at the last `digest_hour`:00 in the user's
 * time zone (a DST day is 23 or 25 hours long). A window starts where the user's previous digest of
 * that cadence ended (at most 7 days back), else one period before its end: a run missed while no
 * worker ran is caught up by the next one instead of being lost.
 */
import type { Knex } from 'knex';
import { getConfig, type DigestSettings } from '../shared/config';
import { ALL_EMAIL, CATEGORY_SQL, defaultEmailCadencesSql } from './preferences';

export const DIGEST_CADENCES = ['hourly', 'daily'] as const;
export type DigestCadence = (typeof DIGEST_CADENCES)[number];

/** the delivery template (and category) of a digest row */
export const DIGEST_TEMPLATE = 'digest';

/**
 * How long after a window's end it is collected: a notification is stamped when its transaction
 * starts, so one committing just after the end still lands in the window it belongs to.
 */
const SETTLE_SECONDS = 30;
/** a window reaches back to the previous digest at most this far */
const MAX_CATCH_UP = `interval '7 days'`;

/**
 * The notifications `n` a digest covers: the recipient's, created in the window, of a category
 * whose email cadence (the user's row, else the role default) is the digest's, and not about a
 * product the user muted. The arguments are SQL expressions; returns the bindings of the defaults.
 */
function coveredBy(x: { recipient: string; role: string; cadence: string; start: string; end: string }): { sql: string; bindings: string[] } {
  const defaults = defaultEmailCadencesSql();
  return {
    sql: `n.recipient_id = ${x.recipient} AND n.created_at >= ${x.start} AND n.created_at < ${x.end}
      AND COALESCE(
        (SELECT p.cadence FROM notification_preferences p WHERE p.user_id = n.recipient_id AND p.channel = 'email' AND p.category = ${CATEGORY_SQL}),
        (SELECT dc.cadence FROM ${defaults.sql} AS dc(role, category, cadence) WHERE dc.role = ${x.role} AND dc.category = ${CATEGORY_SQL}),
        'off') = ${x.cadence}
      AND NOT EXISTS (SELECT 1 FROM email_product_mutes m WHERE m.user_id = n.recipient_id AND m.product_id = n.product_id)`,
    bindings: defaults.bindings,
  };
}

export interface DigestRun {
  /** the instant the run stands at (ISO); windows that closed by then are collected */
  asOf: string;
  /** only these users (an operator re-running one person's window); default: everyone */
  userIds?: string[];
}

/** Queues the due digests; resolves with how many rows were new. */
export async function queueDueDigests(db: Knex, run: DigestRun, settings: DigestSettings = getConfig().digests): Promise<number> {
  const covered = coveredBy({ recipient: 'w.user_id', role: 'w.role', cadence: 'w.cadence', start: 'w.window_start', end: 'w.window_end' });
  const onlyUsers = run.userIds ? `AND u.id = ANY(CAST(? AS uuid[]))` : '';
  const result = await db.raw<{ rows: { id: string }[] }>(
    `WITH params AS (SELECT CAST(? AS timestamptz) - make_interval(secs => ?) AS at),
     people AS (
       SELECT u.id, u.role, COALESCE(s.time_zone, ?) AS tz, COALESCE(s.digest_hour, ?) AS hour
         FROM users u LEFT JOIN notification_digest_settings s ON s.user_id = u.id
        WHERE u.deleted_at IS NULL AND u.disabled_at IS NULL ${onlyUsers}
          AND NOT EXISTS (SELECT 1 FROM notification_preferences a WHERE a.user_id = u.id AND a.category = ? AND a.channel = 'email' AND a.cadence = 'off')
     ),
     ends AS (
       SELECT p.id AS user_id, p.role, 'hourly' AS cadence, date_trunc('hour', params.at, 'UTC') AS window_end,
              date_trunc('hour', params.at, 'UTC') - interval '1 hour' AS nominal_start
         FROM people p, params
       UNION ALL
       SELECT p.id, p.role, 'daily', local.day_end AT TIME ZONE p.tz, (local.day_end - interval '1 day') AT TIME ZONE p.tz
         FROM people p, params,
              LATERAL (SELECT date_trunc('day', params.at AT TIME ZONE p.tz) + make_interval(hours => p.hour) AS today) t,
              LATERAL (SELECT CASE WHEN t.today <= params.at AT TIME ZONE p.tz THEN t.today ELSE t.today - interval '1 day' END AS day_end) local
     ),
     w AS (
       SELECT e.user_id, e.role, e.cadence, e.window_end,
              COALESCE((SELECT max(d.window_end) FROM deliveries d
                         WHERE d.notification_id IS NULL AND d.recipient_id = e.user_id AND d.cadence = e.cadence
                           AND d.window_end < e.window_end AND d.window_end >= e.window_end - ${MAX_CATCH_UP}), e.nominal_start) AS window_start
         FROM ends e
     )
     INSERT INTO deliveries (notification_id, recipient_id, channel, category, template, cadence, window_start, window_end)
     SELECT NULL, w.user_id, 'email', ?, ?, w.cadence, w.window_start, w.window_end FROM w
      WHERE w.window_start < w.window_end
        AND EXISTS (SELECT 1 FROM notifications n WHERE ${covered.sql})
     ON CONFLICT (recipient_id, cadence, window_end) WHERE notification_id IS NULL DO NOTHING
     RETURNING id`,
    [
      run.asOf, SETTLE_SECONDS, settings.defaultTimeZone, settings.defaultHour,
      ...(run.userIds ? [run.userIds] : []),
      ALL_EMAIL, DIGEST_TEMPLATE, DIGEST_TEMPLATE, ...covered.bindings,
    ],
  );
  return result.rows.length;
}

/** One line of a digest: a product (its status now, once) or a sale (its status now), with how many notifications it gathers. */
export interface DigestItem {
  kind: 'inventory' | 'sale';
  productId: string | null;
  productName: string | null;
  saleId: string | null;
  /** the product's stock status or the sale's status when the digest is sent */
  status: string | null;
  available: number | null;
  changes: number;
}

export interface DigestWindow {
  recipientId: string;
  cadence: string;
  windowStart: Date;
  windowEnd: Date;
}

/** What a digest says, read when it is sent: grouped by product (and sale), newest last, each with its latest status once. */
export async function digestItems(db: Knex, digest: DigestWindow): Promise<DigestItem[]> {
  const covered = coveredBy({ recipient: 'u.id', role: 'u.role', cadence: '?', start: '?', end: '?' });
  const result = await db.raw<{ rows: (Omit<DigestItem, 'changes'> & { changes: string })[] }>(
    `SELECT n.kind, n.product_id AS "productId", p.name AS "productName", n.sale_id AS "saleId",
            COALESCE(i.status, s.status) AS status, i.available, count(*) AS changes
       FROM notifications n
       JOIN users u ON u.id = ?
       LEFT JOIN products p ON p.id = n.product_id
       LEFT JOIN inventory i ON i.product_id = n.product_id
       LEFT JOIN sales s ON s.id = n.sale_id
      WHERE ${covered.sql}
      GROUP BY n.kind, n.product_id, p.name, n.sale_id, i.status, s.status, i.available
      ORDER BY max(n.id)`,
    // placeholders in order: the user, then coveredBy's start, end, the defaults, the cadence
    [digest.recipientId, digest.windowStart, digest.windowEnd, ...covered.bindings, digest.cadence],
  );
  return result.rows.map((r) => ({ ...r, changes: Number(r.changes) }));
}
