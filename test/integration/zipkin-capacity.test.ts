/**
 * The stack's Zipkin (stack/zipkin.ts) keeps taking spans after more than it keeps: the in-memory
 * storage drops the oldest traces instead of filling the 256 MB heap. With a limit the heap could
 * not hold, a long `npm start` or a bench's tracing rounds ended in garbage-collection thrash and
 * OutOfMemoryError. Spans shaped like ours (a query span's tags), pushed to the suite's Zipkin.
 */
import { randomBytes } from 'node:crypto';
import { ZIPKIN_MAX_SPANS } from '../../stack/zipkin';
import { zipkinBaseUrl } from '../helpers/traced-app';

const SPANS_PER_TRACE = 50;
const TRACES_PER_POST = 40;

function trace(traceId: string): object[] {
  const now = Date.now() * 1000;
  return Array.from({ length: SPANS_PER_TRACE }, (_, i) => ({
    traceId,
    id: randomBytes(8).toString('hex'),
    ...(i > 0 && { parentId: randomBytes(8).toString('hex') }),
    name: `pg.query:SELECT sales ${i}`,
    kind: 'CLIENT',
    timestamp: now + i,
    duration: 1200 + i,
    localEndpoint: { serviceName: 'sales-saga-capacity-test' },
    tags: {
      'db.system': 'postgresql',
      'db.statement': `select "id", "status", "customer_user_id" from "sales" where "id" = $1 and "status" = $2 limit $3 /* ${traceId} ${i} */`,
      'db.name': 'sales_saga_test',
      'db.user': 'app',
      'net.peer.name': '127.0.0.1',
      'net.peer.port': '15433',
      temporalWorkflowId: `sale-${traceId.slice(0, 12)}`,
      'sale.id': `${traceId.slice(0, 8)}-0000-4000-8000-${traceId.slice(0, 12)}`,
      'otel.library.name': '@opentelemetry/instrumentation-pg',
      'otel.library.version': '0.50.0',
    },
  }));
}

async function post(traceIds: string[]): Promise<number> {
  const res = await fetch(`${zipkinBaseUrl()}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(traceIds.flatMap(trace)) });
  return res.status;
}

const newTraceId = () => randomBytes(16).toString('hex');
const traceSpans = async (traceId: string) => {
  const res = await fetch(`${zipkinBaseUrl()}/api/v2/trace/${traceId}`);
  return res.status === 200 ? ((await res.json()) as unknown[]).length : 0;
};

test('after 1.3 times the spans it keeps, Zipkin still takes and answers, the oldest traces dropped', async () => {
  const first = newTraceId();
  expect(await post([first])).toBe(202);
  expect(await traceSpans(first)).toBe(SPANS_PER_TRACE);

  const spansPerPost = SPANS_PER_TRACE * TRACES_PER_POST;
  const posts = Math.ceil((ZIPKIN_MAX_SPANS * 1.3) / spansPerPost);
  const refused: number[] = [];
  for (let i = 0; i < posts; i++) {
    const status = await post(Array.from({ length: TRACES_PER_POST }, newTraceId));
    if (status !== 202) refused.push(status);
  }
  expect(refused).toEqual([]);

  // the marker: the newest trace is there, whole
  const last = newTraceId();
  expect(await post([last])).toBe(202);
  expect(await traceSpans(last)).toBe(SPANS_PER_TRACE);
  // and the oldest went to make room
  expect(await traceSpans(first)).toBe(0);
  const health = await fetch(`${zipkinBaseUrl()}/health`);
  expect(health.status).toBe(200);
}, 600_000);
