/**
 * The email channel (issue #13). A notification is a fact (the inbox row); a delivery is one attempt
 * to tell its recipient on one channel, so the two live apart:
 * - notification_preferences: a user's overrides of the role defaults (delivery/preferences.ts), one
 *   row per (category, channel). `category = 'all'` with channel email and cadence off is "no email
 *   at all" (the unsubscribe page's option);
 * - email_product_mutes: a customer left one product's emails (the unsubscribe link of that mail);
 * - deliveries: queued → sent | failed | skipped, with attempts, the last error and when to try
 *   next. Unique per (notification, channel): a redelivered event cannot queue a second mail.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notification_preferences', (t) => {
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('category').notNullable();
    t.text('channel').notNullable();
    t.text('cadence').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'category', 'channel']);
  });
  await knex.raw(`ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_channel_known CHECK (channel IN ('in_app', 'email'))`);
  await knex.raw(`ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_cadence_known CHECK (cadence IN ('off', 'immediate', 'hourly', 'daily'))`);

  await knex.schema.createTable('email_product_mutes', (t) => {
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('product_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'product_id']);
  });

  await knex.schema.createTable('deliveries', (t) => {
    t.bigIncrements('id');
    t.bigInteger('notification_id').notNullable().references('notifications.id').onDelete('CASCADE');
    t.uuid('recipient_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('channel').notNullable();
    t.text('category').notNullable();
    /** which email template renders it (delivery/templates) */
    t.text('template').notNullable();
    t.text('status').notNullable().defaultTo('queued');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('message_id').nullable();
    t.timestamp('sent_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['notification_id', 'channel']);
    t.index(['recipient_id']);
  });
  await knex.raw(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_known CHECK (status IN ('queued', 'sent', 'failed', 'skipped'))`);
  await knex.raw(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_channel_known CHECK (channel IN ('email'))`);
  // the workers' claim: due queued rows, oldest first (a partial index stays small: sent rows leave it)
  await knex.raw(`CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'queued'`);
  await knex.raw(`CREATE INDEX deliveries_failed ON deliveries (updated_at DESC) WHERE status = 'failed'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('deliveries');
  await knex.schema.dropTableIfExists('email_product_mutes');
  await knex.schema.dropTableIfExists('notification_preferences');
}
