/**
 * The one error type. Anything that should reach a client as a specific HTTP status is an
 * AppError; the API's error handler (api/problem.ts) turns it into application/problem+json.
 * Anything else is a bug and becomes a 500 with no internals exposed.
 */
export interface ProblemExtras {
  [member: string]: unknown;
}

export class AppError extends Error {
  override name = 'AppError';

  constructor(
    readonly status: number,
    /** Short, stable summary of the problem type, e.g. "Insufficient stock". */
    readonly title: string,
    /** Human-readable explanation specific to this occurrence. */
    readonly detail: string,
    /** Extra members for the problem body, e.g. which items are short. */
    readonly extras: ProblemExtras = {},
  ) {
    super(detail);
  }

  static badRequest(detail: string, extras?: ProblemExtras): AppError {
    return new AppError(400, 'Bad request', detail, extras);
  }
  static unauthorized(detail: string): AppError {
    return new AppError(401, 'Unauthorized', detail);
  }
  static forbidden(detail: string): AppError {
    return new AppError(403, 'Forbidden', detail);
  }
  static notFound(detail: string): AppError {
    return new AppError(404, 'Not found', detail);
  }
  static conflict(detail: string, extras?: ProblemExtras): AppError {
    return new AppError(409, 'Conflict', detail, extras);
  }
  static unprocessable(detail: string, extras?: ProblemExtras): AppError {
    return new AppError(422, 'Unprocessable content', detail, extras);
  }
  static unavailable(detail: string): AppError {
    return new AppError(503, 'Service unavailable', detail);
  }

  /** When set, the problem is answered with a Retry-After header (seconds), e.g. on a 503. */
  retryAfterSeconds?: number;

  /** 503 with Retry-After: the work goes on and the client should ask again after that many seconds. */
  static retryLater(detail: string, retryAfterSeconds: number, extras?: ProblemExtras): AppError {
    const error = new AppError(503, 'Service unavailable', detail, extras);
    error.retryAfterSeconds = retryAfterSeconds;
    return error;
  }
}
