/**
 * Issue #12: the first admin of a production deployment comes from a command,
 * `npx tsx bin/create-admin.ts --email … --name …`, the password from stdin or ADMIN_PASSWORD.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/context';

const ROOT = join(__dirname, '..', '..');
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

function createAdmin(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'create-admin.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

const email = (): string => `first-admin-${randomUUID().slice(0, 8)}@test.example.com`;
const PASSWORD = 'granite-orchid-ferry-19';

test('password on stdin: the admin is created and can log in as admin', async () => {
  const who = email();
  const run = await createAdmin(['--email', who, '--name', 'First Admin'], { stdin: `${PASSWORD}\n` });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(who);
  const login = await request(ctx.app).post('/auth/login').send({ email: who, password: PASSWORD });
  expect(login.status).toBe(200);
  expect(login.body.user).toMatchObject({ email: who, name: 'First Admin', role: 'admin' });
}, 60_000);

test('password from ADMIN_PASSWORD works too', async () => {
  const who = email();
  const run = await createAdmin(['--email', who, '--name', 'Env Admin'], { env: { ADMIN_PASSWORD: PASSWORD } });
  expect(run.code).toBe(0);
  expect((await request(ctx.app).post('/auth/login').send({ email: who, password: PASSWORD })).status).toBe(200);
}, 60_000);

test('a weak password, a missing --email or an existing email: exit 1 with one line, nothing created', async () => {
  const who = email();
  const weak = await createAdmin(['--email', who, '--name', 'Weak'], { stdin: 'password123\n' });
  expect(weak.code).toBe(1);
  expect(weak.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^create-admin: .*too common/)]);
  expect(await ctx.db('users').where({ email: who }).first()).toBeUndefined();

  const noEmail = await createAdmin(['--name', 'Nobody'], { stdin: `${PASSWORD}\n` });
  expect(noEmail.code).toBe(1);
  expect(noEmail.stderr).toMatch(/--email/);

  const taken = email();
  expect((await createAdmin(['--email', taken, '--name', 'One'], { stdin: `${PASSWORD}\n` })).code).toBe(0);
  const again = await createAdmin(['--email', taken, '--name', 'Two'], { stdin: `${PASSWORD}\n` });
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/already/);
}, 90_000);
