/** What a login, a sign-up, a refresh and a password change answer: an access token and a refresh token. */
import type { Knex } from 'knex';
import { issueRefreshToken, type IssuedRefreshToken } from './refresh-tokens';
import { signToken } from './tokens';
import type { AuthUser } from './types';

export interface Session<U extends AuthUser = AuthUser> extends IssuedRefreshToken {
  token: string;
  expiresIn: number;
  user: U;
}

export async function startSession<U extends AuthUser>(db: Knex, user: U, refresh?: IssuedRefreshToken): Promise<Session<U>> {
  const [{ token, expiresIn }, next] = await Promise.all([signToken(user), refresh ?? issueRefreshToken(db, user.id)]);
  return { token, expiresIn, ...next, user };
}
