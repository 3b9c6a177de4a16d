/**
 * The subscribers (DESIGN §5): four consumer groups, by default all in one process with one kafkajs
 * consumer each (idle kafkajs consumers cost CPU, so a process should not run more than it needs):
 *
 * - notify-sales, notify-admin, notify-customers: the notification audiences (consumers/notify.ts)
 *   on every event topic;
 * - analytics-group: per-product daily sales figures from sale.completed (consumers/analytics.ts).
 *
 * Several processes may run the same groups: Kafka splits the partitions between them, and the
 * processed_events claim keeps every effect exactly-once across rebalances.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { createKafka, PRODUCER_OPTIONS } from '../shared/kafka';
import { logger as rootLogger } from '../shared/logger';
import { EVENT_TOPICS } from '../shared/topics';
import { ANALYTICS_GROUP, ANALYTICS_TOPICS, createAnalyticsEffect } from './analytics';
import { createBatchHandler, type EventEffect } from './batch';
import { AUDIENCES, NOTIFY_GROUPS, createNotifyEffect } from './notify';
import { startGroupConsumer, type GroupConsumer } from './runner';

export { ANALYTICS_GROUP } from './analytics';
export { NOTIFY_GROUPS, NOTIFICATION_CHANNEL } from './notify';

/** The groups' base names; what `groups` selects from. */
export const CONSUMER_GROUPS = [NOTIFY_GROUPS.sales, NOTIFY_GROUPS.admin, NOTIFY_GROUPS.customers, ANALYTICS_GROUP] as const;

export interface StartConsumersOptions {
  /** base group names to run (default: all of CONSUMER_GROUPS) */
  groups?: string[];
  /** appended as `<group>-<suffix>`: isolated groups for tests or a side-by-side replay */
  groupSuffix?: string;
  /** the database to write to; by default a pool of its own, closed by stop() */
  db?: Knex;
  /** root logger; the components log as `notify`, `analytics` and `consumer` children of it */
  logger?: Logger;
  /** see GroupConsumerOptions.fromBeginning (default true: a new deployment processes history once) */
  fromBeginning?: boolean;
  /** see GroupConsumerOptions.startFromNow (tests) */
  startFromNow?: boolean;
  /** how long start waits for every group to join before returning anyway (default 30 s) */
  joinTimeoutMs?: number;
  /** see NotifyDeps.emailFanoutInlineMax (tests) */
  emailFanoutInlineMax?: number;
}

export interface RunningConsumers {
  /** the running groups, by full group id */
  groups: GroupConsumer[];
  /** graceful: finishes the messages in flight, commits offsets, leaves the groups */
  stop(): Promise<void>;
}

export async function startConsumers(options: StartConsumersOptions = {}): Promise<RunningConsumers> {
  const root = options.logger ?? rootLogger();
  const log = root.child({ component: 'consumer' });
  const wanted = options.groups ?? [...CONSUMER_GROUPS];
  const unknown = wanted.filter((g) => !(CONSUMER_GROUPS as readonly string[]).includes(g));
  if (unknown.length > 0) throw new Error(`unknown consumer group(s): ${unknown.join(', ')}; known: ${CONSUMER_GROUPS.join(', ')}`);

  const ownDb = !options.db;
  const db = options.db ?? createDb();
  const kafka = createKafka('-consumers');
  const dlqProducer = kafka.producer(PRODUCER_OPTIONS);
  const groupId = (base: string) => (options.groupSuffix ? `${base}-${options.groupSuffix}` : base);

  function definition(base: string): { topics: string[]; effect: EventEffect; component: string } {
    if (base === ANALYTICS_GROUP) {
      return { topics: [...ANALYTICS_TOPICS], effect: createAnalyticsEffect({ log: root.child({ component: 'analytics' }) }), component: 'analytics' };
    }
    const audience = AUDIENCES.find((a) => NOTIFY_GROUPS[a] === base)!;
    return { topics: [...EVENT_TOPICS], effect: createNotifyEffect({ audience, groupId: groupId(base), log: root.child({ component: 'notify' }), emailFanoutInlineMax: options.emailFanoutInlineMax }), component: 'notify' };
  }

  const started: GroupConsumer[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(started.map((g) => g.stop()));
    await dlqProducer.disconnect().catch(() => undefined);
    if (ownDb) await db.destroy();
  };

  const tuning = getConfig().kafka.consumer;
  try {
    await dlqProducer.connect();
    for (const base of wanted) {
      const { topics, effect, component } = definition(base);
      const handle = createBatchHandler({ db, groupId: groupId(base), effect, log: root.child({ component, group: groupId(base) }) });
      started.push(
        await startGroupConsumer({
          kafka,
          groupId: groupId(base),
          topics,
          handle,
          dlqProducer,
          log,
          fromBeginning: options.fromBeginning ?? true,
          startFromNow: options.startFromNow,
          commitIntervalMs: tuning.commitIntervalMs,
          partitionsConcurrently: tuning.partitionsConcurrently,
          batchMaxEvents: tuning.batchMaxEvents,
        }),
      );
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  const timeout = options.joinTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const joinedAll = await Promise.race([
    Promise.all(started.map((g) => g.joined())).then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeout))),
  ]);
  clearTimeout(timer);
  if (joinedAll) log.info({ groups: started.map((g) => g.groupId) }, 'consumers running');
  else log.warn({ groups: started.map((g) => g.groupId), timeoutMs: timeout }, 'not every consumer has joined its group yet; they keep trying');

  let stopping: Promise<void> | undefined;
  return {
    groups: started,
    stop() {
      stopping ??= stopAll().then(() => log.info('consumers stopped'));
      return stopping;
    },
  };
}
