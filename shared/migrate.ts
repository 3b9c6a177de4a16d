/** Runs the knex migrations in migrations/ (TypeScript, loaded through tsx or jest's transform). */
import { join } from 'node:path';
import type { Knex } from 'knex';

export const migrationConfig: Knex.MigratorConfig = {
  directory: join(__dirname, '..', 'migrations'),
  loadExtensions: ['.ts'],
  tableName: 'knex_migrations',
};

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}
