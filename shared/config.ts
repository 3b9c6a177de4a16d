/**
 * The one configuration module. Everything the service, the workers, the consumers and the local
 * stack need from the environment is parsed and validated here, once; no other file reads
 * `process.env`.
 *
 * Defaults point at the local stack that `npm start` / `npm test` provision (stack/). Setting
 * DATABASE_URL, KAFKA_BROKERS or TEMPORAL_ADDRESS means "use this external server": the stack then
 * provisions nothing for that component (see `provided`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const DEV_JWT_SECRET = 'dev-only-secret-change-me-in-production-000000';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

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

  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').default(DEV_JWT_SECRET),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).default(3600),
  SEED_DEMO_DATA: bool.optional(),
  DEMO_PASSWORD: z.string().min(8).default('demo-password'),

  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(1).default(15 * 60),

  /** the saga at its edges (README "How the saga works"): how long POST /sales and PATCH /sales/:id/status wait for the saga's step */
  SALE_REQUEST_DEADLINE_SECONDS: z.coerce.number().int().min(1).max(30).default(20),
  /** a step still failing at this attempt is logged (warn) and counted (saga_step_retries_past_threshold_total) */
  STEP_RETRY_WARN_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  /** the reconciliation schedule: how often it looks for reserved sales no saga will finish, and how long past expiry it waits */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(60),
  RECONCILE_GRACE_SECONDS: z.coerce.number().int().min(0).default(60),

  STACK_STATE_DIR: z.string().optional(),
  STACK_CACHE_DIR: z.string().optional(),
});

export type Env = z.infer<typeof envSchema>;

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
    consumer: { commitIntervalMs: number; partitionsConcurrently: number };
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
  };
  auth: { jwtSecret: string; jwtTtlSeconds: number };
  demo: { seed: boolean; password: string };
  saga: { reservationTtlSeconds: number };
  sagaEdges: { requestDeadlineSeconds: number; stepRetryWarnAttempts: number; reconcileIntervalSeconds: number; reconcileGraceSeconds: number };
  stack: { stateDir?: string; cacheDir?: string };
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
  if (problems.length > 0) {
    throw new ConfigError(`APP_ENV=production refuses to start: ${problems.join('; ')}`);
  }
}

export function parseConfig(source: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
  }
  const env = parsed.data;
  refuseDevDefaultsInProduction(env);

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
      consumer: { commitIntervalMs: env.KAFKA_CONSUMER_COMMIT_INTERVAL_MS, partitionsConcurrently: env.KAFKA_CONSUMER_PARTITIONS_CONCURRENTLY },
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
    },
    auth: { jwtSecret: env.JWT_SECRET, jwtTtlSeconds: env.JWT_TTL_SECONDS },
    demo: { seed: env.SEED_DEMO_DATA ?? env.APP_ENV === 'development', password: env.DEMO_PASSWORD },
    saga: { reservationTtlSeconds: env.RESERVATION_TTL_SECONDS },
    sagaEdges: {
      requestDeadlineSeconds: env.SALE_REQUEST_DEADLINE_SECONDS,
      stepRetryWarnAttempts: env.STEP_RETRY_WARN_ATTEMPTS,
      reconcileIntervalSeconds: env.RECONCILE_INTERVAL_SECONDS,
      reconcileGraceSeconds: env.RECONCILE_GRACE_SECONDS,
    },
    stack: { stateDir: env.STACK_STATE_DIR, cacheDir: env.STACK_CACHE_DIR },
  };
}

let loaded: Config | undefined;

/** The process's configuration, parsed from the environment on first use. */
export function getConfig(): Config {
  loaded ??= parseConfig(process.env);
  return loaded;
}
