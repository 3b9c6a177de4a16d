/**
 * Health, readiness, metrics and request ids on the real servers; readiness names the server that
 * does not answer; a process pointed at an unreachable server says so in one line and exits.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createKafka } from '../../shared/kafka';
import { createTestContext, type TestContext } from '../helpers/context';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx?.close();
});

test('/healthz answers while the process lives; /readyz is 200 when all three servers answer', async () => {
  expect((await request(ctx.app).get('/healthz')).body).toEqual({ status: 'ok' });
  const ready = await request(ctx.app).get('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body.checks).toEqual({ postgres: { status: 'up' }, kafka: { status: 'up' }, temporal: { status: 'up' } });
});

test('/readyz is 503 and names the server that does not answer', async () => {
  // a Kafka admin pointed at a port where nothing listens
  const deadKafka = createKafka('-dead').admin({ retry: { retries: 0 } });
  const app = createApp({ ...ctx.deps, kafkaAdmin: Object.assign(deadKafka, { describeCluster: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) }) });
  const res = await request(app).get('/readyz');
  expect(res.status).toBe(503);
  expect(res.body.detail).toBe('not answering: kafka');
  expect(res.body.checks.kafka).toEqual({ status: 'down' });
  // the server's raw error (addresses, driver internals) is logged, not shown to whoever probes
  expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  expect(res.body.checks.postgres.status).toBe('up');
});

test('/metrics exposes HTTP and process metrics in Prometheus format', async () => {
  await request(ctx.app).get('/healthz');
  const res = await request(ctx.app).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.text).toMatch(/^# HELP http_request_duration_seconds/m);
  expect(res.text).toMatch(/process_cpu_user_seconds_total/);
});

test('every response carries a request id; a caller-supplied one is kept', async () => {
  const mine = await request(ctx.app).get('/healthz').set('X-Request-Id', 'trace-abc.123');
  expect(mine.headers['x-request-id']).toBe('trace-abc.123');
  const generated = await request(ctx.app).get('/nope');
  expect(generated.status).toBe(404);
  expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(generated.headers['content-type']).toMatch(/application\/problem\+json/);
});

/** bin/api.ts run to its end with settings changed */
function runApiWith(settings: NodeJS.ProcessEnv, timeoutMs: number) {
  const repo = resolve(__dirname, '../..');
  return spawnSync(resolve(repo, 'node_modules/.bin/tsx'), ['bin/api.ts'], {
    cwd: repo,
    env: { ...process.env, APP_ENV: 'test', ...settings },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}

test('a wrong DATABASE_URL gives one clear line naming it, not a stack trace', () => {
  const run = runApiWith({ DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/nowhere' }, 60_000);
  expect(run.status).toBe(1);
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^api: PostgreSQL at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/nowhere is not reachable \(.*\); check DATABASE_URL$/);
});

test('an unreachable broker is named the same way', () => {
  const run = runApiWith({ KAFKA_BROKERS: '127.0.0.1:1' }, 90_000);
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/Kafka at 127\.0\.0\.1:1 is not reachable \(.*\); check KAFKA_BROKERS/);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}, 100_000);
