/**
 * The cluster suite's moving parts, shaped as the chaos suite's `Suite` so its load generator,
 * `runScenario` and invariant checks (test/chaos/support) run unchanged: the app replicas
 * (stack/cluster/replicas.ts specs) as children the faults can kill, and clients that talk to the
 * API through HAProxy only.
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { getConfig } from '../../../shared/config';
import { createDb } from '../../../shared/db';
import { createTemporalClient } from '../../../shared/temporal';
import { clusterPorts } from '../../../stack/cluster/env';
import { kafkaNodes, startKafkaNode, waitForBrokers } from '../../../stack/cluster/kafka-cluster';
import { replicaSpecs, type ReplicaSpec } from '../../../stack/cluster/replicas';
import { stateFile } from '../../../stack/paths';
import { AppProcesses } from '../../chaos/support/apps';
import { ApiClient } from '../../chaos/support/http';
import type { Suite } from '../../chaos/support/suite';
import { createUser } from '../../helpers/users';

export interface ClusterSuite extends Suite {
  specs: Map<string, ReplicaSpec>;
  balancerUrl: string;
  /** the suite's admin (whose inbox gets every sale's notifications), to log in through the balancer */
  adminLogin: { email: string; password: string };
  /** (re)starts a replica by name */
  startReplica(name: string): Promise<void>;
}

export async function startClusterSuite(): Promise<ClusterSuite> {
  const ports = clusterPorts(getConfig().cluster.basePort);
  const apps = new AppProcesses({
    dir: stateFile('apps'),
    tag: 'cluster',
    env: { ...process.env, LOG_LEVEL: 'info' }, // logs go to files and hold the ready markers
  });
  const specs = new Map(replicaSpecs().map((s) => [s.name, s]));
  const startReplica = async (name: string) => {
    const spec = specs.get(name)!;
    await apps.start(name, { script: spec.script, readyMarker: spec.readyMarker, env: spec.env, readyTimeoutMs: 240_000 });
  };
  // a role at a time keeps the start inside two cores' reach (bundling workflows dominates the worker's)
  for (const role of ['worker', 'consumers', 'api', 'delivery']) {
    await Promise.all([...specs.values()].filter((s) => s.role === role).map((s) => startReplica(s.name)));
  }
  const balancerUrl = `http://127.0.0.1:${ports.balancer}`;
  const api = new ApiClient(balancerUrl);
  await api.waitReady(120_000);
  const db: Knex = createDb();
  const temporal: Client = await createTemporalClient();
  const admin = await createUser(db, { role: 'admin' });
  return {
    apps,
    api,
    db,
    temporal,
    adminId: admin.id,
    workerMetricsUrl: `http://127.0.0.1:${ports.workerMetrics[0]}/metrics`,
    specs,
    balancerUrl,
    adminLogin: { email: admin.email, password: admin.password },
    startReplica,
    async close() {
      await apps.stopAll();
      await temporal.connection.close();
      await db.destroy();
    },
  };
}

/** Restarts whatever a scenario left down (a replica, a Kafka node), so the next one starts whole. */
export async function ensureWhole(suite: ClusterSuite): Promise<void> {
  await Promise.all(kafkaNodes().map((n) => startKafkaNode(n.nodeId)));
  await waitForBrokers(kafkaNodes().length, 120_000);
  for (const name of suite.specs.keys()) if (!suite.apps.isRunning(name)) await suite.startReplica(name);
  await suite.api.waitReady(120_000);
}
