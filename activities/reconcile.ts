/**
 * Finding the reserved sales no saga will finish: their saga was terminated (Terminate skips every
 * compensation), failed, or is stuck past the reservation's expiry. The reconciliation workflow
 * (workflows/reconcile.ts) then runs the saga's own idempotent cancel step and events on them.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Knex } from 'knex';
import { saleWorkflowId } from '../shared/sale-types';

/** Reserved sales are read this many at a time (keyset pages over their ids). */
const PAGE = 200;
/** At most this many stuck sales are released per run; the next run takes the rest. */
const MAX_RELEASED_PER_RUN = 200;
/** describe calls in flight at once */
const DESCRIBE_CONCURRENCY = 8;

export interface StuckSale {
  saleId: string;
  /** the cancel reason recorded on the sale and its sale.cancelled event */
  reason: string;
}

export function createReconcileActivities(db: Knex, temporal: () => Promise<Client>) {
  /** Why a reserved sale is stuck, or undefined while its saga still runs (it will finish the sale). */
  async function whyStuck(client: Client, row: { id: string; overdue: boolean }): Promise<string | undefined> {
    if (row.overdue) return 'reservation expired (reconciled)';
    // the sale row is written by the saga's first step, so a reserved sale without a running saga is stranded
    try {
      const saga = await client.workflow.getHandle(saleWorkflowId(row.id)).describe();
      return saga.status.name === 'RUNNING' ? undefined : `saga ${saga.status.name.toLowerCase()}`;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      return 'saga not found';
    }
  }

  return {
    /**
     * Reserved sales past expires_at + grace, or whose `sale-<id>` workflow is not running. Every
     * reserved sale is looked at, page by page: a fixed first page would be filled by live sagas
     * and never reach a stranded sale behind them.
     */
    async findStuckSales(graceSeconds: number): Promise<StuckSale[]> {
      const client = await temporal();
      const stuck: StuckSale[] = [];
      let after: string | undefined;
      while (stuck.length < MAX_RELEASED_PER_RUN) {
        const page: { id: string; overdue: boolean }[] = await db('sales')
          .where({ status: 'RESERVED' })
          .modify((q) => {
            if (after !== undefined) q.where('id', '>', after);
          })
          .orderBy('id')
          .limit(PAGE)
          .select('id', db.raw('expires_at + make_interval(secs => ?) < now() as overdue', [graceSeconds]));
        if (page.length === 0) break;
        after = page[page.length - 1]!.id;
        for (let i = 0; i < page.length; i += DESCRIBE_CONCURRENCY) {
          const chunk = page.slice(i, i + DESCRIBE_CONCURRENCY);
          const reasons = await Promise.all(chunk.map((row) => whyStuck(client, row)));
          chunk.forEach((row, j) => {
            const reason = reasons[j];
            if (reason) stuck.push({ saleId: row.id, reason });
          });
        }
        if (page.length < PAGE) break;
      }
      return stuck.slice(0, MAX_RELEASED_PER_RUN);
    },
  };
}
