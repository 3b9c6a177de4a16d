/**
 * The sale saga, one workflow per sale (`sale-<id>`):
 *
 *   reserve (update-with-start, answers POST /sales)
 *     → publish sale.created + inventory events
 *     → wait for COMPLETED | CANCELLED (update) or the reservation's expiry (durable timer)
 *     → complete (commit) | cancel (compensation: release the reservation)
 *     → publish sale.completed|cancelled + inventory events
 *
 * The compensation is registered before the reservation it undoes, and runs in a non-cancellable
 * scope, so it also runs when the workflow itself is cancelled (e.g. from the Temporal Web UI).
 *
 * The steps run as local activities (patch LOCAL_STEPS): in the worker, inside the workflow task
 * that asked for them, recorded as markers, instead of a round trip through the server's activity
 * queue each. A sale's whole reservation (step + its events) is one workflow task, and so is its
 * completion; the benchmark (README "Performance") shows what that saves. The steps are idempotent
 * by sale id and the events by event_id, so the at-least-once retries of local activities are safe.
 * Sagas started before the patch keep replaying with the queued activities they recorded.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { Activities } from '../activities';
import type { SaleEventKind } from '../shared/events';
import type { ReserveRequest, SaleView, StatusChange } from '../shared/sale-types';
import { changeStatusUpdate, CustomerEmailKey, ProductIdsKey, reserveUpdate, saleQuery, SaleStatusKey, SaleTotalKey } from './definitions';

// retried until the database answers again; business failures are non-retryable by type
const DB_RETRY: RetryPolicy = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' };
// retried until the broker has the events
const BROKER_RETRY: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' };

const queued = {
  db: proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: DB_RETRY }),
  broker: proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: BROKER_RETRY }),
};
const local = {
  db: proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: DB_RETRY }),
  broker: proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: BROKER_RETRY }),
};

/** Sagas that recorded this marker run their steps as local activities (see the header). */
export const LOCAL_STEPS = 'local-steps';

/** How long to wait for the reserve update after start; update-with-start sends it at once. */
const RESERVE_ARRIVAL_TIMEOUT = '5 minutes';

export interface SaleWorkflowResult {
  saleId: string;
  outcome: 'COMPLETED' | 'CANCELLED' | 'REJECTED';
}

function describe(sale: SaleView): string {
  const lines = sale.items.map((i) => `- ${i.quantity} × ${i.productName} (${i.productId})`).join('\n');
  return `**${sale.status}** · ${sale.customerName} <${sale.customerEmail}> · total ${(sale.total / 100).toFixed(2)}\n\nexpires ${sale.expiresAt}\n\n${lines}`;
}

export async function saleWorkflow(saleId: string): Promise<SaleWorkflowResult> {
  let sale: (SaleView & { requestHash: string }) | undefined;
  let rejected = false;
  let change: StatusChange | undefined; // a transition that has been accepted (in progress or done)
  const compensations: (() => Promise<unknown>)[] = [];
  // decided once, before any handler runs, so every step of one saga runs the same way
  const { db, broker } = patched(LOCAL_STEPS) ? local : queued;

  const record = (next: SaleView & { requestHash: string }): void => {
    sale = next;
    upsertSearchAttributes([
      { key: SaleStatusKey, value: next.status },
      { key: CustomerEmailKey, value: next.customerEmail },
      { key: SaleTotalKey, value: next.total },
      { key: ProductIdsKey, value: next.items.map((i) => i.productId) },
    ]);
    setCurrentDetails(describe(next));
  };

  setHandler(saleQuery, () => sale ?? null);

  setHandler(reserveUpdate, async (request: ReserveRequest) => {
    if (sale) return sale; // the same reservation asked again
    if (request.saleId !== saleId) throw ApplicationFailure.nonRetryable('sale id does not match the workflow', 'BadRequest');
    compensations.push(() => db.cancelSale(saleId, change?.status === 'CANCELLED' ? (change.reason ?? 'cancelled') : 'saga compensated'));
    try {
      const reserved = await db.reserveSale(request);
      record(reserved);
      return reserved;
    } catch (err) {
      rejected = true;
      throw err;
    }
  });

  setHandler(
    changeStatusUpdate,
    async (requested: StatusChange) => {
      change = requested;
      try {
        if (requested.status === 'COMPLETED') {
          record(await db.completeSale(saleId, requested));
          compensations.length = 0; // committed: nothing to undo any more
        } else {
          const cancelled = await db.cancelSale(saleId, requested.reason ?? 'cancelled by request');
          if (cancelled) record(cancelled);
        }
      } catch (err) {
        change = undefined; // nothing committed: the sale is still reserved and may expire or change later
        throw err;
      }
      return sale as SaleView;
    },
    {
      // runs before anything is written to history: a rejected transition leaves no trace
      validator: (requested: StatusChange) => {
        if (!sale) throw new Error('the sale has not been reserved yet');
        if (change) {
          throw new Error(`the sale is already ${change.status === 'COMPLETED' ? 'completed' : 'cancelled'}; it cannot be ${requested.status === 'COMPLETED' ? 'completed' : 'cancelled'}`);
        }
        if (sale.status !== 'RESERVED') throw new Error(`a ${sale.status.toLowerCase()} sale cannot change status`);
      },
    },
  );

  const publish = (kind: SaleEventKind) => broker.publishSaleEvents(saleId, kind);

  try {
    const arrived = await condition(() => sale !== undefined || rejected, RESERVE_ARRIVAL_TIMEOUT);
    if (!arrived || rejected || !sale) {
      await condition(allHandlersFinished);
      return { saleId, outcome: 'REJECTED' };
    }
    await publish('created');

    const expiresInMs = Math.max(0, Date.parse(sale.expiresAt) - Date.now());
    const decided = await condition(() => change !== undefined, expiresInMs);
    if (!decided) {
      change = { status: 'CANCELLED', reason: 'reservation expired' };
      log.info('reservation expired', { saleId });
      const cancelled = await db.cancelSale(saleId, 'reservation expired');
      if (cancelled) record(cancelled);
    }
    // wait for the update handler's step to commit before publishing what it did
    await condition(() => sale?.status !== 'RESERVED');
    await condition(allHandlersFinished);
    const outcome = sale.status === 'COMPLETED' ? 'COMPLETED' : 'CANCELLED';
    await publish(outcome === 'COMPLETED' ? 'completed' : 'cancelled');
    return { saleId, outcome };
  } catch (err) {
    if (isCancellation(err) && compensations.length > 0) {
      // the workflow was cancelled (e.g. from the Web UI): give the stock back, announce it, then end
      await CancellationScope.nonCancellable(async () => {
        for (const undo of compensations.reverse()) await undo();
        await publish('cancelled');
      });
    }
    throw err;
  }
}
