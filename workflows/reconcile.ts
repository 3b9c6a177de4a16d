/**
 * The reconciliation, started by a Temporal Schedule (runtime/reconciliation.ts): releases reserved
 * sales whose saga will not finish them (terminated, failed, or stuck past expiry + grace) with the
 * saga's own idempotent cancel step, and publishes their sale.cancelled and inventory events.
 */
import { ActivityFailure, ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FAILURE } from '../shared/sale-types';

// like the saga's: retried until the database and the broker answer (a committed cancel's events must go out)
const acts = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function reconcileSalesWorkflow(graceSeconds: number): Promise<{ released: string[] }> {
  const released: string[] = [];
  for (const { saleId, reason } of await acts.findStuckSales(graceSeconds)) {
    try {
      await acts.cancelSale(saleId, reason);
    } catch (err) {
      // completed meanwhile (its saga was alive after all): the sale is settled, nothing to release
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === FAILURE.illegalTransition) continue;
      throw err;
    }
    await acts.publishSaleEvents(saleId, 'cancelled');
    log.info('released a reserved sale no saga would finish', { saleId, reason });
    released.push(saleId);
  }
  return { released };
}
