/**
 * A step and its events in one local activity (issue #14; the saga's second generation,
 * workflows/sale.ts saleWorkflowV2). The step commits, then its events are built from the rows it
 * just wrote and sent, all in one activity: no second local activity per step (its marker, its
 * activation of the workflow), no reading back of the sale and its ledger rows.
 *
 * The send is bounded (STEP_INLINE_PUBLISH_TIMEOUT_MS): a broker that does not answer in time
 * must not hold the step's answer (POST /sales, the PATCH) hostage. The step then answers with
 * `published: false`, and the saga publishes the events in a step of their own, retried until the
 * broker has them (publishSaleEvents), as the first generation always did. A send that was still
 * under way may arrive as well: the same event ids, which every consumer deduplicates.
 *
 * `publish: false` asks for the step alone: the saga does so while an earlier event of the sale is
 * not on the broker yet, so a sale's events never overtake each other.
 *
 * A retry of a step that had committed (the activity's result was lost) reads the ledger rows back
 * to publish: the events are the same, by id and content.
 */
import type { Knex } from 'knex';
import type { Producer } from 'kafkajs';
import { getConfig } from '../shared/config';
import type { SaleEventKind } from '../shared/events';
import { componentLogger } from '../shared/logger';
import { currentTrace } from '../shared/sale-trace';
import type { PaymentMethod, ReserveRequest } from '../shared/sale-types';
import { inPublishSpan, saleEventMessages, sendEvents, stepMovements } from './publish';
import { saleSteps, type SaleWithHash, type StepOutcome } from './sales';

export interface FusedStepResult<S = SaleWithHash> {
  sale: S;
  /** the step's events are on the broker */
  published: boolean;
}

/** Resolves 'late' once `ms` passed, unless cancelled first (the send answered). */
function after(ms: number): { promise: Promise<'late'>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  return { promise, cancel: () => clearTimeout(timer) };
}

export function createFusedStepActivities(db: Knex, producer: () => Promise<Producer>) {
  const steps = saleSteps(db);
  const log = componentLogger('saga-steps'); // here, not at import: the configuration is read on first use

  /** Sends the step's events within the inline bound; false when the broker did not answer in time or refused. */
  async function publishInline(kind: SaleEventKind, outcome: StepOutcome, origin: ReturnType<typeof currentTrace>): Promise<boolean> {
    const { sale } = outcome;
    const sending = inPublishSpan(
      db,
      sale.id,
      kind,
      async () => sendEvents(producer, saleEventMessages(sale, kind, outcome.movements ?? (await stepMovements(db, sale.id, kind)))),
      origin,
    ).then(
      () => 'sent' as const,
      (err: unknown) => {
        log.warn({ err, saleId: sale.id, kind }, 'events not sent with their step; the saga publishes them on their own');
        return 'failed' as const;
      },
    );
    const timer = after(getConfig().sagaEdges.inlinePublishTimeoutMs);
    const result = await Promise.race([sending, timer.promise]);
    timer.cancel();
    if (result === 'late') log.warn({ saleId: sale.id, kind }, 'events not sent with their step in time; the saga publishes them on their own');
    return result === 'sent';
  }

  return {
    async reserveSaleAndPublish(request: ReserveRequest, publish: boolean): Promise<FusedStepResult> {
      const outcome = await steps.reserve(request);
      // the step runs in the POST's trace, which is the sale's own: no look-up of it
      return { sale: outcome.sale, published: publish && (await publishInline('created', outcome, currentTrace())) };
    },

    async completeSaleAndPublish(saleId: string, payment: { paymentMethod: PaymentMethod; paymentReference?: string | null }, publish: boolean): Promise<FusedStepResult> {
      const outcome = await steps.complete(saleId, payment);
      return { sale: outcome.sale, published: publish && (await publishInline('completed', outcome, undefined)) };
    },

    async cancelSaleAndPublish(saleId: string, reason: string, publish: boolean): Promise<FusedStepResult<SaleWithHash | undefined>> {
      const { sale, movements } = await steps.cancel(saleId, reason);
      if (!sale) return { sale, published: false };
      return { sale, published: publish && (await publishInline('cancelled', { sale, movements }, undefined)) };
    },
  };
}
