/**
 * A group that starts "from now" reads its committed offsets first (consumers/runner.ts). On a
 * freshly started broker the group coordinator is not ready for a moment and answers
 * NOT_COORDINATOR, a retriable error that kafkajs's admin.fetchOffsets passes on without retrying
 * (CI: the consumers test, first file on a fresh stack, failed to start its groups on it).
 */
import { KafkaJSProtocolError, type Admin } from 'kafkajs';
import { endOffsetsOfUncommitted } from '../../consumers/runner';

function adminAnswering(failuresFirst: number, error: () => Error): { admin: Admin; calls: () => number } {
  let calls = 0;
  const admin = {
    async fetchOffsets() {
      calls++;
      if (calls <= failuresFirst) throw error();
      return [{ topic: 'sale.created', partitions: [{ partition: 0, offset: '-1' }, { partition: 1, offset: '7' }] }];
    },
    async fetchTopicOffsets() {
      return [{ partition: 0, offset: '12', high: '12', low: '0' }, { partition: 1, offset: '9', high: '9', low: '0' }];
    },
  } as unknown as Admin;
  return { admin, calls: () => calls };
}

const notCoordinator = () => new KafkaJSProtocolError({ message: 'This is not the correct coordinator for this group', type: 'NOT_COORDINATOR', code: 16, retriable: true } as unknown as Error);

test('a coordinator that is not ready yet is asked again, and the uncommitted partitions start at their end', async () => {
  const { admin, calls } = adminAnswering(2, notCoordinator);
  const snapshot = await endOffsetsOfUncommitted(admin, 'notify-admin', ['sale.created']);
  expect(calls()).toBe(3);
  expect([...snapshot]).toEqual([['sale.created:0', '12']]);
});

test('an error that is not retriable is not retried', async () => {
  const { admin, calls } = adminAnswering(1, () => new KafkaJSProtocolError({ message: 'Not authorized to access group', type: 'GROUP_AUTHORIZATION_FAILED', code: 30, retriable: false } as unknown as Error));
  await expect(endOffsetsOfUncommitted(admin, 'notify-admin', ['sale.created'])).rejects.toThrow(/Not authorized/);
  expect(calls()).toBe(1);
});
