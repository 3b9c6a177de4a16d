/**
 * A PostgreSQL data error (SQLSTATE class 22, e.g. "integer out of range") or integrity error
 * (class 23, e.g. a check constraint) fails the same way on every attempt: retried, it would keep
 * a saga (and the request waiting on it) busy forever. This interceptor turns such an error into a
 * non-retryable InvalidData failure, which the workflow treats like any business failure (the
 * transaction was rolled back, nothing is half-done) and the API answers with 422.
 *
 * Unique violations (23505) stay retryable: the steps are idempotent, and a unique key that another
 * attempt or a concurrent request has just written is resolved by the next attempt reading it.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { FAILURE } from '../shared/sale-types';

const UNIQUE_VIOLATION = '23505';

/** The SQLSTATE of a node-postgres error, if it is a deterministic data or integrity error. */
export function deterministicSqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^2[23][0-9A-Z]{3}$/.test(code) || code === UNIQUE_VIOLATION) return undefined;
  return code;
}

/** The SQLSTATEs the shop's data can plausibly hit, in words a caller can act on. */
const DATA_ERRORS: Record<string, string> = {
  '22001': 'a text value is too long',
  '22003': 'a number is out of range',
  '22P02': 'a value has the wrong format',
  '23502': 'a required value is missing',
  '23503': 'it refers to something that does not exist',
  '23514': 'a value breaks a rule',
};

/** What went wrong, without the SQL (knex puts the statement in the message). */
export function describeDataError(err: unknown, sqlState: string): string {
  const { constraint, column } = (err ?? {}) as { constraint?: string; column?: string };
  const where = constraint ? ` (rule ${constraint})` : column ? ` (column ${column})` : '';
  return `the database refused the data: ${DATA_ERRORS[sqlState] ?? `invalid data (SQLSTATE ${sqlState})`}${where}`;
}

export const dataErrorInterceptor: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        const sqlState = deterministicSqlState(err);
        if (!sqlState) throw err;
        throw ApplicationFailure.create({
          type: FAILURE.invalidData,
          message: describeDataError(err, sqlState),
          nonRetryable: true,
          details: [{ sqlState }],
          cause: err as Error,
        });
      }
    },
  },
});
