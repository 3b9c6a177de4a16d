// `npm run test:cluster`: faults on the production topology (stack/cluster/: three Kafka nodes, two
// replicas of every app process, HAProxy) on private ports (CLUSTER_TEST_BASE_PORT, default 31000,
// apart from `npm run cluster`'s 30000, the main suite's and the chaos suite's) and state dir
// (.state/cluster-test). global-setup.ts starts the servers fresh, the test file the replicas, and
// global-teardown.ts stops it all. Not matched by the main jest config (*.cluster.ts).
const { applyClusterEnv } = require('../../stack/cluster/env');

// before anything parses the configuration; like test/chaos/env.js, this is where the suite sets it
/* eslint-disable no-restricted-properties */
applyClusterEnv('test');
Object.assign(process.env, {
  // short reservations, so the "expire" sagas end during each scenario, yet longer than creating a wave
  RESERVATION_TTL_SECONDS: process.env.CLUSTER_TEST_RESERVATION_TTL_SECONDS || '45',
  LOG_LEVEL: process.env.CLUSTER_TEST_LOG_LEVEL || 'warn',
  // the load is one staff member and one customer creating sagas in seconds (see test/chaos/env.js)
  WRITE_RATE_LIMIT_PER_MINUTE: '0',
  MAX_OPEN_RESERVATIONS_PER_CUSTOMER: '100000',
  MAX_RESERVED_UNITS_PER_PRODUCT: '100000',
  SEED_DEMO_DATA: 'false',
  // two cores carry the whole topology: with the default 40 slots a worker held workflow tasks up
  // to 57 s (its workflow thread works through them one by one), past their 10 s timeout, and the
  // timed-out tasks failed Update-with-Start (FAILED_PRECONDITION) until clients gave up
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: process.env.CLUSTER_TEST_WORKFLOW_TASK_SLOTS || '8',
});

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/cluster/**/*.cluster.ts'],
  // run on its own by `npm run test:temporal-server` (temporal-server.jest.config.js)
  testPathIgnorePatterns: ['/node_modules/', '/test/cluster/temporal-server\\.cluster\\.ts$'],
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
  // the chaos suite's summary table (rows in .artifacts/cluster-test/summary.json)
  reporters: ['default', '<rootDir>/test/chaos/summary-reporter.js'],
  testTimeout: 300_000,
  maxWorkers: 1,
};
