/**
 * Three Apache Kafka KRaft nodes, each broker + controller, from the same cached jars as the
 * one-node stack (stack/kafka.ts): a static controller quorum of three (controller.quorum.voters),
 * one cluster id, replication factor 3 and min.insync.replicas 2 for every topic, the offsets and
 * transaction topics included. Small heaps: the machine has two cores and is shared.
 *
 * The quorum has no leader until two controllers are up, so the three start together; topics with
 * replication factor 3 cannot be created until all three brokers registered (waitForBrokers).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { getConfig } from '../../shared/config';
import { formatStorage, kafkaJava, kafkaLibs, kafkaNodeProperties, newClusterId, writeKafkaLog4j } from '../kafka';
import { stateFile } from '../paths';
import { assertPortFree, isAlive, readPid, say, sleep, startDaemon, stopDaemon, waitForPort } from '../proc';
import { clusterPorts, type KafkaNodePorts } from './env';

const HEAP = '-Xmx320m';

export function kafkaNodes(): KafkaNodePorts[] {
  return clusterPorts(getConfig().cluster.basePort).kafka;
}

function nodeFiles(nodeId: number) {
  const dir = stateFile('kafka-cluster', `node-${nodeId}`);
  return { dir, data: join(dir, 'data'), props: join(dir, 'server.properties'), log4j: join(dir, 'log4j.properties'), log: join(dir, 'kafka.log'), pid: join(dir, 'kafka.pid') };
}

/** The cluster id all three nodes are formatted with, chosen once per state dir. */
function clusterId(): string {
  const file = stateFile('kafka-cluster', 'cluster-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(stateFile('kafka-cluster'), { recursive: true });
  const id = newClusterId();
  writeFileSync(file, `${id}\n`);
  return id;
}

function node(nodeId: number): KafkaNodePorts {
  const n = kafkaNodes().find((k) => k.nodeId === nodeId);
  if (!n) throw new Error(`no Kafka node ${nodeId} in the cluster (nodes ${kafkaNodes().map((k) => k.nodeId).join(', ')})`);
  return n;
}

function prepareNode(libs: string, n: KafkaNodePorts): void {
  const f = nodeFiles(n.nodeId);
  mkdirSync(f.data, { recursive: true });
  const voters = kafkaNodes().map((k) => `${k.nodeId}@127.0.0.1:${k.controller}`);
  writeFileSync(f.props, kafkaNodeProperties({ nodeId: n.nodeId, brokerPort: n.broker, controllerPort: n.controller, voters, dataDir: f.data, replication: 3, minInsyncReplicas: 2 }));
  writeKafkaLog4j(f.log4j);
  if (!existsSync(join(f.data, 'meta.properties'))) formatStorage(libs, f.props, clusterId(), f.log4j);
}

export function kafkaNodePid(nodeId: number): number | undefined {
  return readPid(nodeFiles(nodeId).pid);
}

/** Starts one node (idempotent); resolves once its broker port listens. */
export async function startKafkaNode(nodeId: number): Promise<void> {
  const n = node(nodeId);
  if (kafkaNodePid(nodeId) !== undefined) return;
  const libs = kafkaLibs();
  await assertPortFree(n.broker, `Kafka node ${nodeId}`, 'CLUSTER_BASE_PORT');
  prepareNode(libs, n);
  const f = nodeFiles(nodeId);
  const [cmd, args] = kafkaJava(libs, f.log4j, 'kafka.Kafka', [f.props], HEAP);
  const pid = startDaemon(cmd, ['-Xms128m', ...args], { logFile: f.log, pidFile: f.pid });
  await waitForPort(n.broker, `Kafka node ${nodeId}`, { timeoutMs: 120_000, logFile: f.log, pid });
}

/** Stops one node: SIGTERM (a controlled shutdown) or SIGKILL (a crash). */
export async function stopKafkaNode(nodeId: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<boolean> {
  const f = nodeFiles(nodeId);
  const pid = readPid(f.pid);
  if (pid === undefined) return false;
  if (signal === 'SIGKILL') {
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
  return stopDaemon(f.pid, 30_000);
}

/** Starts the three nodes together and waits until every broker has registered. */
export async function startKafkaCluster(): Promise<void> {
  kafkaLibs();
  say(`starting three Kafka KRaft nodes on ${kafkaNodes().map((k) => `127.0.0.1:${k.broker}`).join(', ')}`);
  await Promise.all(kafkaNodes().map((n) => startKafkaNode(n.nodeId)));
  await waitForBrokers(kafkaNodes().length, 120_000);
}

export async function stopKafkaCluster(): Promise<boolean> {
  const stopped = await Promise.all(kafkaNodes().map((n) => stopKafkaNode(n.nodeId)));
  return stopped.some(Boolean);
}

function clusterAdmin() {
  return new Kafka({ clientId: 'cluster-admin', brokers: getConfig().kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
}

/** Waits until `count` brokers are registered with the controller. */
export async function waitForBrokers(count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    const admin = clusterAdmin();
    try {
      await admin.connect();
      seen = (await admin.describeCluster()).brokers.length;
      if (seen >= count) return;
    } catch {
      /* not up yet */
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await sleep(1_000);
  }
  throw new Error(`only ${seen} of ${count} Kafka brokers registered within ${timeoutMs / 1000} s`);
}

/** The node id leading `topic`'s partition, and the partition's in-sync replicas. */
export async function partitionLeader(topic: string, partition: number): Promise<{ leader: number; isr: number[] }> {
  const admin = clusterAdmin();
  try {
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const p = meta.topics[0]?.partitions.find((x) => x.partitionId === partition);
    if (!p) throw new Error(`${topic} has no partition ${partition}`);
    return { leader: p.leader, isr: p.isr };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function kafkaClusterStatus(): string {
  return kafkaNodes()
    .map((n) => `node ${n.nodeId} 127.0.0.1:${n.broker} ${kafkaNodePid(n.nodeId) !== undefined ? 'running' : 'stopped'} (log ${nodeFiles(n.nodeId).log})`)
    .join('\n          ');
}
