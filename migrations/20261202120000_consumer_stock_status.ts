/**
 * consumer_product_state.stock_status: the status of the last `inventory.updated` a group applied
 * for a product, the baseline an inventory change is news against (issue #11). The event's own
 * `previous_status` is not: two sagas' events for one product can arrive out of order, and the late
 * one's "from" is not what the group told people. `status` keeps the last status applied of either
 * kind (a reported status included); a report does not move this baseline. NULL (no change applied
 * yet, or rows from before this column) falls back to the event's previous_status.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('consumer_product_state', (t) => {
    t.text('stock_status');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('consumer_product_state', (t) => {
    t.dropColumn('stock_status');
  });
}
