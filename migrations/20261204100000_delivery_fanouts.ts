/**
 * Large fan-outs' email deliveries (issue #13 §7). A back-in-stock for 100 000 followers writes
 * 100 000 inbox rows in the notify consumer's transaction; writing their 100 000 delivery rows (two
 * foreign-key checks and four indexes each) in the same transaction doubled the time to the in-app
 * push. Above DELIVERY_FANOUT_INLINE_MAX recipients the consumer writes one job row instead, in the
 * same statement, so a committed notification still always leads to its email; the delivery
 * workers expand the job into delivery rows a chunk at a time (next_id is the cursor over the
 * notifications' id range; a chunk's rows and the cursor move commit together).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('delivery_fanouts', (t) => {
    t.bigIncrements('id');
    /** the notifications it covers: this event's rows for this audience, ids first_id..last_id */
    t.text('event_id').notNullable();
    t.text('audience').notNullable();
    t.bigInteger('first_id').notNullable();
    t.bigInteger('last_id').notNullable();
    t.bigInteger('next_id').notNullable();
    t.text('category').notNullable();
    t.text('template').notNullable();
    /** the role's default email cadence for the category (a user without their own row) */
    t.text('default_cadence').notNullable();
    t.text('product_id').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('done_at', { useTz: true }).nullable();
  });
  await knex.raw(`CREATE INDEX delivery_fanouts_open ON delivery_fanouts (id) WHERE done_at IS NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('delivery_fanouts');
}
