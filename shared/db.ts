/** The PostgreSQL connection pool (knex over pg), one per process. */
import knex, { type Knex } from 'knex';
import { getConfig } from './config';

export function createDb(overrides: Partial<Knex.Config> = {}): Knex {
  const { database } = getConfig();
  return knex({
    client: 'pg',
    connection: database.url,
    pool: { min: 0, max: database.poolMax },
    // fail fast with a clear error instead of hanging when the server is unreachable
    acquireConnectionTimeout: 10_000,
    ...overrides,
  });
}

let shared: Knex | undefined;

export function db(): Knex {
  shared ??= createDb();
  return shared;
}

export async function closeDb(): Promise<void> {
  if (shared) await shared.destroy();
  shared = undefined;
}
