/** Reading what really reached the broker: a fresh consumer group scans a topic for matching messages. */
import { randomUUID } from 'node:crypto';
import { createKafka } from '../../shared/kafka';

export interface SeenMessage {
  topic: string;
  key: string;
  value: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Resolves once `count` messages matching `match` were seen on the topics (or rejects on timeout). */
export async function collectMessages(
  topics: string[],
  match: (m: SeenMessage) => boolean,
  count: number,
  timeoutMs = 20_000,
): Promise<SeenMessage[]> {
  const consumer = createKafka('-test-reader').consumer({ groupId: `test-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  const seen: SeenMessage[] = [];
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`saw ${seen.length} of ${count} expected messages on ${topics.join(', ')} within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          let value: Record<string, unknown>;
          try {
            value = JSON.parse(message.value?.toString() ?? 'null') as Record<string, unknown>;
          } catch {
            return;
          }
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          const m = { topic, key: message.key?.toString() ?? '', value, headers };
          if (!match(m)) return;
          seen.push(m);
          if (seen.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
