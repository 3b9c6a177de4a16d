/**
 * The local stack: the servers the service needs, started only for the components the
 * environment did not point elsewhere (DATABASE_URL, KAFKA_BROKERS, TEMPORAL_ADDRESS, SMTP_URL,
 * OTEL_EXPORTER_ZIPKIN_ENDPOINT).
 * Every step is idempotent: running servers are reused, cached builds are not redone.
 */
import { getConfig } from '../shared/config';
import { kafkaStatus, startKafka, stopKafka } from './kafka';
import { mailServerStatus, startMailServer, stopMailServer } from './mail';
import { postgresStatus, startPostgres, stopPostgres } from './postgres';
import { say } from './proc';
import { startTemporal, stopTemporal, temporalStatus } from './temporal';
import { ensureKcat } from './tools';
import { startZipkin, stopZipkin, zipkinStatus } from './zipkin';

export async function stackUp(): Promise<void> {
  const { provided } = getConfig();
  const started = Date.now();
  // Build/resolve steps run one after another (2 cores); the servers then start concurrently.
  const tasks: Promise<void>[] = [];
  if (!provided.database) tasks.push(startPostgres());
  if (!provided.kafka) tasks.push(startKafka());
  if (!provided.temporal) tasks.push(startTemporal());
  if (!getConfig().mail.external) tasks.push(startMailServer());
  if (getConfig().tracing.localZipkin) tasks.push(startZipkin());
  await Promise.all(tasks);
  ensureKcat();
  say(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export async function stackDown(): Promise<void> {
  const { provided } = getConfig();
  if (!provided.temporal && (await stopTemporal())) say('Temporal stopped');
  if (!provided.kafka && (await stopKafka())) say('Kafka stopped');
  if (!provided.database && stopPostgres()) say('PostgreSQL stopped');
  if (!getConfig().mail.external && (await stopMailServer())) say('MailDev stopped');
  if (getConfig().tracing.localZipkin && (await stopZipkin())) say('Zipkin stopped');
}

export function stackStatus(): Record<string, string> {
  const { provided, database, kafka, temporal } = getConfig();
  return {
    postgres: provided.database ? `external (${redact(database.url)})` : postgresStatus(),
    kafka: provided.kafka ? `external (${kafka.brokers.join(',')})` : kafkaStatus(),
    temporal: provided.temporal ? `external (${temporal.address})` : temporalStatus(),
    mail: getConfig().mail.external ? `external (${redact(getConfig().mail.smtpUrl)})` : mailServerStatus(),
    zipkin: getConfig().tracing.localZipkin ? zipkinStatus() : `external (${redact(getConfig().tracing.zipkinEndpoint)})`,
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}
