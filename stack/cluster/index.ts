/**
 * The production topology on this machine (`npm run cluster`): PostgreSQL (the stack's one
 * server), three Kafka KRaft nodes, Temporal (stack/cluster/temporal.ts, the seam), the mail server
 * (and Zipkin when tracing), then migrations and topics (replication factor 3), REPLICAS of every
 * app process, and HAProxy in front of the API replicas. Every step is idempotent.
 */
import { rmSync } from 'node:fs';
import { getConfig } from '../../shared/config';
import { mailServerStatus, startMailServer, stopMailServer } from '../mail';
import { repoRoot, stateDir } from '../paths';
import { clusterDir, postgresStatus, startPostgres, stopPostgres } from '../postgres';
import { run, say } from '../proc';
import { startZipkin, stopZipkin, zipkinStatus } from '../zipkin';
import { clusterPorts } from './env';
import { balancerStatus, startBalancer, stopBalancer } from './haproxy';
import { kafkaClusterStatus, startKafkaCluster, stopKafkaCluster } from './kafka-cluster';
import { replicaPid, replicaSpecs, startReplicaDaemon, stopReplicaDaemon } from './replicas';
import { clusterTemporalStatus, startClusterTemporal, stopClusterTemporal, type ClusterTemporal } from './temporal';

const tracing = () => getConfig().tracing.exporter === 'zipkin' && getConfig().tracing.localZipkin;

/** The servers alone (the cluster suite starts the app replicas itself, as children it can kill). */
export async function clusterServersUp(): Promise<ClusterTemporal> {
  const started = Date.now();
  // the Temporal server keeps its state in PostgreSQL: it starts once that is up
  const [temporal] = await Promise.all([startPostgres().then(() => startClusterTemporal()), startKafkaCluster(), startMailServer(), ...(tracing() ? [startZipkin()] : [])]);
  say(`cluster servers ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return temporal;
}

/**
 * Migrations, topics (replication factor 3) and, in development, demo data: bin/migrate.ts, as a
 * deploy runs it. Its topic step waits for every partition's leader and asks again while freshly
 * formed brokers do not know a new topic yet (shared/kafka.ts ensureTopics).
 */
export function migrateCluster(): void {
  say('migrating (bin/migrate.ts: schema, topics with replication factor 3)');
  // output captured: a failure's error carries its last lines
  run(process.execPath, ['--import', 'tsx', 'bin/migrate.ts'], { cwd: repoRoot });
}

/**
 * A run that measures or breaks the topology starts from nothing: whatever its state dir still runs
 * is stopped, the state (and PostgreSQL's data, which may live outside it) wiped, the servers
 * started, then migrations and topics. The caller kills leftover app processes first.
 */
export async function freshClusterServers(): Promise<ClusterTemporal> {
  await clusterDown();
  rmSync(clusterDir(), { recursive: true, force: true });
  rmSync(stateDir(), { recursive: true, force: true });
  const temporal = await clusterServersUp();
  migrateCluster();
  return temporal;
}

export function balancerSettings() {
  const p = clusterPorts(getConfig().cluster.basePort);
  return { port: p.balancer, statsPort: p.balancerStats, servers: p.api.map((port, i) => ({ name: `api-${i + 1}`, port })) };
}

export async function clusterUp(): Promise<void> {
  const started = Date.now();
  const temporal = await clusterServersUp();
  migrateCluster();
  say('starting the app replicas');
  await Promise.all(replicaSpecs().map((spec) => startReplicaDaemon(spec)));
  await startBalancer(balancerSettings());
  say(`cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(clusterOverview(temporal));
}

export async function clusterDown(): Promise<void> {
  if (await stopBalancer()) say('HAProxy stopped');
  // the API first (no new work), then the rest
  for (const spec of replicaSpecs()) if (await stopReplicaDaemon(spec.name)) say(`${spec.name} stopped`);
  if (await stopClusterTemporal()) say('Temporal stopped');
  if (await stopKafkaCluster()) say('Kafka nodes stopped');
  if (await stopMailServer()) say('MailDev stopped');
  if (await stopZipkin()) say('Zipkin stopped');
  if (stopPostgres()) say('PostgreSQL stopped');
}

export function clusterOverview(temporal?: ClusterTemporal): string {
  const cfg = getConfig();
  const p = clusterPorts(cfg.cluster.basePort);
  const lines = [
    '',
    'Production topology (npm run cluster) — everything on 127.0.0.1',
    `  API (HAProxy)     http://127.0.0.1:${p.balancer}   (docs /docs, live page /, health /readyz)`,
    `  HAProxy stats     http://127.0.0.1:${p.balancerStats}/`,
    ...replicaSpecs().map((s) => `  ${s.name.padEnd(17)} ${replicaPid(s.name) ? `pid ${replicaPid(s.name)}` : 'stopped'}  ${s.urls.join('  ')}`),
    `  Temporal          ${temporal?.address ?? cfg.temporal.address}   UI ${temporal?.uiUrl ?? cfg.temporal.uiUrl}${temporal ? `   (${temporal.kind})` : ''}`,
    `  Kafka brokers     ${cfg.kafka.brokers.join(',')}   (3 KRaft nodes, RF 3, min.insync.replicas 2)`,
    `  look at topics    KAFKA_BROKERS=${cfg.kafka.brokers.join(',')} npm run kafka -- topics --describe`,
    `  PostgreSQL        ${cfg.database.url}`,
    `  Mail UI           ${cfg.mail.uiUrl ?? cfg.mail.smtpUrl}`,
    ...(tracing() ? [`  Zipkin            ${cfg.tracing.uiUrl}`] : []),
    `  logs              ${cfg.stack.stateDir}/apps/*.log, kafka-cluster/node-*/kafka.log, haproxy/haproxy.log`,
    ...(cfg.demo.seed ? [`  demo users        admin@example.com / sales@example.com / customer@example.com, password ${cfg.demo.password}`] : []),
    '  stop it with      npm run cluster:down',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

export function clusterStatus(): string {
  return [
    `haproxy   ${balancerStatus()}`,
    `kafka     ${kafkaClusterStatus()}`,
    `temporal  ${clusterTemporalStatus()}`,
    // the servers it shares with the one-process stack: `cluster:down` stops them too
    `postgres  ${postgresStatus()}`,
    `mail      ${mailServerStatus()}`,
    ...(tracing() ? [`zipkin    ${zipkinStatus()}`] : []),
    ...replicaSpecs().map((s) => `${s.name.padEnd(9)} ${replicaPid(s.name) ? `running (pid ${replicaPid(s.name)})` : 'stopped'}`),
    '',
  ].join('\n');
}
