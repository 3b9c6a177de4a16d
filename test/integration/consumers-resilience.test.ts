/**
 * The consumer runner under trouble, against the real broker and database: two members of one
 * group share the partitions and every event takes effect once (also across a member leaving); a
 * database that is down makes messages retry (not dead-letter, not commit) until it is back; a
 * consumer that kafkajs crashes for good (CRASH, restart: false) is rebuilt.
 */
import { randomUUID } from 'node:crypto';
import { KafkaJSNonRetriableError, Partitioners, type Kafka, type Producer } from 'kafkajs';
import { startConsumers, type RunningConsumers } from '../../consumers';
import type { Delivered } from '../../consumers/messages';
import { startGroupConsumer } from '../../consumers/runner';
import { createDb } from '../../shared/db';
import { inventoryMessage } from '../../shared/events';
import { createKafka } from '../../shared/kafka';
import { INVENTORY_TOPIC } from '../../shared/topics';
import { createTestContext, type TestContext } from '../helpers/context';
import { eventually, insertProduct, publish, stockChanged, tailTopic, unique } from '../helpers/events';
import { captureLogs, type CapturedLogs } from '../helpers/logs';
import { createUser, type TestUser } from '../helpers/users';

let ctx: TestContext;
let kafka: Kafka;
let admin: TestUser;
const running: RunningConsumers[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  kafka = createKafka('-test-resilience');
  admin = await createUser(ctx.db, { role: 'admin' });
}, 60_000);

// each test's consumers are gone before the next starts (they would notify the same admin)
afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await ctx.close();
});

async function start(options: Parameters<typeof startConsumers>[0]): Promise<RunningConsumers> {
  const r = await startConsumers(options);
  running.push(r);
  return r;
}

const notificationLines = (logs: CapturedLogs, eventIds: string[]) =>
  logs.lines.filter((l) => l.msg === 'notification' && l.recipient === admin.email && eventIds.includes(l.event_id as string));

async function myNotifications(eventIds: string[]): Promise<{ event_id: string }[]> {
  return ctx.db('notifications').where({ recipient_id: admin.id }).whereIn('event_id', eventIds).select('event_id');
}

/** Status changes for fresh products, produced to explicit partitions so every partition gets some. */
async function produceAcrossPartitions(count: number): Promise<string[]> {
  const partitions = (await ctx.deps.kafkaAdmin.fetchTopicOffsets(INVENTORY_TOPIC)).map((p) => p.partition);
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const p = await insertProduct(ctx.db);
    const m = inventoryMessage(stockChanged(p, 2, 'in_stock', 'out_of_stock'));
    await ctx.deps.producer.send({ topic: m.topic, acks: -1, messages: [{ key: m.key, value: m.value, headers: m.headers, partition: partitions[i % partitions.length]! }] });
    ids.push(`inventory:${p}:v2`);
  }
  return ids;
}

/**
 * One more status change on every partition, waited for until it took effect: whatever an earlier
 * message on any partition could still cause (a second delivery, a duplicate effect) came before it.
 */
async function markersOnEveryPartition(): Promise<void> {
  const partitions = (await ctx.deps.kafkaAdmin.fetchTopicOffsets(INVENTORY_TOPIC)).length;
  const markers = await produceAcrossPartitions(partitions);
  await eventually(async () => (await myNotifications(markers)).length === partitions, 30_000, 'a marker on every partition handled');
}

test('two members of one group split the partitions and every event takes effect exactly once, also when one leaves', async () => {
  const suffix = `two-${unique()}`;
  const groupId = `notify-admin-${suffix}`;
  const logs1 = captureLogs();
  const logs2 = captureLogs();
  const one = await start({ groups: ['notify-admin'], groupSuffix: suffix, startFromNow: true, logger: logs1.logger });
  const two = await start({ groups: ['notify-admin'], groupSuffix: suffix, startFromNow: true, logger: logs2.logger });
  await Promise.all([one.groups[0]!.joined(), two.groups[0]!.joined()]);

  const first = await produceAcrossPartitions(12);
  await eventually(async () => (await myNotifications(first)).length === 12, 20_000, 'first batch notified');
  await markersOnEveryPartition(); // a duplicate effect, if there were one, would have landed by now
  expect((await myNotifications(first)).map((n) => n.event_id).sort()).toEqual([...first].sort());
  const handled1 = notificationLines(logs1, first).length;
  const handled2 = notificationLines(logs2, first).length;
  expect(handled1 + handled2).toBe(12);
  expect(handled1).toBeGreaterThan(0); // both members had partitions
  expect(handled2).toBeGreaterThan(0);
  expect(await ctx.db('processed_events').where({ consumer_group: groupId }).whereIn('event_id', first)).toHaveLength(12);

  // one member leaves gracefully: the other takes over its partitions from the committed offsets
  await one.stop();
  const second = await produceAcrossPartitions(6);
  await eventually(async () => (await myNotifications(second)).length === 6, 30_000, 'second batch notified by the remaining member');
  await markersOnEveryPartition();
  expect(await myNotifications([...first, ...second])).toHaveLength(18);
  expect(notificationLines(logs2, second)).toHaveLength(6);
  expect(notificationLines(logs1, second)).toHaveLength(0);
}, 90_000);

test('database down: the message is retried, not dead-lettered and not committed; once the database is back it takes effect', async () => {
  const suffix = `dbdown-${unique()}`;
  const groupId = `notify-admin-${suffix}`;
  // a pool pointing at a port nobody listens on: every transaction fails with ECONNREFUSED
  const deadDb = createDb({ connection: 'postgres://sales_saga@127.0.0.1:1/none', acquireConnectionTimeout: 1_000 });
  const dlq = await tailTopic(kafka, ctx.deps.kafkaAdmin, `${INVENTORY_TOPIC}.dlq`);
  try {
    const down = await start({ groups: ['notify-admin'], groupSuffix: suffix, startFromNow: true, db: deadDb, logger: captureLogs().logger });
    const p = await insertProduct(ctx.db);
    const event = stockChanged(p, 2, 'in_stock', 'out_of_stock');
    const m = inventoryMessage(event);
    const [meta] = await ctx.deps.producer.send({ topic: m.topic, acks: -1, messages: [{ key: m.key, value: m.value, headers: m.headers }] });

    await eventually(async () => down.groups[0]!.stats.retried >= 2, 20_000, 'retried at least twice');
    expect(down.groups[0]!.stats.deadLettered).toBe(0);
    await down.stop();
    expect(dlq.records.filter((r) => r.headers['x-consumer-group'] === groupId)).toHaveLength(0);
    const [offsets] = await ctx.deps.kafkaAdmin.fetchOffsets({ groupId, topics: [INVENTORY_TOPIC] });
    const committed = Number(offsets!.partitions.find((x) => x.partition === meta!.partition)!.offset);
    expect(committed).toBeGreaterThanOrEqual(0); // startFromNow committed its starting point
    expect(committed).toBeLessThanOrEqual(Number(meta!.baseOffset)); // the failed message is still ahead of the group
    expect(await myNotifications([event.event_id])).toHaveLength(0);

    // the same group, now with a working database, resumes at that message
    await start({ groups: ['notify-admin'], groupSuffix: suffix, logger: captureLogs().logger });
    await eventually(async () => (await myNotifications([event.event_id])).length === 1, 20_000, 'processed after recovery');
  } finally {
    await dlq.stop();
    await deadDb.destroy();
  }
}, 90_000);

describe('a consumer that kafkajs will not restart', () => {
  let producer: Producer;
  beforeAll(async () => {
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
  });

  test.each([
    ['a TypeError (a bug)', () => new TypeError('boom: cannot read properties of undefined')],
    ['a non-retriable kafkajs error', () => new KafkaJSNonRetriableError('broker said no')],
  ])('is rebuilt after CRASH with restart: false (%s), and the failed message is delivered again', async (_name, makeError) => {
    const groupId = `rebuild-${randomUUID()}`;
    const seen: string[] = [];
    let failures = 0;
    const logs = captureLogs();
    const target = `inventory:rebuild-${randomUUID()}:v2`;
    const consumer = await startGroupConsumer({
      kafka,
      groupId,
      topics: [INVENTORY_TOPIC],
      dlqProducer: producer,
      log: logs.logger,
      startFromNow: true,
      rebuildDelayMs: { initial: 100, max: 1_000 },
      handle: async (events: Delivered[]) => {
        for (const d of events) {
          if (d.event.event_id !== target) continue;
          if (failures === 0) {
            failures += 1;
            throw makeError();
          }
          seen.push(d.event.event_id);
        }
        return new Map();
      },
    });
    try {
      await consumer.joined();
      const productId = target.split(':')[1]!;
      await publish(producer, stockChanged(productId, 2, 'in_stock', 'out_of_stock'));
      await eventually(async () => seen.length === 1, 30_000, 'delivered after the rebuild');
      expect(failures).toBe(1);
      expect(consumer.stats.rebuilds).toBe(1);
      expect(consumer.stats.deadLettered).toBe(0);
      expect(logs.lines.some((l) => l.msg === 'consumer crashed and kafkajs will not restart it')).toBe(true);
      expect(logs.lines.some((l) => l.msg === 'rebuilding the consumer')).toBe(true);
    } finally {
      await consumer.stop();
    }
  }, 60_000);
});
