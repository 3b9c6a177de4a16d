/**
 * The one error handler: every failure leaves the API as application/problem+json (RFC 9457).
 * AppError carries its status; malformed JSON and zod validation errors are client mistakes (400);
 * Temporal refusing a call for a state that passes (a server starting) is a 503 with Retry-After;
 * anything else is logged with the request id and answered 500 without internals.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import { AppError } from '../shared/errors';
import { redactUrlSecrets } from '../shared/logger';
import { transientTemporalProblem } from './services/temporal-failures';
import { currentTraceId } from '../shared/trace-id';

export function sendProblem(res: Response, error: AppError): void {
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  res
    .status(error.status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title: error.title, status: error.status, detail: error.detail, instance: redactUrlSecrets(res.req.originalUrl), ...error.extras, ...traceIdMember() });
}

/** With tracing on, the problem names its trace, so a user's error report leads to it (README "Tracing"). */
function traceIdMember(): { traceId?: string } {
  const traceId = currentTraceId();
  return traceId ? { traceId } : {};
}

export function fromZod(error: ZodError, where: string): AppError {
  const errors = error.issues.map((i) => ({ path: i.path.join('.') || where, message: i.message }));
  const summary = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  return AppError.badRequest(`invalid ${where}: ${summary}`, { errors });
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(AppError.notFound(`no route for ${req.method} ${req.path}`));
};

export const problemHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  if (err instanceof AppError) return sendProblem(res, err);
  if (err instanceof ZodError) return sendProblem(res, fromZod(err, 'request'));
  const bodyError = err as BodyParserError;
  if (bodyError.type === 'entity.parse.failed') return sendProblem(res, AppError.badRequest(`request body is not valid JSON: ${bodyError.message}`));
  if (bodyError.type === 'entity.too.large') return sendProblem(res, new AppError(413, 'Payload too large', 'request body exceeds the size limit'));
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    return sendProblem(res, new AppError(bodyError.status, 'Bad request', bodyError.message));
  }
  // here, not in each service: any route that calls Temporal can meet a server that is starting
  const transient = transientTemporalProblem(err);
  if (transient) {
    req.log.warn({ err }, 'Temporal refused the call for now; answered 503');
    return sendProblem(res, transient);
  }
  req.log.error({ err }, 'unhandled error');
  sendProblem(res, new AppError(500, 'Internal server error', 'an unexpected error occurred; the request id is in the X-Request-Id header'));
};
