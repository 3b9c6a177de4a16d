// The production topology on this machine (`npm run cluster`, `npm run test:cluster`): one port
// layout, counted from a base port, and the environment every part of it runs with. Plain
// CommonJS so test/cluster/jest.config.js can apply it before anything parses the configuration
// (shared/config.ts reads process.env once per process), like test/chaos/env.js. Like that file,
// this is where the topology reads and sets its environment:
/* eslint-disable no-restricted-properties */
const { join, resolve } = require('node:path');

const repoRoot = resolve(__dirname, '../..');

/**
 * defaults apart from `npm start` (3000…), the main suite (1xxxx) and the chaos suite (2xxxx), and
 * below Linux's ephemeral range (32768–60999): there, any outgoing connection of the topology's own
 * processes may hold a port a moment before a replica binds it (the cold-cache CI run lost its
 * worker-1 to "Address already in use" on 34030)
 */
const DEFAULT_BASE = { run: 30000, test: 31000 };
const REPLICAS = 2;

function membershipBase(port) {
  const MAX = 32764 - 3;
  return port <= MAX ? port : port - 10_000 * Math.ceil((port - MAX) / 10_000);
}

/** Every port of the topology, from its base (a window of 100 ports). */
function clusterPorts(base) {
  const two = (offset) => Array.from({ length: REPLICAS }, (_, i) => base + offset + i);
  return {
    balancer: base,
    balancerStats: base + 1,
    api: two(10),
    apiMetrics: two(20),
    workerMetrics: two(30),
    consumersHealth: two(40),
    deliveryHealth: two(44),
    // node i: broker port base+50+2i, its controller port one above
    kafka: [0, 1, 2].map((i) => ({ nodeId: i + 1, broker: base + 50 + 2 * i, controller: base + 51 + 2 * i })),
    postgres: base + 60,
    // the Temporal server's four roles (frontend = the address the app dials), then its UI server
    temporal: base + 70,
    temporalHistory: base + 71,
    temporalMatching: base + 72,
    temporalWorker: base + 73,
    temporalUi: base + 74,
    // the roles' membership ports (+0…+3): the server stores them in a smallint column, so a base
    // above 32 685 moves them down by whole 10 000s (42000 → 32075), outside the window
    temporalMembership: membershipBase(base + 75),
    smtp: base + 80,
    smtpUi: base + 81,
    zipkin: base + 90,
  };
}

/** The environment shared by every process of the topology (servers, app replicas, tools). */
function clusterEnv({ base, stateDir, appEnv }) {
  const p = clusterPorts(base);
  return {
    APP_ENV: appEnv,
    CLUSTER_BASE_PORT: String(base),
    STACK_STATE_DIR: stateDir,
    LOCAL_PG_PORT: String(p.postgres),
    // given, so the single-broker stack (stack/kafka.ts) provisions nothing: stack/cluster/kafka-cluster.ts does
    KAFKA_BROKERS: p.kafka.map((k) => `127.0.0.1:${k.broker}`).join(','),
    KAFKA_REPLICATION_FACTOR: '3',
    // likewise for Temporal: stack/cluster/temporal.ts starts it
    TEMPORAL_ADDRESS: `127.0.0.1:${p.temporal}`,
    TEMPORAL_UI_PORT: String(p.temporalUi),
    // the Temporal server on PostgreSQL (stack/temporal-server.ts), its UI server on TEMPORAL_UI_PORT
    TEMPORAL_SERVER_FRONTEND_PORT: String(p.temporal),
    TEMPORAL_SERVER_HISTORY_PORT: String(p.temporalHistory),
    TEMPORAL_SERVER_MATCHING_PORT: String(p.temporalMatching),
    TEMPORAL_SERVER_WORKER_PORT: String(p.temporalWorker),
    TEMPORAL_SERVER_MEMBERSHIP_PORT: String(p.temporalMembership),
    TEMPORAL_SERVER_UI_PORT: String(p.temporalUi),
    LOCAL_SMTP_PORT: String(p.smtp),
    LOCAL_SMTP_UI_PORT: String(p.smtpUi),
    LOCAL_ZIPKIN_PORT: String(p.zipkin),
    PUBLIC_BASE_URL: `http://127.0.0.1:${p.balancer}`,
    PORT: String(p.balancer),
  };
}

// settings that would point the topology at other servers: it only ever runs (and breaks) its own
const dropped = ['DATABASE_URL', 'TEMPORAL_TASK_QUEUE', 'TEMPORAL_UI_URL', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS', 'KAFKA_SSL', 'KAFKA_SASL_MECHANISM', 'METRICS_PORT', 'WORKER_METRICS_ADDRESS', 'CONSUMERS_HEALTH_PORT', 'DELIVERY_HEALTH_PORT', 'SMTP_URL', 'OTEL_EXPORTER_ZIPKIN_ENDPOINT', 'TEMPORAL_SERVER_POSTGRES_URL', 'TEMPORAL_SERVER_METRICS_PORT'];

/**
 * Applies the topology's environment to `env`. `kind` 'run' is `npm run cluster` (CLUSTER_BASE_PORT,
 * CLUSTER_STATE_DIR; development: demo users, traces to Zipkin); 'test' is `npm run test:cluster`
 * (CLUSTER_TEST_BASE_PORT, CLUSTER_TEST_STATE_DIR; APP_ENV=test).
 */
function applyClusterEnv(kind, env = process.env) {
  const prefix = kind === 'test' ? 'CLUSTER_TEST_' : 'CLUSTER_';
  const base = Number(env[`${prefix}BASE_PORT`] || DEFAULT_BASE[kind]);
  if (!Number.isInteger(base) || base < 1024 || base > 65435) throw new Error(`${prefix}BASE_PORT=${env[`${prefix}BASE_PORT`]} must be a port from 1024 to 65435 (the topology uses 100 ports from it)`);
  const stateDir = env[`${prefix}STATE_DIR`] || join(repoRoot, '.state', kind === 'test' ? 'cluster-test' : 'cluster');
  for (const name of dropped) delete env[name];
  Object.assign(env, clusterEnv({ base, stateDir, appEnv: kind === 'test' ? 'test' : 'development' }));
  return env;
}

module.exports = { REPLICAS, clusterPorts, clusterEnv, applyClusterEnv, repoRoot };
