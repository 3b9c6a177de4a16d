// `npm run test:chaos`: the fault-injection suite. It runs on a private stack (test/chaos/env.js)
// that global-setup.ts creates fresh and global-teardown.ts stops, so it never touches the shared
// servers. Not matched by the main jest config (*.chaos.ts, not *.test.ts).
const { applyChaosEnv } = require('./env');

applyChaosEnv();

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/chaos/**/*.chaos.ts'],
  globalSetup: '<rootDir>/test/chaos/global-setup.ts',
  globalTeardown: '<rootDir>/test/chaos/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/chaos/summary-reporter.js'],
  // each scenario waits for its sagas and the consumers; the whole suite stays well under 10 minutes
  testTimeout: 300_000,
  maxWorkers: 1,
};
