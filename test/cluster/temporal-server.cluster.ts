/**
 * The Temporal server on PostgreSQL (stack/temporal-server.ts), not the dev server: a sale's whole
 * lifecycle through the real API and the app's worker, the workflow read back through the UI
 * server's HTTP API and found in the server's own PostgreSQL tables, and sagas in flight that
 * outlive a crash of the history role and a restart of the whole server.
 *
 * Runs on the stack's PostgreSQL and Kafka (started here if they are not running) and starts the
 * server on the TEMPORAL_SERVER_* ports; the app is pointed at it through TEMPORAL_ADDRESS.
 */
// read by shared/config.ts on first use, which comes after these lines
process.env.TEMPORAL_ADDRESS = `127.0.0.1:${process.env.TEMPORAL_SERVER_FRONTEND_PORT ?? '7236'}`;
process.env.TEMPORAL_NAMESPACE ??= 'sales-saga';
// a PATCH waits out the history role's restart (the saga's step is held meanwhile)
process.env.SALE_REQUEST_DEADLINE_SECONDS = '30';

import { Client as PgClient } from 'pg';
import request from 'supertest';
import type { Activities } from '../../activities';
import { getConfig } from '../../shared/config';
import { createDb } from '../../shared/db';
import { ensureTopics } from '../../shared/kafka';
import { migrateLatest } from '../../shared/migrate';
import { SALE_TOPICS } from '../../shared/topics';
import { startKafka } from '../../stack/kafka';
import { startPostgres } from '../../stack/postgres';
import {
  restartHistoryRole,
  restartTemporalServer,
  startTemporalServer,
  stopTemporalServer,
  temporalServerRunning,
  type TemporalServerSettings,
} from '../../stack/temporal-server';
import { createProduct, stockOf } from '../helpers/catalog';
import { createTestContext, type TestContext } from '../helpers/context';
import { collectMessages } from '../helpers/topics';
import { bearer, createUser, tokenFor } from '../helpers/users';
import { startTestWorker, type TestWorker } from '../helpers/worker';

let server: TemporalServerSettings;
let startedHere = false;
let ctx: TestContext;
let worker: TestWorker;
let staff: string;

/** test-only: the completion step (completeSaleAndPublish) of this sale waits until `release` is called (a step in flight during a fault) */
const held: { saleId?: string; started?: () => void; release?: Promise<void> } = {};

beforeAll(async () => {
  const config = getConfig();
  if (!config.provided.database) await startPostgres();
  if (!config.provided.kafka) await startKafka();
  const knex = createDb();
  try {
    await migrateLatest(knex);
  } finally {
    await knex.destroy();
  }
  await ensureTopics();
  startedHere = !temporalServerRunning();
  // the first run builds the server (minutes on 2 cores; cached afterwards)
  server = await startTemporalServer();

  ctx = await createTestContext();
  worker = await startTestWorker(ctx, {
    wrapActivities: (real: Activities): Activities => ({
      ...real,
      async completeSaleAndPublish(saleId, payment, publish) {
        if (saleId === held.saleId && held.release) {
          held.started?.();
          await held.release;
        }
        return real.completeSaleAndPublish(saleId, payment, publish);
      },
    }),
  });
  const user = await createUser(ctx.db, { role: 'sales' });
  staff = await tokenFor(ctx.app, user.email, user.password);
}, 1_800_000);

afterAll(async () => {
  await worker?.stop();
  await ctx?.close();
  if (startedHere) await stopTemporalServer();
}, 120_000);

async function reserve(productId: string, quantity: number): Promise<{ id: string; workflowId: string }> {
  const res = await request(ctx.app)
    .post('/sales')
    .set(bearer(staff))
    .send({ customerName: 'Cluster Carmen', customerEmail: 'carmen@example.com', items: [{ productId, quantity }] });
  expect(res.status).toBe(201);
  return res.body as { id: string; workflowId: string };
}

const complete = (saleId: string) => request(ctx.app).patch(`/sales/${saleId}/status`).set(bearer(staff)).send({ status: 'COMPLETED', paymentMethod: 'CASH' });

/** A query on one of the server's own databases (where the dev server has no tables). */
async function queryTemporalDb<T extends Record<string, unknown>>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new PgClient({ ...server.postgres, database });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function expectCompleted(sale: { id: string; workflowId: string }, productId: string, onHand: number): Promise<void> {
  expect(await ctx.deps.temporal.workflow.getHandle(sale.workflowId).result()).toEqual({ saleId: sale.id, outcome: 'COMPLETED' });
  expect((await request(ctx.app).get(`/sales/${sale.id}`).set(bearer(staff))).body.status).toBe('COMPLETED');
  expect(await stockOf(ctx.db, productId)).toMatchObject({ on_hand: onHand, reserved: 0 });
  const [event] = await collectMessages([SALE_TOPICS.completed], (m) => m.key === sale.id, 1, 30_000);
  expect(event?.value).toMatchObject({ type: 'sale.completed', status: 'COMPLETED' });
}

test('a sale runs its whole lifecycle on the Temporal server on PostgreSQL, and the UI server shows it', async () => {
  const productId = await createProduct(ctx.db, 10);
  const sale = await reserve(productId, 3);
  const done = await complete(sale.id);
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ status: 'COMPLETED' });
  await expectCompleted(sale, productId, 7);

  // the saga's search attributes were registered on this server, in this namespace
  const described = await ctx.deps.temporal.workflow.getHandle(sale.workflowId).describe();
  expect(described.searchAttributes.SaleStatus).toEqual(['COMPLETED']);

  // the UI server's HTTP API (what its pages call) reads the workflow from this server
  const ui = await fetch(`http://127.0.0.1:${server.ports.ui}/api/v1/namespaces/${encodeURIComponent(server.namespace)}/workflows/${encodeURIComponent(sale.workflowId)}`);
  expect(ui.status).toBe(200);
  const body = (await ui.json()) as { workflowExecutionInfo?: { execution?: { workflowId?: string }; status?: string } };
  expect(body.workflowExecutionInfo?.execution?.workflowId).toBe(sale.workflowId);
  expect(body.workflowExecutionInfo?.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');

  // and it is this server's state: the execution in its PostgreSQL tables, spread over ≥ 4 shards
  const executions = await queryTemporalDb(server.databases.persistence, 'SELECT shard_id FROM executions WHERE workflow_id = $1', [sale.workflowId]);
  expect(executions).toHaveLength(1);
  const [shards] = await queryTemporalDb<{ count: string }>(server.databases.persistence, 'SELECT count(*) FROM shards');
  expect(Number(shards?.count)).toBeGreaterThanOrEqual(4);
  const visible = await queryTemporalDb(server.databases.visibility, 'SELECT status FROM executions_visibility WHERE workflow_id = $1', [sale.workflowId]);
  expect(visible).toHaveLength(1);
}, 120_000);

test('a crash of the history role while a saga step runs: the saga finishes afterwards', async () => {
  const productId = await createProduct(ctx.db, 10);
  const sale = await reserve(productId, 2);
  let release!: () => void;
  held.release = new Promise<void>((r) => (release = r));
  const started = new Promise<void>((r) => (held.started = r));
  held.saleId = sale.id;
  const patched = complete(sale.id).then((res) => res.status);
  await started; // the completion step is running in the worker: the saga has a step in flight

  await restartHistoryRole({ signal: 'SIGKILL' });
  release();

  // the PATCH may have timed out meanwhile (it then answers 202/5xx); the saga itself must finish
  await patched;
  await expectCompleted(sale, productId, 8);
  held.saleId = undefined;
}, 300_000);

test('a restart of the whole server with a saga waiting: it is completed afterwards', async () => {
  const productId = await createProduct(ctx.db, 10);
  const sale = await reserve(productId, 4);
  await restartTemporalServer(); // resolves once workflow calls are served again
  // the app's client and worker reconnect by themselves
  const done = await complete(sale.id);
  expect(done.status).toBe(200);
  await expectCompleted(sale, productId, 6);
}, 300_000);
