/**
 * Digests and the per-(user, product) email throttle (issue #13, point 4):
 * - notification_digest_settings: a user's local digest hour and IANA time zone (no row: the
 *   shop's defaults, DIGEST_DEFAULT_HOUR / DIGEST_DEFAULT_TIME_ZONE);
 * - deliveries may now be a digest: no notification, but a cadence and the window it covers.
 *   Unique per (recipient, cadence, window end), so re-running a window (a restarted worker, a
 *   repeated scheduled run) cannot queue a second digest;
 * - email_throttle: the window each (user, product) is in after a stock email went out; the delivery
 *   worker takes it with one conditional upsert, so two workers cannot both send inside it.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notification_digest_settings', (t) => {
    t.uuid('user_id').primary().references('users.id').onDelete('CASCADE');
    t.smallint('digest_hour').nullable();
    t.text('time_zone').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE notification_digest_settings ADD CONSTRAINT notification_digest_settings_hour CHECK (digest_hour BETWEEN 0 AND 23)`);

  await knex.raw('ALTER TABLE deliveries ALTER COLUMN notification_id DROP NOT NULL');
  await knex.schema.alterTable('deliveries', (t) => {
    t.text('cadence').nullable();
    t.timestamp('window_start', { useTz: true }).nullable();
    t.timestamp('window_end', { useTz: true }).nullable();
  });
  await knex.raw(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_notification_or_digest
    CHECK ((notification_id IS NOT NULL AND cadence IS NULL) OR (notification_id IS NULL AND cadence IN ('hourly', 'daily') AND window_start IS NOT NULL AND window_end > window_start))`);
  await knex.raw(`CREATE UNIQUE INDEX deliveries_digest_window ON deliveries (recipient_id, cadence, window_end) WHERE notification_id IS NULL`);
  // a digest reads one recipient's notifications of a time window
  await knex.raw(`CREATE INDEX notifications_recipient_created ON notifications (recipient_id, created_at)`);

  await knex.schema.createTable('email_throttle', (t) => {
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('product_id').notNullable();
    /** the delivery that opened the window (its retries may send inside it) */
    t.bigInteger('delivery_id').notNullable();
    t.timestamp('window_until', { useTz: true }).notNullable();
    t.primary(['user_id', 'product_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('email_throttle');
  await knex.raw('DROP INDEX IF EXISTS notifications_recipient_created');
  await knex.raw('DROP INDEX IF EXISTS deliveries_digest_window');
  await knex.raw('ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_notification_or_digest');
  await knex('deliveries').whereNull('notification_id').delete();
  await knex.schema.alterTable('deliveries', (t) => {
    t.dropColumn('window_end');
    t.dropColumn('window_start');
    t.dropColumn('cadence');
  });
  await knex.raw('ALTER TABLE deliveries ALTER COLUMN notification_id SET NOT NULL');
  await knex.schema.dropTableIfExists('notification_digest_settings');
}
