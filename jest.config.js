// Tests run against the real local stack (scripts/test.sh starts it), in their own database and
// task queue (APP_ENV=test, see shared/config.ts). Integration tests share those servers, so files
// run one at a time.
process.env.APP_ENV ??= 'test';
process.env.LOG_LEVEL ??= 'warn';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 60_000,
  maxWorkers: 1,
};
