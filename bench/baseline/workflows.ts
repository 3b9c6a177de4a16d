/**
 * The benchmark's baseline: bare Temporal with the saga's client pattern (update-with-start, one
 * update, finish) and no database or broker. Two shapes:
 * - `bare`: the handlers only flip state (what the issue calls a trivial workflow);
 * - `shaped`: the same four activity round trips as the saga (reserve, publish created, complete,
 *   publish completed) as no-ops, to tell Temporal's share of the saga's cost from the app's.
 * - `shaped-local`: the same four steps as local activities (run by the worker inside the workflow
 *   task, no server round trip each), to show what that design would save.
 * Like the saga, it waits on a reservation timer and on its handlers before finishing.
 */
import { allHandlersFinished, condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { BaselineActivities } from './activities';

export const baselineReserve = defineUpdate<{ id: string; reserved: true }, [string]>('reserve');
export const baselineComplete = defineUpdate<{ id: string; completed: true }, []>('complete');

const remote = proxyActivities<BaselineActivities>({ startToCloseTimeout: '30 seconds' });
const local = proxyLocalActivities<BaselineActivities>({ startToCloseTimeout: '30 seconds' });

export async function baselineWorkflow(id: string, shape: 'bare' | 'shaped' | 'shaped-local'): Promise<string> {
  const acts = shape === 'shaped-local' ? local : remote;
  let reserved = false;
  let completed = false;
  setHandler(baselineReserve, async () => {
    if (shape !== 'bare') await acts.noop(`reserve ${id}`);
    reserved = true;
    return { id, reserved: true as const };
  });
  setHandler(
    baselineComplete,
    async () => {
      if (shape !== 'bare') await acts.noop(`complete ${id}`);
      completed = true;
      return { id, completed: true as const };
    },
    {
      validator: () => {
        if (!reserved) throw new Error('not reserved yet');
      },
    },
  );
  await condition(() => reserved, '5 minutes');
  if (shape !== 'bare') await acts.noop(`publish created ${id}`);
  await condition(() => completed, '15 minutes');
  await condition(allHandlersFinished);
  if (shape !== 'bare') await acts.noop(`publish completed ${id}`);
  return id;
}
