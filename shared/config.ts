/**
 * The one configuration module. Everything the service, the workers, the consumers and the local
 * stack need from the environment is parsed and validated here, once; no other file reads
 * `process.env`.
 *
 * Defaults point at the local stack that `npm start` / `npm test` provision (stack/). Setting
 * DATABASE_URL, KAFKA_BROKERS or TEMPORAL_ADDRESS means "use this external server": the stack then
 * provisions nothing for that component (see `provided`).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

const DEV_JWT_SECRET = 'dev-only-secret-change-me-in-production-000000';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

/** an IANA time zone name (Europe/Madrid, UTC) as the runtime's time zone database knows it */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}

const envSchema = z.object({
  APP_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),

  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).default(10),
  /** ports of the local stack (stack/), used when the matching *_URL/_BROKERS/_ADDRESS is not set */
  LOCAL_PG_PORT: port.default(5433),
  LOCAL_KAFKA_PORT: port.default(19092),
  LOCAL_TEMPORAL_PORT: port.default(7233),

  KAFKA_BROKERS: z.string().min(1).optional(),
  KAFKA_CLIENT_ID: z.string().default('sales-saga'),
  KAFKA_SSL: bool.default('false'),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).default(3),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  /** consumers: commit offsets at most this often (0: after every fetched batch); see consumers/runner.ts */
  KAFKA_CONSUMER_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).default(0),
  /** consumers: partitions each group processes at once (order within a partition is kept) */
  KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).default(1),
  /** consumers: at most this many records of a fetched batch per database transaction (1: one per record); see consumers/batch.ts */
  KAFKA_CONSUMER_BATCH_MAX_EVENTS: z.coerce.number().int().min(1).default(500),

  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: bool.default('false'),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_UI_URL: z.string().url().optional(),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Where the Temporal worker's own (Rust core) metrics are served in Prometheus format. */
  WORKER_METRICS_ADDRESS: z.string().default('127.0.0.1:9464'),
  /**
   * Workflow tasks a worker process holds at once (default runtime/worker.ts WORKER_DEFAULTS). A
   * held task's 10 s timeout runs while it waits for the worker's workflow thread: on starved
   * cores fewer slots leave the rest queued at the server, where no timeout runs.
   */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),

  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').default(DEV_JWT_SECRET),
  /** access tokens are short; a session lives on through refresh tokens (REFRESH_TOKEN_TTL_SECONDS) */
  JWT_TTL_SECONDS: z.coerce.number().int().min(5).default(900),
  SEED_DEMO_DATA: bool.optional(),
  DEMO_PASSWORD: z.string().min(8).default('demo-password'),

  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(1).default(15 * 60),

  // accounts (issue #12)
  /** how long a refresh token (and so a session without activity) lasts: a shift */
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(12 * 3600),
  /** scrypt cost as log2(N), r=8, p=1; 17 is OWASP's recommendation. Tests default cheaper. */
  PASSWORD_SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).optional(),
  /** bin/create-admin.ts reads the first admin's password from here when stdin gives none */
  ADMIN_PASSWORD: z.string().optional(),

  /** live streams (SSE: /notifications/stream, /products/stream); see api/streams/live-streams.ts */
  STREAM_TICKET_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  STREAM_MAX_PER_USER: z.coerce.number().int().min(1).default(10),
  STREAM_MAX_PER_PROCESS: z.coerce.number().int().min(1).default(2000),
  /** a client with more than this many bytes unsent is dropped (it resumes with Last-Event-ID) */
  STREAM_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** how often open streams re-check that their user may still use the service */
  STREAM_USER_RECHECK_SECONDS: z.coerce.number().positive().default(30),

  /** the saga at its edges (README "How the saga works"): how long POST /sales and PATCH /sales/:id/status wait for the saga's step */
  SALE_REQUEST_DEADLINE_SECONDS: z.coerce.number().int().min(1).max(30).default(20),
  /** a step still failing at this attempt is logged (warn) and counted (saga_step_retries_past_threshold_total) */
  STEP_RETRY_WARN_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  /** the reconciliation schedule: how often it looks for reserved sales no saga will finish, and how long past expiry it waits */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(60),
  RECONCILE_GRACE_SECONDS: z.coerce.number().int().min(0).default(60),
  /**
   * a step's events are sent inside the step when the broker answers within this long; otherwise the
   * step answers and the saga publishes them in a step of their own, retried until the broker has them
   */
  STEP_INLINE_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(0).default(3000),

  STACK_STATE_DIR: z.string().optional(),
  STACK_CACHE_DIR: z.string().optional(),

  /** email (delivery/): an external SMTP server; unset means the local one the stack provisions */
  SMTP_URL: z.string().url().refine((u) => /^smtps?:$/.test(new URL(u).protocol), 'SMTP_URL must be smtp:// or smtps://').optional(),
  LOCAL_SMTP_PORT: port.default(1025),
  LOCAL_SMTP_UI_PORT: port.default(8025),
  MAIL_FROM: z.string().min(3).default('sales-saga <notifications@sales-saga.localhost>'),
  /** where links in emails point (unsubscribe); a browser on the recipient's side opens them */
  PUBLIC_BASE_URL: z.string().url().default('http://127.0.0.1:3000'),
  /** signs unsubscribe links; unset: derived from JWT_SECRET (production already refuses its default) */
  UNSUBSCRIBE_SECRET: z.string().min(32, 'UNSUBSCRIBE_SECRET must be at least 32 characters').optional(),
  UNSUBSCRIBE_TTL_DAYS: z.coerce.number().int().min(1).default(365),
  /** the email delivery workers (delivery/worker.ts) */
  DELIVERY_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  DELIVERY_POLL_MS: z.coerce.number().int().min(10).default(1000),
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10),
  DELIVERY_BACKOFF_BASE_SECONDS: z.coerce.number().min(0.01).default(5),
  DELIVERY_BACKOFF_MAX_SECONDS: z.coerce.number().min(0.01).default(3600),
  /** a claimed delivery is retried by any worker after this long (a worker died mid-send) */
  DELIVERY_LEASE_SECONDS: z.coerce.number().int().min(5).default(120),
  // digests and throttles (issue #13 point 4; delivery/digests.ts, delivery/throttle.ts)
  /** how often the `email-digests` Temporal Schedule collects the digests whose window closed */
  DIGEST_SCHEDULE_SECONDS: z.coerce.number().int().min(1).default(300),
  /** a user's daily digest hour and IANA time zone until they choose their own */
  DIGEST_DEFAULT_HOUR: z.coerce.number().int().min(0).max(23).default(8),
  DIGEST_DEFAULT_TIME_ZONE: z.string().refine(isTimeZone, 'DIGEST_DEFAULT_TIME_ZONE must be an IANA time zone, e.g. Europe/Madrid').default('Europe/Madrid'),
  /** at most one immediate stock email per (user, product) per this many seconds; later changes coalesce into one after it (0: off) */
  DELIVERY_THROTTLE_SECONDS: z.coerce.number().int().min(0).default(1800),
  /** the delivery process's /healthz, /readyz and /metrics (bin/delivery.ts; 0 picks a free port) */
  DELIVERY_HEALTH_PORT: port.default(3002),
  // large fan-outs (issue #13 §7; delivery/fanout.ts)
  /** a notification with more recipients than this queues one fan-out job, not its email deliveries, in the consumer's transaction */
  DELIVERY_FANOUT_INLINE_MAX: z.coerce.number().int().min(0).default(1000),
  /** delivery rows a worker queues from a fan-out job per transaction */
  DELIVERY_FANOUT_CHUNK: z.coerce.number().int().min(1).default(5000),
  // money and stock rules (api/services/sales.ts), abuse limits, and how operations data is exposed
  /** the largest discount (percent) sales staff may grant; admins may grant any */
  MAX_STAFF_DISCOUNT_PERCENT: z.coerce.number().min(0).max(100).default(50),
  /** a customer's own reservations: open (RESERVED) sales at once, and units of one product across them */
  MAX_OPEN_RESERVATIONS_PER_CUSTOMER: z.coerce.number().int().min(1).default(5),
  MAX_RESERVED_UNITS_PER_PRODUCT: z.coerce.number().int().min(1).default(10),
  /** writes (POST /sales, follows, POST /send_notification) per user per minute; 0 turns the limit off */
  WRITE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(300),
  /** when set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` */
  METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional()), // empty: unset (compose passes it through)
  /** when set, the API serves /metrics on this port (on HOST) instead of its public port */
  METRICS_PORT: port.optional(),
  /** the consumers process's /healthz, /readyz and /metrics (bin/consumers.ts; 0 picks a free port) */
  CONSUMERS_HEALTH_PORT: port.default(3001),
  /** consumers: processed_events rows older than this are pruned (redeliveries come within minutes) */
  PROCESSED_EVENTS_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),

  // tracing (issue #16; shared/tracing.ts): OpenTelemetry's own variable names
  /** where spans go: the local Zipkin (default when APP_ENV=development), an OTLP/HTTP collector, the console, or nowhere (no SDK started) */
  OTEL_TRACES_EXPORTER: z.enum(['zipkin', 'otlp', 'console', 'none']).optional(),
  /** another Zipkin's span endpoint (…/api/v2/spans); unset: the local one the stack provisions */
  OTEL_EXPORTER_ZIPKIN_ENDPOINT: z.string().url().optional(),
  /** an OTLP/HTTP collector's base address (spans go to <it>/v1/traces), for OTEL_TRACES_EXPORTER=otlp */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().default('http://127.0.0.1:4318'),
  /**
   * the share of requests traced (0–1): a request's root span is kept with this probability and
   * everything it causes follows it (shared/tracing-sampler.ts). Default: 1 (every sale) in
   * development and tests, 0.1 with APP_ENV=production, where recording every sale would cost a
   * quarter of the saga's throughput (README "Tracing")
   */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  /**
   * ms between two exports of a process's finished spans. Default: 1000 in development and tests (a
   * trace shows up in the UI a second after the request), OpenTelemetry's 5000 in production, where
   * each export is a request to the backend and the backend's work per request is most of its cost
   * when few spans are recorded (README "Tracing")
   */
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(1).optional(),
  /** the local Zipkin server (stack/zipkin.ts): API and UI on 127.0.0.1 */
  LOCAL_ZIPKIN_PORT: port.default(9411),

  // the production topology on this machine (issue #15; stack/cluster/env.js lays out its ports)
  /** first of the 100 ports `npm run cluster` uses (balancer, replicas, three Kafka nodes, servers) */
  CLUSTER_BASE_PORT: port.default(30000),

  // the Temporal server on PostgreSQL (issue #15; stack/temporal-server.ts), for the production
  // topology; the app reaches it through TEMPORAL_ADDRESS. Every port is bound to 127.0.0.1, apart
  // from the dev server's 7233/8233 (and its metrics on 7235).
  TEMPORAL_SERVER_FRONTEND_PORT: port.default(7236),
  TEMPORAL_SERVER_HISTORY_PORT: port.default(7237),
  TEMPORAL_SERVER_MATCHING_PORT: port.default(7238),
  TEMPORAL_SERVER_WORKER_PORT: port.default(7239),
  /** the roles' membership (ringpop) ports: frontend, history, matching, worker at this port +0, +1, +2, +3 (the server stores them as smallint) */
  TEMPORAL_SERVER_MEMBERSHIP_PORT: port.max(32764, 'TEMPORAL_SERVER_MEMBERSHIP_PORT must be at most 32764: the server stores membership ports in a smallint column').default(6933),
  /** the roles' Prometheus metrics at this port +0…+3 (frontend, history, matching, worker); 0: none */
  TEMPORAL_SERVER_METRICS_PORT: port.default(0),
  /** the Temporal UI server pointed at it */
  TEMPORAL_SERVER_UI_PORT: port.default(8088),
  /** fixed when its database is created: a later change is refused by the server */
  TEMPORAL_SERVER_HISTORY_SHARDS: z.coerce.number().int().min(1).default(4),
  /** where its two databases live (postgres://user:password@host:port); unset: the stack's PostgreSQL */
  TEMPORAL_SERVER_POSTGRES_URL: z.string().url().refine((u) => /^postgres(ql)?:$/.test(new URL(u).protocol), 'TEMPORAL_SERVER_POSTGRES_URL must be postgres://').optional(),
});

export type Env = z.infer<typeof envSchema>;

/** Every environment variable the processes read (deploy/ and its test check their settings against it). */
export const ENV_NAMES: readonly string[] = Object.keys(envSchema.shape);

export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface TemporalTls {
  clientCertPair?: { crt: Buffer; key: Buffer };
  serverRootCACertificate?: Buffer;
}

export interface Config {
  env: Env['APP_ENV'];
  logLevel: Env['LOG_LEVEL'];
  http: { host: string; port: number };
  /** Which servers were given from outside; the local stack provisions only the others. */
  provided: { database: boolean; kafka: boolean; temporal: boolean };
  database: { url: string; poolMax: number; localPort: number };
  kafka: {
    brokers: string[];
    clientId: string;
    ssl: boolean;
    sasl?: KafkaSasl;
    partitions: number;
    replicationFactor: number;
    consumer: { commitIntervalMs: number; partitionsConcurrently: number; batchMaxEvents: number };
  };
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    apiKey?: string;
    tls?: TemporalTls | true;
    uiUrl: string;
    uiPort: number;
    workerMetricsAddress: string;
    /** WORKER_MAX_CONCURRENT_WORKFLOW_TASKS; unset: the worker's default */
    workerMaxConcurrentWorkflowTasks?: number;
  };
  auth: { jwtSecret: string; jwtTtlSeconds: number; refreshTtlSeconds: number; scrypt: { N: number; r: number; p: number } };
  /** bin/create-admin.ts */
  bootstrap: { adminPassword?: string };
  demo: { seed: boolean; password: string };
  saga: { reservationTtlSeconds: number };
  streams: StreamSettings;
  sagaEdges: { requestDeadlineSeconds: number; stepRetryWarnAttempts: number; reconcileIntervalSeconds: number; reconcileGraceSeconds: number; inlinePublishTimeoutMs: number };
  stack: { stateDir?: string; cacheDir?: string };
  mail: MailConfig;
  rules: { maxStaffDiscountPercent: number; maxOpenReservationsPerCustomer: number; maxReservedUnitsPerProduct: number; writeRateLimitPerMinute: number };
  metrics: { token?: string; port?: number };
  consumers: { healthPort: number; processedEventsRetentionDays: number };
  delivery: DeliverySettings & { healthPort: number };
  digests: DigestSettings;
  tracing: TracingConfig;
  cluster: { basePort: number };
  temporalServer: TemporalServerConfig;
}

export interface DigestSettings {
  scheduleSeconds: number;
  defaultHour: number;
  defaultTimeZone: string;
}

/** The Temporal server on PostgreSQL (stack/temporal-server.ts); all on 127.0.0.1. */
export interface TemporalServerConfig {
  ports: { frontend: number; history: number; matching: number; worker: number; membership: number; metrics: number; ui: number };
  historyShards: number;
  postgresUrl?: string;
}

export interface DeliverySettings {
  batchSize: number;
  pollMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  leaseSeconds: number;
  /** 0: no throttle */
  throttleSeconds: number;
  /** fan-outs above this many recipients queue their email through a job (delivery/fanout.ts) */
  fanoutInlineMax: number;
  /** delivery rows queued from a fan-out job per transaction */
  fanoutChunk: number;
}

export interface TracingConfig {
  exporter: 'zipkin' | 'otlp' | 'console' | 'none';
  zipkinEndpoint: string;
  otlpEndpoint: string;
  /** the share of requests traced, 0–1 (OTEL_TRACES_SAMPLER_ARG) */
  sampleRatio: number;
  /** ms between exports of finished spans (OTEL_BSP_SCHEDULE_DELAY) */
  exportDelayMs: number;
  /** the stack provisions the local Zipkin (OTEL_EXPORTER_ZIPKIN_ENDPOINT not set) */
  localZipkin: boolean;
  localZipkinPort: number;
  /** the trace UI, when it is the local Zipkin */
  uiUrl?: string;
}

export interface MailConfig {
  /** SMTP_URL was given: the stack provisions no mail server */
  external: boolean;
  smtpUrl: string;
  localSmtpPort: number;
  /** the local server's web UI and HTTP API (unset when the server is external) */
  uiUrl?: string;
  localUiPort: number;
  from: string;
  publicBaseUrl: string;
  unsubscribeSecret: string;
  unsubscribeTtlSeconds: number;
}

export interface StreamSettings {
  ticketTtlSeconds: number;
  maxPerUser: number;
  maxPerProcess: number;
  maxBufferedBytes: number;
  userRecheckMs: number;
}

/** Thrown for configuration a human must fix; its message is one line that says how. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function readFileFor(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${variable}=${path} cannot be read (${(err as Error).message}); point it at a PEM file`);
  }
}

function temporalTls(env: Env): TemporalTls | true | undefined {
  const hasFiles = env.TEMPORAL_TLS_CERT_PATH || env.TEMPORAL_TLS_KEY_PATH || env.TEMPORAL_TLS_CA_PATH;
  if (!env.TEMPORAL_TLS && !hasFiles) return env.TEMPORAL_API_KEY ? true : undefined;
  if (!hasFiles) return true;
  if (Boolean(env.TEMPORAL_TLS_CERT_PATH) !== Boolean(env.TEMPORAL_TLS_KEY_PATH)) {
    throw new ConfigError('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together (mTLS client pair)');
  }
  const tls: TemporalTls = {};
  if (env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH) {
    tls.clientCertPair = {
      crt: readFileFor('TEMPORAL_TLS_CERT_PATH', env.TEMPORAL_TLS_CERT_PATH),
      key: readFileFor('TEMPORAL_TLS_KEY_PATH', env.TEMPORAL_TLS_KEY_PATH),
    };
  }
  if (env.TEMPORAL_TLS_CA_PATH) {
    tls.serverRootCACertificate = readFileFor('TEMPORAL_TLS_CA_PATH', env.TEMPORAL_TLS_CA_PATH);
  }
  return tls;
}

function kafkaSasl(env: Env): KafkaSasl | undefined {
  if (!env.KAFKA_SASL_MECHANISM) return undefined;
  if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) {
    throw new ConfigError('KAFKA_SASL_MECHANISM is set: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required too');
  }
  return { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD };
}

/** In production the service must not run on anything meant only for a developer's machine. */
function refuseDevDefaultsInProduction(env: Env): void {
  if (env.APP_ENV !== 'production') return;
  const problems: string[] = [];
  if (env.JWT_SECRET === DEV_JWT_SECRET) problems.push('JWT_SECRET is the development default');
  if (env.SEED_DEMO_DATA) problems.push('SEED_DEMO_DATA=true would create demo users with a known password');
  if (!env.DATABASE_URL) problems.push('DATABASE_URL is not set');
  if (!env.KAFKA_BROKERS) problems.push('KAFKA_BROKERS is not set');
  if (!env.TEMPORAL_ADDRESS) problems.push('TEMPORAL_ADDRESS is not set');
  if (env.PASSWORD_SCRYPT_LOG_N !== undefined && env.PASSWORD_SCRYPT_LOG_N < OWASP_SCRYPT_LOG_N) problems.push(`PASSWORD_SCRYPT_LOG_N=${env.PASSWORD_SCRYPT_LOG_N} is below OWASP's ${OWASP_SCRYPT_LOG_N}`);
  if (problems.length > 0) {
    throw new ConfigError(`APP_ENV=production refuses to start: ${problems.join('; ')}`);
  }
}

const OWASP_SCRYPT_LOG_N = 17;
/** what tests hash with unless PASSWORD_SCRYPT_LOG_N says otherwise: every test user gets a real hash */
const TEST_SCRYPT_LOG_N = 12;

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/** "host:port" or "[v6]:port" → host */
const hostOf = (address: string): string => address.replace(/:\d+$/, '');

/**
 * Issue #12: a deployment that forgets APP_ENV must not run on the public development JWT secret
 * or create demo users with a known password. Those are accepted only when APP_ENV=development is
 * set on purpose, or when nothing listens beyond loopback (`npm start` on a laptop).
 */
function refuseDevDefaultsWhenExposed(env: Env, appEnvGiven: boolean): void {
  if (appEnvGiven && env.APP_ENV === 'development') return;
  if (env.APP_ENV === 'production') return; // refuseDevDefaultsInProduction has spoken
  const exposed = [
    ['HOST', env.HOST, env.HOST],
    ['WORKER_METRICS_ADDRESS', env.WORKER_METRICS_ADDRESS, hostOf(env.WORKER_METRICS_ADDRESS)],
  ].filter(([, , host]) => !isLoopback(host!));
  if (exposed.length === 0) return;
  const unsafe: string[] = [];
  if (env.JWT_SECRET === DEV_JWT_SECRET) unsafe.push('the public development JWT_SECRET (set JWT_SECRET)');
  if (env.SEED_DEMO_DATA ?? env.APP_ENV === 'development') unsafe.push('demo users with a known password (set SEED_DEMO_DATA=false)');
  if (unsafe.length === 0) return;
  const where = exposed.map(([name, value]) => `${name}=${value}`).join(', ');
  const appEnv = appEnvGiven ? `APP_ENV=${env.APP_ENV}` : 'APP_ENV is not set';
  throw new ConfigError(
    `refusing to start: ${where} is not a loopback address and ${appEnv}, so ${unsafe.join(' and ')} would be exposed; set APP_ENV=production for a deployment, or APP_ENV=development to allow them on purpose`,
  );
}

export function parseConfig(source: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
  }
  const env = parsed.data;
  refuseDevDefaultsInProduction(env);
  refuseDevDefaultsWhenExposed(env, source.APP_ENV !== undefined && source.APP_ENV !== '');
  const scryptLogN = env.PASSWORD_SCRYPT_LOG_N ?? (env.APP_ENV === 'test' ? TEST_SCRYPT_LOG_N : OWASP_SCRYPT_LOG_N);

  // Tests get their own database and task queue, so a running `npm start` is never disturbed.
  const suffix = env.APP_ENV === 'test' ? '_test' : '';
  const localDbUrl = `postgres://sales_saga@127.0.0.1:${env.LOCAL_PG_PORT}/sales_saga${suffix}`;

  return {
    env: env.APP_ENV,
    logLevel: env.LOG_LEVEL,
    http: { host: env.HOST, port: env.PORT },
    provided: {
      database: Boolean(env.DATABASE_URL),
      kafka: Boolean(env.KAFKA_BROKERS),
      temporal: Boolean(env.TEMPORAL_ADDRESS),
    },
    database: { url: env.DATABASE_URL ?? localDbUrl, poolMax: env.DATABASE_POOL_MAX, localPort: env.LOCAL_PG_PORT },
    kafka: {
      brokers: (env.KAFKA_BROKERS ?? `127.0.0.1:${env.LOCAL_KAFKA_PORT}`).split(',').map((b) => b.trim()).filter(Boolean),
      clientId: env.KAFKA_CLIENT_ID,
      ssl: env.KAFKA_SSL,
      sasl: kafkaSasl(env),
      partitions: env.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: env.KAFKA_REPLICATION_FACTOR,
      consumer: { commitIntervalMs: env.KAFKA_CONSUMER_COMMIT_INTERVAL_MS, partitionsConcurrently: env.KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY, batchMaxEvents: env.KAFKA_CONSUMER_BATCH_MAX_EVENTS },
    },
    temporal: {
      address: env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.LOCAL_TEMPORAL_PORT}`,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE ?? `sales-saga${env.APP_ENV === 'test' ? '-test' : ''}`,
      apiKey: env.TEMPORAL_API_KEY,
      tls: temporalTls(env),
      uiUrl: env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`,
      uiPort: env.TEMPORAL_UI_PORT,
      workerMetricsAddress: env.WORKER_METRICS_ADDRESS,
      workerMaxConcurrentWorkflowTasks: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    },
    auth: {
      jwtSecret: env.JWT_SECRET,
      jwtTtlSeconds: env.JWT_TTL_SECONDS,
      refreshTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
      scrypt: { N: 2 ** scryptLogN, r: 8, p: 1 },
    },
    bootstrap: { adminPassword: env.ADMIN_PASSWORD },
    demo: { seed: env.SEED_DEMO_DATA ?? env.APP_ENV === 'development', password: env.DEMO_PASSWORD },
    saga: { reservationTtlSeconds: env.RESERVATION_TTL_SECONDS },
    streams: {
      ticketTtlSeconds: env.STREAM_TICKET_TTL_SECONDS,
      maxPerUser: env.STREAM_MAX_PER_USER,
      maxPerProcess: env.STREAM_MAX_PER_PROCESS,
      maxBufferedBytes: env.STREAM_MAX_BUFFERED_BYTES,
      userRecheckMs: Math.round(env.STREAM_USER_RECHECK_SECONDS * 1000),
    },
    sagaEdges: {
      requestDeadlineSeconds: env.SALE_REQUEST_DEADLINE_SECONDS,
      stepRetryWarnAttempts: env.STEP_RETRY_WARN_ATTEMPTS,
      reconcileIntervalSeconds: env.RECONCILE_INTERVAL_SECONDS,
      reconcileGraceSeconds: env.RECONCILE_GRACE_SECONDS,
      inlinePublishTimeoutMs: env.STEP_INLINE_PUBLISH_TIMEOUT_MS,
    },
    stack: { stateDir: env.STACK_STATE_DIR, cacheDir: env.STACK_CACHE_DIR },
    mail: mailConfig(env),
    rules: {
      maxStaffDiscountPercent: env.MAX_STAFF_DISCOUNT_PERCENT,
      maxOpenReservationsPerCustomer: env.MAX_OPEN_RESERVATIONS_PER_CUSTOMER,
      maxReservedUnitsPerProduct: env.MAX_RESERVED_UNITS_PER_PRODUCT,
      writeRateLimitPerMinute: env.WRITE_RATE_LIMIT_PER_MINUTE,
    },
    metrics: { token: env.METRICS_TOKEN, port: env.METRICS_PORT },
    consumers: { healthPort: env.CONSUMERS_HEALTH_PORT, processedEventsRetentionDays: env.PROCESSED_EVENTS_RETENTION_DAYS },
    delivery: {
      batchSize: env.DELIVERY_BATCH_SIZE,
      pollMs: env.DELIVERY_POLL_MS,
      maxAttempts: env.DELIVERY_MAX_ATTEMPTS,
      backoffBaseMs: Math.round(env.DELIVERY_BACKOFF_BASE_SECONDS * 1000),
      backoffMaxMs: Math.round(env.DELIVERY_BACKOFF_MAX_SECONDS * 1000),
      leaseSeconds: env.DELIVERY_LEASE_SECONDS,
      throttleSeconds: env.DELIVERY_THROTTLE_SECONDS,
      fanoutInlineMax: env.DELIVERY_FANOUT_INLINE_MAX,
      fanoutChunk: env.DELIVERY_FANOUT_CHUNK,
      healthPort: env.DELIVERY_HEALTH_PORT,
    },
    digests: { scheduleSeconds: env.DIGEST_SCHEDULE_SECONDS, defaultHour: env.DIGEST_DEFAULT_HOUR, defaultTimeZone: env.DIGEST_DEFAULT_TIME_ZONE },
    tracing: tracingConfig(env),
    cluster: { basePort: env.CLUSTER_BASE_PORT },
    temporalServer: {
      ports: {
        frontend: env.TEMPORAL_SERVER_FRONTEND_PORT,
        history: env.TEMPORAL_SERVER_HISTORY_PORT,
        matching: env.TEMPORAL_SERVER_MATCHING_PORT,
        worker: env.TEMPORAL_SERVER_WORKER_PORT,
        membership: env.TEMPORAL_SERVER_MEMBERSHIP_PORT,
        metrics: env.TEMPORAL_SERVER_METRICS_PORT,
        ui: env.TEMPORAL_SERVER_UI_PORT,
      },
      historyShards: env.TEMPORAL_SERVER_HISTORY_SHARDS,
      postgresUrl: env.TEMPORAL_SERVER_POSTGRES_URL,
    },
  };
}

function tracingConfig(env: Env): TracingConfig {
  const local = `http://127.0.0.1:${env.LOCAL_ZIPKIN_PORT}`;
  return {
    // a developer's `npm start` traces into the local Zipkin; tests and deployments choose
    exporter: env.OTEL_TRACES_EXPORTER ?? (env.APP_ENV === 'development' ? 'zipkin' : 'none'),
    zipkinEndpoint: env.OTEL_EXPORTER_ZIPKIN_ENDPOINT ?? `${local}/api/v2/spans`,
    otlpEndpoint: `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
    sampleRatio: env.OTEL_TRACES_SAMPLER_ARG ?? (env.APP_ENV === 'production' ? 0.1 : 1),
    exportDelayMs: env.OTEL_BSP_SCHEDULE_DELAY ?? (env.APP_ENV === 'production' ? 5000 : 1000),
    localZipkin: !env.OTEL_EXPORTER_ZIPKIN_ENDPOINT,
    localZipkinPort: env.LOCAL_ZIPKIN_PORT,
    uiUrl: env.OTEL_EXPORTER_ZIPKIN_ENDPOINT ? undefined : `${local}/zipkin/`,
  };
}

function mailConfig(env: Env): MailConfig {
  return {
    external: Boolean(env.SMTP_URL),
    smtpUrl: env.SMTP_URL ?? `smtp://127.0.0.1:${env.LOCAL_SMTP_PORT}`,
    localSmtpPort: env.LOCAL_SMTP_PORT,
    uiUrl: env.SMTP_URL ? undefined : `http://127.0.0.1:${env.LOCAL_SMTP_UI_PORT}`,
    localUiPort: env.LOCAL_SMTP_UI_PORT,
    from: env.MAIL_FROM,
    publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    // a key of its own, so an unsubscribe token can never pass as a login token (and vice versa)
    unsubscribeSecret: env.UNSUBSCRIBE_SECRET ?? createHmac('sha256', env.JWT_SECRET).update('unsubscribe-links').digest('base64url'),
    unsubscribeTtlSeconds: env.UNSUBSCRIBE_TTL_DAYS * 24 * 3600,
  };
}

let loaded: Config | undefined;

/** The process's configuration, parsed from the environment on first use. */
export function getConfig(): Config {
  loaded ??= parseConfig(process.env);
  return loaded;
}
