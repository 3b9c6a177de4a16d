/** Finding the business failure inside Temporal's error chain (client error → activity failure → application failure). */
import { ApplicationFailure } from '@temporalio/common';

export function applicationFailureIn(err: unknown): ApplicationFailure | undefined {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 6; depth++) {
    if (current instanceof ApplicationFailure && current.type) return current;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return undefined;
}
