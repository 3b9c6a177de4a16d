// The production-topology tests (issue #15): *.cluster.ts, not matched by the main jest config.
// Each file starts the servers it needs (they take minutes to build the first time).
/* eslint-disable no-restricted-properties -- like the main jest.config.js, where the suite sets its environment */
process.env.APP_ENV ??= 'test';
process.env.LOG_LEVEL ??= 'warn';

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/cluster/**/*.cluster.ts'],
  testTimeout: 300_000,
  maxWorkers: 1,
};
