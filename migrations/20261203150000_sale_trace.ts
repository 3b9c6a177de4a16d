/**
 * sales.trace_id / sales.trace_span_id (issue #16): the trace and span that reserved the sale (its
 * POST's trace), written by the reserve step when tracing is on. What happens to the sale later in
 * other traces — a PATCH, the reservation's expiry, the reconciliation's release — links back to it
 * (activities/publish.ts). NULL when the sale was reserved with tracing off.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sales', (t) => {
    t.text('trace_id').nullable();
    t.text('trace_span_id').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sales', (t) => {
    t.dropColumn('trace_span_id');
    t.dropColumn('trace_id');
  });
}
