/**
 * `authenticate` turns a bearer token into `res.locals.user`; `requireRole` then decides. Both
 * answer through the problem+json handler. Apply them per route, never with router.use(): routers
 * are mounted at the root, so a router-wide guard would also catch other routers' paths.
 *
 * A valid signature is not enough: the user must still be active (api/auth/active-user.ts), and
 * their role and name are the database's current ones, not the token's copy (issue #12).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import { AppError } from '../../shared/errors';
import { redeemStreamTicket } from '../services/stream-tickets';
import { findActiveUser } from './active-user';
import { verifyToken } from './tokens';
import { currentUser, type Role } from './types';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The database the app was built with (api/app.ts puts it in app.locals). */
function dbOf(req: Request): Knex {
  const db = (req.app.locals as { db?: Knex }).db;
  if (!db) throw new Error('app.locals.db is not set: createApp must set it for authenticate');
  return db;
}

async function admit(req: Request, res: Response, userId: string): Promise<void> {
  const user = await findActiveUser(dbOf(req), userId);
  if (!user) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="sales-saga", error="invalid_token", error_description="user disabled or deleted"');
    throw AppError.unauthorized('the user of this token is disabled or no longer exists');
  }
  res.locals.user = user;
}

export const authenticate: RequestHandler = async (req, res, next) => {
  const match = BEARER.exec(req.headers.authorization ?? '');
  if (!match) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="sales-saga"');
    throw AppError.unauthorized('missing bearer token');
  }
  const result = await verifyToken(match[1]!);
  if (!result.ok) {
    // RFC 6750 §3: tell clients (and their libraries) why, so they know to log in again
    res.setHeader('WWW-Authenticate', `Bearer realm="sales-saga", error="invalid_token", error_description="token ${result.reason}"`);
    throw AppError.unauthorized(result.reason === 'expired' ? 'token expired' : 'invalid token');
  }
  await admit(req, res, result.user.id);
  res.locals.accessExpiresAt = result.expiresAt;
  next();
};

/**
 * For the Server-Sent Events streams: `authenticate` (Authorization header), or a one-use stream
 * ticket in `?ticket=` (POST /stream-tickets), because a browser's EventSource cannot set headers.
 * A bearer token in the URL (`?access_token=`) is refused: URLs are logged, echoed and kept in
 * histories, a ticket is worthless once used.
 */
export function authenticateStream(db: Knex): RequestHandler {
  return async (req, res, next) => {
    const { ticket, access_token: accessToken } = req.query;
    if (accessToken !== undefined) {
      throw AppError.unauthorized('?access_token= is not accepted (a token in a URL leaks into logs); send Authorization: Bearer, or get a one-use ticket from POST /stream-tickets and pass ?ticket=');
    }
    if (ticket === undefined || req.headers.authorization) return authenticate(req, res, next);
    const redeemed = typeof ticket === 'string' && ticket.length <= 200 ? await redeemStreamTicket(db, ticket) : undefined;
    if (!redeemed) throw AppError.unauthorized('invalid stream ticket (unknown, already used or expired); get a new one from POST /stream-tickets');
    res.locals.user = redeemed.user;
    res.locals.accessExpiresAt = redeemed.accessExpiresAt;
    next();
  };
}

/** When the caller's credentials expire (unix seconds); only valid behind `authenticate` or `authenticateStream`. */
export function accessExpiresAt(res: Response): number {
  const exp = res.locals.accessExpiresAt as number | undefined;
  if (exp === undefined) throw AppError.unauthorized('missing bearer token');
  return exp;
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const user = currentUser(res);
    if (!roles.includes(user.role)) {
      throw AppError.forbidden(`requires role ${roles.join(' or ')}; you are ${user.role}`);
    }
    next();
  };
}
