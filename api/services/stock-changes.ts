/**
 * Stock changes requested through the API (restock, adjust) run as a Temporal workflow like every
 * other stock change, so the ledger write and the inventory event are retried until both happen.
 */
import type { Client } from '@temporalio/client';
import { getConfig } from '../../shared/config';
import { AppError } from '../../shared/errors';
import { FAILURE, stockWorkflowId } from '../../shared/sale-types';
import type { stockChangeWorkflow } from '../../workflows/stock';
import { applicationFailureIn } from './temporal-failures';

export interface StockChangeInput {
  productId: string;
  kind: 'restock' | 'adjust';
  quantity: number;
  reason?: string;
  /** caller's Idempotency-Key or a fresh id; the same key never changes stock twice */
  requestId: string;
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
