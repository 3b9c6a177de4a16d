/**
 * The consumers apply a fetched batch in one transaction (issue #13 point 7, #14), against the real
 * broker and database: a backlog that a group finds when it (re)joins is one batch per partition;
 * every event of it commits in the same transaction (processed_at is the transaction's start time,
 * so one transaction shows as one processed_at); a poison event in a batch is dead-lettered and the
 * others still apply; and a crash between the effects' commit and the offset commit (simulated by
 * moving the group's committed offset back, which is what the broker holds after such a crash)
 * redelivers the batch without applying anything twice.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { startConsumers, type RunningConsumers } from '../../consumers';
import { saleMessage } from '../../shared/events';
import { createKafka } from '../../shared/kafka';
import { SALE_TOPICS } from '../../shared/topics';
import { createTestContext, type TestContext } from '../helpers/context';
import { eventually, insertProduct, saleEvent, tailTopic, unique } from '../helpers/events';
import { captureLogs } from '../helpers/logs';

let ctx: TestContext;
let kafka: Kafka;
const suffix = `batch-${unique()}`;
const group = `analytics-group-${suffix}`;
const topic = SALE_TOPICS.completed;
const PARTITION = 0;
let consumers: RunningConsumers | undefined;

beforeAll(async () => {
  ctx = await createTestContext();
  kafka = createKafka('-test-batch');
}, 60_000);

afterAll(async () => {
  await consumers?.stop();
  await ctx.close();
});

const start = async (startFromNow: boolean) => {
  consumers = await startConsumers({ groups: ['analytics-group'], groupSuffix: suffix, startFromNow, logger: captureLogs().logger });
};

/** produced to one partition, in this order, in one request */
async function produce(events: ReturnType<typeof saleEvent>[]): Promise<string> {
  const [meta] = await ctx.deps.producer.send({
    topic,
    acks: -1,
    messages: events.map((e) => {
      const m = saleMessage(e);
      return { key: m.key, value: m.value, headers: m.headers, partition: PARTITION };
    }),
  });
  return meta!.baseOffset!;
}

async function processedAt(eventIds: string[]): Promise<Map<string, string>> {
  const rows: { event_id: string; at: string }[] = await ctx.db('processed_events')
    .where({ consumer_group: group })
    .whereIn('event_id', eventIds)
    .select('event_id', ctx.db.raw(`to_char(processed_at, 'YYYY-MM-DD HH24:MI:SS.US') AS at`));
  return new Map(rows.map((r) => [r.event_id, r.at]));
}

const unitsSold = async (productId: string): Promise<number> =>
  Number((await ctx.db('product_sales_daily').where({ product_id: productId }).sum({ n: 'units_sold' }).first())?.n ?? 0);

test('a backlog is one transaction per fetched batch; a poison event in it is dead-lettered and the others apply; a crash before the offset commit applies nothing twice', async () => {
  const product = await insertProduct(ctx.db);
  const sale = () => saleEvent('completed', { items: [{ productId: product, quantity: 1, unitPrice: 100 }] });

  // the group joins, processes a first event and leaves with its offsets committed
  await start(true);
  const first = sale();
  await produce([first]);
  await eventually(async () => (await processedAt([first.event_id])).size === 1, 20_000, 'the first event processed');
  await consumers!.stop();

  // a backlog while the group is away: 40 sales, and a sale of a product this database lacks (a
  // poison for analytics: foreign key) in the middle
  const before = [...Array(20)].map(sale);
  const ghost = saleEvent('completed', { items: [{ productId: `ghost-${randomUUID()}`, quantity: 1, unitPrice: 100 }] });
  const after = [...Array(20)].map(sale);
  const admin = kafka.admin();
  await admin.connect();
  const dlq = await tailTopic(kafka, admin, `${topic}.dlq`);
  try {
    const backlogOffset = await produce([...before, ghost, ...after]);
    const good = [...before, ...after].map((e) => e.event_id);

    await start(false);
    await eventually(async () => (await processedAt(good)).size === good.length, 30_000, 'the backlog processed');
    const dead = await eventually(async () => dlq.records.find((r) => r.key === ghost.sale_id), 15_000, 'the poison dead-lettered');
    expect(dead.headers).toMatchObject({ 'x-consumer-group': group, 'x-error': expect.stringMatching(/foreign key/) });
    expect(await unitsSold(product)).toBe(41);
    expect(await processedAt([ghost.event_id])).toEqual(new Map());

    // the events of a batch commit together: the 20 before the poison in one transaction, the 20
    // after it in another, not one each
    const at = await processedAt(good);
    expect(new Set(before.map((e) => at.get(e.event_id))).size).toBe(1);
    expect(new Set(after.map((e) => at.get(e.event_id))).size).toBe(1);

    // crash between the effects' commit and the offset commit: the broker still holds the offset of
    // the backlog's first record, the database has the effects
    await consumers!.stop();
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: PARTITION, offset: backlogOffset }] });
    const marker = sale();
    await produce([marker]);
    await start(false);
    // the marker is behind the redelivered backlog on the same partition: once it is applied, so is the backlog
    await eventually(async () => (await processedAt([marker.event_id])).size === 1, 30_000, 'the marker behind the redelivered backlog');
    expect(await unitsSold(product)).toBe(42);
    expect(await processedAt(good)).toEqual(at);
    // the poison is dead-lettered again (it never applied), nothing else is
    await eventually(async () => dlq.records.filter((r) => r.key === ghost.sale_id).length === 2, 15_000, 'the poison dead-lettered again');
    expect(dlq.records.filter((r) => r.headers['x-consumer-group'] === group)).toHaveLength(2);
  } finally {
    await dlq.stop();
    await admin.disconnect();
  }
}, 120_000);
