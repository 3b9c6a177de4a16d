/**
 * Faults on the production topology (issue #15): three Kafka nodes (RF 3, min.insync.replicas 2),
 * two replicas of api / worker / consumers / delivery, HAProxy in front of the APIs. Each fault hits
 * while sagas (complete / cancel / expire) are in flight through the balancer; afterwards every saga
 * must have ended and the chaos suite's invariants must hold (test/chaos/support/checks.ts, run by
 * its runScenario). Rows of the summary table: .artifacts/cluster-test/summary.md.
 */
import { kafkaNodes, partitionLeader, startKafkaNode, stopKafkaNode, waitForBrokers } from '../../stack/cluster/kafka-cluster';
import { SALE_TOPICS } from '../../shared/topics';
import { restartClusterTemporal } from '../../stack/cluster/temporal';
import { sleep } from '../chaos/support/apps';
import { activitiesInFlight, configSummary, runScenario, type Fault, type ScenarioOptions } from '../chaos/support/suite';
import { ensureWhole, startClusterSuite, type ClusterSuite } from './support/cluster-suite';
import { ResumingStream } from './support/resuming-stream';

let suite: ClusterSuite;
// fewer sagas per fault than the chaos suite (two cores carry three brokers and eight app processes);
// still dozens in flight at every fault, of all three outcomes
const SCENARIO: ScenarioOptions = { wave1: 60, wave2: 12, concurrency: 12, terminalTimeoutMs: 180_000, drainTimeoutMs: 120_000 };

beforeAll(async () => {
  process.stderr.write(`[cluster] ${configSummary()}\n`);
  suite = await startClusterSuite();
}, 600_000);

afterAll(async () => {
  await suite?.close();
});

afterEach(async () => {
  if (suite) await ensureWhole(suite);
}, 300_000);

function expectAllPassed(results: { name: string; ok: boolean; detail: string }[]): void {
  expect(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`)).toEqual([]);
}

/** The node leading partition 0 of sale.created (every saga publishes there). */
async function busyLeader(): Promise<number> {
  return (await partitionLeader(SALE_TOPICS.created, 0)).leader;
}

const leaderKill: Fault = {
  name: 'leader broker SIGKILL + restart',
  async inject() {
    await sleep(1_500);
    const leader = await busyLeader();
    const t = Date.now();
    await stopKafkaNode(leader, 'SIGKILL');
    await sleep(5_000);
    await startKafkaNode(leader);
    await waitForBrokers(3, 120_000);
    return `node ${leader} (leader of ${SALE_TOPICS.created}/0) down ${((Date.now() - t) / 1000).toFixed(1)} s`;
  },
};

const twoBrokersDown: Fault = {
  name: 'two of three brokers down',
  async inject() {
    await sleep(1_500);
    const first = await busyLeader();
    const second = kafkaNodes().map((n) => n.nodeId).find((id) => id !== first)!;
    const t = Date.now();
    await stopKafkaNode(first, 'SIGKILL');
    await sleep(2_000);
    // one broker left: below min.insync.replicas 2 (and no controller quorum): producers must wait
    await stopKafkaNode(second, 'SIGTERM');
    await sleep(8_000);
    await Promise.all([startKafkaNode(first), startKafkaNode(second)]);
    await waitForBrokers(3, 120_000);
    return `node ${first} killed, node ${second} stopped; one broker alone for ${((Date.now() - t) / 1000).toFixed(1)} s in all`;
  },
};

const workerKill: Fault = {
  name: 'worker replica SIGKILL mid-saga',
  expectedExits: ['worker-1'],
  async inject(s) {
    await sleep(1_500);
    let running = 0;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (running = await activitiesInFlight(s)) === 0) await sleep(50);
    await s.apps.kill('worker-1', 'SIGKILL');
    await sleep(2_000);
    await suite.startReplica('worker-1');
    return `worker-1 killed with ${running} activities executing (worker-2 carried on), restarted`;
  },
};

const consumerKillInRebalance: Fault = {
  name: 'consumer replica SIGKILL during a rebalance',
  expectedExits: ['consumers-1', 'consumers-2'],
  async inject(s) {
    await sleep(1_500);
    // consumers-2 leaves its groups (graceful stop): a rebalance hands its partitions to consumers-1,
    // which is killed while that rebalance runs; both come back (another rebalance)
    const leaving = s.apps.stop('consumers-2');
    await sleep(300);
    await s.apps.kill('consumers-1', 'SIGKILL');
    await leaving;
    await sleep(2_000);
    await Promise.all([suite.startReplica('consumers-1'), suite.startReplica('consumers-2')]);
    return 'consumers-2 left, consumers-1 killed mid-rebalance, both restarted';
  },
};

const apiKill: Fault = {
  name: 'API replica SIGKILL with SSE streams open',
  expectedExits: ['api-1'],
  async inject(s) {
    await sleep(1_500);
    await s.apps.kill('api-1', 'SIGKILL');
    await sleep(3_000);
    await suite.startReplica('api-1');
    return 'api-1 killed (HAProxy sent its clients to api-2), restarted';
  },
};

const temporalHistoryRestart: Fault = {
  name: 'Temporal history role SIGKILL + restart',
  async inject() {
    await sleep(1_500);
    const t = Date.now();
    // the role that owns the shards and the sagas' state; frontend, matching and worker keep running
    await restartClusterTemporal();
    return `history role killed and serving again after ${((Date.now() - t) / 1000).toFixed(1)} s`;
  },
};

for (const fault of [leaderKill, twoBrokersDown, workerKill, consumerKillInRebalance, temporalHistoryRestart]) {
  test(`${fault.name}: every saga ends, the invariants hold`, async () => {
    expectAllPassed(await runScenario(suite, fault, SCENARIO));
  }, 900_000);
}

test(`${apiKill.name}: clients resume with Last-Event-ID and miss nothing; the invariants hold`, async () => {
  const token = await suite.api.login(suite.adminLogin.email, suite.adminLogin.password);
  const before = await maxAdminNotification();
  const streams = Array.from({ length: 4 }, () => new ResumingStream(`${suite.balancerUrl}/notifications/stream`, token));
  await sleep(2_000);
  const results = await runScenario(suite, apiKill, SCENARIO);
  const last = await maxAdminNotification();
  // the positive marker first: every stream got the newest notification; only then count what is missing
  const caughtUp = await Promise.all(streams.map((st) => st.waitForId(last, 120_000)));
  const expected: number[] = (await suite.db('notifications').where({ recipient_id: suite.adminId }).where('id', '>', before).where('id', '<=', last).select('id')).map((r: { id: string }) => Number(r.id));
  const report = streams.map((st, i) => {
    const got = new Set(st.ids);
    return { caughtUp: caughtUp[i], reconnects: st.reconnects, missing: expected.filter((id) => !got.has(id)).length, duplicates: st.ids.length - got.size };
  });
  await Promise.all(streams.map((st) => st.close()));
  process.stderr.write(`[cluster] SSE streams through HAProxy: ${expected.length} notifications each; ${JSON.stringify(report)}\n`);
  expect(report.some((r) => r.reconnects > 0)).toBe(true);
  expect(report.filter((r) => !r.caughtUp || r.missing > 0)).toEqual([]);
  expectAllPassed(results);
}, 900_000);

async function maxAdminNotification(): Promise<number> {
  const row = await suite.db('notifications').where({ recipient_id: suite.adminId }).max<{ m: string | null }[]>('id as m');
  return Number(row[0]?.m ?? 0);
}
