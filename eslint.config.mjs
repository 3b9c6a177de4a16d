// Lint rules, including the Temporal workflow-sandbox rules: code in workflows/ runs in a
// deterministic V8 sandbox, so it may not import Node built-ins, I/O libraries, or activity
// implementations (activities are referenced by type only, through proxyActivities).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib'];

export default tseslint.config(
  { ignores: ['node_modules/', '.state/', '.artifacts/', 'coverage/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read configuration through shared/config.ts' }],
    },
  },
  {
    // the config module and the jest config are where the environment is read
    files: ['shared/config.ts', 'jest.config.js', 'test/**/*.ts', 'bench/**/*.ts', 'stack/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.flatMap((name) => [
            { name, message: 'workflows run in the Temporal sandbox: no Node built-ins' },
            { name: `node:${name}`, message: 'workflows run in the Temporal sandbox: no Node built-ins' },
          ]),
          patterns: [
            { group: ['node:*'], message: 'workflows run in the Temporal sandbox: no Node built-ins' },
            { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'import activities as types only (proxyActivities<typeof …>)' },
            { group: ['**/shared/db', '**/shared/kafka', '**/shared/config', '**/shared/logger', '**/shared/temporal', 'knex', 'pg', 'kafkajs', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'workflows must not do I/O: call an activity' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'workflows run in the Temporal sandbox' }, { name: 'setInterval', message: 'use sleep() from @temporalio/workflow' }],
    },
  },
);
