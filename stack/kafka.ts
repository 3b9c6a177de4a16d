/**
 * Apache Kafka in KRaft mode (one combined broker + controller), the local stand-in for Redpanda:
 * same wire protocol. Jars come from Maven Central through infra/kafka/pom.xml, resolved once into
 * the cache; the broker runs on the machine's Java 17 and listens on 127.0.0.1 only.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig } from '../shared/config';
import { cacheDir, repoRoot, stateFile } from './paths';
import { assertPortFree, commandExists, readPid, run, say, startDaemon, stopDaemon, waitForPort } from './proc';

const POM = join(repoRoot, 'infra', 'kafka', 'pom.xml');

function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!match?.[1]) throw new Error(`${POM} does not pin <kafka.version>`);
  return match[1];
}

/** The directory of resolved jars, resolving them with Maven on first use. */
export function kafkaLibs(): string {
  const libs = join(cacheDir(), `kafka-${kafkaVersion()}`, 'libs');
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return libs;
  if (!commandExists('mvn') || !commandExists('java')) {
    throw new Error('Kafka needs Java 17 and Maven (mvn) to resolve its jars; install them or set KAFKA_BROKERS');
  }
  say(`resolving Apache Kafka ${kafkaVersion()} jars from Maven Central into ${libs} (once; a minute or two)…`);
  run('mvn', ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (!readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) throw new Error(`Maven resolved no Kafka jar into ${libs}`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return libs;
}

function brokerPort(): number {
  const first = getConfig().kafka.brokers[0] ?? '127.0.0.1:19092';
  return Number(first.split(':')[1] ?? 19092);
}

function files() {
  const dir = stateFile('kafka');
  return {
    dir,
    data: join(dir, 'data'),
    props: join(dir, 'server.properties'),
    log4j: join(dir, 'log4j.properties'),
    log: join(dir, 'kafka.log'),
    pid: join(dir, 'kafka.pid'),
  };
}

/** One KRaft node's server.properties lines (combined broker + controller on 127.0.0.1). */
export interface KafkaNodeSettings {
  nodeId: number;
  brokerPort: number;
  controllerPort: number;
  /** `id@host:port` of every controller in the static quorum */
  voters: string[];
  dataDir: string;
  /** replication of the internal topics and the default for new ones (1 for one node, 3 for the cluster) */
  replication: number;
  minInsyncReplicas: number;
}

export function kafkaNodeProperties(n: KafkaNodeSettings): string {
  return [
    'process.roles=broker,controller',
    `node.id=${n.nodeId}`,
    `controller.quorum.voters=${n.voters.join(',')}`,
    `listeners=PLAINTEXT://127.0.0.1:${n.brokerPort},CONTROLLER://127.0.0.1:${n.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${n.brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${n.dataDir}`,
    // topics are created by the application with their partition count, never by accident
    'auto.create.topics.enable=false',
    'num.partitions=3',
    `default.replication.factor=${n.replication}`,
    `min.insync.replicas=${n.minInsyncReplicas}`,
    `offsets.topic.replication.factor=${n.replication}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${n.replication}`,
    `transaction.state.log.min.isr=${n.minInsyncReplicas}`,
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=168',
    '',
  ].join('\n');
}

/** Kafka's log4j settings: warnings, plus the line that says the broker started. */
export function writeKafkaLog4j(file: string): void {
  writeFileSync(
    file,
    ['log4j.rootLogger=WARN, stdout', 'log4j.logger.kafka.server.KafkaServer=INFO', 'log4j.logger.kafka.server.BrokerServer=INFO',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender', 'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n', ''].join('\n'),
  );
}

function writeConfig(): void {
  const f = files();
  const port = brokerPort();
  mkdirSync(f.data, { recursive: true });
  writeFileSync(
    f.props,
    kafkaNodeProperties({ nodeId: 1, brokerPort: port, controllerPort: port + 1, voters: [`1@127.0.0.1:${port + 1}`], dataDir: f.data, replication: 1, minInsyncReplicas: 1 }),
  );
  writeKafkaLog4j(f.log4j);
}

/** `java …` running one of the Kafka jars' main classes with the given log4j file. */
export function kafkaJava(libs: string, log4jFile: string, mainClass: string, args: string[], heap = '-Xmx256m'): [string, string[]] {
  return ['java', [heap, '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${log4jFile}`, '-cp', `${libs}/*`, mainClass, ...args]];
}

function java(libs: string, mainClass: string, args: string[], heap = '-Xmx256m'): [string, string[]] {
  return kafkaJava(libs, files().log4j, mainClass, args, heap);
}

/**
 * A KRaft cluster id: 16 random bytes in base64url (Kafka's Uuid format). One in 64 such strings
 * starts with '-'; like Kafka's own Uuid.randomUuid, roll again then, so the id also reads well
 * on any command line (kafka-storage, kafka-cluster) an operator may type it into.
 */
export function newClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * kafka-storage's arguments. Each value is joined to its option (`--cluster-id=…`): given as a
 * separate argument, a value starting with '-' is read as an option and the tool exits with
 * "argument --cluster-id/-t: expected one argument".
 */
export function storageFormatArgs(clusterId: string, propsFile: string): string[] {
  return ['format', `--cluster-id=${clusterId}`, `--config=${propsFile}`];
}

/** Formats the KRaft log directory named in `propsFile` (kafka-storage format). */
export function formatStorage(libs: string, propsFile: string, clusterId: string, log4jFile = files().log4j): void {
  const [cmd, args] = kafkaJava(libs, log4jFile, 'kafka.tools.StorageTool', storageFormatArgs(clusterId, propsFile));
  run(cmd, args);
}

export function kafkaRunning(): boolean {
  return readPid(files().pid) !== undefined;
}

export async function startKafka(): Promise<void> {
  const libs = kafkaLibs();
  const f = files();
  const port = brokerPort();
  if (kafkaRunning()) return;
  await assertPortFree(port, 'Kafka', 'KAFKA_BROKERS to use a running broker');
  writeConfig();
  if (!existsSync(join(f.data, 'meta.properties'))) {
    say('formatting the KRaft log directory');
    formatStorage(libs, f.props, newClusterId());
  }
  say(`starting Apache Kafka (KRaft) on 127.0.0.1:${port}`);
  const [cmd, args] = java(libs, 'kafka.Kafka', [f.props], '-Xmx768m');
  const pid = startDaemon(cmd, ['-Xms256m', ...args], { logFile: f.log, pidFile: f.pid });
  await waitForPort(port, 'Kafka', { timeoutMs: 90_000, logFile: f.log, pid });
}

export async function stopKafka(): Promise<boolean> {
  return stopDaemon(files().pid, 30_000);
}

export function kafkaStatus(): string {
  return kafkaRunning() ? `running on 127.0.0.1:${brokerPort()} (log ${files().log})` : 'stopped';
}
