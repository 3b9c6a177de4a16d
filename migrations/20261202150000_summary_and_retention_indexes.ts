/**
 * - sales(completed_at) / sales(cancelled_at), partial: GET /sales/summary counts each status on the
 *   date it was reached, so it ranges over these columns (RESERVED uses the (status, created_at) index);
 * - processed_events(processed_at): the consumers prune rows past PROCESSED_EVENTS_RETENTION_DAYS
 *   (consumers/retention.ts) by this column.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS sales_completed_at_index ON sales (completed_at) WHERE completed_at IS NOT NULL');
  await knex.raw('CREATE INDEX IF NOT EXISTS sales_cancelled_at_index ON sales (cancelled_at) WHERE cancelled_at IS NOT NULL');
  await knex.raw('CREATE INDEX IF NOT EXISTS processed_events_processed_at_index ON processed_events (processed_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS processed_events_processed_at_index');
  await knex.raw('DROP INDEX IF EXISTS sales_cancelled_at_index');
  await knex.raw('DROP INDEX IF EXISTS sales_completed_at_index');
}
