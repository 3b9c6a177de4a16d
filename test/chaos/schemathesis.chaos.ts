/**
 * Property-based API testing with schemathesis (from PyPI, installed once into a cached venv
 * outside the clone) against the running API's own /openapi.json, authenticated as an admin:
 * no 5xx, and every response conforms to the documented schema. The event streams are left out
 * (an open SSE response never ends). Runs on the chaos suite's private stack.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../stack/paths';
import { createUser } from '../helpers/users';
import { startSuite, type Suite } from './support/suite';
import { appendSummary, chaosArtifactsDir } from './support/summary';

const SCHEMATHESIS_VERSION = '4.32.5';
const MAX_EXAMPLES = Number(process.env.CHAOS_SCHEMATHESIS_EXAMPLES || 15);
const RUN_TIMEOUT_MS = 240_000;

let suite: Suite;

function st(): string {
  const venv = join(cacheDir(), `venv-schemathesis-${SCHEMATHESIS_VERSION}`);
  const bin = join(venv, 'bin', 'st');
  if (existsSync(bin)) return bin;
  process.stderr.write(`[chaos] installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv} (once)…\n`);
  mkdirSync(cacheDir(), { recursive: true });
  for (const [cmd, args] of [
    ['python3', ['-m', 'venv', venv]],
    [join(venv, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]],
  ] as const) {
    const res = spawnSync(cmd, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${res.stderr || res.error?.message}`);
  }
  return bin;
}

beforeAll(async () => {
  suite = await startSuite(['worker', 'api']);
}, 180_000);

afterAll(async () => {
  await suite?.close();
});

test('schemathesis: no 5xx and no response outside the OpenAPI schema', async () => {
  const started = Date.now();
  const bin = st();
  const admin = await createUser(suite.db, { role: 'admin' });
  const token = await suite.api.login(admin.email, admin.password);
  const reportDir = join(chaosArtifactsDir(), 'schemathesis');
  mkdirSync(reportDir, { recursive: true });
  const args = [
    'run',
    `${suite.api.baseUrl}/openapi.json`,
    '--header', `Authorization: Bearer ${token}`,
    '--checks', 'not_a_server_error,response_schema_conformance',
    '--max-examples', String(MAX_EXAMPLES),
    '--seed', '20261124',
    // one worker: with two, CPython 3.11 sometimes fails inside schemathesis's own code generation
    '--workers', '1',
    '--request-timeout', '10',
    '--exclude-path-regex', '/stream$',
    '--report', 'junit,ndjson',
    '--report-dir', reportDir,
    '--output-truncate', 'false',
    '--no-color',
  ];
  // asynchronously, so jest's own timers keep running; bounded, so a hanging API cannot stall the suite
  const res = await new Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }>((resolveRun) => {
    const child = spawn(bin, args, { env: { ...process.env, NO_COLOR: '1', COLUMNS: '160' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', (error) => resolveRun({ status: null, stdout, stderr, error }));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ status: code, stdout, stderr, error: signal ? new Error(`killed by ${signal} after ${RUN_TIMEOUT_MS / 1000} s`) : undefined });
    });
  });
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  writeFileSync(join(reportDir, 'output.txt'), output);
  const summaryLine = /\d+ generated[^\n]*/.exec(output)?.[0] ?? output.trim().split('\n').slice(-1)[0] ?? '';
  // What counts against the API: check failures (5xx, schema violations) and network errors (a
  // request the API never answered). An error inside schemathesis itself is the tool's, not the
  // API's: it is reported in the summary, not failed on.
  const checkFailures = output.includes('= FAILURES =');
  const networkErrors = /Network Error: \d+/.exec(output)?.[0];
  const toolErrors = /Runtime Error: \d+/.exec(output)?.[0];
  const apiProblem = res.status !== 0 && (checkFailures || networkErrors !== undefined || !/= SUMMARY =/.test(output));
  appendSummary({
    fault: 'schemathesis (no fault)',
    sagas: 0,
    inFlightAtFault: 0,
    terminal: '-',
    outcomes: '-',
    checks: apiProblem ? `failed (exit ${res.status})` : 'no API failure',
    durationS: (Date.now() - started) / 1000,
    notes: `${MAX_EXAMPLES} examples/operation; ${summaryLine.slice(0, 120)}${toolErrors && !apiProblem ? `; schemathesis-internal ${toolErrors} (not the API's)` : ''}`,
    failed: apiProblem ? [`schemathesis found failures: see ${join(reportDir, 'output.txt')}`] : [],
  });
  if (apiProblem) {
    // the part a person needs: each failure with its reproducing request
    const at = [output.indexOf('= FAILURES ='), output.indexOf('= ERRORS =')].filter((i) => i >= 0);
    const failures = at.length ? output.slice(output.lastIndexOf('\n', Math.min(...at)) + 1) : output;
    throw new Error(`schemathesis exited ${res.status}${res.error ? ` (${res.error.message})` : ''}:\n${failures.slice(0, 20_000)}`);
  }
}, RUN_TIMEOUT_MS + 60_000);
