/**
 * One trace from the HTTP call to the person notified (issue #16): with tracing on, a sale's
 * POST and its PATCH each make one trace that crosses the API, the Temporal worker and the Kafka
 * consumer groups, read back through the trace backend's HTTP API (the stack's Zipkin); an error
 * response and the log lines name their trace.
 */
import { createDb } from '../../shared/db';
import { createProduct } from '../helpers/catalog';
import { eventually } from '../helpers/events';
import { participants, startTracedApp, zipkinTrace, type TracedApp } from '../helpers/traced-app';
import { createUser } from '../helpers/users';

const db = createDb();
let app: TracedApp;
let token: string;

const TRACE_ID = /^[0-9a-f]{32}$/;

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${app.apiUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Waits until the trace holds spans of the API, the worker and at least two consumer groups. */
async function traceAcrossTheSaga(traceId: string) {
  return eventually(
    async () => {
      const spans = await zipkinTrace(traceId);
      const who = participants(spans);
      const complete = ['sales-saga-api', 'sales-saga-worker', 'sales-saga-consumers'].every((s) => who.services.includes(s)) && who.consumerGroups.length >= 2;
      return complete ? { spans, ...who } : undefined;
    },
    45_000,
    `trace ${traceId} with spans of the API, the worker and two consumer groups`,
  );
}

beforeAll(async () => {
  app = await startTracedApp();
  const staff = await createUser(db, { role: 'admin' });
  const login = await fetch(`${app.apiUrl}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: staff.email, password: staff.password }) });
  token = ((await login.json()) as { token: string }).token;
}, 180_000);

afterAll(async () => {
  await app?.stop();
  await db.destroy();
});

test("a sale's POST and its PATCH each make one trace across the API, the worker and the consumer groups", async () => {
  const productId = await createProduct(db, 10);
  const created = await api('POST', '/sales', { customerName: 'Ana Traced', customerEmail: 'ana@example.com', items: [{ productId, quantity: 2 }], discount: 0 });
  expect(created.status).toBe(201);
  const saleTrace = created.headers.get('x-trace-id');
  expect(saleTrace).toMatch(TRACE_ID);
  const sale = (await created.json()) as { id: string };

  const reserved = await traceAcrossTheSaga(saleTrace!);
  // the API's server span, the Temporal client → workflow update → activity chain, the Kafka hop (Zipkin lower-cases names)
  const names = reserved.spans.map((s) => s.name ?? '');
  for (const name of [/^post$/, /^updatewithstartworkflow:reserve$/, /^handleupdate:reserve$/, /^runactivity:reservesale$/, /^sale\.created process notify-/]) {
    expect(names).toContainEqual(expect.stringMatching(name));
  }
  expect(reserved.spans.some((s) => s.kind === 'PRODUCER' && s.localEndpoint?.serviceName === 'sales-saga-worker')).toBe(true);

  const completed = await api('PATCH', `/sales/${sale.id}/status`, { status: 'COMPLETED', paymentMethod: 'CASH' });
  expect(completed.status).toBe(200);
  const patchTrace = completed.headers.get('x-trace-id');
  expect(patchTrace).toMatch(TRACE_ID);
  expect(patchTrace).not.toBe(saleTrace);
  // the PATCH's trace: the API's request, the workflow's update handler and its step
  const patched = await eventually(async () => {
    const spans = await zipkinTrace(patchTrace!);
    return spans.some((s) => s.name === 'runactivity:completesale') ? spans : undefined;
  }, 30_000, "the PATCH's update and step in its trace");
  expect(participants(patched).services).toEqual(['sales-saga-api', 'sales-saga-worker']);
  expect(patched.map((s) => s.name)).toEqual(expect.arrayContaining(['patch', 'startworkflowupdate:changestatus', 'handleupdate:changestatus']));

  // the saga's own later work (it publishes the outcome once the update committed, as it would an
  // expiry) continues the sale's trace under its workflow span, which ends with the saga: the sale's
  // trace then holds the completion's consumers too, and is one tree with the POST as its root
  const whole = await eventually(async () => {
    const spans = await zipkinTrace(saleTrace!);
    const ended = spans.some((s) => /^runworkflow:/.test(s.name ?? ''));
    const completedGroups = new Set(spans.filter((s) => /^sale\.completed process /.test(s.name ?? '')).map((s) => s.tags?.['messaging.kafka.consumer.group']));
    return ended && completedGroups.size >= 2 ? spans : undefined;
  }, 30_000, "the saga's workflow span and the completion's consumers in the sale's trace");
  const ids = new Set(whole.map((s) => s.id));
  expect(whole.filter((s) => s.parentId === undefined).map((s) => s.name)).toEqual(['post']);
  expect(whole.filter((s) => s.parentId !== undefined && !ids.has(s.parentId)).map((s) => s.name)).toEqual([]);

  // a consumer's log line about this sale names the sale's trace
  const counted = await eventually(
    async () => app.output().split('\n').find((l) => l.includes('"sale counted"') && l.includes(sale.id)),
    10_000,
    "the analytics consumer's line about the sale",
  );
  expect(JSON.parse(counted)).toMatchObject({ sale_id: sale.id, trace_id: saleTrace });
}, 120_000);

test('an error response and its log line name the trace', async () => {
  const res = await api('POST', '/sales', { customerName: 'Ana Traced', items: 'not a list' });
  expect(res.status).toBe(400);
  const traceId = res.headers.get('x-trace-id');
  expect(traceId).toMatch(TRACE_ID);
  const problem = (await res.json()) as { traceId?: string; status: number };
  expect(problem).toMatchObject({ status: 400, traceId });
  // the API's request log line (pino JSON) carries it as trace_id
  const line = await eventually(
    async () => app.output().split('\n').find((l) => l.includes(`"trace_id":"${traceId}"`) && l.includes('"statusCode":400')),
    10_000,
    'the log line of the refused request',
  );
  expect(JSON.parse(line)).toMatchObject({ trace_id: traceId, req: { method: 'POST' } });
  // and the backend has the trace of the refused request
  const spans = await eventually(async () => ((await zipkinTrace(traceId!)).length > 0 ? zipkinTrace(traceId!) : undefined), 15_000, 'the refused request in Zipkin');
  expect(participants(spans).services).toEqual(['sales-saga-api']);
}, 60_000);
