// The chaos suite's private stack: its own ports and state dir, so it can stop and crash servers
// without touching the shared ones (5433/19092/7233) that other test runs use. Applied to
// process.env by test/chaos/jest.config.js before anything reads the configuration (shared/config.ts
// parses process.env once per process). Each port can be moved with a CHAOS_* variable. Like the
// main jest.config.js, this is where the suite reads and sets its environment:
/* eslint-disable no-restricted-properties */
const { join, resolve } = require('node:path');

const repoRoot = resolve(__dirname, '../..');

const chaosEnv = {
  APP_ENV: 'test',
  STACK_STATE_DIR: process.env.CHAOS_STATE_DIR || join(repoRoot, '.state', 'chaos'),
  LOCAL_PG_PORT: process.env.CHAOS_PG_PORT || '25433',
  // below the ephemeral port range (32768–60999): the broker is restarted mid-run, when outgoing
  // connections could hold a port there
  LOCAL_KAFKA_PORT: process.env.CHAOS_KAFKA_PORT || '26092',
  LOCAL_TEMPORAL_PORT: process.env.CHAOS_TEMPORAL_PORT || '27233',
  TEMPORAL_UI_PORT: process.env.CHAOS_TEMPORAL_UI_PORT || '28233',
  LOCAL_SMTP_PORT: process.env.CHAOS_SMTP_PORT || '21025',
  LOCAL_SMTP_UI_PORT: process.env.CHAOS_SMTP_UI_PORT || '28025',
  LOCAL_ZIPKIN_PORT: process.env.CHAOS_ZIPKIN_PORT || '29411',
  // short reservations, so the "expire" sagas end during the run, yet longer than creating the
  // first wave of ~200 sagas takes on a busy 2-core machine (so they are all in flight when the fault hits)
  RESERVATION_TTL_SECONDS: process.env.CHAOS_RESERVATION_TTL_SECONDS || '50',
  LOG_LEVEL: process.env.CHAOS_LOG_LEVEL || 'warn',
  // the load is one staff member and one customer creating ~240 sagas in seconds: the abuse limits
  // (issue #12, tested in test/integration) would refuse most of it
  WRITE_RATE_LIMIT_PER_MINUTE: '0',
  MAX_OPEN_RESERVATIONS_PER_CUSTOMER: '100000',
  MAX_RESERVED_UNITS_PER_PRODUCT: '100000',
  // the consumers process's health port: a free one, apart from a running `npm start`'s 3001
  CONSUMERS_HEALTH_PORT: '0',
};

// Settings that would point the suite at external (or the shared) servers are dropped: the suite
// must only ever break servers it started itself.
const dropped = ['DATABASE_URL', 'KAFKA_BROKERS', 'TEMPORAL_ADDRESS', 'TEMPORAL_TASK_QUEUE', 'TEMPORAL_UI_URL', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS', 'KAFKA_SSL', 'KAFKA_SASL_MECHANISM', 'PORT', 'WORKER_METRICS_ADDRESS', 'SEED_DEMO_DATA', 'SMTP_URL', 'OTEL_EXPORTER_ZIPKIN_ENDPOINT', 'OTEL_TRACES_EXPORTER'];

function applyChaosEnv(env = process.env) {
  for (const name of dropped) delete env[name];
  Object.assign(env, chaosEnv);
  return env;
}

module.exports = { chaosEnv, applyChaosEnv, repoRoot };
