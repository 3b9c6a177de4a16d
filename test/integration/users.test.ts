/**
 * Issue #12, accounts: admins manage staff and admins (/users); a disabled or deleted user's
 * tokens stop working at once; deleting keeps the sales history.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { isActiveUser } from '../../api/auth/active-user';
import { createTestContext, type TestContext } from '../helpers/context';
import { bearer, createUser, tokenFor, type TestUser } from '../helpers/users';

let ctx: TestContext;
let admin: TestUser;
let adminToken: string;
let salesToken: string;
let customerToken: string;

const api = () => request(ctx.app);
const newEmail = (): string => `staff-${randomUUID().slice(0, 8)}@test.example.com`;
const STRONG = 'amber-lantern-quay-77';

beforeAll(async () => {
  ctx = await createTestContext();
  const [a, s, c] = await Promise.all([createUser(ctx.db, { role: 'admin' }), createUser(ctx.db, { role: 'sales' }), createUser(ctx.db, { role: 'customer' })]);
  admin = a;
  [adminToken, salesToken, customerToken] = await Promise.all([tokenFor(ctx.app, a.email, a.password), tokenFor(ctx.app, s!.email, s!.password), tokenFor(ctx.app, c!.email, c!.password)]);
});

afterAll(async () => {
  await ctx.close();
});

async function createStaff(role: 'sales' | 'admin' = 'sales'): Promise<{ id: string; email: string; password: string; token: string; refreshToken: string }> {
  const email = newEmail();
  const res = await api().post('/users').set(bearer(adminToken)).send({ email, name: 'Staff Member', role, password: STRONG });
  expect(res.status).toBe(201);
  const login = await api().post('/auth/login').send({ email, password: STRONG });
  expect(login.status).toBe(200);
  return { id: res.body.id as string, email, password: STRONG, token: login.body.token as string, refreshToken: login.body.refreshToken as string };
}

describe('POST /users', () => {
  test('an admin creates a sales user who can log in; 201 with the record, no hash', async () => {
    const email = newEmail();
    const res = await api().post('/users').set(bearer(adminToken)).send({ email: email.toUpperCase(), name: 'Sara Sales', role: 'sales', password: STRONG });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), email, name: 'Sara Sales', role: 'sales', locale: 'es', disabled: false, createdAt: expect.any(String) });
    expect(res.text).not.toContain('scrypt$');
    const login = await api().post('/auth/login').send({ email, password: STRONG });
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe('sales');
  });

  test('the password rule, a duplicate email and an unknown role are refused', async () => {
    const weak = await api().post('/users').set(bearer(adminToken)).send({ email: newEmail(), name: 'W', role: 'sales', password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.errors).toEqual([{ path: 'password', message: expect.stringMatching(/at least 10/) }]);
    const dup = await api().post('/users').set(bearer(adminToken)).send({ email: admin.email, name: 'D', role: 'sales', password: STRONG });
    expect(dup.status).toBe(409);
    const role = await api().post('/users').set(bearer(adminToken)).send({ email: newEmail(), name: 'R', role: 'owner', password: STRONG });
    expect(role.status).toBe(400);
  });

  test('only admins manage users: sales and customers get 403', async () => {
    for (const token of [salesToken, customerToken]) {
      const res = await api().post('/users').set(bearer(token)).send({ email: newEmail(), name: 'X', role: 'admin', password: STRONG });
      expect(res.status).toBe(403);
      expect((await api().get('/users').set(bearer(token))).status).toBe(403);
    }
  });
});

describe('GET /users', () => {
  test('lists users by role, paged, without deleted ones', async () => {
    const staff = await createStaff();
    const gone = await createStaff();
    expect((await api().delete(`/users/${gone.id}`).set(bearer(adminToken))).status).toBe(204);
    const res = await api().get('/users?role=sales&limit=100&page=1').set(bearer(adminToken));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, limit: 100, total: expect.any(Number) });
    const ids = (res.body.data as { id: string; role: string }[]).map((u) => u.id);
    expect((res.body.data as { role: string }[]).every((u) => u.role === 'sales')).toBe(true);
    const all = await api().get('/users?role=sales&limit=100&page=1&email=' + encodeURIComponent(staff.email)).set(bearer(adminToken));
    expect(all.body.data).toEqual([expect.objectContaining({ id: staff.id, email: staff.email, disabled: false })]);
    expect(ids).not.toContain(gone.id);
    expect((await api().get('/users?limit=0').set(bearer(adminToken))).status).toBe(400);
  });
});

describe('PATCH /users/:id', () => {
  test('disabling stops the user\'s tokens at once (access and refresh) and their logins; enabling restores', async () => {
    const staff = await createStaff();
    expect((await api().get('/products').set(bearer(staff.token))).status).toBe(200);
    // a stream ticket issued before the disable must not open a stream after it
    const ticket = await api().post('/stream-tickets').set(bearer(staff.token));
    expect(ticket.status).toBe(201);
    const res = await api().patch(`/users/${staff.id}`).set(bearer(adminToken)).send({ disabled: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: staff.id, disabled: true });

    const me = await api().get('/me').set(bearer(staff.token));
    expect(me.status).toBe(401);
    expect(me.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(me.body.detail).toMatch(/disabled|no longer/);
    expect((await api().get('/products').set(bearer(staff.token))).status).toBe(401);
    expect((await api().get('/notifications/stream').set(bearer(staff.token))).status).toBe(401);
    expect((await api().get(`/notifications/stream?ticket=${encodeURIComponent(ticket.body.ticket as string)}`)).status).toBe(401);
    expect((await api().post('/auth/refresh').send({ refreshToken: staff.refreshToken })).status).toBe(401);
    expect((await api().post('/auth/login').send({ email: staff.email, password: staff.password })).status).toBe(401);

    expect((await api().patch(`/users/${staff.id}`).set(bearer(adminToken)).send({ disabled: false })).status).toBe(200);
    expect((await api().post('/auth/login').send({ email: staff.email, password: staff.password })).status).toBe(200);
  });

  test('a role change applies to tokens already issued', async () => {
    const staff = await createStaff('sales');
    expect((await api().get('/sales/summary').set(bearer(staff.token))).status).toBe(200);
    const res = await api().patch(`/users/${staff.id}`).set(bearer(adminToken)).send({ role: 'customer' });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('customer');
    const after = await api().get('/sales/summary').set(bearer(staff.token));
    expect(after.status).toBe(403);
    expect((await api().get('/me').set(bearer(staff.token))).body.role).toBe('customer');
  });

  test('an admin cannot disable, demote or delete themselves (no lock-out by accident)', async () => {
    for (const body of [{ disabled: true }, { role: 'sales' }]) {
      const res = await api().patch(`/users/${admin.id}`).set(bearer(adminToken)).send(body);
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await api().delete(`/users/${admin.id}`).set(bearer(adminToken))).status).toBe(409);
    expect((await api().get('/me').set(bearer(adminToken))).status).toBe(200);
  });

  test('unknown ids are 404, malformed ids and empty bodies 400', async () => {
    expect((await api().patch(`/users/${randomUUID()}`).set(bearer(adminToken)).send({ disabled: true })).status).toBe(404);
    expect((await api().patch('/users/not-a-uuid').set(bearer(adminToken)).send({ disabled: true })).status).toBe(400);
    const staff = await createStaff();
    expect((await api().patch(`/users/${staff.id}`).set(bearer(adminToken)).send({})).status).toBe(400);
    expect((await api().delete(`/users/${randomUUID()}`).set(bearer(adminToken))).status).toBe(404);
  });
});

describe('DELETE /users/:id', () => {
  test('the user\'s tokens stop at once, the sales they made or bought stay, the email is free again', async () => {
    const staff = await createStaff();
    const saleId = randomUUID();
    await ctx.db('sales').insert({
      id: saleId, status: 'CANCELLED', customer_name: 'Someone', customer_email: 'someone@test.example.com', created_by: staff.id,
      subtotal: 100, total: 100, request_hash: 'x', expires_at: new Date(),
    });

    const res = await api().delete(`/users/${staff.id}`).set(bearer(adminToken));
    expect(res.status).toBe(204);
    expect((await api().get('/me').set(bearer(staff.token))).status).toBe(401);
    expect((await api().post('/auth/refresh').send({ refreshToken: staff.refreshToken })).status).toBe(401);
    expect((await api().post('/auth/login').send({ email: staff.email, password: staff.password })).status).toBe(401);
    expect((await api().delete(`/users/${staff.id}`).set(bearer(adminToken))).status).toBe(404);

    // soft delete: the sale still names who made it
    expect(await ctx.db('sales').where({ id: saleId }).first('created_by')).toEqual({ created_by: staff.id });
    const again = await api().post('/users').set(bearer(adminToken)).send({ email: staff.email, name: 'Rehired', role: 'sales', password: STRONG });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(staff.id);
  });
});

describe('isActiveUser', () => {
  test('true for an active user; false for a disabled, a deleted or an unknown one', async () => {
    const active = await createStaff();
    const disabled = await createStaff();
    const deleted = await createStaff();
    await api().patch(`/users/${disabled.id}`).set(bearer(adminToken)).send({ disabled: true });
    await api().delete(`/users/${deleted.id}`).set(bearer(adminToken));
    expect(await isActiveUser(ctx.db, active.id)).toBe(true);
    expect(await isActiveUser(ctx.db, disabled.id)).toBe(false);
    expect(await isActiveUser(ctx.db, deleted.id)).toBe(false);
    expect(await isActiveUser(ctx.db, randomUUID())).toBe(false);
    expect(await isActiveUser(ctx.db, 'not-a-uuid')).toBe(false);
  });
});

test('the account routes are in the OpenAPI document, with their schemas', async () => {
  const doc = (await api().get('/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>> };
  expect(Object.keys(doc.paths['/users'] ?? {}).sort()).toEqual(['get', 'post']);
  expect(Object.keys(doc.paths['/users/{id}'] ?? {}).sort()).toEqual(['delete', 'patch']);
  expect(Object.keys(doc.paths['/me'] ?? {}).sort()).toEqual(['get', 'patch']);
  expect(doc.paths['/me/password']?.put?.security).toEqual([{ bearerAuth: [] }]);
  for (const path of ['/auth/register', '/auth/refresh', '/auth/logout']) expect(doc.paths[path]?.post?.security).toBeUndefined();
  expect(doc.paths['/auth/register']?.post?.requestBody?.content['application/json']?.schema.$ref).toBe('#/components/schemas/RegisterRequest');
  expect(doc.paths['/users']?.post?.requestBody?.content['application/json']?.schema.$ref).toBe('#/components/schemas/CreateUserRequest');
});
