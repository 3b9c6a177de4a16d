/**
 * Follows, the inbox and the SSE stream over a real HTTP socket, against the real database. Rows
 * are written here the way the notify consumers write them (insert + pg_notify in one transaction);
 * the consumer side itself is covered by consumers.test.ts, which also goes all the way to SSE.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createTestContext, type TestContext } from '../helpers/context';
import { eventually, insertProduct } from '../helpers/events';
import { json, listen, openSse, type SseClient } from '../helpers/sse';
import { bearer, createUser, tokenFor, type TestUser } from '../helpers/users';

const hubName = `test-hub-${randomUUID().slice(0, 8)}`;
let ctx: TestContext;
let server: { url: string; close(): Promise<void> };
const streams: SseClient[] = [];

interface Person {
  user: TestUser;
  token: string;
}

async function person(role: 'admin' | 'sales' | 'customer' = 'customer'): Promise<Person> {
  const user = await createUser(ctx.db, { role });
  return { user, token: await tokenFor(ctx.app, user.email, user.password) };
}

/** What the notify consumers do: the inbox row and its signal, committed together. */
async function notify(db: Knex, recipientId: string, status = 'out_of_stock', options: { rollback?: boolean } = {}): Promise<number> {
  const trx = await db.transaction();
  const [row] = (await trx('notifications')
    .insert({
      recipient_id: recipientId,
      audience: 'customers',
      kind: 'inventory',
      product_id: 'p-1',
      status,
      title: `P is ${status}`,
      body: 'body',
      event_id: `test:${randomUUID()}`,
    })
    .returning('id')) as { id: string }[];
  const id = Number(row!.id);
  await trx.raw(`SELECT pg_notify('notifications', ?)`, [JSON.stringify({ id, recipient_id: recipientId })]);
  if (options.rollback) await trx.rollback();
  else await trx.commit();
  return id;
}

async function stream(token: string | undefined, headers: Record<string, string> = {}, query = ''): Promise<SseClient> {
  const s = await openSse(`${server.url}/notifications/stream${query}`, token ? { ...bearer(token), ...headers } : headers);
  streams.push(s);
  return s;
}

beforeAll(async () => {
  ctx = await createTestContext({ hub: { keepAliveMs: 250, applicationName: hubName, reconnectDelayMs: { initial: 100, max: 1_000 } } });
  server = await listen(ctx.app);
});

afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});

afterAll(async () => {
  await server.close();
  await ctx.close();
});

describe('follows', () => {
  test('follow (201, then 200), list, unfollow (204, idempotent); unknown product 404; anonymous 401', async () => {
    const { token } = await person();
    const p = await insertProduct(ctx.db, { name: 'Followed chair' });

    const first = await request(ctx.app).post(`/products/${p}/follow`).set(bearer(token));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: p, name: 'Followed chair', status: 'in_stock', available: 10, followedAt: expect.any(String) });
    const again = await request(ctx.app).post(`/products/${p}/follow`).set(bearer(token));
    expect(again.status).toBe(200);
    expect(again.body.followedAt).toBe(first.body.followedAt);

    const list = await request(ctx.app).get('/me/follows').set(bearer(token));
    expect(list.status).toBe(200);
    expect(list.body).toEqual([first.body]);

    expect((await request(ctx.app).delete(`/products/${p}/follow`).set(bearer(token))).status).toBe(204);
    expect((await request(ctx.app).delete(`/products/${p}/follow`).set(bearer(token))).status).toBe(204);
    expect((await request(ctx.app).get('/me/follows').set(bearer(token))).body).toEqual([]);

    const unknown = await request(ctx.app).post(`/products/nope-${randomUUID()}/follow`).set(bearer(token));
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await request(ctx.app).post(`/products/${p}/follow`)).status).toBe(401);
    expect((await request(ctx.app).get('/me/follows')).status).toBe(401);
  });

  test('follows are per user', async () => {
    const a = await person();
    const b = await person('sales');
    const p = await insertProduct(ctx.db);
    await request(ctx.app).post(`/products/${p}/follow`).set(bearer(a.token)).expect(201);
    expect((await request(ctx.app).get('/me/follows').set(bearer(b.token))).body).toEqual([]);
    await request(ctx.app).post(`/products/${p}/follow`).set(bearer(b.token)).expect(201); // staff may follow too
  });
});

describe('the inbox', () => {
  test('paginated, unread first then newest; unread filter; counts; only the caller’s', async () => {
    const me = await person();
    const other = await person();
    const ids: number[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await notify(ctx.db, me.user.id));
    await notify(ctx.db, other.user.id);
    const [n1, n2, n3, n4, n5] = ids as [number, number, number, number, number];

    const read = await request(ctx.app).post(`/notifications/${n2}/read`).set(bearer(me.token));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: n2, readAt: expect.any(String), kind: 'inventory', status: 'out_of_stock', productId: 'p-1' });
    const readAgain = await request(ctx.app).post(`/notifications/${n2}/read`).set(bearer(me.token));
    expect(readAgain.body.readAt).toBe(read.body.readAt); // the first read time is kept
    await request(ctx.app).post(`/notifications/${n4}/read`).set(bearer(me.token)).expect(200);

    const page = async (query: string) => {
      const res = await request(ctx.app).get(`/notifications${query}`).set(bearer(me.token));
      expect(res.status).toBe(200);
      return { ...res.body, data: (res.body.data as { id: number }[]).map((n) => n.id) } as { data: number[]; page: number; limit: number; total: number; unread: number };
    };
    expect(await page('?limit=2')).toEqual({ data: [n5, n3], page: 1, limit: 2, total: 5, unread: 3 });
    expect(await page('?limit=2&page=2')).toEqual({ data: [n1, n4], page: 2, limit: 2, total: 5, unread: 3 });
    expect(await page('?limit=2&page=3')).toEqual({ data: [n2], page: 3, limit: 2, total: 5, unread: 3 });
    expect(await page('?unread=true')).toEqual({ data: [n5, n3, n1], page: 1, limit: 20, total: 3, unread: 3 });
    expect(await page('?unread=false')).toEqual({ data: [n4, n2], page: 1, limit: 20, total: 2, unread: 3 });

    // someone else's notification is not yours to read
    expect((await request(ctx.app).post(`/notifications/${n1}/read`).set(bearer(other.token))).status).toBe(404);
    const theirs = await request(ctx.app).get('/notifications').set(bearer(other.token));
    expect(theirs.body.total).toBe(1);
  });

  test('bad queries are 400, anonymous is 401', async () => {
    const me = await person();
    for (const q of ['?limit=0', '?limit=101', '?page=0', '?unread=yes', '?colour=red']) {
      expect((await request(ctx.app).get(`/notifications${q}`).set(bearer(me.token))).status).toBe(400);
    }
    expect((await request(ctx.app).post('/notifications/abc/read').set(bearer(me.token))).status).toBe(400);
    expect((await request(ctx.app).get('/notifications')).status).toBe(401);
  });
});

describe('GET /notifications/stream', () => {
  test('authenticated by bearer header or a stream ticket (?ticket=); otherwise 401', async () => {
    const me = await person();
    const anonymous = await stream(undefined);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await stream(undefined, {}, '?access_token=not-a-token')).status).toBe(401);
    expect((await stream('not-a-token')).status).toBe(401);

    const ticket = await request(ctx.app).post('/stream-tickets').set(bearer(me.token)).expect(201);
    const viaQuery = await stream(undefined, {}, `?ticket=${(ticket.body as { ticket: string }).ticket}`);
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const id = await notify(ctx.db, me.user.id, 'in_stock');
    const got = await viaQuery.waitFor((e) => e.id === String(id), 2_000);
    expect(got.event).toBe('notification');
    expect(json(got)).toMatchObject({ id, status: 'in_stock', kind: 'inventory', readAt: null });
  });

  test('a stream carries only its caller’s notifications, live, each once', async () => {
    const me = await person();
    const other = await person();
    const mine = await stream(me.token);
    const theirs = await stream(other.token);
    expect(mine.status).toBe(200);

    const forOther = await notify(ctx.db, other.user.id);
    const first = await notify(ctx.db, me.user.id, 'low_stock');
    const second = await notify(ctx.db, me.user.id, 'out_of_stock');
    await mine.waitFor((e) => e.id === String(second), 2_000);
    await theirs.waitFor((e) => e.id === String(forOther), 2_000);
    // markers signalled after everything above: a repeat, or a notification on the wrong stream, comes before them
    const [mineMarker, theirMarker] = [await notify(ctx.db, me.user.id), await notify(ctx.db, other.user.id)];
    await mine.waitFor((e) => e.id === String(mineMarker), 2_000);
    await theirs.waitFor((e) => e.id === String(theirMarker), 2_000);
    expect(mine.events.map((e) => e.id)).toEqual([String(first), String(second), String(mineMarker)]);
    expect(theirs.events.map((e) => e.id)).toEqual([String(forOther), String(theirMarker)]);
  });

  test('Last-Event-ID replays what came after it, in order, then continues live', async () => {
    const me = await person();
    const n1 = await notify(ctx.db, me.user.id, 'in_stock');
    const n2 = await notify(ctx.db, me.user.id, 'low_stock');
    const n3 = await notify(ctx.db, me.user.id, 'out_of_stock');

    const resumed = await stream(me.token, { 'Last-Event-ID': String(n1) });
    await resumed.waitFor((e) => e.id === String(n3), 2_000);
    const n4 = await notify(ctx.db, me.user.id, 'in_stock');
    await resumed.waitFor((e) => e.id === String(n4), 2_000);
    const marker = await notify(ctx.db, me.user.id, 'low_stock'); // a repeat of anything above arrives before it
    await resumed.waitFor((e) => e.id === String(marker), 2_000);
    expect(resumed.events.map((e) => [e.event, e.id, json(e).status])).toEqual([
      ['notification', String(n2), 'low_stock'],
      ['notification', String(n3), 'out_of_stock'],
      ['notification', String(n4), 'in_stock'],
      ['notification', String(marker), 'low_stock'],
    ]);

    // the same through the query parameter; a fresh connection without it replays nothing
    const viaQuery = await stream(me.token, {}, `?lastEventId=${n3}`);
    await viaQuery.waitFor((e) => e.id === String(marker), 2_000);
    expect(viaQuery.events.map((e) => e.id)).toEqual([String(n4), String(marker)]);
    const fresh = await stream(me.token);
    // the session is registered before it reads its starting point: a live one sent now reaches it, after any replay
    const live = await notify(ctx.db, me.user.id, 'in_stock');
    await fresh.waitFor((e) => e.id === String(live), 2_000);
    expect(fresh.events.map((e) => e.id)).toEqual([String(live)]);

    expect((await stream(me.token, { 'Last-Event-ID': 'abc' })).status).toBe(400);
  });

  test('a notification whose transaction rolls back is never pushed', async () => {
    const me = await person();
    const s = await stream(me.token);
    const rolledBack = await notify(ctx.db, me.user.id, 'in_stock', { rollback: true });
    const committed = await notify(ctx.db, me.user.id, 'out_of_stock');
    // `committed` is signalled after the rolled-back one would have been: waiting for it is waiting long enough
    await s.waitFor((e) => e.id === String(committed), 2_000);
    expect(s.events.map((e) => e.id)).toEqual([String(committed)]);
    expect(rolledBack).not.toBe(committed);
  });

  test('keep-alive comments flow while idle', async () => {
    const me = await person();
    const s = await stream(me.token);
    // keepAliveMs is 250 in this file (15 s by default): three comments, however slowly they come
    await eventually(async () => s.comments >= 3, 10_000, 'three keep-alive comments');
    expect(s.events).toEqual([]); // keep-alives are comments, never events
    const marker = await notify(ctx.db, me.user.id);
    await s.waitFor((e) => e.id === String(marker), 2_000);
    expect(s.events.map((e) => e.id)).toEqual([String(marker)]);
  });

  test('when the LISTEN connection drops, the hub reconnects and catches up what it missed', async () => {
    const me = await person();
    const s = await stream(me.token);
    const before = await notify(ctx.db, me.user.id, 'in_stock');
    await s.waitFor((e) => e.id === String(before), 2_000);

    const killed = await ctx.db.raw(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ?`, [hubName]);
    expect(killed.rows).toHaveLength(1);
    await eventually(async () => !ctx.deps.notificationHub!.listening(), 2_000, 'the hub noticed');
    const duringOutage = await notify(ctx.db, me.user.id, 'out_of_stock'); // its NOTIFY reaches no one
    await s.waitFor((e) => e.id === String(duringOutage), 5_000);
    await eventually(async () => ctx.deps.notificationHub!.listening(), 5_000, 'listening again');
    const after = await notify(ctx.db, me.user.id, 'low_stock');
    await s.waitFor((e) => e.id === String(after), 2_000);
    expect(s.events.map((e) => e.id)).toEqual([before, duringOutage, after].map(String));
  });

  test('a disconnected client is forgotten', async () => {
    const me = await person();
    const hub = ctx.deps.notificationHub!;
    const base = hub.sessionCount();
    const s = await stream(me.token);
    await eventually(async () => hub.sessionCount() === base + 1, 2_000, 'registered');
    s.close();
    await eventually(async () => hub.sessionCount() === base, 2_000, 'forgotten');
  });

  test('503 when the server runs without a notification hub', async () => {
    const me = await person();
    const bare = await listen(createApp({ ...ctx.deps, notificationHub: undefined }));
    try {
      const s = await openSse(`${bare.url}/notifications/stream`, bearer(me.token));
      expect(s.status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});
