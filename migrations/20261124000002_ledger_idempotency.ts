/**
 * Makes every stock-changing activity idempotent at the database level: a retried activity whose
 * first attempt committed hits these unique keys instead of moving stock twice.
 * - a sale moves each product at most once per kind of movement (reserve, release, sale);
 * - a staff stock change carries the request key it was made under.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stock_movements', (t) => {
    t.text('request_key').nullable().unique();
  });
  await knex.raw(`CREATE UNIQUE INDEX stock_movements_one_per_sale_product_type ON stock_movements (sale_id, product_id, type) WHERE sale_id IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS stock_movements_one_per_sale_product_type');
  await knex.schema.alterTable('stock_movements', (t) => {
    t.dropColumn('request_key');
  });
}
