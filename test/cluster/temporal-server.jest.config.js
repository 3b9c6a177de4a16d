// `npm run test:temporal-server` (issue #15): the real Temporal server on PostgreSQL
// (stack/temporal-server.ts) under the saga, on its own — temporal-server.cluster.ts starts the
// servers it needs (they take minutes to build the first time). Until the production topology
// (stack/cluster/temporal.ts) runs on this server, test/cluster/jest.config.js leaves the file out.
/* eslint-disable no-restricted-properties -- like the main jest.config.js, where the suite sets its environment */
process.env.APP_ENV ??= 'test';
process.env.LOG_LEVEL ??= 'warn';

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/cluster/temporal-server.cluster.ts'],
  testTimeout: 300_000,
  maxWorkers: 1,
};
