/**
 * The email digests' run, started by the `email-digests` Temporal Schedule (runtime/digests.ts):
 * one activity queues, set-based, the digest of every user whose hourly or daily window has closed.
 *
 * Why a Schedule and not a workflow per recipient with durable timers: the work is one INSERT …
 * SELECT over all users, whatever their number, and a user's new digest hour or time zone counts
 * from the next run with nothing to signal or migrate; 100 000 customers would otherwise be 100 000
 * ever-running workflows with growing histories on the server. Exactly-once comes from the data:
 * a window follows from the time alone and its digest row is unique, so a run repeated after a
 * restart (or started by hand for a past window) finds the row and queues nothing.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export interface DigestWorkflowInput {
  /** the instant the run stands at (ISO); default: when the workflow runs (deterministic on replay) */
  asOf?: string;
  /** only these users (re-running one person's window) */
  userIds?: string[];
}

export async function emailDigestsWorkflow(input: DigestWorkflowInput = {}): Promise<{ asOf: string; queued: number }> {
  const asOf = input.asOf ?? new Date().toISOString();
  const { queued } = await acts.queueDueDigests({ asOf, userIds: input.userIds });
  return { asOf, queued };
}
