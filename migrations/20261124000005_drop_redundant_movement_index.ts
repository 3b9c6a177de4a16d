/**
 * stock_movements had a plain index on sale_id beside the partial unique index on
 * (sale_id, product_id, type) WHERE sale_id IS NOT NULL (0002). Every lookup by sale id uses the
 * unique index (`sale_id = …` implies NOT NULL), so the plain one only cost a write per movement on
 * the hottest statement of the service (activities/inventory-ledger.ts). Measured by `npm run bench`.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS stock_movements_sale_id_index');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS stock_movements_sale_id_index ON stock_movements (sale_id)');
}
