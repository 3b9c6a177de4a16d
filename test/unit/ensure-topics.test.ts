/**
 * ensureTopics (bin/migrate.ts) on brokers that just formed their quorum: a broker answers metadata
 * for a topic created a moment ago with UNKNOWN_TOPIC_OR_PARTITION ("does not host this
 * topic-partition") until the controller's record reaches it, and with partitions that have no
 * leader yet. kafkajs's createTopics({ waitForLeaders: true }) asks once and gives up on anything
 * but LEADER_NOT_AVAILABLE (node_modules/kafkajs/src/admin/index.js), so the cluster's migration
 * failed on it; ensureTopics waits for every partition's leader itself.
 */
import { KafkaJSProtocolError, type Admin, type ITopicMetadata } from 'kafkajs';
import { ensureTopics } from '../../shared/kafka';
import { ALL_TOPICS } from '../../shared/topics';

const protocolError = (type: string, code: number, retriable: boolean, message: string) => new KafkaJSProtocolError({ message, type, code, retriable } as unknown as Error);
const notHosted = () => protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3, true, 'This server does not host this topic-partition');

/** Brokers whose metadata answers run through `answers` (an error, or the leader every partition reports), then settle. */
function freshCluster(answers: (Error | number)[]) {
  const created = new Set<string>();
  let metadataCalls = 0;
  const fetchTopicMetadata = async ({ topics }: { topics: string[] }): Promise<{ topics: ITopicMetadata[] }> => {
    const answer = answers[metadataCalls++] ?? 1;
    if (answer instanceof Error) throw answer;
    return { topics: topics.map((name) => ({ name, partitions: [0, 1].map((partitionId) => ({ partitionId, leader: partitionId === 0 ? 1 : answer, replicas: [1, 2, 3], isr: [1, 2, 3], partitionErrorCode: 0, offlineReplicas: [] })) })) };
  };
  const admin = {
    listTopics: async () => [...created],
    fetchTopicMetadata,
    // as kafkajs does: with waitForLeaders, one metadata request, retried on LEADER_NOT_AVAILABLE only
    async createTopics({ topics, waitForLeaders = true }: { topics: { topic: string }[]; waitForLeaders?: boolean }) {
      for (const t of topics) created.add(t.topic);
      if (waitForLeaders) {
        for (;;) {
          try {
            await fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
            break;
          } catch (err) {
            if ((err as { type?: string }).type !== 'LEADER_NOT_AVAILABLE') throw err;
          }
        }
      }
      return true;
    },
  } as unknown as Admin;
  return { admin, created, metadataCalls: () => metadataCalls };
}

test('topics whose metadata is not on every broker yet, and partitions without a leader, are waited for', async () => {
  const cluster = freshCluster([notHosted(), notHosted(), -1, 2]);
  await expect(ensureTopics(cluster.admin)).resolves.toEqual(ALL_TOPICS);
  expect([...cluster.created].sort()).toEqual([...ALL_TOPICS].sort());
  // asked until the answer had a leader for every partition (the fourth), not fewer times
  expect(cluster.metadataCalls()).toBe(4);
});

test('an error that will not pass (not authorized) is not retried', async () => {
  const cluster = freshCluster([protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false, 'Not authorized to access topics')]);
  await expect(ensureTopics(cluster.admin)).rejects.toThrow(/Not authorized/);
  expect(cluster.metadataCalls()).toBe(1);
});
