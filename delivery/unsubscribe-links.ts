/**
 * Unsubscribe links for emails: an HS256 JWT naming the recipient (`sub`) and what they leave (a
 * product they follow, a category of notifications, or all email). Signed with UNSUBSCRIBE_SECRET
 * (by default a key derived from JWT_SECRET, never JWT_SECRET itself), so the link works without a
 * login and cannot be forged or turned into an access token. The same URL serves the RFC 8058
 * one-click POST (`List-Unsubscribe=One-Click`) and a person clicking it in a browser.
 */
import { SignJWT, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { getConfig } from '../shared/config';

const ISSUER = 'sales-saga';
const AUDIENCE = 'unsubscribe';
const ALGORITHM = 'HS256';

/** The path of the unsubscribe endpoint under PUBLIC_BASE_URL; the token rides in `?token=`. */
export const UNSUBSCRIBE_PATH = '/unsubscribe';

export const unsubscribeScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('product'), productId: z.string().min(1) }),
  z.object({ kind: z.literal('category'), category: z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'a category is a lower-case name') }),
  z.object({ kind: z.literal('all') }),
]);

export type UnsubscribeScope = z.infer<typeof unsubscribeScopeSchema>;

export interface UnsubscribeRequest {
  userId: string;
  scope: UnsubscribeScope;
}

export type UnsubscribeFailure = 'expired' | 'bad-signature' | 'wrong-purpose' | 'malformed';

export type UnsubscribeVerification = { ok: true; request: UnsubscribeRequest } | { ok: false; reason: UnsubscribeFailure };

export interface TokenOptions {
  /** defaults to the configured secret; tests sign with another to see it rejected */
  secret?: string;
  /** defaults to UNSUBSCRIBE_TTL_DAYS */
  ttlSeconds?: number;
  /** unix seconds; tests move it into the past to make expired tokens */
  issuedAt?: number;
}

function key(secret = getConfig().mail.unsubscribeSecret): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signUnsubscribeToken(request: UnsubscribeRequest, options: TokenOptions = {}): Promise<string> {
  const scope = unsubscribeScopeSchema.parse(request.scope);
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(request.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.ttlSeconds ?? getConfig().mail.unsubscribeTtlSeconds))
    .sign(key(options.secret));
}

export async function verifyUnsubscribeToken(token: string, options: Pick<TokenOptions, 'secret'> = {}): Promise<UnsubscribeVerification> {
  let payload: Record<string, unknown>;
  try {
    // algorithms pinned, so a token cannot choose its own (e.g. "none")
    ({ payload } = await jwtVerify(token, key(options.secret), { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALGORITHM], requiredClaims: ['exp', 'sub'] }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
    if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad-signature' };
    if (err instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: 'wrong-purpose' };
    return { ok: false, reason: 'malformed' };
  }
  const scope = unsubscribeScopeSchema.safeParse(payload.scope);
  if (!scope.success || typeof payload.sub !== 'string' || payload.sub === '') return { ok: false, reason: 'malformed' };
  return { ok: true, request: { userId: payload.sub, scope: scope.data } };
}

/** The link an email carries: PUBLIC_BASE_URL + /unsubscribe?token=… */
export async function unsubscribeUrl(request: UnsubscribeRequest, options: TokenOptions = {}): Promise<string> {
  const url = new URL(`${getConfig().mail.publicBaseUrl}${UNSUBSCRIBE_PATH}`);
  url.searchParams.set('token', await signUnsubscribeToken(request, options));
  return url.toString();
}
