/** The Kafka client (kafkajs), its producer, and topic creation at start. */
import { Kafka, Partitioners, logLevel as KafkaLogLevel, type Admin, type Producer, type SASLOptions } from 'kafkajs';
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
 * The process's producer: idempotent (no duplicates from its own retries), which in kafkajs
 * requires maxInFlightRequests = 1; acks=-1 is the default for idempotent producers.
 */
export function producer(): Promise<Producer> {
  sharedProducer ??= (async () => {
    const p = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
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

/** Creates the contract's topics (and DLQs) with the configured partitions; existing ones are kept. */
export async function ensureTopics(admin?: Admin): Promise<string[]> {
  const { kafka: cfg } = getConfig();
  const client = admin ?? kafka().admin();
  if (!admin) await client.connect();
  try {
    const existing = new Set(await client.listTopics());
    const missing = ALL_TOPICS.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await client.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: cfg.partitions, replicationFactor: cfg.replicationFactor })),
      });
    }
    return missing;
  } finally {
    if (!admin) await client.disconnect();
  }
}
