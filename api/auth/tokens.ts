/**
 * Access tokens: HS256 JWTs signed with the configured secret, short-lived (JWT_TTL_SECONDS; a
 * session lives on through refresh tokens, api/auth/refresh-tokens.ts). `sub` is the user id; email,
 * name and role ride along for clients, but the API takes the caller's current role from the users
 * row on every request (api/auth/middleware.ts), so a changed role applies at once. Verification tells an
 * expired token from an invalid one, because a client should log in again for the first and treat
 * the second as a bug or an attack.
 */
import { SignJWT, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { getConfig } from '../../shared/config';
import { ROLES, type AuthUser } from './types';

const ISSUER = 'sales-saga';
const ALGORITHM = 'HS256';

const claimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
});

function key(): Uint8Array {
  return new TextEncoder().encode(getConfig().auth.jwtSecret);
}

export interface SignedToken {
  token: string;
  /** seconds until the token expires */
  expiresIn: number;
}

export interface SignOptions {
  /** defaults to the configured JWT_TTL_SECONDS */
  ttlSeconds?: number;
  /** unix seconds; tests move it into the past to make expired tokens */
  issuedAt?: number;
}

export async function signToken(user: AuthUser, options: SignOptions = {}): Promise<SignedToken> {
  const ttl = options.ttlSeconds ?? getConfig().auth.jwtTtlSeconds;
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ email: user.email, name: user.name, role: user.role })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(key());
  return { token, expiresIn: ttl };
}

export type VerifyResult =
  | { ok: true; user: AuthUser; /** unix seconds */ expiresAt: number }
  | { ok: false; reason: 'expired' | 'invalid' };

export async function verifyToken(token: string): Promise<VerifyResult> {
  try {
    // algorithms is pinned so a token cannot pick its own (e.g. "none")
    const { payload } = await jwtVerify(token, key(), { issuer: ISSUER, algorithms: [ALGORITHM], requiredClaims: ['exp', 'sub'] });
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) return { ok: false, reason: 'invalid' };
    const { sub, email, name, role } = claims.data;
    return { ok: true, user: { id: sub, email, name, role }, expiresAt: payload.exp! };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
    return { ok: false, reason: 'invalid' };
  }
}
