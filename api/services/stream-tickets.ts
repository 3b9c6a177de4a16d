/**
 * Stream tickets (migration 20261202130000): issued to an authenticated caller, redeemed once by a
 * stream endpoint within the ticket's TTL. A redeemed ticket names the user as the users table has
 * them now, so a role change, disable or removal since the token was signed is seen.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { ROLES, type AuthUser } from '../auth/types';

const hash = (ticket: string): string => createHash('sha256').update(ticket).digest('hex');

export interface IssuedTicket {
  ticket: string;
  /** seconds */
  expiresIn: number;
}

/** `accessExpiresAt`: unix seconds, when the caller's token expires (the stream ends then). */
export async function issueStreamTicket(db: Knex, userId: string, accessExpiresAt: number, ttlSeconds: number): Promise<IssuedTicket> {
  const ticket = randomBytes(32).toString('base64url');
  const now = Date.now();
  await db('stream_tickets').insert({
    ticket_hash: hash(ticket),
    user_id: userId,
    expires_at: new Date(now + ttlSeconds * 1000),
    access_expires_at: new Date(accessExpiresAt * 1000),
  });
  // unused tickets are swept as new ones are issued: the table stays as small as the TTL allows
  await db('stream_tickets').where('expires_at', '<', new Date(now)).delete();
  return { ticket, expiresIn: ttlSeconds };
}

export interface RedeemedTicket {
  user: AuthUser;
  /** unix seconds */
  accessExpiresAt: number;
}

/** The ticket's user, once; undefined for an unknown, used or expired ticket. */
export async function redeemStreamTicket(db: Knex, ticket: string): Promise<RedeemedTicket | undefined> {
  const { rows } = (await db.raw(
    `WITH used AS (DELETE FROM stream_tickets WHERE ticket_hash = ? RETURNING user_id, expires_at, access_expires_at)
     SELECT u.id, u.email, u.name, u.role, used.access_expires_at
       FROM used JOIN users u ON u.id = used.user_id
      WHERE used.expires_at > now() AND u.deleted_at IS NULL AND u.disabled_at IS NULL`,
    [hash(ticket)],
  )) as { rows: { id: string; email: string; name: string; role: string; access_expires_at: Date }[] };
  const row = rows[0];
  if (!row || !(ROLES as readonly string[]).includes(row.role)) return undefined;
  return {
    user: { id: row.id, email: row.email, name: row.name, role: row.role as AuthUser['role'] },
    accessExpiresAt: Math.floor(row.access_expires_at.getTime() / 1000),
  };
}
