/**
 * POST /auth/login exchanges email + password for a bearer token; GET /me says who the token
 * belongs to. Login answers the same 401 whether the email is unknown or the password wrong, and
 * does the same scrypt work in both cases, so neither the message nor the timing reveals which
 * emails have accounts.
 */
import { Router, type Request } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { authenticate } from '../auth/middleware';
import { hashPassword, verifyPassword } from '../../shared/passwords';
import { signToken } from '../auth/tokens';
import { ROLES, currentUser, type AuthUser, type Role } from '../auth/types';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { parseBody } from '../validate';

/** Failed logins allowed per client IP and email per window; a code constant on purpose (not tunable by env). */
export const LOGIN_ATTEMPTS_PER_WINDOW = 10;
const LOGIN_WINDOW_MS = 60_000;

const loginBody = z
  .object({
    email: z.string().trim().toLowerCase().email().max(320).openapi({ example: 'admin@example.com' }),
    password: z.string().min(1).max(1024).openapi({ example: 'demo-password' }),
  })
  .openapi('LoginRequest');

const userSchema = z
  .object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(ROLES) })
  .openapi('User');

const loginResponse = z
  .object({
    token: z.string().openapi({ description: 'send as `Authorization: Bearer <token>`' }),
    expiresIn: z.number().int().openapi({ description: 'seconds until the token expires', example: 3600 }),
    user: userSchema,
  })
  .openapi('LoginResponse');

openapi.registerPath({
  method: 'post',
  path: '/auth/login',
  tags: ['auth'],
  summary: 'Log in with email and password; returns a bearer token',
  request: { body: { required: true, content: { 'application/json': { schema: loginBody } } } },
  responses: {
    200: jsonResponse('Logged in', loginResponse),
    400: problemResponse('Invalid body'),
    401: problemResponse('Invalid email or password'),
    429: problemResponse(`More than ${LOGIN_ATTEMPTS_PER_WINDOW} failed attempts a minute for this email from this address; see Retry-After`),
  },
});

openapi.registerPath({
  method: 'get',
  path: '/me',
  tags: ['auth'],
  summary: 'The authenticated caller',
  security: secured,
  responses: { 200: jsonResponse('The caller', userSchema), 401: problemResponse('Missing, expired or invalid token') },
});

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
}

// Verified against when the email is unknown, so that path costs one scrypt like a real check.
let dummyHash: Promise<string> | undefined;
const dummy = (): Promise<string> => (dummyHash ??= hashPassword('no-such-user-dummy-password'));

function loginKey(req: Request): string {
  const email: unknown = (req.body as { email?: unknown } | undefined)?.email;
  const who = typeof email === 'string' ? email.trim().toLowerCase() : '';
  // ipKeyGenerator groups an IPv6 client's whole /56, which it could otherwise rotate through
  return `${ipKeyGenerator(req.ip ?? 'unknown')}|${who}`;
}

function loginLimiter() {
  return rateLimit({
    windowMs: LOGIN_WINDOW_MS,
    limit: LOGIN_ATTEMPTS_PER_WINDOW,
    // successful logins do not count: the limit is against guessing, not against using the service
    skipSuccessfulRequests: true,
    keyGenerator: loginKey,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => {
      next(new AppError(429, 'Too many requests', 'too many failed login attempts; wait and try again (see Retry-After)'));
    },
  });
}

const toAuthUser = (row: Pick<UserRow, 'id' | 'email' | 'name' | 'role'>): AuthUser => ({ id: row.id, email: row.email, name: row.name, role: row.role });

export function authRoutes(deps: Dependencies): Router {
  const router = Router();
  // computed now, so the first unknown-email login is not slower than the ones after it
  void dummy();

  router.post('/auth/login', loginLimiter(), async (req, res) => {
    const { email, password } = parseBody(loginBody, req);
    const row = (await deps.db('users').whereRaw('lower(email) = ?', [email]).first()) as UserRow | undefined;
    const valid = await verifyPassword(password, row?.password_hash ?? (await dummy()));
    if (!row || !valid) throw AppError.unauthorized('invalid email or password');
    const user = toAuthUser(row);
    const { token, expiresIn } = await signToken(user);
    res.json({ token, expiresIn, user });
  });

  router.get('/me', authenticate, async (_req, res) => {
    const caller = currentUser(res);
    // read back, so a renamed user sees the current name and a deleted one is told
    const row = (await deps.db('users').select('id', 'email', 'name', 'role').where({ id: caller.id }).first()) as UserRow | undefined;
    if (!row) throw AppError.unauthorized('the user of this token no longer exists');
    res.json(toAuthUser(row));
  });

  return router;
}
