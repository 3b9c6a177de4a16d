/**
 * Stock changes requested through the API (restock, adjust) run as a Temporal workflow like every
 * other stock change, so the ledger write and the inventory event are retried until both happen.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { getConfig } from '../../shared/config';
import { AppError } from '../../shared/errors';
import { FAILURE, stockWorkflowId } from '../../shared/sale-types';
import type { stockChangeWorkflow } from '../../workflows/stock';
import type { AuthUser } from '../auth/types';
import { applicationFailureIn } from './temporal-failures';

export interface StockChangeInput {
  productId: string;
  kind: 'restock' | 'adjust';
  quantity: number;
  reason?: string;
  /** see stockRequestId; the same id never changes stock twice */
  requestId: string;
}

/**
 * The request's id: from the caller's Idempotency-Key scoped to the caller (as POST /sales does),
 * so the same key from two people is two changes, and the same key from one person is one change;
 * a fresh id without a key.
 */
export function stockRequestId(user: AuthUser, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return randomUUID();
  return createHash('sha256').update(`${user.id}\0${idempotencyKey}`).digest('hex').slice(0, 32);
}

export async function changeStock(temporal: Client, input: StockChangeInput): Promise<void> {
  const requestKey = `${input.productId}:${input.requestId}`;
  try {
    // by name: the workflow module is for the worker's sandbox, not for this process
    await temporal.workflow.execute<typeof stockChangeWorkflow>('stockChangeWorkflow', {
      taskQueue: getConfig().temporal.taskQueue,
      workflowId: stockWorkflowId(input.productId, input.requestId),
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ productId: input.productId, kind: input.kind, quantity: input.quantity, reason: input.reason ?? null, requestKey }],
      staticSummary: `${input.kind} ${input.quantity} of product ${input.productId}`,
    });
  } catch (err) {
    const cause = applicationFailureIn(err);
    if (cause) {
      if (cause.type === FAILURE.unknownProduct) throw AppError.notFound(`product '${input.productId}' does not exist`);
      if (cause.type === FAILURE.invalidStockChange) throw AppError.conflict(cause.message);
      if (cause.type === FAILURE.invalidData) throw AppError.unprocessable(cause.message);
    }
    throw err;
  }
}
