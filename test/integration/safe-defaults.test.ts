/**
 * Issue #12, safe by default: the API entry point (bin/api.ts) as a deployment runs it, in a child
 * process. Forgetting APP_ENV on a public address must not run on the public development JWT
 * secret; on loopback (`npm start`) it must still just start.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { getConfig } from '../../shared/config';

const ROOT = join(__dirname, '..', '..');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a deployment that set only what it is given here (no APP_ENV, no JWT_SECRET). */
function deploymentEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const cfg = getConfig();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info' };
  // the test servers, named the way a deployment names external ones
  env.DATABASE_URL = cfg.database.url;
  env.KAFKA_BROKERS = cfg.kafka.brokers.join(',');
  env.TEMPORAL_ADDRESS = cfg.temporal.address;
  env.PORT = '0';
  return { ...env, ...extra };
}

function runApi(env: NodeJS.ProcessEnv, until?: RegExp): Promise<Exit & { stoppedAfterReady: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'api.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stoppedAfterReady = false;
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (until && !stoppedAfterReady && until.test(stdout)) {
        stoppedAfterReady = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, stoppedAfterReady });
    });
  });
}

test('APP_ENV unset, HOST=0.0.0.0, no JWT_SECRET: exits non-zero with one clear line', async () => {
  const run = await runApi(deploymentEnv({ HOST: '0.0.0.0' }));
  expect(run.code).not.toBe(0);
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^api: .*HOST=0\.0\.0\.0.*JWT_SECRET.*APP_ENV/);
  expect(run.stdout).not.toContain('API listening');
}, 60_000);

test('APP_ENV unset, HOST=127.0.0.1: the development defaults are fine and it starts (and stops on SIGTERM)', async () => {
  const run = await runApi(deploymentEnv({ HOST: '127.0.0.1' }), /API listening/);
  expect(run.stoppedAfterReady).toBe(true);
  expect(run.code).toBe(0);
}, 60_000);

test('APP_ENV=development set explicitly: allowed on 0.0.0.0 (a developer exposing it on purpose)', async () => {
  const run = await runApi(deploymentEnv({ HOST: '0.0.0.0', APP_ENV: 'development' }), /API listening/);
  expect(run.stoppedAfterReady).toBe(true);
  expect(run.code).toBe(0);
}, 60_000);
