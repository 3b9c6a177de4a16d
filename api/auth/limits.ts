/**
 * Rate limits on the unauthenticated account routes (code constants on purpose: not tunable by env).
 *
 * Login, three layers:
 * - one address + one email: LOGIN_ATTEMPTS_PER_WINDOW failures a minute, then 429 (guessing one
 *   account from one place);
 * - one address, any emails: LOGIN_FAILURES_PER_ADDRESS failures in 15 minutes, then 429 (spraying
 *   one password over many accounts). Both only stop the address that misbehaves;
 * - one email, any addresses: after LOGIN_FREE_FAILURES_PER_EMAIL failures each attempt waits
 *   longer (LOGIN_DELAY_STEP_MS more per failure, at most LOGIN_MAX_DELAY_MS). A delay and never a
 *   refusal: whoever knows a victim's email could otherwise lock them out from anywhere.
 * Successful logins do not count. Sign-up: REGISTRATIONS_PER_WINDOW an hour per address.
 * The counters live in each API process's memory: with N replicas an attacker gets N times the budget.
 */
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { slowDown } from 'express-slow-down';
import { AppError } from '../../shared/errors';

export const LOGIN_ATTEMPTS_PER_WINDOW = 10;
const LOGIN_WINDOW_MS = 60_000;
export const LOGIN_FAILURES_PER_ADDRESS = 30;
export const LOGIN_FREE_FAILURES_PER_EMAIL = 5;
export const LOGIN_DELAY_STEP_MS = 250;
export const LOGIN_MAX_DELAY_MS = 10_000;
const SLOW_WINDOW_MS = 15 * 60_000;
export const REGISTRATIONS_PER_WINDOW = 10;
const REGISTRATION_WINDOW_MS = 60 * 60_000;

// ipKeyGenerator groups an IPv6 client's whole /56, which it could otherwise rotate through
const addressOf = (req: Request): string => ipKeyGenerator(req.ip ?? 'unknown');

function emailOf(req: Request): string {
  const email: unknown = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : '';
}

const tooMany = (detail: string): RequestHandler => (_req, _res, next) => next(new AppError(429, 'Too many requests', detail));

export function loginLimits(): RequestHandler[] {
  const common = { standardHeaders: 'draft-7', legacyHeaders: false, skipSuccessfulRequests: true } as const;
  return [
    rateLimit({
      ...common,
      windowMs: SLOW_WINDOW_MS,
      limit: LOGIN_FAILURES_PER_ADDRESS,
      requestPropertyName: 'loginAddressLimit',
      keyGenerator: addressOf,
      handler: tooMany('too many failed logins from this address; wait and try again (see Retry-After)'),
    }),
    rateLimit({
      ...common,
      windowMs: LOGIN_WINDOW_MS,
      limit: LOGIN_ATTEMPTS_PER_WINDOW,
      requestPropertyName: 'loginAccountLimit',
      keyGenerator: (req) => `${addressOf(req)}|${emailOf(req)}`,
      handler: tooMany('too many failed login attempts; wait and try again (see Retry-After)'),
    }),
    slowDown({
      windowMs: SLOW_WINDOW_MS,
      skipSuccessfulRequests: true,
      requestPropertyName: 'loginEmailDelay',
      keyGenerator: emailOf,
      delayAfter: LOGIN_FREE_FAILURES_PER_EMAIL,
      delayMs: (used) => (used - LOGIN_FREE_FAILURES_PER_EMAIL) * LOGIN_DELAY_STEP_MS,
      maxDelayMs: LOGIN_MAX_DELAY_MS,
    }),
  ];
}

export function registrationLimit(): RequestHandler {
  return rateLimit({
    windowMs: REGISTRATION_WINDOW_MS,
    limit: REGISTRATIONS_PER_WINDOW,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    requestPropertyName: 'registrationLimit',
    keyGenerator: addressOf,
    handler: tooMany('too many sign-ups from this address; wait and try again (see Retry-After)'),
  });
}
