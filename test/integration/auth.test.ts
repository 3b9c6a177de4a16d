/** Login, tokens and roles against the real API and database. */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import request from 'supertest';
import { signToken } from '../../api/auth/tokens';
import { LOGIN_ATTEMPTS_PER_WINDOW, LOGIN_FAILURES_PER_ADDRESS, LOGIN_FREE_FAILURES_PER_EMAIL } from '../../api/auth/limits';
import { createApp } from '../../api/app';
import { getConfig } from '../../shared/config';
import { hashPassword } from '../../shared/passwords';
import { createTestContext, type TestContext } from '../helpers/context';
import { bearer, createUser, tokenFor, type TestUser } from '../helpers/users';

let ctx: TestContext;
let admin: TestUser;
let customer: TestUser;
/** every response body in this file, checked at the end for leaked secrets */
const seen: string[] = [];

function api() {
  return request(ctx.app);
}

function remember<T extends { text: string }>(res: T): T {
  seen.push(res.text);
  return res;
}

beforeAll(async () => {
  ctx = await createTestContext();
  [admin, customer] = await Promise.all([createUser(ctx.db, { role: 'admin' }), createUser(ctx.db, { role: 'customer' })]);
});

afterAll(async () => {
  await ctx.close();
});

describe('POST /auth/login', () => {
  test('valid credentials give a token, its lifetime and the user', async () => {
    const res = remember(await api().post('/auth/login').send({ email: admin.email, password: admin.password }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      expiresIn: getConfig().auth.jwtTtlSeconds,
      refreshToken: expect.any(String),
      refreshExpiresIn: getConfig().auth.refreshTtlSeconds,
      user: { id: admin.id, email: admin.email, name: admin.name, role: 'admin', locale: 'es' },
    });
    const me = remember(await api().get('/me').set(bearer(res.body.token)));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: admin.id, email: admin.email, name: admin.name, role: 'admin', locale: 'es' });
  });

  test('the email is matched case-insensitively', async () => {
    const res = remember(await api().post('/auth/login').send({ email: `  ${customer.email.toUpperCase()} `, password: customer.password }));
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(customer.id);
  });

  test('a wrong password is 401 problem+json', async () => {
    const res = remember(await api().post('/auth/login').send({ email: admin.email, password: 'not-the-password' }));
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized', detail: 'invalid email or password' });
    expect(res.body.token).toBeUndefined();
  });

  test('an unknown email gets exactly the same answer as a wrong password', async () => {
    const unknown = remember(await api().post('/auth/login').send({ email: `nobody-${randomUUID()}@example.com`, password: 'whatever' }));
    const wrong = remember(await api().post('/auth/login').send({ email: customer.email, password: 'whatever' }));
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  test('an invalid body is 400 naming the fields', async () => {
    const res = remember(await api().post('/auth/login').send({ email: 'not-an-email' }));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'password']);
  });

  test(`more than ${LOGIN_ATTEMPTS_PER_WINDOW} failed attempts a minute are refused with 429 and Retry-After`, async () => {
    const victim = await createUser(ctx.db, { role: 'sales' });
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_WINDOW; i += 1) {
      const res = remember(await api().post('/auth/login').send({ email: victim.email, password: `guess-${i}` }));
      expect(res.status).toBe(401);
    }
    const blocked = remember(await api().post('/auth/login').send({ email: victim.email, password: 'guess-again' }));
    expect(blocked.status).toBe(429);
    expect(blocked.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(blocked.body).toMatchObject({ status: 429, title: 'Too many requests' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);

    // even the right password waits: otherwise the limit would only slow guessing, not stop it
    const right = remember(await api().post('/auth/login').send({ email: victim.email, password: victim.password }));
    expect(right.status).toBe(429);
    // the limit is per email: others from the same address can still log in
    const other = remember(await api().post('/auth/login').send({ email: customer.email, password: customer.password }));
    expect(other.status).toBe(200);
  });

  test(`one address is refused after ${LOGIN_FAILURES_PER_ADDRESS} failures across many emails; other addresses are not`, async () => {
    const app = createApp(ctx.deps); // limiters of its own: other tests' failures do not count
    const from = '10.77.0.1';
    for (let i = 0; i < LOGIN_FAILURES_PER_ADDRESS; i += 1) {
      const res = await request(app).post('/auth/login').set('X-Forwarded-For', from).send({ email: `spray-${i}-${randomUUID().slice(0, 6)}@example.com`, password: 'Summer2026!' });
      expect(res.status).toBe(401);
    }
    const blocked = await request(app).post('/auth/login').set('X-Forwarded-For', from).send({ email: customer.email, password: customer.password });
    expect(blocked.status).toBe(429);
    expect(blocked.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const elsewhere = await request(app).post('/auth/login').set('X-Forwarded-For', '10.77.0.2').send({ email: customer.email, password: customer.password });
    expect(elsewhere.status).toBe(200);
  });

  test('failures for one email from many addresses slow its logins down but never lock the owner out', async () => {
    const app = createApp(ctx.deps);
    const victim = await createUser(ctx.db, { role: 'sales' });
    const timed = async (from: string, password: string) => {
      const started = Date.now();
      const res = await request(app).post('/auth/login').set('X-Forwarded-For', from).send({ email: victim.email, password });
      return { status: res.status, ms: Date.now() - started };
    };
    const quick = await timed('10.78.1.1', 'wrong-guess-0');
    for (let i = 1; i < LOGIN_FREE_FAILURES_PER_EMAIL + 3; i += 1) {
      expect((await timed(`10.78.1.${i + 1}`, `wrong-guess-${i}`)).status).toBe(401);
    }
    // the owner, from an address of their own: let in (not 429), after a delay
    const owner = await timed('10.78.2.1', victim.password);
    expect(owner.status).toBe(200);
    expect(owner.ms).toBeGreaterThanOrEqual(quick.ms + 500);
  });

  test('a hash of an older (cheaper) cost is re-hashed at the current cost on login', async () => {
    const user = await createUser(ctx.db, { role: 'customer' });
    await ctx.db('users').where({ id: user.id }).update({ password_hash: await hashPassword(user.password, { N: 1024, r: 8, p: 1 }) });
    await tokenFor(ctx.app, user.email, user.password);
    const { N, r, p } = getConfig().auth.scrypt;
    const row = (await ctx.db('users').where({ id: user.id }).first('password_hash')) as { password_hash: string };
    expect(row.password_hash.startsWith(`scrypt$${N}$${r}$${p}$`)).toBe(true);
    expect(N).not.toBe(1024);
    await tokenFor(ctx.app, user.email, user.password);
  });

  test('successful logins do not use up the limit', async () => {
    const user = await createUser(ctx.db, { role: 'customer' });
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_WINDOW + 2; i += 1) {
      await tokenFor(ctx.app, user.email, user.password);
    }
  });
});

describe('authenticate', () => {
  test('no token is 401 "missing bearer token" with a WWW-Authenticate challenge', async () => {
    const res = remember(await api().get('/me'));
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toBe('missing bearer token');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  test('a non-bearer Authorization header is "missing bearer token"', async () => {
    const res = remember(await api().get('/me').set('Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`));
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('missing bearer token');
  });

  test('a garbage token is 401 "invalid token"', async () => {
    const res = remember(await api().get('/me').set(bearer('not.a.jwt')));
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('invalid token');
  });

  test('a token signed with another secret is "invalid token"', async () => {
    const forged = await new SignJWT({ email: admin.email, name: admin.name, role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(admin.id)
      .setIssuer('sales-saga')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-that-is-long-enough-0000000000'));
    const res = remember(await api().get('/me').set(bearer(forged)));
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('invalid token');
  });

  test('an unsigned (alg none) token is "invalid token"', async () => {
    const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: admin.id, email: admin.email, name: admin.name, role: 'admin', iss: 'sales-saga', exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
    const res = remember(await api().get('/me').set(bearer(unsigned)));
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('invalid token');
  });

  test('an expired token is 401 "token expired"', async () => {
    const { token } = await signToken(admin, { issuedAt: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 3600 });
    const res = remember(await api().get('/me').set(bearer(token)));
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toBe('token expired');
  });

  test('a valid token for a deleted user is refused by /me', async () => {
    const gone = await createUser(ctx.db, { role: 'customer' });
    const token = await tokenFor(ctx.app, gone.email, gone.password);
    await ctx.db('users').where({ id: gone.id }).delete();
    const res = remember(await api().get('/me').set(bearer(token)));
    expect(res.status).toBe(401);
  });
});

describe('requireRole', () => {
  test('a customer on an admin route is 403 naming the roles', async () => {
    const token = await tokenFor(ctx.app, customer.email, customer.password);
    const res = remember(await api().post('/products').set(bearer(token)).send({ sku: `SKU-${randomUUID()}`, name: 'x', price: 100, stock: 0 }));
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 403, detail: 'requires role admin; you are customer' });
  });
});

test('no response in this file carried a password or a password hash', () => {
  expect(seen.length).toBeGreaterThan(10);
  for (const text of seen) {
    expect(text).not.toContain('password_hash');
    expect(text).not.toContain('scrypt$');
    for (const user of [admin, customer]) expect(text).not.toContain(user.password);
  }
});
