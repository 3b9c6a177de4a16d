/**
 * The benchmark's environment, applied to process.env on import: bench/run.ts imports this first,
 * before anything reads the configuration (shared/config.ts parses process.env once per process).
 *
 * Default: its private stack (its own ports and state dir, so neither the shared servers nor other
 * test runs are touched). With BENCH_CLUSTER=1 or `--cluster` (`npm run bench -- --cluster`): the
 * production topology (stack/cluster/) on its own window of ports, BENCH_CLUSTER_BASE_PORT (default
 * 32000, apart from `npm run cluster`'s 30000 and the cluster suite's 31000, below the ephemeral port range), and its own state
 * dir, BENCH_CLUSTER_STATE_DIR (default .state/bench-cluster).
 */
import { join, resolve } from 'node:path';
import { applyClusterEnv } from '../stack/cluster/env';

const repo = resolve(__dirname, '..');

export const CLUSTER_MODE = process.env.BENCH_CLUSTER === '1' || process.argv.includes('--cluster');

if (CLUSTER_MODE) {
  process.env.CLUSTER_BASE_PORT = process.env.BENCH_CLUSTER_BASE_PORT || '32000';
  process.env.CLUSTER_STATE_DIR = process.env.BENCH_CLUSTER_STATE_DIR || join(repo, '.state', 'bench-cluster');
  applyClusterEnv('run');
} else {
  for (const name of ['DATABASE_URL', 'KAFKA_BROKERS', 'TEMPORAL_ADDRESS', 'TEMPORAL_TASK_QUEUE', 'TEMPORAL_UI_URL', 'PORT', 'WORKER_METRICS_ADDRESS', 'DATABASE_POOL_MAX']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    APP_ENV: 'development',
    STACK_STATE_DIR: process.env.BENCH_STATE_DIR || join(repo, '.state', 'bench'),
    LOCAL_PG_PORT: process.env.BENCH_PG_PORT || '35433',
    LOCAL_KAFKA_PORT: process.env.BENCH_KAFKA_PORT || '49092',
    LOCAL_TEMPORAL_PORT: process.env.BENCH_TEMPORAL_PORT || '37233',
    TEMPORAL_UI_PORT: process.env.BENCH_TEMPORAL_UI_PORT || '38233',
    // the consumers process's health port: a free one, apart from a running `npm start`'s 3001
    CONSUMERS_HEALTH_PORT: '0',
    DELIVERY_HEALTH_PORT: '0',
  });
}

Object.assign(process.env, {
  SEED_DEMO_DATA: 'false',
  LOG_LEVEL: 'warn', // the bench process itself; the app processes log at info
  // the bench logs in once and runs about 13 minutes, too close to the default 15-minute access token
  JWT_TTL_SECONDS: '3600',
  // one staff token drives hundreds of sales a second: the per-user write limit would measure itself
  WRITE_RATE_LIMIT_PER_MINUTE: '0',
  // untraced (no SDK loaded), whatever APP_ENV=development would choose; the tracing section
  // (bench/lib/tracing.ts) restarts the app processes traced into the bench stack's Zipkin
  OTEL_TRACES_EXPORTER: 'none',
});
