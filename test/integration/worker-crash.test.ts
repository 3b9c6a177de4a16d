/**
 * A worker SIGKILLed after the reservation, with a completion requested while no worker runs:
 * once a worker is back, the saga resumes from its history and finishes.
 * The worker here is the real entry point (bin/worker.ts) in its own process.
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const taskQueue = `crash-test-${randomUUID()}`;
process.env.TEMPORAL_TASK_QUEUE = taskQueue; // this file's API and its worker process share a private queue

import request from 'supertest';
import { createProduct, stockOf } from '../helpers/catalog';
import { createTestContext, type TestContext } from '../helpers/context';
import { eventually } from '../helpers/events';
import { bearer, createUser, tokenFor } from '../helpers/users';

let ctx: TestContext;
let staff: string;
const children: ChildProcess[] = [];

function startWorkerProcess(): Promise<ChildProcess> {
  const repo = resolve(__dirname, '../..');
  // node itself with tsx's loader (not the tsx wrapper), so the PID we SIGKILL is the worker's own
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/worker.ts'], {
    cwd: repo,
    env: { ...process.env, APP_ENV: 'test', TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'info', WORKER_METRICS_ADDRESS: `127.0.0.1:${20000 + Math.floor(Math.random() * 20000)}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error('worker process did not start within 60 s')), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker running')) {
        clearTimeout(timer);
        resolveStarted(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
  });
}

beforeAll(async () => {
  ctx = await createTestContext();
  const user = await createUser(ctx.db, { role: 'sales' });
  staff = await tokenFor(ctx.app, user.email, user.password);
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await ctx?.close();
});

test('SIGKILL after reservation, completion while down, restart: the saga finishes', async () => {
  const first = await startWorkerProcess();
  const productId = await createProduct(ctx.db, 4);
  const created = await request(ctx.app)
    .post('/sales')
    .set(bearer(staff))
    .send({ customerName: 'Crash Test', customerEmail: 'crash@example.com', items: [{ productId, quantity: 2 }] });
  expect(created.status).toBe(201);
  expect(await stockOf(ctx.db, productId)).toMatchObject({ reserved: 2 });

  const killed = new Promise((r) => first.once('exit', (_code, signal) => r(signal)));
  first.kill('SIGKILL');
  expect(await killed).toBe('SIGKILL');

  // asked while no worker runs: the update waits for one
  // the server's marker that the request reached the saga: a workflow task scheduled for it, no worker to take it
  const saga = ctx.deps.temporal.workflow.getHandle(created.body.workflowId);
  const pendingTask = async () => (await saga.describe()).raw.pendingWorkflowTask ?? undefined;
  expect(await pendingTask()).toBeUndefined();
  const completion = request(ctx.app).patch(`/sales/${created.body.id}/status`).set(bearer(staff)).send({ status: 'COMPLETED', paymentMethod: 'CASH' }).then((r) => r);
  await eventually(pendingTask, 30_000, 'the completion waiting at the server');
  await startWorkerProcess();

  const res = await completion;
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('COMPLETED');
  expect(await ctx.deps.temporal.workflow.getHandle(created.body.workflowId).result()).toEqual({ saleId: created.body.id, outcome: 'COMPLETED' });
  expect(await stockOf(ctx.db, productId)).toMatchObject({ on_hand: 2, reserved: 0, available: 2 });
}, 180_000);
