/** Once per test run: the test database at the latest schema, and the contract's topics. */
import { createDb } from '../shared/db';
import { ensureTopics } from '../shared/kafka';
import { migrateLatest } from '../shared/migrate';
import { preflight } from '../shared/preflight';

export default async function globalSetup(): Promise<void> {
  await preflight({ database: true, kafka: true, temporal: true });
  const knex = createDb();
  try {
    await migrateLatest(knex);
  } finally {
    await knex.destroy();
  }
  await ensureTopics();
}
