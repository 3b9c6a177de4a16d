/** What must exist before the processes start: the schema, the topics, and (dev only) demo data. */
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { seedDemoData } from '../shared/demo-data';
import { ensureTopics } from '../shared/kafka';
import { componentLogger } from '../shared/logger';
import { migrateLatest } from '../shared/migrate';
import { preflight } from '../shared/preflight';

export async function prepare(): Promise<void> {
  const log = componentLogger('prepare');
  await preflight({ database: true, kafka: true, temporal: true });
  const knex = createDb();
  try {
    const applied = await migrateLatest(knex);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    const created = await ensureTopics();
    if (created.length > 0) log.info({ created }, 'topics created');
    if (getConfig().demo.seed) {
      const seeded = await seedDemoData(knex, getConfig().demo.password);
      if (seeded.products + seeded.users > 0) log.info(seeded, 'demo data seeded');
    }
  } finally {
    await knex.destroy();
  }
}
