/**
 * Issue #12, accounts: customers sign up, refresh tokens rotate and are revoked, callers edit their
 * own profile and password. Real API, real database, real password hashes.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../api/app';
import { REGISTRATIONS_PER_WINDOW } from '../../api/auth/limits';
import { getConfig } from '../../shared/config';
import { createTestContext, type TestContext } from '../helpers/context';
import { bearer, createUser, type TestUser } from '../helpers/users';

let ctx: TestContext;
let addressSeq = 0;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

const api = () => request(ctx.app);
/** each call from an address of its own, so the sign-up limit is met only where a test wants it */
const freshAddress = (): string => `10.12.${Math.floor(addressSeq / 250)}.${(addressSeq++ % 250) + 1}`;
const newEmail = (): string => `signup-${randomUUID().slice(0, 8)}@test.example.com`;
const STRONG = 'violet-harbour-tram-42';

interface Session {
  token: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  user: { id: string; email: string; name: string; role: string; locale: string };
}

function register(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return api().post('/auth/register').set('X-Forwarded-For', freshAddress()).set(headers).send(body);
}

async function login(user: { email: string; password: string }): Promise<Session> {
  const res = await api().post('/auth/login').set('X-Forwarded-For', freshAddress()).send({ email: user.email, password: user.password });
  expect(res.status).toBe(200);
  return res.body as Session;
}

describe('POST /auth/register', () => {
  test('201 with a token pair and the new customer; the token works', async () => {
    const email = newEmail();
    const res = await register({ email: `  ${email.toUpperCase()} `, password: STRONG, name: 'Nora New', locale: 'en' });
    expect(res.status).toBe(201);
    const body = res.body as Session;
    expect(body).toEqual({
      token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      expiresIn: getConfig().auth.jwtTtlSeconds,
      refreshToken: expect.any(String),
      refreshExpiresIn: getConfig().auth.refreshTtlSeconds,
      user: { id: expect.any(String), email, name: 'Nora New', role: 'customer', locale: 'en' },
    });
    const me = await api().get('/me').set(bearer(body.token));
    expect(me.status).toBe(200);
    expect(me.body).toEqual(body.user);
  });

  test('the locale comes from Accept-Language when not given, else es; a given one wins', async () => {
    const fromHeader = await register({ email: newEmail(), password: STRONG, name: 'A' }, { 'Accept-Language': 'en-GB,en;q=0.9,fr;q=0.5' });
    expect(fromHeader.status).toBe(201);
    expect(fromHeader.body.user.locale).toBe('en');
    const noHeader = await register({ email: newEmail(), password: STRONG, name: 'B' });
    expect(noHeader.body.user.locale).toBe('es');
    const unsupported = await register({ email: newEmail(), password: STRONG, name: 'C' }, { 'Accept-Language': 'de-DE' });
    expect(unsupported.body.user.locale).toBe('es');
    const given = await register({ email: newEmail(), password: STRONG, name: 'D', locale: 'es' }, { 'Accept-Language': 'en' });
    expect(given.body.user.locale).toBe('es');
  });

  test.each([
    ['shorter than 10 characters', 'short-pw1', /at least 10 characters/],
    ['the email itself', 'EMAIL', /must not be your email/],
    ['a common password', 'password123', /too common/],
    ['a common password in other letter case', 'QwertyUIOP', /too common/],
  ])('a password that is %s is refused with 400 saying why', async (_what, password, why) => {
    const email = newEmail();
    const res = await register({ email, password: password === 'EMAIL' ? email : password, name: 'Weak' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([{ path: 'password', message: expect.stringMatching(why) }]);
    expect(await ctx.db('users').where({ email }).first()).toBeUndefined();
  });

  test('a duplicate email (in any letter case) is a 409 problem', async () => {
    const email = newEmail();
    expect((await register({ email, password: STRONG, name: 'First' })).status).toBe(201);
    const again = await register({ email: email.toUpperCase(), password: STRONG, name: 'Second' });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.body).toMatchObject({ status: 409, detail: expect.stringContaining('already') });
  });

  test('nobody signs up as staff: a role in the body is refused', async () => {
    const email = newEmail();
    const res = await register({ email, password: STRONG, name: 'Sneaky', role: 'admin' });
    expect(res.status).toBe(400);
    expect(await ctx.db('users').where({ email }).first()).toBeUndefined();
  });

  test(`more than ${REGISTRATIONS_PER_WINDOW} sign-ups from one address are refused with 429`, async () => {
    const app = createApp(ctx.deps); // its own limiter, so other tests' sign-ups do not count
    const from = freshAddress();
    for (let i = 0; i < REGISTRATIONS_PER_WINDOW; i += 1) {
      const res = await request(app).post('/auth/register').set('X-Forwarded-For', from).send({ email: newEmail(), password: STRONG, name: `N${i}` });
      expect(res.status).toBe(201);
    }
    const blocked = await request(app).post('/auth/register').set('X-Forwarded-For', from).send({ email: newEmail(), password: STRONG, name: 'One too many' });
    expect(blocked.status).toBe(429);
    expect(blocked.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const elsewhere = await request(app).post('/auth/register').set('X-Forwarded-For', freshAddress()).send({ email: newEmail(), password: STRONG, name: 'Other place' });
    expect(elsewhere.status).toBe(201);
  });
});

describe('refresh tokens', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser(ctx.db, { role: 'sales' });
  });

  test('refresh rotates: a new pair each time, the access token works, the old refresh token is spent', async () => {
    const first = await login(user);
    expect(first.refreshToken).toEqual(expect.any(String));
    const res = await api().post('/auth/refresh').send({ refreshToken: first.refreshToken });
    expect(res.status).toBe(200);
    const second = res.body as Session;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.user).toEqual({ id: user.id, email: user.email, name: user.name, role: 'sales', locale: 'es' });
    expect((await api().get('/me').set(bearer(second.token))).status).toBe(200);
    // the refresh tokens are stored hashed, never as given
    expect(await ctx.db('refresh_tokens').where({ token_hash: second.refreshToken }).first()).toBeUndefined();
  });

  test('a spent refresh token used again revokes the whole chain (theft detection)', async () => {
    const first = await login(user);
    const second = (await api().post('/auth/refresh').send({ refreshToken: first.refreshToken })).body as Session;
    const replay = await api().post('/auth/refresh').send({ refreshToken: first.refreshToken });
    expect(replay.status).toBe(401);
    expect(replay.headers['content-type']).toMatch(/^application\/problem\+json/);
    // the thief may hold `second`: it is revoked too
    expect((await api().post('/auth/refresh').send({ refreshToken: second.refreshToken })).status).toBe(401);
  });

  test('logout revokes the refresh token; other sessions of the user keep theirs', async () => {
    const phone = await login(user);
    const desk = await login(user);
    const out = await api().post('/auth/logout').send({ refreshToken: phone.refreshToken });
    expect(out.status).toBe(204);
    expect((await api().post('/auth/refresh').send({ refreshToken: phone.refreshToken })).status).toBe(401);
    expect((await api().post('/auth/refresh').send({ refreshToken: desk.refreshToken })).status).toBe(200);
    // logging out twice is fine
    expect((await api().post('/auth/logout').send({ refreshToken: phone.refreshToken })).status).toBe(204);
  });

  test('an unknown or malformed refresh token is 401 / 400 problem+json', async () => {
    const unknown = await api().post('/auth/refresh').send({ refreshToken: 'x'.repeat(43) });
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toMatch(/refresh token/);
    const missing = await api().post('/auth/refresh').send({});
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe('refreshToken');
  });
});

describe('the caller\'s own account', () => {
  test('PATCH /me changes name and locale, not the role', async () => {
    const user = await createUser(ctx.db, { role: 'customer' });
    const { token } = await login(user);
    const res = await api().patch('/me').set(bearer(token)).send({ name: 'Renamed', locale: 'en' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: user.id, email: user.email, name: 'Renamed', role: 'customer', locale: 'en' });
    expect((await api().get('/me').set(bearer(token))).body.name).toBe('Renamed');
    const promote = await api().patch('/me').set(bearer(token)).send({ role: 'admin' });
    expect(promote.status).toBe(400);
    expect((await api().patch('/me').set(bearer(token)).send({ locale: 'fr' })).status).toBe(400);
  });

  test('PUT /me/password: needs the current password, follows the rule, revokes every refresh token', async () => {
    const user = await createUser(ctx.db, { role: 'sales' });
    const desk = await login(user);
    const phone = await login(user);
    const wrong = await api().put('/me/password').set(bearer(desk.token)).send({ currentPassword: 'not-it-at-all', newPassword: STRONG });
    expect(wrong.status).toBe(403);
    expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
    const weak = await api().put('/me/password').set(bearer(desk.token)).send({ currentPassword: user.password, newPassword: '1234567890' });
    expect(weak.status).toBe(400);
    expect(weak.body.errors[0]).toEqual({ path: 'newPassword', message: expect.stringMatching(/too common/) });

    const res = await api().put('/me/password').set(bearer(desk.token)).send({ currentPassword: user.password, newPassword: STRONG });
    expect(res.status).toBe(200);
    const fresh = res.body as Session;
    expect(fresh.user.id).toBe(user.id);
    // every refresh token from before is dead; the new pair works
    expect((await api().post('/auth/refresh').send({ refreshToken: desk.refreshToken })).status).toBe(401);
    expect((await api().post('/auth/refresh').send({ refreshToken: phone.refreshToken })).status).toBe(401);
    expect((await api().post('/auth/refresh').send({ refreshToken: fresh.refreshToken })).status).toBe(200);
    expect((await api().post('/auth/login').send({ email: user.email, password: user.password })).status).toBe(401);
    await login({ email: user.email, password: STRONG });
  });
});

test('no response carries a password hash or a stored refresh-token hash', async () => {
  const email = newEmail();
  const res = await register({ email, password: STRONG, name: 'Leak check' });
  const row = (await ctx.db('users').where({ email }).first()) as { password_hash: string };
  expect(res.text).not.toContain(row.password_hash);
  expect(res.text).not.toContain('password_hash');
  expect(res.text).not.toContain(STRONG);
});
