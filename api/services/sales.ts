/**
 * The sale lifecycle as the API offers it, on top of the saga:
 * - create = Update-with-Start (`reserve`), so the caller learns in one round trip whether the
 *   stock was reserved (201) or not (409, naming the items short of stock);
 * - status change = Update (`changeStatus`), whose validator rejects illegal transitions (409)
 *   before anything is recorded.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { Knex } from 'knex';
import { findSale, findSaleState, publicSale } from '../../activities/sale-records';
import { canonicalJson } from '../../shared/canonical-json';
import { getConfig } from '../../shared/config';
import { AppError } from '../../shared/errors';
import { FAILURE, saleWorkflowId, type ReserveRequest, type SaleView, type StatusChange } from '../../shared/sale-types';
import { changeStatusUpdate, reserveUpdate } from '../../workflows/definitions';
import type { saleWorkflowV2 } from '../../workflows/sale';
import { isStaff, type AuthUser } from '../auth/types';
import { assertMayGrantDiscount, assertWithinReservationLimits } from './sale-rules';
import { applicationFailureIn } from './temporal-failures';

export interface CreateSaleBody {
  customerName?: string;
  customerEmail?: string;
  items: { productId: string; quantity: number }[];
  discount: number;
}

/** A stable sale id per (caller, Idempotency-Key): the same key always addresses the same saga. */
function saleIdFor(user: AuthUser, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return randomUUID();
  const h = createHash('sha256').update(`${user.id}\0${idempotencyKey}`).digest('hex');
  // shaped as an RFC 4122 version-5-style UUID so it fits the uuid column
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

function hashRequest(body: CreateSaleBody): string {
  const canonical = { ...body, items: [...body.items].sort((a, b) => a.productId.localeCompare(b.productId) || a.quantity - b.quantity) };
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex');
}

/** Translates the saga's business failures into HTTP problems; anything else is re-thrown. */
function businessProblem(err: unknown): AppError | undefined {
  const failure = applicationFailureIn(err);
  if (!failure) return undefined;
  const details = (failure.details?.[0] ?? {}) as Record<string, unknown>;
  switch (failure.type) {
    case FAILURE.insufficientStock:
      return AppError.conflict(failure.message, { shortages: details.shortages ?? [] });
    case FAILURE.unknownProduct:
      return AppError.unprocessable(failure.message, { productIds: details.productIds ?? [] });
    case FAILURE.illegalTransition:
      return AppError.conflict(failure.message);
    case FAILURE.invalidData:
      return AppError.unprocessable(failure.message);
    default:
      return undefined;
  }
}

/**
 * Runs a call to the saga under the request deadline (SALE_REQUEST_DEADLINE_SECONDS). A step that
 * keeps failing (the saga retries it: transient failures heal, a programming error does not) must
 * not hold the request forever: past the deadline the caller gets a 503 with Retry-After, while the
 * saga keeps working on the step. The sale's state (GET /sales/:id) says whether it went through.
 */
async function withinDeadline<T>(temporal: Client, saleId: string, call: () => Promise<T>): Promise<T> {
  const seconds = getConfig().sagaEdges.requestDeadlineSeconds;
  const deadline = Date.now() + seconds * 1000;
  try {
    return await temporal.withDeadline(deadline, call);
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || Date.now() >= deadline) {
      throw AppError.retryLater(
        `the sale's saga did not finish this step within ${seconds} s; it keeps retrying it. Read the sale (GET /sales/${saleId}) or retry later`,
        seconds,
        { saleId },
      );
    }
    throw err;
  }
}

async function customerIdFor(db: Knex, email: string): Promise<string | null> {
  // a deleted account's email may belong to a newer account now (migrations/20261202140000_accounts.ts)
  const row: { id: string } | undefined = await db('users').where({ email: email.toLowerCase(), role: 'customer' }).whereNull('deleted_at').first('id');
  return row?.id ?? null;
}

export async function createSale(deps: { db: Knex; temporal: Client }, user: AuthUser, body: CreateSaleBody, idempotencyKey?: string): Promise<SaleView> {
  // customers buy for themselves; staff name the customer
  const customerName = isStaff(user) ? body.customerName : user.name;
  const customerEmail = isStaff(user) ? body.customerEmail?.toLowerCase() : user.email;
  if (!customerName || !customerEmail) throw AppError.badRequest('customerName and customerEmail are required when staff create a sale');

  assertMayGrantDiscount(user, body.discount);
  const saleId = saleIdFor(user, idempotencyKey);
  // a retry of a sale that exists is answered below whatever the limits say now
  const retried = idempotencyKey !== undefined && (await findSale(deps.db, saleId)) !== undefined;
  if (!retried) await assertWithinReservationLimits(deps.db, user, body.items);
  const requestHash = hashRequest(body);
  const request: ReserveRequest = {
    saleId,
    requestHash,
    customerName,
    customerEmail,
    customerUserId: user.role === 'customer' ? user.id : await customerIdFor(deps.db, customerEmail),
    createdBy: user.id,
    items: body.items,
    discount: body.discount,
    reservationTtlSeconds: getConfig().saga.reservationTtlSeconds,
  };
  const { taskQueue } = getConfig().temporal;
  // the saga's current generation (workflows/sale.ts); sagas of the first one run on as they began
  const start = new WithStartWorkflowOperation<typeof saleWorkflowV2>('saleWorkflowV2', {
    workflowId: saleWorkflowId(saleId),
    taskQueue,
    args: [saleId],
    workflowIdConflictPolicy: 'USE_EXISTING',
    // a finished saga is never started again under the same id: a late retry is answered from the database
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `Sale for ${customerEmail}: ${body.items.map((i) => `${i.quantity}× ${i.productId}`).join(', ')}`.slice(0, 190),
  });

  let sale: SaleView & { requestHash: string };
  try {
    sale = await withinDeadline(deps.temporal, saleId, () =>
      deps.temporal.workflow.executeUpdateWithStart(reserveUpdate, { args: [request], updateId: `reserve-${saleId}`, startWorkflowOperation: start }),
    );
  } catch (err) {
    if (err instanceof AppError) throw err;
    const problem = businessProblem(err);
    if (problem) throw problem;
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const existing = await findSale(deps.db, saleId);
    if (!existing) throw AppError.conflict('this Idempotency-Key was used for a request that did not create a sale; retry with a new key');
    sale = existing;
  }
  if (sale.requestHash !== requestHash) {
    throw AppError.unprocessable('this Idempotency-Key was already used with a different request body');
  }
  // a repeated key is answered with the update's recorded result, which may be older than the
  // sale now (e.g. completed since): answer with the current state. Without a key the sale is new
  // and the update's result is what was just committed: no second read (issue #14).
  if (idempotencyKey === undefined) return publicSale(sale);
  return publicSale((await findSale(deps.db, saleId)) ?? sale);
}

/** Who may see a sale: staff, or the customer it belongs to. */
export function assertCanSee(user: AuthUser, sale: Pick<SaleView, 'customerUserId'>): void {
  if (isStaff(user)) return;
  if (sale.customerUserId !== user.id) throw AppError.forbidden('this sale belongs to another customer');
}

export async function getSale(db: Knex, user: AuthUser, saleId: string): Promise<SaleView> {
  const sale = await findSale(db, saleId);
  if (!sale) throw AppError.notFound(`sale ${saleId} does not exist`);
  assertCanSee(user, sale);
  return publicSale(sale);
}

const verb = (status: StatusChange['status']): string => (status === 'COMPLETED' ? 'complete' : 'cancel');

export async function changeSaleStatus(deps: { db: Knex; temporal: Client }, user: AuthUser, saleId: string, change: StatusChange): Promise<SaleView> {
  // who may change it and whether it is still reserved need the sale row only, not its items
  const sale = await findSaleState(deps.db, saleId);
  if (!sale) throw AppError.notFound(`sale ${saleId} does not exist`);
  assertCanSee(user, sale);
  // customers may cancel their own reservation; completing (taking payment) is for staff
  if (!isStaff(user) && change.status === 'COMPLETED') throw AppError.forbidden('only sales staff or administrators can complete a sale');
  if (sale.status !== 'RESERVED') {
    throw AppError.conflict(`cannot ${verb(change.status)} a ${sale.status.toLowerCase()} sale`, { currentStatus: sale.status });
  }
  try {
    return publicSale(await withinDeadline(deps.temporal, saleId, () => deps.temporal.workflow.getHandle(saleWorkflowId(saleId)).executeUpdate(changeStatusUpdate, { args: [change] })));
  } catch (err) {
    if (err instanceof AppError) throw err;
    const problem = businessProblem(err);
    if (problem) throw problem;
    if (err instanceof WorkflowUpdateFailedError) {
      // the validator's rejection: nothing was recorded
      throw AppError.conflict(err.cause?.message ?? err.message);
    }
    if (err instanceof WorkflowNotFoundError) {
      // the saga ended (e.g. expired) between our read and the update
      const now = await getSale(deps.db, user, saleId);
      throw AppError.conflict(`cannot ${verb(change.status)} a ${now.status.toLowerCase()} sale`, { currentStatus: now.status });
    }
    throw err;
  }
}
