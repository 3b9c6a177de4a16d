/**
 * Whether a user may still use the service. Tokens are stateless and live for an hour, so anything
 * long-lived (an open stream, a stream ticket) asks this instead of trusting the token alone.
 * The one place for the rule: today the users row must exist; a disabled flag joins it here.
 */
import type { Knex } from 'knex';

export async function isActiveUser(db: Knex, userId: string): Promise<boolean> {
  const row = (await db('users').where({ id: userId }).first('id')) as { id: string } | undefined;
  return row !== undefined;
}
