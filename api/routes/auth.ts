/**
 * Sessions and the caller's own account: POST /auth/login, /auth/register (customers sign up),
 * /auth/refresh (rotating refresh tokens), /auth/logout; GET and PATCH /me, PUT /me/password.
 * Routes are thin: rules live in api/services/accounts.ts, limits in api/auth/limits.ts.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { findActiveUser } from '../auth/active-user';
import { LOGIN_ATTEMPTS_PER_WINDOW, REGISTRATIONS_PER_WINDOW, loginLimits, registrationLimit } from '../auth/limits';
import { authenticate } from '../auth/middleware';
import { revokeRefreshFamily, spendRefreshToken } from '../auth/refresh-tokens';
import { startSession } from '../auth/session';
import { currentUser } from '../auth/types';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { LOCALES, accountOf, changePassword, dummyPasswordHash, logIn, register, updateOwnAccount, type Locale } from '../services/accounts';
import { parseBody } from '../validate';
import { accountSchema, changePasswordBody, loginBody, refreshBody, registerBody, sessionSchema, updateMeBody } from './account-schemas';

// the limit constants moved to api/auth/limits.ts; re-exported for the tests and docs that name them here
export { LOGIN_ATTEMPTS_PER_WINDOW };

const json = (schema: z.ZodTypeAny) => ({ body: { required: true, content: { 'application/json': { schema } } } });

openapi.registerPath({
  method: 'post', path: '/auth/login', tags: ['auth'],
  summary: 'Log in with email and password; returns an access token and a refresh token',
  request: json(loginBody),
  responses: {
    200: jsonResponse('Logged in', sessionSchema),
    400: problemResponse('Invalid body'),
    401: problemResponse('Invalid email or password, or the account is disabled'),
    429: problemResponse(`Too many failed attempts (${LOGIN_ATTEMPTS_PER_WINDOW} a minute for one email from one address, or too many from one address); see Retry-After. Repeated failures for one email from anywhere are slowed down, never refused`),
  },
});
openapi.registerPath({
  method: 'post', path: '/auth/register', tags: ['auth'],
  summary: 'Sign up as a customer; returns a session like login',
  request: json(registerBody),
  responses: {
    201: jsonResponse('Signed up and logged in', sessionSchema),
    400: problemResponse('Invalid body, or the password breaks the rule (at least 10 characters, not the email, not a common password)'),
    409: problemResponse('An account with this email already exists'),
    429: problemResponse(`More than ${REGISTRATIONS_PER_WINDOW} sign-ups an hour from this address; see Retry-After`),
  },
});
openapi.registerPath({
  method: 'post', path: '/auth/refresh', tags: ['auth'],
  summary: 'Trade a refresh token for a new session; the old refresh token is spent (using it again revokes the whole chain)',
  request: json(refreshBody),
  responses: {
    200: jsonResponse('A new access token and the next refresh token', sessionSchema),
    400: problemResponse('Invalid body'),
    401: problemResponse('Unknown, expired, spent or revoked refresh token, or the user is disabled or deleted'),
  },
});
openapi.registerPath({
  method: 'post', path: '/auth/logout', tags: ['auth'],
  summary: "Revoke the refresh token (and its chain); the access token ends at its expiry",
  request: json(refreshBody),
  responses: { 204: { description: 'Logged out (also when the token was unknown or already revoked)' }, 400: problemResponse('Invalid body') },
});
openapi.registerPath({
  method: 'get', path: '/me', tags: ['auth'], security: secured,
  summary: 'The authenticated caller',
  responses: { 200: jsonResponse('The caller', accountSchema), 401: problemResponse('Missing, expired or invalid token, or the user is disabled or deleted') },
});
openapi.registerPath({
  method: 'patch', path: '/me', tags: ['auth'], security: secured,
  summary: 'Change your name or locale',
  request: json(updateMeBody),
  responses: { 200: jsonResponse('The updated caller', accountSchema), 400: problemResponse('Invalid body'), 401: problemResponse('Not authenticated') },
});
openapi.registerPath({
  method: 'put', path: '/me/password', tags: ['auth'], security: secured,
  summary: 'Change your password; every refresh token of yours is revoked and a new session returned',
  request: json(changePasswordBody),
  responses: {
    200: jsonResponse('Password changed; a new session', sessionSchema),
    400: problemResponse('Invalid body, or the new password breaks the rule'),
    401: problemResponse('Not authenticated'),
    403: problemResponse('The current password is wrong'),
  },
});

/** es | en from Accept-Language (by its q-values); es when it names neither. */
function localeFrom(req: Request): Locale {
  const best = req.acceptsLanguages(...LOCALES);
  return typeof best === 'string' && req.headers['accept-language'] ? (best as Locale) : 'es';
}

export function authRoutes(deps: Dependencies): Router {
  const router = Router();
  // computed now, so the first unknown-email login is not slower than the ones after it
  void dummyPasswordHash();

  router.post('/auth/login', ...loginLimits(), async (req, res) => {
    const { email, password } = parseBody(loginBody, req);
    const user = await logIn(deps.db, email, password);
    res.json(await startSession(deps.db, user));
  });

  router.post('/auth/register', registrationLimit(), async (req, res) => {
    const body = parseBody(registerBody, req);
    const user = await register(deps.db, { ...body, locale: body.locale ?? localeFrom(req) });
    res.status(201).json(await startSession(deps.db, user));
  });

  router.post('/auth/refresh', async (req, res) => {
    const { refreshToken } = parseBody(refreshBody, req);
    const spent = await spendRefreshToken(deps.db, refreshToken);
    if (!spent.ok) throw AppError.unauthorized(spent.reason === 'expired' ? 'refresh token expired; log in again' : 'invalid refresh token; log in again');
    // a disabled or deleted user's refresh tokens are revoked, but check anyway: one query
    if (!(await findActiveUser(deps.db, spent.userId))) throw AppError.unauthorized('invalid refresh token; log in again');
    res.json(await startSession(deps.db, await accountOf(deps.db, spent.userId), spent.next));
  });

  router.post('/auth/logout', async (req, res) => {
    const { refreshToken } = parseBody(refreshBody, req);
    await revokeRefreshFamily(deps.db, refreshToken);
    res.status(204).end();
  });

  router.get('/me', authenticate, async (_req, res) => {
    res.json(await accountOf(deps.db, currentUser(res).id));
  });

  router.patch('/me', authenticate, async (req, res) => {
    const change = parseBody(updateMeBody, req);
    res.json(await updateOwnAccount(deps.db, currentUser(res).id, change));
  });

  router.put('/me/password', authenticate, async (req, res) => {
    const { currentPassword, newPassword } = parseBody(changePasswordBody, req);
    const user = await changePassword(deps.db, currentUser(res), currentPassword, newPassword);
    res.json(await startSession(deps.db, user));
  });

  return router;
}
