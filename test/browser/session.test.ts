/**
 * Issue #12: staff stay logged in for a shift. The page holds a short access token and a rotating
 * refresh token: it refreshes before the access token runs out, survives a reload after that, and
 * logging out revokes the refresh token on the server.
 */
// before anything reads the configuration: access tokens that expire within the test
process.env.JWT_TTL_SECONDS = '8';

import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createUser, type TestUser } from '../helpers/users';
import { logIn, screenshot, unexpectedProblems, useBrowserEnv } from './harness';

const env = useBrowserEnv();
let user: TestUser;

beforeAll(async () => {
  user = await createUser(env.db, { role: 'sales', locale: 'en', name: 'Shift Worker' });
}, 120_000);

/** Polls the API with the token until it answers "token expired" (the marker that time has passed). */
async function untilFirstTokenExpired(token: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await request(env.ctx.app).get('/me').set('Authorization', `Bearer ${token}`);
    if (res.status === 401 && res.body.detail === 'token expired') return;
    if (Date.now() > deadline) throw new Error(`the first access token still answers ${res.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const stored = (key: string) => `sessionStorage.getItem(${JSON.stringify(key)})`;

test('logs in, refreshes the access token before it expires, keeps working after it did, and logs out', async () => {
  const { page, problems } = await env.newPage();
  await page.goto(env.url);
  await logIn(page, user);
  const firstAccess = (await page.evaluate(stored('sales-saga.token'))) as string;
  const firstRefresh = (await page.evaluate(stored('sales-saga.refreshToken'))) as string;
  expect(firstRefresh).toEqual(expect.any(String));

  // the page refreshes by itself, before the 8 s token runs out
  const refreshed = await page.waitForResponse((r) => r.url().endsWith('/auth/refresh') && r.request().method() === 'POST', { timeout: 15_000 });
  expect(refreshed.status()).toBe(200);
  await page.waitForFunction(`${stored('sales-saga.token')} !== ${JSON.stringify(firstAccess)}`);
  const secondRefresh = (await page.evaluate(stored('sales-saga.refreshToken'))) as string;
  expect(secondRefresh).not.toBe(firstRefresh);

  // once the first access token has expired, the page still works: a reload shows the dashboard
  await untilFirstTokenExpired(firstAccess);
  await page.reload();
  await page.getByRole('heading', { name: 'Products' }).waitFor();
  await page.locator('.topbar').getByText('Shift Worker').waitFor();
  await screenshot(page, 'session-after-refresh');

  // log out: the server revokes the refresh token the page held
  const held = (await page.evaluate(stored('sales-saga.refreshToken'))) as string;
  const [logout] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/auth/logout') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Log out' }).click(),
  ]);
  expect(logout.status()).toBe(204);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  expect(await page.evaluate(stored('sales-saga.refreshToken'))).toBeNull();
  expect((await request(env.ctx.app).post('/auth/refresh').send({ refreshToken: held })).status).toBe(401);
  expect(unexpectedProblems(problems)).toEqual([]);
}, 90_000);

test('a new customer signs up on the page: the API\'s password rule is shown, then their dashboard', async () => {
  const { page, problems } = await env.newPage();
  await page.goto(env.url);
  await page.getByRole('button', { name: 'New customer? Create an account' }).click();
  const email = `page-signup-${randomUUID().slice(0, 8)}@test.example.com`;
  await page.getByLabel('Your name').fill('Paula Page');
  await page.getByLabel('Your email address').fill(email);
  await page.getByLabel('Choose a password').fill('password123');
  await page.getByLabel('Choose a password').press('Enter');
  await page.getByRole('alert').filter({ hasText: 'too common' }).waitFor();

  await page.getByLabel('Choose a password').fill('cobalt-meadow-kite-58');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Your sales' }).waitFor();
  await page.locator('.topbar').getByText('Paula Page').waitFor();
  await screenshot(page, 'signup-customer-dashboard');
  // a customer, in the browser's language (the context is en-US)
  expect(await env.db('users').where({ email }).first('role', 'locale')).toEqual({ role: 'customer', locale: 'en' });
  expect(unexpectedProblems(problems, [400])).toEqual([]);
}, 60_000);
