/**
 * Records workflow histories for the replay (determinism) test: runs each saga path once on the
 * test task queue and writes its history to test/histories/<generation>/<name>.json.
 * Record a new generation after a deliberate, patched() workflow change; keep the old ones:
 *   APP_ENV=test RESERVATION_TTL_SECONDS=2 npx tsx scripts/record-histories.ts <generation>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { getConfig } from '../shared/config';
import { temporalBinary } from '../stack/temporal';
import request from 'supertest';
import { createProduct } from '../test/helpers/catalog';
import { createTestContext } from '../test/helpers/context';
import { bearer, createUser, tokenFor } from '../test/helpers/users';
import { startTestWorker } from '../test/helpers/worker';

async function main(): Promise<void> {
  const generation = process.argv[2];
  if (!generation || !/^[a-z0-9-]+$/.test(generation)) throw new Error('usage: record-histories.ts <generation> (a folder name under test/histories)');
  const outDir = join(__dirname, '..', 'test', 'histories', generation);
  mkdirSync(outDir, { recursive: true });
  const ctx = await createTestContext();
  const worker = await startTestWorker(ctx);
  try {
    const user = await createUser(ctx.db, { role: 'sales' });
    const token = await tokenFor(ctx.app, user.email, user.password);
    const sale = async (productId: string, quantity: number) =>
      request(ctx.app).post('/sales').set(bearer(token)).send({ customerName: 'Replay', customerEmail: 'replay@example.com', items: [{ productId, quantity }] });
    const record = async (name: string, workflowId: string) => {
      const handle = ctx.deps.temporal.workflow.getHandle(workflowId);
      await handle.result().catch(() => undefined);
      // the CLI writes the standard JSON history format (historyToJSON in the SDK fails on these payloads)
      const json = execFileSync(temporalBinary(), ['workflow', 'show', `--address=${getConfig().temporal.address}`, `--workflow-id=${workflowId}`, '--output', 'json']);
      writeFileSync(join(outDir, `${name}.json`), json);
      console.log(`recorded ${name} (${workflowId})`);
    };

    const p = await createProduct(ctx.db, 10);
    const completed = await sale(p, 2);
    await request(ctx.app).patch(`/sales/${completed.body.id}/status`).set(bearer(token)).send({ status: 'COMPLETED', paymentMethod: 'CASH' });
    await record('sale-completed', completed.body.workflowId);

    const cancelled = await sale(p, 1);
    await request(ctx.app).patch(`/sales/${cancelled.body.id}/status`).set(bearer(token)).send({ status: 'CANCELLED', reason: 'replay' });
    await record('sale-cancelled', cancelled.body.workflowId);

    const expired = await sale(p, 1);
    await record('sale-expired', expired.body.workflowId);

    // a rejected reservation leaves no sale row; its saga still has a history
    const scarce = await createProduct(ctx.db, 1);
    const rejected = await request(ctx.app).post('/sales').set(bearer(token)).set('Idempotency-Key', `replay-${Date.now()}`).send({ customerName: 'Replay', customerEmail: 'replay@example.com', items: [{ productId: scarce, quantity: 5 }] });
    if (rejected.status !== 409) throw new Error(`expected 409, got ${rejected.status}`);
    const rows = await ctx.deps.temporal.workflow.list({ query: `WorkflowType IN ('saleWorkflow', 'saleWorkflowV2') AND ExecutionStatus = 'Completed'` });
    for await (const wf of rows) {
      const result = (await ctx.deps.temporal.workflow.getHandle(wf.workflowId).result()) as { outcome?: string };
      if (result?.outcome === 'REJECTED') {
        await record('sale-rejected', wf.workflowId);
        break;
      }
    }
  } finally {
    await worker.stop();
    await ctx.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
