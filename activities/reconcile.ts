/**
 * Finding the reserved sales no saga will finish: their saga was terminated (Terminate skips every
 * compensation), failed, or is stuck past the reservation's expiry. The reconciliation workflow
 * (workflows/reconcile.ts) then runs the saga's own idempotent cancel step and events on them.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Knex } from 'knex';
import { saleWorkflowId } from '../shared/sale-types';

/** At most this many reserved sales are examined per run; the next run takes the rest. */
const BATCH = 200;

export interface StuckSale {
  saleId: string;
  /** the cancel reason recorded on the sale and its sale.cancelled event */
  reason: string;
}

export function createReconcileActivities(db: Knex, temporal: () => Promise<Client>) {
  return {
    /** Reserved sales past expires_at + grace, or whose `sale-<id>` workflow is not running. */
    async findStuckSales(graceSeconds: number): Promise<StuckSale[]> {
      const rows: { id: string; overdue: boolean }[] = await db('sales')
        .where({ status: 'RESERVED' })
        .orderBy('expires_at')
        .limit(BATCH)
        .select('id', db.raw('expires_at + make_interval(secs => ?) < now() as overdue', [graceSeconds]));
      const client = await temporal();
      const stuck: StuckSale[] = [];
      for (const row of rows) {
        if (row.overdue) {
          stuck.push({ saleId: row.id, reason: 'reservation expired (reconciled)' });
          continue;
        }
        // the sale row is written by the saga's first step, so a reserved sale without a running saga is stranded
        try {
          const saga = await client.workflow.getHandle(saleWorkflowId(row.id)).describe();
          if (saga.status.name !== 'RUNNING') stuck.push({ saleId: row.id, reason: `saga ${saga.status.name.toLowerCase()}` });
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          stuck.push({ saleId: row.id, reason: 'saga not found' });
        }
      }
      return stuck;
    },
  };
}
