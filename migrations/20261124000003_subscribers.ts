/**
 * The subscribers' tables (DESIGN §5, issue #5):
 * - processed_events: which event ids each consumer group has applied; written in the same
 *   transaction as the effect, so a redelivered event is recognised and skipped (exactly-once effect);
 * - consumer_product_state: the newest inventory version each group has applied per product, so an
 *   older event arriving late cannot regress a status;
 * - product_follows: which products a user wants inventory notifications for;
 * - notifications: every recipient's inbox; one row per (recipient, event);
 * - product_sales_daily: analytics-group's read model for GET /sales/summary.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('processed_events', (t) => {
    t.text('consumer_group').notNullable();
    t.text('event_id').notNullable();
    t.timestamp('processed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['consumer_group', 'event_id']);
  });

  await knex.schema.createTable('consumer_product_state', (t) => {
    t.text('consumer_group').notNullable();
    // no foreign key: a group must be able to hold state for an event about a product it cannot see
    t.text('product_id').notNullable();
    t.bigInteger('version').notNullable();
    t.text('status').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['consumer_group', 'product_id']);
  });

  await knex.schema.createTable('product_follows', (t) => {
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('product_id').notNullable().references('products.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'product_id']);
    t.index(['product_id']); // "who follows this product" is the consumer's question
  });

  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id');
    t.uuid('recipient_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('audience').notNullable();
    t.text('kind').notNullable();
    t.text('product_id').nullable();
    t.uuid('sale_id').nullable();
    t.text('status').notNullable();
    t.text('title').notNullable();
    t.text('body').notNullable();
    t.text('event_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('read_at', { useTz: true }).nullable();
    t.unique(['recipient_id', 'event_id']);
  });
  await knex.raw(`ALTER TABLE notifications ADD CONSTRAINT notifications_kind_known CHECK (kind IN ('inventory', 'sale'))`);
  // the inbox query: one recipient, unread first, newest first
  await knex.raw('CREATE INDEX notifications_inbox ON notifications (recipient_id, read_at, id DESC)');

  await knex.schema.createTable('product_sales_daily', (t) => {
    t.text('product_id').notNullable().references('products.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.integer('units_sold').notNullable().defaultTo(0);
    t.bigInteger('revenue').notNullable().defaultTo(0); // minor units, after discount
    t.integer('sales_count').notNullable().defaultTo(0);
    t.primary(['product_id', 'day']);
    t.index(['day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['product_sales_daily', 'notifications', 'product_follows', 'consumer_product_state', 'processed_events']) {
    await knex.schema.dropTableIfExists(table);
  }
}
