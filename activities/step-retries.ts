/**
 * Makes a step that keeps failing visible. The saga retries its steps without limit (a database or
 * broker outage heals by itself, and the chaos suite relies on that), so a failure that will not go
 * away — a programming error — would otherwise retry silently forever. From the
 * STEP_RETRY_WARN_ATTEMPTS-th attempt on, each retryable failure is logged (warn) and counted in
 * `saga_step_retries_past_threshold_total{step}`.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import { Counter, register } from 'prom-client';

export const stepRetriesPastThreshold = new Counter({
  name: 'saga_step_retries_past_threshold_total',
  help: 'Failed attempts of a saga step at or past STEP_RETRY_WARN_ATTEMPTS (it is retried again)',
  labelNames: ['step'] as const,
  registers: [register],
});

export function stepRetryInterceptor(options: { warnAfterAttempts: number; log: Logger }): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          const { attempt, activityType, workflowExecution, isLocal } = ctx.info;
          const final = err instanceof ApplicationFailure && err.nonRetryable;
          if (!final && attempt >= options.warnAfterAttempts) {
            stepRetriesPastThreshold.inc({ step: activityType });
            options.log.warn(
              { err, step: activityType, attempt, workflowId: workflowExecution?.workflowId, local: isLocal },
              `saga step ${activityType} still failing after ${attempt} attempts; retrying`,
            );
          }
          throw err;
        }
      },
    },
  });
}
