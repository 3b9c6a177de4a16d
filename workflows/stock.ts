/** A staff stock change (restock / adjust) as a small workflow: change, then publish the event. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StockChangeRequest } from '../shared/sale-types';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});

export async function stockChangeWorkflow(request: StockChangeRequest): Promise<{ movementId: number }> {
  const movementId = await acts.changeStock(request);
  await acts.publishMovements([movementId]);
  return { movementId };
}
