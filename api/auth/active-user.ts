/**
 * Whether a user may still act. Tokens are checked against the users row on every request (one
 * primary-key lookup), so an admin's disable, delete or role change applies at once rather than
 * when the token expires. The condition is written once, here: `activeUsers`.
 */
import type { Knex } from 'knex';
import type { AuthUser, Role } from './types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Users who may act: not deleted (soft delete keeps the row for the sales history) and not disabled. */
function activeUsers(db: Knex): Knex.QueryBuilder {
  return db('users').whereNull('deleted_at').whereNull('disabled_at');
}

export async function isActiveUser(db: Knex, userId: string): Promise<boolean> {
  // a token's subject is not trusted to be a uuid: PostgreSQL would answer a cast error
  if (!UUID.test(userId)) return false;
  return (await activeUsers(db).where({ id: userId }).first('id')) !== undefined;
}

/** The caller as the database has them now (current name and role), if they may still act. */
export async function findActiveUser(db: Knex, userId: string): Promise<AuthUser | undefined> {
  if (!UUID.test(userId)) return undefined;
  const row = (await activeUsers(db).where({ id: userId }).first('id', 'email', 'name', 'role')) as { id: string; email: string; name: string; role: Role } | undefined;
  return row && { id: row.id, email: row.email, name: row.name, role: row.role };
}
