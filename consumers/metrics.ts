/**
 * The consumer groups' figures in Prometheus format, read from the running groups at scrape time:
 * records processed, failed (thrown back for a retry), dead-lettered, whether a group is retrying a
 * record now, and its lag (records on the broker not yet committed by the group).
 */
import type { Admin } from 'kafkajs';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { GroupConsumer } from './runner';

/** Records behind per partition: the high watermark minus the group's committed offset. */
export async function groupLag(admin: Admin, group: GroupConsumer): Promise<number> {
  let lag = 0;
  const committed = await admin.fetchOffsets({ groupId: group.groupId, topics: [...group.topics] });
  for (const { topic, partitions } of committed) {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p]));
    for (const p of partitions) {
      const end = ends.get(p.partition);
      if (!end) continue;
      // never committed: everything still on the broker is ahead of the group
      const from = Number(p.offset) >= 0 ? Number(p.offset) : Number(end.low);
      lag += Math.max(0, Number(end.high) - from);
    }
  }
  return lag;
}

export function createConsumerMetrics(groups: readonly GroupConsumer[], admin: Admin): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['group'] as const;
  // totals the groups keep themselves, copied at scrape time
  const total = (name: string, help: string, read: (g: GroupConsumer) => number) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const g of groups) this.inc({ group: g.groupId }, read(g));
      },
    });
  total('consumer_records_processed_total', 'Records whose effect was applied or recognised as a duplicate', (g) => g.stats.handled);
  total('consumer_records_failed_total', 'Handler failures thrown back to Kafka for a retry', (g) => g.stats.retried);
  total('consumer_records_dead_lettered_total', 'Poison records sent to <topic>.dlq', (g) => g.stats.deadLettered);
  total('consumer_rebuilds_total', 'Consumers rebuilt after a crash kafkajs would not restart', (g) => g.stats.rebuilds);
  new Gauge({
    name: 'consumer_retrying',
    help: '1 while the group retries a record that failed',
    labelNames,
    registers: [registry],
    collect() {
      for (const g of groups) this.set({ group: g.groupId }, g.stats.retrying);
    },
  });
  new Gauge({
    name: 'consumer_group_lag',
    help: 'Records on the broker the group has not committed yet, over its topics',
    labelNames,
    registers: [registry],
    async collect() {
      const lags = await Promise.all(groups.map(async (g) => [g.groupId, await groupLag(admin, g).catch(() => Number.NaN)] as const));
      for (const [group, lag] of lags) this.set({ group }, lag);
    },
  });
  return registry;
}
