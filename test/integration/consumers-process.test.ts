/**
 * The consumers process is observable on its own port (issue #12): /healthz, /readyz naming what is
 * not ready, and /metrics per group (processed, failed, dead-lettered, retrying, lag); and it
 * prunes processed_events past PROCESSED_EVENTS_RETENTION_DAYS without breaking dedupe within it.
 */
process.env.CONSUMERS_HEALTH_PORT = '0'; // a free port; read by shared/config.ts, loaded fresh for this file
process.env.PROCESSED_EVENTS_RETENTION_DAYS = '7';

import { Partitioners, type Producer } from 'kafkajs';
import { claimEvent } from '../../consumers/dedupe';
import { startConsumersProcess } from '../../runtime/consumers-process';
import { createDb } from '../../shared/db';
import { createKafka } from '../../shared/kafka';
import { SALE_TOPICS } from '../../shared/topics';
import { eventually, insertProduct, publish, saleEvent, unique } from '../helpers/events';

const db = createDb();
const suffix = `proc-${unique()}`;
const group = `analytics-group-${suffix}`;
const oldId = `retention-old-${unique()}`;
const recentId = `retention-recent-${unique()}`;
let producer: Producer;
let proc: Awaited<ReturnType<typeof startConsumersProcess>>;

beforeAll(async () => {
  await db('processed_events').insert([
    { consumer_group: group, event_id: oldId, processed_at: db.raw(`now() - interval '8 days'`) },
    { consumer_group: group, event_id: recentId, processed_at: db.raw(`now() - interval '6 days'`) },
  ]);
  producer = createKafka('-proc-test').producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  proc = await startConsumersProcess({ groups: ['analytics-group'], groupSuffix: suffix, startFromNow: true });
  await proc.consumers.groups[0]!.joined();
}, 90_000);

afterAll(async () => {
  await proc?.stop();
  await producer?.disconnect();
  await db.destroy();
});

const get = (path: string) => fetch(`${proc.url}${path}`);

function sample(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{group="${group}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

test('/healthz and /readyz answer on the consumers port; readiness lists the servers and the groups', async () => {
  expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
  const ready = await get('/readyz');
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: { status: 'up' }, kafka: { status: 'up' }, [group]: { status: 'up' } } });
});

test('/metrics counts processed and dead-lettered records per group, and its lag', async () => {
  const productId = await insertProduct(db);
  const sale = saleEvent('completed', { items: [{ productId, quantity: 1, unitPrice: 1000 }] });
  await producer.send({ topic: SALE_TOPICS.completed, acks: -1, messages: [{ key: 'poison', value: 'this is not JSON' }] });
  await publish(producer, sale);

  const metrics = await eventually(async () => {
    const text = await (await get('/metrics')).text();
    return (sample(text, 'consumer_records_processed_total') ?? 0) >= 1 && (sample(text, 'consumer_records_dead_lettered_total') ?? 0) >= 1 && sample(text, 'consumer_group_lag') === 0 ? text : undefined;
  }, 20_000, 'the group counted both records and committed them');
  expect(sample(metrics, 'consumer_records_failed_total')).toBe(0);
  expect(sample(metrics, 'consumer_retrying')).toBe(0);
  expect(metrics).toMatch(/^# TYPE consumer_records_processed_total counter$/m);
});

test('processed_events past the retention were pruned at start; dedupe within it still holds', async () => {
  const left = await db('processed_events').where({ consumer_group: group }).whereIn('event_id', [oldId, recentId]).pluck('event_id');
  expect(left).toEqual([recentId]);
  // the recent event is still recognised as a duplicate
  expect(await db.transaction((trx) => claimEvent(trx, group, recentId))).toBe(false);
});
