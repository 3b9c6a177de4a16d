/**
 * The per-user rate limit on writes that create work for others (POST /sales, follows,
 * POST /send_notification): WRITE_RATE_LIMIT_PER_MINUTE per user, one budget across them, keyed by
 * the token's user (so logging in again does not reset it). Placed after `authenticate`. The
 * counters live in this process's memory: with N API replicas a user gets up to N times the budget.
 */
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { getConfig } from '../shared/config';
import { AppError } from '../shared/errors';
import { currentUser } from './auth/types';

const WINDOW_MS = 60_000;

function buildLimiter(): RequestHandler {
  const perMinute = getConfig().rules.writeRateLimitPerMinute;
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    keyGenerator: (_req, res) => `user:${currentUser(res).id}`,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => {
      next(
        new AppError(429, 'Too many requests', `at most ${perMinute} writes per minute per user; wait and try again (see Retry-After)`, {
          limit: 'WRITE_RATE_LIMIT_PER_MINUTE',
          max: perMinute,
        }),
      );
    },
  });
}

let limiter: RequestHandler | undefined;

/**
 * The process's one limiter (one budget per user across every write route), built from the
 * configuration the first time a router asks for it, i.e. while the app is being assembled.
 */
export function writeLimiter(): RequestHandler {
  limiter ??= buildLimiter();
  return limiter;
}
