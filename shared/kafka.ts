/** The Kafka client (kafkajs), its producer, and topic creation at start. */
import { Kafka, KafkaJSError, Partitioners, logLevel as KafkaLogLevel, type Admin, type Producer, type SASLOptions } from 'kafkajs';
import { getConfig } from './config';
import { componentLogger } from './logger';
import { ALL_TOPICS } from './topics';

export function createKafka(clientIdSuffix = ''): Kafka {
  const { kafka } = getConfig();
  const log = componentLogger('kafkajs');
  return new Kafka({
    clientId: `${kafka.clientId}${clientIdSuffix}`,
    brokers: kafka.brokers,
    ssl: kafka.ssl,
    sasl: kafka.sasl as SASLOptions | undefined,
    connectionTimeout: 5_000,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    // kafkajs's own logs go through pino at warn and above; its info lines are noise
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      const fn = level <= KafkaLogLevel.ERROR ? log.error.bind(log) : log.warn.bind(log);
      fn({ ...rest, namespace: entry.namespace }, message);
    },
  });
}

let sharedKafka: Kafka | undefined;
export function kafka(): Kafka {
  sharedKafka ??= createKafka();
  return sharedKafka;
}

let sharedProducer: Promise<Producer> | undefined;

/**
 * The process's producer. Not idempotent: kafkajs 2.2.4 keeps one sequence number per partition
 * but serialises requests per broker only, so while a partition's leader moves, concurrent sends
 * (the worker's activities share this producer) can reuse a sequence number the broker already
 * holds, and the broker acknowledges that send as a duplicate without writing it: the cluster
 * suite lost an inventory event during a leader election that way (and saw
 * OUT_OF_ORDER_SEQUENCE_NUMBER after a leader's SIGKILL). Every event carries its id and every
 * consumer deduplicates by it, so a resend's duplicate costs nothing, a silent drop does.
 * acks=-1 (every in-sync replica, at least min.insync.replicas) is asked for by each send;
 * one request in flight per broker keeps each connection's order.
 */
export const PRODUCER_OPTIONS = { createPartitioner: Partitioners.DefaultPartitioner, idempotent: false, maxInFlightRequests: 1, allowAutoTopicCreation: false };

export function producer(): Promise<Producer> {
  sharedProducer ??= (async () => {
    const p = kafka().producer(PRODUCER_OPTIONS);
    await p.connect();
    return p;
  })().catch((err: unknown) => {
    sharedProducer = undefined;
    throw err;
  });
  return sharedProducer;
}

export async function closeProducer(): Promise<void> {
  const p = sharedProducer;
  sharedProducer = undefined;
  if (p) await (await p.catch(() => undefined))?.disconnect();
}

/**
 * A retriable broker answer (KafkaJSError.retriable: NOT_COORDINATOR while a fresh broker's group
 * coordinator loads, UNKNOWN_TOPIC_OR_PARTITION before a new topic's metadata reached a broker,
 * LEADER_NOT_AVAILABLE) is asked again with backoff, for about 35 s; kafkajs's admin calls pass
 * some of these on without retrying them.
 */
export async function retryingRetriable<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof KafkaJSError) || !err.retriable || attempt >= 12) throw err;
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 5_000)));
    }
  }
}

/** Resolves once every partition of `topics` has a leader; a broker that does not know them yet is asked again. */
async function waitForPartitionLeaders(admin: Admin, topics: string[]): Promise<void> {
  await retryingRetriable(async () => {
    const { topics: found } = await admin.fetchTopicMetadata({ topics });
    const leaderless = found.flatMap((t) => t.partitions.filter((p) => p.leader < 0 || p.partitionErrorCode !== 0).map((p) => `${t.name}:${p.partitionId}`));
    if (leaderless.length > 0) throw new KafkaJSError(`partitions without a leader yet: ${leaderless.slice(0, 5).join(', ')}`, { retriable: true });
  });
}

/**
 * Creates the contract's topics (and DLQs) with the configured partitions; existing ones are kept.
 * Returns once every partition of every topic has a leader. kafkajs's own wait (createTopics
 * waitForLeaders) asks one broker once and gives up on anything but LEADER_NOT_AVAILABLE, and brokers
 * that just formed their quorum answer "does not host this topic-partition" for a moment: the wait
 * is ours, with retriable answers asked again.
 */
export async function ensureTopics(admin?: Admin): Promise<string[]> {
  const { kafka: cfg } = getConfig();
  const client = admin ?? kafka().admin();
  if (!admin) await client.connect();
  try {
    const created: string[] = [];
    // listed again on a retry: topics an attempt did create are not asked for twice
    await retryingRetriable(async () => {
      const existing = new Set(await client.listTopics());
      const absent = ALL_TOPICS.filter((t) => !existing.has(t));
      if (absent.length === 0) return;
      await client.createTopics({
        waitForLeaders: false,
        topics: absent.map((topic) => ({ topic, numPartitions: cfg.partitions, replicationFactor: cfg.replicationFactor })),
      });
      created.push(...absent);
    });
    await waitForPartitionLeaders(client, ALL_TOPICS);
    return created;
  } finally {
    if (!admin) await client.disconnect();
  }
}
