/** Finding the business failure inside Temporal's error chain (client error → activity failure → application failure). */
import { isGrpcServiceError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '../../shared/errors';

export function applicationFailureIn(err: unknown): ApplicationFailure | undefined {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 6; depth++) {
    if (current instanceof ApplicationFailure && current.type) return current;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * gRPC codes with which the Temporal server refuses a call for a state that passes: the namespace
 * not yet in the frontend's cache or a shard still loading while the server starts, a workflow task
 * that timed out on a starved worker (FAILED_PRECONDITION); no server reachable (UNAVAILABLE, after
 * the client's own retries); a rate or queue limit (RESOURCE_EXHAUSTED).
 */
const TRANSIENT_CODES: Record<number, string> = { 8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION', 14: 'UNAVAILABLE' };

/** Seconds a client is asked to wait: a server start or a worker catching up takes seconds, not minutes. */
const TEMPORAL_RETRY_AFTER_SECONDS = 2;

/**
 * A 503 with Retry-After when Temporal refused a call for a passing state (the client's
 * ServiceError wraps the gRPC error); undefined for anything else. Not a bug of ours, so not a 500:
 * the same request succeeds once the server is ready, and with an Idempotency-Key it is safe to repeat.
 */
export function transientTemporalProblem(err: unknown): AppError | undefined {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 6; depth++) {
    if (isGrpcServiceError(current) && TRANSIENT_CODES[current.code] !== undefined) {
      return AppError.retryLater(
        `the workflow service is not ready to take this request (${TRANSIENT_CODES[current.code]}); retry in ${TEMPORAL_RETRY_AFTER_SECONDS} s`,
        TEMPORAL_RETRY_AFTER_SECONDS,
      );
    }
    current = (current as Error & { cause?: unknown }).cause;
  }
  return undefined;
}
