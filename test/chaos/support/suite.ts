/**
 * One chaos run's moving parts: the app processes on the private stack, the clients that check
 * the stores, and `runScenario`, which keeps a few hundred sagas in flight, hits them with a
 * fault, waits for every saga to end and checks the invariants.
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { getConfig } from '../../../shared/config';
import { createDb } from '../../../shared/db';
import { createTemporalClient } from '../../../shared/temporal';
import { stateDir } from '../../../stack/paths';
import { createProduct } from '../../helpers/catalog';
import { createUser } from '../../helpers/users';
import { APP_SPECS, AppProcesses, freePort, type UnexpectedExit } from './apps';
import { checkInvariants, waitAllTerminal, type CheckResult, type Scope } from './checks';
import { ApiClient } from './http';
import { SagaLoad, type Actor } from './load';
import { appendSummary } from './summary';

export interface Suite {
  apps: AppProcesses;
  api: ApiClient;
  db: Knex;
  temporal: Client;
  adminId: string;
  workerMetricsUrl: string;
  close(): Promise<void>;
}

const say = (message: string) => process.stderr.write(`[chaos] ${message}\n`);

export async function startSuite(parts: ('worker' | 'consumers' | 'api')[] = ['worker', 'consumers', 'api']): Promise<Suite> {
  const port = await freePort();
  const metricsPort = await freePort();
  const apps = new AppProcesses({
    dir: join(stateDir(), 'apps'),
    tag: 'chaos',
    env: {
      ...process.env,
      APP_ENV: 'test',
      LOG_LEVEL: 'info', // the processes' logs go to files (and hold the ready markers)
      PORT: String(port),
      WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      SEED_DEMO_DATA: 'false',
    },
  });
  await apps.run('migrate', APP_SPECS.migrate);
  // the three start concurrently: bundling the workflows dominates the worker's start
  await Promise.all(parts.map((p) => apps.start(p, APP_SPECS[p])));
  const api = new ApiClient(`http://127.0.0.1:${port}`);
  await api.waitReady();
  const db = createDb();
  const temporal = await createTemporalClient();
  const admin = await createUser(db, { role: 'admin' });
  return {
    apps,
    api,
    db,
    temporal,
    adminId: admin.id,
    workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    async close() {
      await apps.stopAll();
      await temporal.connection.close();
      await db.destroy();
    },
  };
}

/** Restarts what should be running but is not (after an unexpected exit), so the next scenario can run. */
export async function ensureRunning(suite: Suite, parts: ('worker' | 'consumers' | 'api')[]): Promise<void> {
  for (const p of parts) if (!suite.apps.isRunning(p)) await suite.apps.start(p, APP_SPECS[p]);
  await suite.api.waitReady(120_000);
}

export interface Fault {
  name: string;
  /** breaks something and repairs it; resolves once repaired, with a note for the summary */
  inject(suite: Suite, scope: Scope): Promise<string>;
  /** processes this fault stops on purpose (their exit is not a finding) */
  expectedExits?: string[];
}

export interface ScenarioOptions {
  wave1?: number;
  wave2?: number;
  concurrency?: number;
  terminalTimeoutMs?: number;
  drainTimeoutMs?: number;
  /** after the scenario's users and products exist, before the load (e.g. preferences the fault needs) */
  prepare?: (scope: Scope) => Promise<void>;
  /** checks of the fault's own, after the invariants, in the same summary row */
  extraChecks?: (scope: Scope, saleIds: string[]) => Promise<CheckResult[]>;
}

async function actor(suite: Suite, role: 'sales' | 'customer'): Promise<Actor> {
  const user = await createUser(suite.db, { role });
  return { role, userId: user.id, token: await suite.api.login(user.email, user.password) };
}

export async function runScenario(suite: Suite, fault: Fault, options: ScenarioOptions = {}): Promise<CheckResult[]> {
  const started = Date.now();
  const exitsBefore = suite.apps.unexpectedExits.length;
  const staff = await actor(suite, 'sales');
  const customer = await actor(suite, 'customer');

  // a few products with enough stock; the last one crosses its low-stock threshold during the run,
  // so inventory status notifications (and the customer who follows it) are part of the picture
  const stock = [600, 600, 600, 300];
  const productIds = await Promise.all(stock.map((s, i) => createProduct(suite.db, s, { price: 1000 + 500 * i, lowStockThreshold: i === 3 ? 250 : 2 })));
  await suite.db('product_follows').insert({ user_id: customer.userId, product_id: productIds[3] });
  const scope: Scope = {
    userIds: [staff.userId, customer.userId],
    productIds,
    initialStock: new Map(productIds.map((p, i) => [p, stock[i]!])),
    adminId: suite.adminId,
    customerId: customer.userId,
  };
  await options.prepare?.(scope);

  const load = new SagaLoad({
    client: suite.api,
    staff,
    customer,
    products: productIds,
    wave1: options.wave1 ?? 210,
    wave2: options.wave2 ?? 30,
    concurrency: options.concurrency ?? 24,
    actionSpreadMs: 8_000,
    retryDeadlineMs: 150_000,
  });
  // the first sagas must still be reserved when the fault hits: it hits 12 s before they would expire at the latest
  const wave1 = await load.createWave1(Math.max(5_000, (getConfig().saga.reservationTtlSeconds - 12) * 1000));
  const inFlight = Number(
    (await suite.db('sales').whereIn('created_by', scope.userIds).where({ status: 'RESERVED' }).count<{ n: string }[]>('* as n'))[0]?.n ?? 0,
  );
  say(`${fault.name}: wave 1: ${wave1.created} of ${load.records.filter((r) => r.plan.wave === 1).length} sagas created in ${wave1.ms} ms; ${inFlight} in flight; injecting the fault`);

  const finishing = load.finish();
  const faultStarted = Date.now();
  const note = await fault.inject(suite, scope);
  say(`${fault.name}: ${note}; repaired after ${Date.now() - faultStarted} ms`);
  await finishing;
  say(`${fault.name}: every client request answered after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const { sales, waitedMs, stuck } = await waitAllTerminal(suite.db, suite.temporal, scope, options.terminalTimeoutMs ?? 150_000);
  say(`${fault.name}: ${stuck ? stuck : `all ${sales.length} sagas terminal (waited ${waitedMs} ms after the last answer)`}`);
  const results = await checkInvariants(suite.db, suite.temporal, scope, load.records, sales, { drainTimeoutMs: options.drainTimeoutMs ?? 90_000 });
  if (stuck) results.unshift({ name: 'sagas terminal in time', ok: false, detail: stuck });
  if (options.extraChecks) results.push(...(await options.extraChecks(scope, sales.map((s) => s.id))));

  const exits: UnexpectedExit[] = suite.apps.unexpectedExits.slice(exitsBefore).filter((e) => !(fault.expectedExits ?? []).includes(e.name));
  results.push({
    name: 'app processes survived the fault',
    ok: exits.length === 0,
    detail: exits.length === 0 ? 'no unexpected exit' : exits.map((e) => `${e.name} exited (code ${e.code}, signal ${e.signal}) at ${e.at}:\n${e.logTail}`).join('\n'),
  });

  const terminal = sales.filter((s) => s.status !== 'RESERVED');
  const expired = sales.filter((s) => s.cancel_reason === 'reservation expired').length;
  const completed = sales.filter((s) => s.status === 'COMPLETED').length;
  const retried = load.records.reduce((n, r) => n + Object.values(r.transient).reduce((a, b) => a + b, 0), 0);
  const failed = results.filter((r) => !r.ok);
  appendSummary({
    fault: fault.name,
    sagas: sales.length,
    inFlightAtFault: inFlight,
    terminal: `${terminal.length}/${sales.length}`,
    outcomes: `${completed}/${terminal.length - completed - expired}/${expired}`,
    checks: `${results.length - failed.length}/${results.length} passed`,
    durationS: (Date.now() - started) / 1000,
    notes: `${note}; ${retried} client retries`,
    failed: failed.map((f) => `${f.name}: ${f.detail.split('\n')[0]}`),
  });
  for (const r of results) say(`${fault.name}: ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}`);
  return results;
}

/**
 * How many activity slots the worker is using (its Prometheus endpoint), local activities (the
 * saga's steps) included; 0 if it cannot tell.
 */
export async function activitiesInFlight(suite: Suite): Promise<number> {
  try {
    const text = await (await fetch(suite.workerMetricsUrl, { signal: AbortSignal.timeout(2_000) })).text();
    let n = 0;
    for (const line of text.split('\n')) {
      if (/^temporal_worker_task_slots_used\{[^}]*worker_type="(Local)?ActivityWorker"/.test(line)) n += Number(line.split(' ').pop());
    }
    return n;
  } catch {
    return 0;
  }
}

export function configSummary(): string {
  const cfg = getConfig();
  return `db ${cfg.database.url}, kafka ${cfg.kafka.brokers.join(',')}, temporal ${cfg.temporal.address}, TTL ${cfg.saga.reservationTtlSeconds} s`;
}
