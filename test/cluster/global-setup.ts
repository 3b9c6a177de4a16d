/**
 * Once per `npm run test:cluster`: leftovers of an interrupted run are stopped, the state dir is
 * wiped, and the topology's servers start fresh (three Kafka nodes, Temporal, PostgreSQL, mail),
 * then migrations and topics (replication factor 3) and HAProxy. The app replicas are started by
 * the test file (support/cluster-suite.ts), as children it can kill.
 */
import { balancerSettings, freshClusterServers } from '../../stack/cluster';
import { startBalancer } from '../../stack/cluster/haproxy';
import { stateDir, stateFile } from '../../stack/paths';
import { AppProcesses } from '../chaos/support/apps';
import { acquireLock } from '../chaos/support/lock';
import { resetSummary } from '../chaos/support/summary';

export default async function globalSetup(): Promise<void> {
  const dir = stateDir();
  if (!/cluster-test/.test(dir)) throw new Error(`refusing to run the cluster suite on state dir ${dir}: it must be the suite's own (CLUSTER_TEST_STATE_DIR)`);
  process.stderr.write(`\n[cluster] private topology in ${dir}\n`);
  const started = Date.now();
  await acquireLock(`${dir}.lock`, 30 * 60_000);
  AppProcesses.killLeftovers(stateFile('apps'), dir);
  resetSummary();
  await freshClusterServers();
  await startBalancer(balancerSettings());
  process.stderr.write(`[cluster] servers, topics and balancer ready in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}
