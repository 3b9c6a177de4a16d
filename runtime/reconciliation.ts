/**
 * The reconciliation's Temporal Schedule: every RECONCILE_INTERVAL_SECONDS it starts
 * reconcileSalesWorkflow (workflows/reconcile.ts) on the saga's task queue. Created, or updated to
 * the current settings, by every worker at start, so it exists wherever sagas run.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { getConfig } from '../shared/config';
import type { reconcileSalesWorkflow } from '../workflows/reconcile';

export const RECONCILE_SCHEDULE_ID = 'sale-reconciliation';

export async function ensureReconciliationSchedule(client: Client): Promise<void> {
  const { sagaEdges, temporal } = getConfig();
  const spec = { intervals: [{ every: sagaEdges.reconcileIntervalSeconds * 1000 }] };
  const action: ScheduleOptionsStartWorkflowAction<typeof reconcileSalesWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'reconcileSalesWorkflow',
    workflowId: RECONCILE_SCHEDULE_ID,
    taskQueue: temporal.taskQueue,
    args: [sagaEdges.reconcileGraceSeconds],
  };
  // a slow run is not stacked with the next one
  const policies = { overlap: ScheduleOverlapPolicy.SKIP };
  try {
    await client.schedule.create({ scheduleId: RECONCILE_SCHEDULE_ID, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(RECONCILE_SCHEDULE_ID);
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
    await endRunsOnOtherQueues(client, temporal.taskQueue, 'reconcileSalesWorkflow');
  }
}

/**
 * A run started while the schedule pointed at another task queue (a deployment that renamed its
 * queue, or a retired worker fleet) waits there for a worker that never comes, and with overlap
 * SKIP it would hold back every later run. Such runs are ended: the next run, on our queue, does
 * their work (finding stuck sales is idempotent).
 */
export async function endRunsOnOtherQueues(client: Client, taskQueue: string, workflowType: string): Promise<void> {
  const running = client.workflow.list({ query: `WorkflowType = '${workflowType}' AND ExecutionStatus = 'Running'` });
  for await (const run of running) {
    if (run.taskQueue === taskQueue) continue;
    await client.workflow
      .getHandle(run.workflowId, run.runId)
      .terminate(`the ${workflowType} schedule now runs on task queue ${taskQueue}`)
      .catch(() => undefined);
  }
}
