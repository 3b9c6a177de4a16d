/**
 * The email digests' Temporal Schedule: every DIGEST_SCHEDULE_SECONDS it starts emailDigestsWorkflow
 * (workflows/digests.ts) on the saga's task queue. Created, or updated to the current settings, by
 * every worker at start, like the reconciliation's (runtime/reconciliation.ts).
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { getConfig } from '../shared/config';
import type { emailDigestsWorkflow } from '../workflows/digests';
import { endRunsOnOtherQueues } from './reconciliation';

export const DIGEST_SCHEDULE_ID = 'email-digests';

export async function ensureDigestSchedule(client: Client, everySeconds = getConfig().digests.scheduleSeconds): Promise<void> {
  const { temporal } = getConfig();
  const spec = { intervals: [{ every: everySeconds * 1000 }] };
  const action: ScheduleOptionsStartWorkflowAction<typeof emailDigestsWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'emailDigestsWorkflow',
    workflowId: DIGEST_SCHEDULE_ID,
    taskQueue: temporal.taskQueue,
    args: [{}],
  };
  // a slow run is not stacked with the next one (the next run catches up what it left)
  const policies = { overlap: ScheduleOverlapPolicy.SKIP };
  try {
    await client.schedule.create({ scheduleId: DIGEST_SCHEDULE_ID, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(DIGEST_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action, policies }));
    await endRunsOnOtherQueues(client, temporal.taskQueue, 'emailDigestsWorkflow');
  }
}
