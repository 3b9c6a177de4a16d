/**
 * Rotating refresh tokens (data access). A token is 256 random bits, given to the client once and
 * stored only as its SHA-256 (a database leak gives no usable tokens; the tokens are random, so a
 * fast hash is enough). Each refresh spends the token and issues the next one of the same family
 * (one login = one family). A spent token presented again means two holders — the client and a
 * thief — so the whole family is revoked. Logout revokes the family; a password change, disable
 * or delete revokes all of the user's families.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { getConfig } from '../../shared/config';

export interface IssuedRefreshToken {
  refreshToken: string;
  /** seconds */
  refreshExpiresIn: number;
}

export type SpendResult = { ok: true; userId: string; next: IssuedRefreshToken } | { ok: false; reason: 'unknown' | 'expired' | 'reused' };

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

async function insertToken(db: Knex, userId: string, familyId: string): Promise<IssuedRefreshToken> {
  const ttl = getConfig().auth.refreshTtlSeconds;
  const refreshToken = randomBytes(32).toString('base64url');
  await db('refresh_tokens').insert({ user_id: userId, family_id: familyId, token_hash: hashOf(refreshToken), expires_at: new Date(Date.now() + ttl * 1000) });
  return { refreshToken, refreshExpiresIn: ttl };
}

/** A new family (a login): also clears the user's expired rows, so the table does not grow forever. */
export async function issueRefreshToken(db: Knex, userId: string): Promise<IssuedRefreshToken> {
  await db('refresh_tokens').where({ user_id: userId }).where('expires_at', '<', db.fn.now()).delete();
  return insertToken(db, userId, randomUUID());
}

/** Spends `token` and issues its successor, in one transaction (the row lock orders concurrent refreshes). */
export function spendRefreshToken(db: Knex, token: string): Promise<SpendResult> {
  return db.transaction(async (trx) => {
    const row = (await trx('refresh_tokens').where({ token_hash: hashOf(token) }).forUpdate().first('id', 'user_id', 'family_id', 'expires_at', 'revoked_at')) as
      | { id: string; user_id: string; family_id: string; expires_at: Date; revoked_at: Date | null }
      | undefined;
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revoked_at) {
      await trx('refresh_tokens').where({ family_id: row.family_id }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
      return { ok: false, reason: 'reused' };
    }
    if (row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
    await trx('refresh_tokens').where({ id: row.id }).update({ revoked_at: trx.fn.now() });
    return { ok: true, userId: row.user_id, next: await insertToken(trx, row.user_id, row.family_id) };
  });
}

/** Logout: the token's whole family. Unknown tokens are ignored (logging out twice is fine). */
export async function revokeRefreshFamily(db: Knex, token: string): Promise<void> {
  const family = db('refresh_tokens').select('family_id').where({ token_hash: hashOf(token) });
  await db('refresh_tokens').whereIn('family_id', family).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
}

/** Password change, disable, delete: every session of the user. */
export async function revokeAllRefreshTokens(db: Knex, userId: string): Promise<void> {
  await db('refresh_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
}
