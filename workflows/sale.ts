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
 *
 * At the edges (patch SAFE_EDGES): a step that has started runs to its end even if the workflow is
 * cancelled meanwhile (a commit cannot be taken back half-way, and its outcome decides what
 * happens next); a workflow cancel then settles the sale — whichever step committed wins, and its
 * terminal event is published; the events of a committed step are always published; and a status
 * change whose step failed leaves the sale reserved with its expiry still armed.
 *
 * Two generations share this code. `saleWorkflow` is the first: it decides the behaviour above by
 * patch markers, so every saga it ever started replays as it ran. `saleWorkflowV2` (what POST
 * /sales starts since issue #14) has all of it from its first line, so it records no patch marker
 * (each cost a marker and a search-attribute upsert in the history), and it fuses each step with its
 * events (activities/fused-steps.ts): one local activity per step instead of two. Its search
 * attributes are written whole at the reservation; later steps upsert only the status.
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
import { context as otelContext, ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';
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

/** Sagas that recorded this marker handle cancellation and failed steps as the header says. */
export const SAFE_EDGES = 'safe-edges';

/**
 * Sagas that recorded this marker publish an outcome in the trace of what decided it (issue #16):
 * a PATCH's events in the PATCH's trace (the update handler's context), an expiry's in a new trace
 * rooted at the timer's firing that links to the sale's. Before, both continued the sale's POST
 * trace. Only the trace context of the steps changes, no command; the marker keeps it explicit.
 * (With tracing off the OpenTelemetry API is a no-op here.)
 */
export const OUTCOME_TRACES = 'outcome-traces';

/** Why a sale was cancelled when its workflow was cancelled (Web UI, CLI) while it was reserved. */
const COMPENSATED = 'saga compensated';

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

/** How one generation of the saga runs (see the header). */
interface Generation {
  steps: 'queued' | 'local' | 'fused';
  safeEdges: boolean;
  outcomeTraces: boolean;
}

/** The first generation: its behaviour is decided by patch markers, in the order they were introduced. */
export async function saleWorkflow(saleId: string): Promise<SaleWorkflowResult> {
  // decided once, before any handler runs, so every step of one saga runs the same way
  const localSteps = patched(LOCAL_STEPS);
  const safeEdges = patched(SAFE_EDGES);
  const outcomeTraces = patched(OUTCOME_TRACES);
  return runSale(saleId, { steps: localSteps ? 'local' : 'queued', safeEdges, outcomeTraces });
}

/** The second generation (issue #14): everything of the first, no patch markers, fused steps. */
export async function saleWorkflowV2(saleId: string): Promise<SaleWorkflowResult> {
  return runSale(saleId, { steps: 'fused', safeEdges: true, outcomeTraces: true });
}

async function runSale(saleId: string, generation: Generation): Promise<SaleWorkflowResult> {
  let sale: (SaleView & { requestHash: string }) | undefined;
  let rejected = false;
  let change: StatusChange | undefined; // a transition that has been accepted (in progress or done)
  const compensations: (() => Promise<(SaleView & { requestHash: string }) | undefined>)[] = [];
  const { db, broker } = generation.steps === 'queued' ? queued : local;
  const { safeEdges, outcomeTraces } = generation;
  const fused = generation.steps === 'fused';
  /** fused: the events that are on the broker (sent with their step or on their own) */
  const published = new Set<SaleEventKind>();
  /** OUTCOME_TRACES: the trace context the outcome's steps and events run in, once something decided it */
  let outcomeContext: Context | undefined;
  let expirySpan: Span | undefined;
  /** Runs a step; with SAFE_EDGES a cancellation of the workflow does not abandon it half-way. */
  const step = <T>(run: () => Promise<T>): Promise<T> => (safeEdges ? CancellationScope.nonCancellable(run) : run());
  let createdPublished = false;

  const record = (next: SaleView & { requestHash: string }): void => {
    const first = sale === undefined;
    sale = next;
    // fused: the customer, total and products never change after the reservation
    upsertSearchAttributes(
      fused && !first
        ? [{ key: SaleStatusKey, value: next.status }]
        : [
            { key: SaleStatusKey, value: next.status },
            { key: CustomerEmailKey, value: next.customerEmail },
            { key: SaleTotalKey, value: next.total },
            { key: ProductIdsKey, value: next.items.map((i) => i.productId) },
          ],
    );
    setCurrentDetails(describe(next));
  };

  /** fused: a step with its events; they are sent with it only once the sale's earlier events are out (no overtaking) */
  const fusedStep = async <S>(kind: SaleEventKind, run: (publish: boolean) => Promise<{ sale: S; published: boolean }>): Promise<S> => {
    const done = await run(kind === 'created' || published.has('created'));
    if (done.published) published.add(kind);
    return done.sale;
  };
  const reserveStep = (request: ReserveRequest) => (fused ? fusedStep('created', (p) => db.reserveSaleAndPublish(request, p)) : db.reserveSale(request));
  const completeStep = (requested: Extract<StatusChange, { status: 'COMPLETED' }>) => (fused ? fusedStep('completed', (p) => db.completeSaleAndPublish(saleId, requested, p)) : db.completeSale(saleId, requested));
  const cancelStep = (reason: string) => (fused ? fusedStep('cancelled', (p) => db.cancelSaleAndPublish(saleId, reason, p)) : db.cancelSale(saleId, reason));

  setHandler(saleQuery, () => sale ?? null);

  setHandler(reserveUpdate, async (request: ReserveRequest) => {
    if (sale) return sale; // the same reservation asked again
    if (request.saleId !== saleId) throw ApplicationFailure.nonRetryable('sale id does not match the workflow', 'BadRequest');
    compensations.push(() => step(() => db.cancelSale(saleId, change?.status === 'CANCELLED' ? (change.reason ?? 'cancelled') : COMPENSATED)));
    try {
      const reserved = await step(() => reserveStep(request));
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
      // the update's own context (the interceptor's span for it, in the PATCH's trace)
      if (outcomeTraces) outcomeContext = otelContext.active();
      try {
        if (requested.status === 'COMPLETED') {
          record(await step(() => completeStep(requested)));
          compensations.length = 0; // committed: nothing to undo any more
        } else {
          const cancelled = await step(() => cancelStep(requested.reason ?? 'cancelled by request'));
          if (cancelled) record(cancelled);
        }
      } catch (err) {
        change = undefined; // nothing committed: the sale is still reserved and may expire or change later
        outcomeContext = undefined;
        throw err;
      }
      return sale as SaleView;
    },
    {
      // runs before anything is written to history: a rejected transition leaves no trace
      validator: (requested: StatusChange) => {
        if (!sale) throw new Error('the sale has not been reserved yet');
        if (change && safeEdges && sale.status === 'RESERVED') {
          throw new Error(`the sale is being ${change.status === 'COMPLETED' ? 'completed' : 'cancelled'}; read it again in a moment`);
        }
        if (change) {
          throw new Error(`the sale is already ${change.status === 'COMPLETED' ? 'completed' : 'cancelled'}; it cannot be ${requested.status === 'COMPLETED' ? 'completed' : 'cancelled'}`);
        }
        if (sale.status !== 'RESERVED') throw new Error(`a ${sale.status.toLowerCase()} sale cannot change status`);
      },
    },
  );

  /** A step's events on their own, retried until the broker has them; fused: unless they went out with their step. */
  const publish = async (kind: SaleEventKind): Promise<void> => {
    if (fused && published.has(kind)) return;
    await step(() => broker.publishSaleEvents(saleId, kind));
    published.add(kind);
  };

  /** Runs the outcome's work in the trace of what decided it (OUTCOME_TRACES), else in the current one. */
  const inOutcomeTrace = <T>(run: () => Promise<T>): Promise<T> => (outcomeContext ? otelContext.with(outcomeContext, run) : run());

  /**
   * OUTCOME_TRACES: the expiry starts a trace of its own (a root span), linked to the saga's span
   * in the sale's trace and naming that trace, like the later work activities/publish.ts links.
   */
  const startExpiryTrace = (): void => {
    const saga = trace.getActiveSpan()?.spanContext();
    const sagaTrace = saga && trace.isSpanContextValid(saga) ? saga : undefined;
    expirySpan = trace.getTracer('sales-saga-workflow').startSpan('SaleExpiry', {
      root: true,
      links: sagaTrace ? [{ context: sagaTrace }] : [],
      attributes: { 'sale.id': saleId, ...(sagaTrace ? { 'sale.trace_id': sagaTrace.traceId } : {}) },
    });
    outcomeContext = trace.setSpan(ROOT_CONTEXT, expirySpan);
  };

  /** The expiry: cancels the reservation by the saga's own timer. */
  const expire = async (): Promise<void> => {
    change = { status: 'CANCELLED', reason: 'reservation expired' };
    log.info('reservation expired', { saleId });
    if (outcomeTraces) startExpiryTrace();
    const cancelled = await inOutcomeTrace(() => step(() => cancelStep('reservation expired')));
    if (cancelled) record(cancelled);
  };

  /**
   * SAFE_EDGES: waits until a status change committed, or the reservation expired. A change whose
   * step failed (the handler reset `change`) leaves the sale reserved, so the expiry is armed again.
   */
  const awaitDecision = async (current: SaleView): Promise<void> => {
    for (;;) {
      const decided = await condition(() => change !== undefined, Math.max(0, Date.parse(current.expiresAt) - Date.now()));
      if (!decided) return expire();
      await condition(() => sale?.status !== 'RESERVED' || change === undefined);
      if (sale?.status !== 'RESERVED') return;
    }
  };

  /**
   * SAFE_EDGES: the workflow was cancelled (Web UI, CLI). A step in flight finishes first, and
   * whichever step committed wins: a completed sale stays completed, a reserved one is released.
   * Either way its terminal event is published. Returns the outcome, or undefined if nothing was reserved.
   */
  const settleAfterCancel = (): Promise<SaleWorkflowResult['outcome'] | undefined> =>
    CancellationScope.nonCancellable(async () => {
      await condition(allHandlersFinished);
      if (!sale) return undefined;
      if (!createdPublished) await publish('created');
      if (sale.status === 'RESERVED') {
        change = { status: 'CANCELLED', reason: COMPENSATED }; // no status change is accepted from here on
        for (const undo of compensations.reverse()) {
          const undone = await undo();
          if (undone) record(undone);
        }
      }
      const outcome = sale.status === 'COMPLETED' ? 'COMPLETED' : 'CANCELLED';
      await publish(outcome === 'COMPLETED' ? 'completed' : 'cancelled');
      return outcome;
    });

  try {
    const arrived = await condition(() => sale !== undefined || rejected, RESERVE_ARRIVAL_TIMEOUT);
    if (!arrived || rejected || !sale) {
      await condition(allHandlersFinished);
      return { saleId, outcome: 'REJECTED' };
    }
    await publish('created');
    createdPublished = true;

    if (safeEdges) {
      await awaitDecision(sale);
    } else {
      const expiresInMs = Math.max(0, Date.parse(sale.expiresAt) - Date.now());
      const decided = await condition(() => change !== undefined, expiresInMs);
      if (!decided) await expire();
      // wait for the update handler's step to commit before publishing what it did
      await condition(() => sale?.status !== 'RESERVED');
    }
    await condition(allHandlersFinished);
    const outcome = sale.status === 'COMPLETED' ? 'COMPLETED' : 'CANCELLED';
    await inOutcomeTrace(() => publish(outcome === 'COMPLETED' ? 'completed' : 'cancelled'));
    return { saleId, outcome };
  } catch (err) {
    if (isCancellation(err) && safeEdges) {
      const outcome = await settleAfterCancel();
      // a completion that committed first wins: the saga ends as completed, not cancelled
      if (outcome === 'COMPLETED') return { saleId, outcome };
      throw err;
    }
    if (isCancellation(err) && compensations.length > 0) {
      // the workflow was cancelled (e.g. from the Web UI): give the stock back, announce it, then end
      await CancellationScope.nonCancellable(async () => {
        for (const undo of compensations.reverse()) await undo();
        await publish('cancelled');
      });
    }
    throw err;
  } finally {
    expirySpan?.end(); // the expiry's trace ends with its outcome's events, or with the saga
  }
}
