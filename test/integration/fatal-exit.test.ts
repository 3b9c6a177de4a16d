/**
 * A component that fails on its own (e.g. a fatal Temporal worker error) ends its process with
 * status 1 after stopping the rest (issue #12), so Docker / systemd / Kubernetes restart it instead
 * of keeping a live process that does nothing. The entry point is a real process on the lifecycle
 * every bin/*.ts uses.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

test('a component failure stops the process with status 1, after a graceful stop', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/failing-component.ts'], {
    cwd: resolve(__dirname, '../..'),
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await Promise.race([
    new Promise<number | null>((r) => child.once('exit', (c) => r(c))),
    new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000)),
  ]);
  if (code === 'still running') child.kill('SIGKILL');
  expect(output).toContain('component running'); // the positive marker: it did start
  expect({ code, stopped: output.includes('component stopped'), logged: /a component failed.*simulated fatal poll error|simulated fatal poll error.*a component failed/s.test(output) })
    .toEqual({ code: 1, stopped: true, logged: true });
}, 30_000);

test("the Temporal worker's run ending without a stop request is reported as its failure", async () => {
  const { startWorker } = await import('../../runtime/worker');
  const running = await startWorker();
  expect(running.worker.getState()).toBe('RUNNING'); // the positive marker: it polls
  // as if the core had ended the worker on its own (a fatal error also ends run(), by rejecting)
  running.worker.shutdown();
  const failure = await Promise.race([running.failure, new Promise<'none'>((r) => setTimeout(() => r('none'), 30_000))]);
  await running.stop();
  expect(failure).toBeInstanceOf(Error);
  expect((failure as Error).message).toMatch(/stopped without being asked to/);
}, 90_000);
