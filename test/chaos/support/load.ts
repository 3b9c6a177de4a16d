/**
 * The sagas a fault scenario keeps in flight, driven through the REST API like real clients would:
 * every POST carries an Idempotency-Key and is retried (5xx, connection errors, timeouts) until it
 * gets a definitive answer, so a request lost to a fault never creates a second sale; status
 * changes are retried the same way, and a 409 is resolved by reading the sale back.
 *
 * Intents: `complete` (staff), `cancel` (staff or the customer), `expire` (nobody acts; the
 * reservation's durable timer cancels it).
 */
import { randomUUID } from 'node:crypto';
import type { ApiClient, HttpResult } from './http';

export type Intent = 'complete' | 'cancel' | 'expire';
export type SaleStatus = 'RESERVED' | 'COMPLETED' | 'CANCELLED';

export interface Actor {
  role: 'sales' | 'customer';
  userId: string;
  token: string;
}

export interface SagaPlan {
  key: string;
  wave: 1 | 2;
  intent: Intent;
  actor: Actor;
  items: { productId: string; quantity: number }[];
}

export interface SagaRecord {
  plan: SagaPlan;
  saleId?: string;
  /** the definitive answer to POST /sales (201, 409, 422…); undefined if it never got one */
  createStatus?: number;
  createAttempts: number;
  actionAttempts: number;
  /** transient failures seen (status or error code → count) */
  transient: Record<string, number>;
  /** what the API acknowledged to this client: the status a 200 (or a retried 409) confirmed */
  acknowledged?: SaleStatus;
  /** how the intended action ended */
  actionOutcome?: 'applied' | 'applied-before-retry' | 'lost-race' | 'gave-up';
  problems: string[];
}

/** A counting semaphore: at most `limit` requests in flight from this client. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** 5xx, 429 and no answer at all are worth retrying; everything else is an answer. */
function transient(res: HttpResult): boolean {
  return res.status === 0 || res.status >= 500 || res.status === 429;
}

function noteTransient(record: SagaRecord, res: HttpResult): void {
  const k = res.status === 0 ? (res.error ?? 'no-answer') : String(res.status);
  record.transient[k] = (record.transient[k] ?? 0) + 1;
}

export interface LoadOptions {
  client: ApiClient;
  staff: Actor;
  customer: Actor;
  products: string[];
  /** sagas created before the fault hits */
  wave1: number;
  /** sagas created while the fault hits */
  wave2: number;
  concurrency: number;
  /** actions on wave-1 sagas are spread over this long after wave 1 is created */
  actionSpreadMs: number;
  /** how long one request keeps being retried before the client gives up */
  retryDeadlineMs: number;
  mix?: { complete: number; cancel: number; expire: number };
}

export function planSagas(o: LoadOptions): SagaPlan[] {
  const mix = o.mix ?? { complete: 0.45, cancel: 0.35, expire: 0.2 };
  const plans: SagaPlan[] = [];
  const make = (wave: 1 | 2, intent: Intent): SagaPlan => {
    // customers buy for themselves and may cancel; completing takes staff
    const actor = intent !== 'complete' && Math.random() < 0.3 ? o.customer : o.staff;
    const first = pick(o.products);
    const items = [{ productId: first, quantity: 1 + Math.floor(Math.random() * 3) }];
    if (Math.random() < 0.4) {
      const second = pick(o.products.filter((p) => p !== first));
      items.push({ productId: second, quantity: 1 + Math.floor(Math.random() * 2) });
    }
    return { key: `chaos-${randomUUID()}`, wave, intent, actor, items };
  };
  for (const [wave, count] of [[1, o.wave1], [2, o.wave2]] as const) {
    const nComplete = Math.round(count * mix.complete);
    const nCancel = Math.round(count * mix.cancel);
    const wavePlans: SagaPlan[] = [];
    for (let i = 0; i < count; i++) wavePlans.push(make(wave, i < nComplete ? 'complete' : i < nComplete + nCancel ? 'cancel' : 'expire'));
    // wave 1: the ones left to expire are created last, so they are surely still reserved when the fault hits
    const ordered = wave === 1 ? [...shuffle(wavePlans.filter((p) => p.intent !== 'expire')), ...wavePlans.filter((p) => p.intent === 'expire')] : shuffle(wavePlans);
    plans.push(...ordered);
  }
  return plans;
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export class SagaLoad {
  readonly records: SagaRecord[];
  private readonly gate: Gate;
  private readonly pendingActions: Promise<void>[] = [];

  constructor(private readonly o: LoadOptions) {
    this.records = planSagas(o).map((plan) => ({ plan, createAttempts: 0, actionAttempts: 0, transient: {}, problems: [] }));
    this.gate = new Gate(o.concurrency);
  }

  private async create(record: SagaRecord): Promise<void> {
    const { plan } = record;
    const body =
      plan.actor.role === 'customer'
        ? { items: plan.items, discount: 0 }
        : { customerName: 'Chaos Customer', customerEmail: `chaos-${plan.key.slice(-8)}@example.com`, items: plan.items, discount: Math.random() < 0.3 ? 10 : 0 };
    const deadline = Date.now() + this.o.retryDeadlineMs;
    let backoff = 200;
    for (;;) {
      record.createAttempts += 1;
      const res = await this.gate.run(() =>
        this.o.client.request<{ id: string; status: string }>('POST', '/sales', { token: plan.actor.token, body, headers: { 'Idempotency-Key': plan.key }, timeoutMs: 30_000 }),
      );
      if (!transient(res)) {
        record.createStatus = res.status;
        if (res.status === 201) record.saleId = res.body.id;
        else record.problems.push(`POST /sales answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
        return;
      }
      noteTransient(record, res);
      if (Date.now() > deadline) {
        record.problems.push(`POST /sales gave up after ${record.createAttempts} attempts (last ${res.status || res.error})`);
        return;
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 2_000);
    }
  }

  private async readStatus(record: SagaRecord): Promise<SaleStatus | undefined> {
    const res = await this.gate.run(() => this.o.client.request<{ status: SaleStatus }>('GET', `/sales/${record.saleId}`, { token: record.plan.actor.token, timeoutMs: 10_000 }));
    return res.status === 200 ? res.body.status : undefined;
  }

  private async act(record: SagaRecord): Promise<void> {
    const want: SaleStatus = record.plan.intent === 'complete' ? 'COMPLETED' : 'CANCELLED';
    const body = want === 'COMPLETED' ? { status: 'COMPLETED', paymentMethod: 'CREDIT_CARD', paymentReference: `chaos-${record.plan.key.slice(-6)}` } : { status: 'CANCELLED', reason: 'chaos test cancel' };
    const deadline = Date.now() + this.o.retryDeadlineMs;
    let backoff = 200;
    for (;;) {
      record.actionAttempts += 1;
      const res = await this.gate.run(() =>
        // longer than an activity's start-to-close timeout: an update waiting for a retried activity is not a failure
        this.o.client.request<{ status: SaleStatus; currentStatus?: SaleStatus }>('PATCH', `/sales/${record.saleId}/status`, { token: record.plan.actor.token, body, timeoutMs: 45_000 }),
      );
      if (res.status === 200) {
        record.acknowledged = res.body.status;
        record.actionOutcome = record.actionAttempts === 1 ? 'applied' : 'applied-before-retry';
        if (res.body.status !== want) record.problems.push(`PATCH answered 200 with status ${res.body.status}, asked ${want}`);
        return;
      }
      if (res.status === 409) {
        // an earlier attempt may still be running (or have committed), or the reservation expired:
        // the sale's own status says which, once it is no longer RESERVED
        const settled = Date.now() + 60_000;
        let status: SaleStatus | undefined;
        while (Date.now() < settled) {
          status = await this.readStatus(record);
          if (status && status !== 'RESERVED') break;
          await sleep(500);
        }
        if (status === want) {
          record.acknowledged = want;
          record.actionOutcome = 'applied-before-retry';
        } else if (status === 'CANCELLED' && want === 'COMPLETED') {
          record.actionOutcome = 'lost-race';
        } else {
          record.actionOutcome = 'gave-up';
          record.problems.push(`PATCH ${want} answered 409 (${JSON.stringify(res.body).slice(0, 200)}) and the sale stayed ${status}`);
        }
        return;
      }
      if (!transient(res)) {
        record.actionOutcome = 'gave-up';
        record.problems.push(`PATCH ${want} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
        return;
      }
      noteTransient(record, res);
      if (Date.now() > deadline) {
        record.actionOutcome = 'gave-up';
        record.problems.push(`PATCH ${want} gave up after ${record.actionAttempts} attempts (last ${res.status || res.error})`);
        return;
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 2_000);
    }
  }

  private schedule(record: SagaRecord, delayMs: number): void {
    if (!record.saleId || record.plan.intent === 'expire') return;
    this.pendingActions.push(sleep(delayMs).then(() => this.act(record)));
  }

  private wave1Done: Promise<unknown> = Promise.resolve();

  /**
   * Creates wave 1 and returns once it is created, or after `maxWaitMs` at the latest (so the
   * first sagas cannot expire before the fault hits on a slow machine; the rest of the wave is then
   * created during the fault). Actions on wave-1 sagas are spread over actionSpreadMs from then on.
   */
  async createWave1(maxWaitMs: number): Promise<{ ms: number; created: number }> {
    const started = Date.now();
    let release!: () => void;
    const faultMoment = new Promise<void>((r) => (release = r));
    const wave = this.records.filter((r) => r.plan.wave === 1);
    const created = wave.map((r) => this.create(r));
    this.wave1Done = Promise.all(
      wave.map(async (r, i) => {
        await created[i];
        await faultMoment;
        this.schedule(r, Math.random() * this.o.actionSpreadMs);
      }),
    );
    await Promise.race([Promise.all(created), sleep(maxWaitMs)]);
    release();
    return { ms: Date.now() - started, created: wave.filter((r) => r.saleId).length };
  }

  /** Starts wave 2 (created while the fault hits) and resolves when every request has an answer. */
  async finish(): Promise<void> {
    const wave = this.records.filter((r) => r.plan.wave === 2);
    await Promise.all(
      wave.map(async (r, i) => {
        await sleep(i * 150); // a trickle through the fault, not a burst
        await this.create(r);
        this.schedule(r, 500 + Math.random() * 3_000);
      }),
    );
    await this.wave1Done;
    // every action is scheduled by now
    await Promise.all(this.pendingActions);
  }
}
