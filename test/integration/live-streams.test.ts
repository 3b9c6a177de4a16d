/**
 * The live streams at their edges (issue #11, point 6), over real sockets against the real
 * database: catching up after the LISTEN connection comes back, streams that end with their token
 * or their user, one-use stream tickets, caps, slow clients, and no token in echoed or logged URLs.
 */
import { createHash, randomUUID } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Session } from 'better-sse';
import type { Knex } from 'knex';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createNotificationHub } from '../../api/notifications/hub';
import { signToken } from '../../api/auth/tokens';
import type { AuthUser } from '../../api/auth/types';
import { closeProductStream } from '../../api/routes/product-stream';
import { createLiveStreams, type LiveStreams } from '../../api/streams/live-streams';
import { createTestContext, type TestContext } from '../helpers/context';
import { eventually, sleep } from '../helpers/events';
import { json, listen, openSse, type SseClient } from '../helpers/sse';
import { bearer } from '../helpers/users';

const hubName = `test-live-${randomUUID().slice(0, 8)}`;
let ctx: TestContext;
let server: { url: string; close(): Promise<void> };
const streams: SseClient[] = [];

/** A user row and a real token (no password hashing: these users never log in). */
async function user(role: AuthUser['role'] = 'customer'): Promise<{ user: AuthUser; token: string }> {
  const tag = randomUUID().slice(0, 8);
  const [row] = (await ctx.db('users')
    .insert({ email: `live-${tag}@test.example.com`, name: `Live ${tag}`, role, password_hash: 'not-a-hash' })
    .returning(['id', 'email', 'name', 'role'])) as AuthUser[];
  return { user: row!, token: (await signToken(row!)).token };
}

/** What the notify consumers do, for several recipients in one transaction: rows, then one signal each. */
async function notifyAll(db: Knex, recipientIds: string[], body = 'body'): Promise<number[]> {
  return db.transaction(async (trx) => {
    const rows = (await trx('notifications')
      .insert(recipientIds.map((id) => ({ recipient_id: id, audience: 'customers', kind: 'inventory', product_id: 'p-1', status: 'in_stock', title: 'P is in stock', body, event_id: `test:${randomUUID()}` })))
      .returning(['id', 'recipient_id'])) as { id: string; recipient_id: string }[];
    const payloads = rows.map((r) => JSON.stringify({ id: Number(r.id), recipient_id: r.recipient_id }));
    await trx.raw(`SELECT pg_notify('notifications', p) FROM json_array_elements_text(CAST(? AS json)) AS p`, [JSON.stringify(payloads)]);
    return rows.map((r) => Number(r.id));
  });
}

async function track(s: Promise<SseClient>): Promise<SseClient> {
  const c = await s;
  streams.push(c);
  return c;
}

beforeAll(async () => {
  ctx = await createTestContext({ hub: { applicationName: hubName, reconnectDelayMs: { initial: 200, max: 1_000 } } });
  server = await listen(ctx.app);
});

afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});

afterAll(async () => {
  await server.close();
  await closeProductStream();
  await ctx.close();
});

async function ticketFor(token: string, app = ctx.app): Promise<string> {
  const res = await request(app).post('/stream-tickets').set(bearer(token));
  expect(res.status).toBe(201);
  return (res.body as { ticket: string }).ticket;
}

/** The app again, with live-stream limits of the test's choosing, on its own port. */
async function limitedServer(limits: Parameters<typeof createLiveStreams>[1]): Promise<{ url: string; streams: LiveStreams; close(): Promise<void> }> {
  const streams = createLiveStreams(ctx.db, limits);
  const s = await listen(createApp({ ...ctx.deps, liveStreams: streams }));
  return {
    url: s.url,
    streams,
    close: async () => {
      streams.close();
      await s.close();
    },
  };
}

describe('catch-up after the LISTEN connection comes back', () => {
  test('every connected session receives each notification exactly once, in order, though live ones arrive during the catch-up', async () => {
    const people = await Promise.all(Array.from({ length: 24 }, () => user()));
    const ids = people.map((p) => p.user.id);
    const clients = await Promise.all(people.map((p) => track(openSse(`${server.url}/notifications/stream`, bearer(p.token)))));
    expect(clients.map((c) => c.status)).toEqual(people.map(() => 200));
    const hub = ctx.deps.notificationHub!;
    const [first] = await notifyAll(ctx.db, ids);
    await clients[0]!.waitFor((e) => e.id === String(first));

    // notifications keep coming, for everyone, before, during and after the outage
    let writing = true;
    const writer = (async () => {
      while (writing) await notifyAll(ctx.db, ids);
    })();
    try {
      await sleep(100);
      const killed = await ctx.db.raw('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ?', [hubName]);
      expect(killed.rows).toHaveLength(1);
      await eventually(async () => !hub.listening(), 5_000, 'the hub noticed the outage');
      await eventually(async () => hub.listening(), 10_000, 'listening again');
      await sleep(500);
    } finally {
      writing = false;
      await writer;
    }
    const markers = await notifyAll(ctx.db, ids);
    await Promise.all(clients.map((c, i) => c.waitFor((e) => e.id === String(markers[i]), 10_000)));

    for (const [i, p] of people.entries()) {
      const stored = (await ctx.db('notifications').where('recipient_id', p.user.id).orderBy('id').pluck('id')) as string[];
      expect(clients[i]!.events.map((e) => e.id)).toEqual(stored.map(String));
    }
  });
});

describe('stream tickets', () => {
  test('POST /stream-tickets gives a one-use ticket that opens either stream; a used, expired or unknown one is 401', async () => {
    const me = await user();
    expect((await request(ctx.app).post('/stream-tickets')).status).toBe(401);
    const issued = await request(ctx.app).post('/stream-tickets').set(bearer(me.token));
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({ ticket: expect.stringMatching(/^[\w-]{40,}$/), expiresIn: 60 });
    expect(issued.headers['cache-control']).toBe('no-store');
    const ticket = (issued.body as { ticket: string }).ticket;

    const s = await track(openSse(`${server.url}/notifications/stream?ticket=${ticket}`));
    expect(s.status).toBe(200);
    const [id] = await notifyAll(ctx.db, [me.user.id]);
    await s.waitFor((e) => e.id === String(id));

    const again = await track(openSse(`${server.url}/notifications/stream?ticket=${ticket}`));
    expect(again.status).toBe(401);
    expect(JSON.parse(again.errorBody!)).toMatchObject({ status: 401, detail: expect.stringContaining('ticket') });
    expect((await track(openSse(`${server.url}/products/stream?ticket=not-a-ticket`))).status).toBe(401);

    const expired = await ticketFor(me.token);
    await ctx.db('stream_tickets')
      .where('ticket_hash', createHash('sha256').update(expired).digest('hex'))
      .update({ expires_at: ctx.db.raw("now() - interval '1 second'") });
    expect((await track(openSse(`${server.url}/products/stream?ticket=${expired}`))).status).toBe(401);

    const products = await track(openSse(`${server.url}/products/stream?ticket=${await ticketFor(me.token)}`));
    expect(products.status).toBe(200);
    expect(products.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });

  test('a bearer token in the URL is refused, and no problem echoes a token or a ticket in `instance`', async () => {
    const me = await user();
    const viaQuery = await track(openSse(`${server.url}/notifications/stream?lastEventId=1&access_token=${encodeURIComponent(me.token)}`));
    expect(viaQuery.status).toBe(401);
    expect(viaQuery.errorBody).not.toContain(me.token);
    expect(JSON.parse(viaQuery.errorBody!)).toMatchObject({
      instance: '/notifications/stream?lastEventId=1&access_token=[redacted]',
      detail: expect.stringContaining('POST /stream-tickets'),
    });

    const ticket = await ticketFor(me.token);
    // refused for another reason after the ticket was used: the ticket is not echoed either
    const bad = await track(openSse(`${server.url}/notifications/stream?ticket=${ticket}`, { 'Last-Event-ID': 'abc' }));
    expect(bad.status).toBe(400);
    expect(bad.errorBody).not.toContain(ticket);
    expect(JSON.parse(bad.errorBody!)).toMatchObject({ instance: '/notifications/stream?ticket=[redacted]' });
  });
});

test('the OpenAPI document describes the ticket and no longer offers ?access_token=', async () => {
  const doc = (await request(ctx.app).get('/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[]; parameters?: { name: string }[]; responses: Record<string, unknown> }>> };
  expect(doc.paths['/stream-tickets']?.post?.responses['201']).toBeDefined();
  for (const path of ['/notifications/stream', '/products/stream']) {
    const get = doc.paths[path]!.get!;
    expect(get.security).toEqual([{ bearerAuth: [] }, { streamTicket: [] }]);
    expect(get.parameters?.map((p) => p.name)).toContain('ticket');
    expect(get.parameters?.map((p) => p.name)).not.toContain('access_token');
    expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['401', '429']));
  }
});

describe('a stream ends with its credentials', () => {
  test('when the token expires, both streams send `end` and close; the same holds for a ticket issued with that token', async () => {
    const me = await user();
    const shortLived = (await signToken(me.user, { ttlSeconds: 2 })).token;
    const notifications = await track(openSse(`${server.url}/notifications/stream`, bearer(shortLived)));
    const products = await track(openSse(`${server.url}/products/stream?ticket=${await ticketFor(shortLived)}`));
    expect([notifications.status, products.status]).toEqual([200, 200]);
    const [before] = await notifyAll(ctx.db, [me.user.id]);
    await notifications.waitFor((e) => e.id === String(before));

    for (const s of [notifications, products]) {
      const end = await s.waitFor((e) => e.event === 'end', 6_000);
      expect(json(end)).toEqual({ reason: 'token_expired' });
    }
    // the end kept the resume point: EventSource's Last-Event-ID stays the last notification
    expect((await notifications.waitFor((e) => e.event === 'end')).id).toBe(String(before));
    const hub = ctx.deps.notificationHub!;
    await eventually(async () => hub.sessionCount() === 0, 2_000, "the session is gone");
    // and the expired token cannot open a new one
    expect((await track(openSse(`${server.url}/notifications/stream`, bearer(shortLived)))).status).toBe(401);
  });

  test('when the user is removed, their streams end at the next re-check; a still-valid token cannot open one', async () => {
    const limited = await limitedServer({ userRecheckMs: 200 });
    try {
      const me = await user();
      const other = await user();
      const mine = await track(openSse(`${limited.url}/notifications/stream`, bearer(me.token)));
      const theirs = await track(openSse(`${limited.url}/products/stream`, bearer(other.token)));
      const myProducts = await track(openSse(`${limited.url}/products/stream?ticket=${await ticketFor(me.token)}`));
      expect([mine.status, theirs.status, myProducts.status]).toEqual([200, 200, 200]);
      await eventually(async () => limited.streams.count() === 3, 2_000, 'three streams open');

      await ctx.db('users').where({ id: me.user.id }).delete();
      for (const s of [mine, myProducts]) expect(json(await s.waitFor((e) => e.event === 'end', 3_000))).toEqual({ reason: 'user_inactive' });
      await eventually(async () => limited.streams.count() === 1, 2_000, 'only the other user streams');
      expect(theirs.events.filter((e) => e.event === 'end')).toEqual([]);

      const refused = await track(openSse(`${limited.url}/notifications/stream`, bearer(me.token)));
      expect(refused.status).toBe(401);
    } finally {
      await limited.close();
    }
  });
});

describe('caps', () => {
  test('streams per user and per process are capped (429 with Retry-After); a closed stream frees its place', async () => {
    const limited = await limitedServer({ maxPerUser: 2, maxPerProcess: 3 });
    try {
      const [a, b, c] = await Promise.all([user(), user(), user()]);
      const a1 = await track(openSse(`${limited.url}/notifications/stream`, bearer(a.token)));
      const a2 = await track(openSse(`${limited.url}/products/stream?ticket=${await ticketFor(a.token)}`));
      expect([a1.status, a2.status]).toEqual([200, 200]);

      const a3 = await track(openSse(`${limited.url}/products/stream`, bearer(a.token)));
      expect(a3.status).toBe(429);
      expect(a3.headers.get('retry-after')).toBe('10');
      expect(a3.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(a3.errorBody!)).toMatchObject({ status: 429, detail: expect.stringContaining('at most 2 live streams per user') });

      const b1 = await track(openSse(`${limited.url}/notifications/stream`, bearer(b.token)));
      expect(b1.status).toBe(200);
      const c1 = await track(openSse(`${limited.url}/notifications/stream`, bearer(c.token)));
      expect(c1.status).toBe(429);
      expect(c1.headers.get('retry-after')).toBe('10');
      expect(JSON.parse(c1.errorBody!)).toMatchObject({ detail: expect.stringContaining('maximum of 3 live streams') });

      a1.close();
      await eventually(async () => limited.streams.count() === 2, 2_000, 'the closed stream is forgotten');
      const c2 = await track(openSse(`${limited.url}/notifications/stream`, bearer(c.token)));
      expect(c2.status).toBe(200);
      const a4 = await track(openSse(`${limited.url}/notifications/stream`, bearer(a.token)));
      expect(a4.status).toBe(429); // the process is full again
    } finally {
      await limited.close();
    }
  });
});

describe('a client that hangs up while its stream is being opened', () => {
  test('takes no place: behind a balancer the hang-ups of reconnecting clients must not fill the per-user cap', async () => {
    const limited = await limitedServer({ maxPerUser: 2, maxPerProcess: 100 });
    try {
      const a = await user();
      const { port } = new URL(limited.url);
      // the request, then the client's FIN at once: the server sees the close while it checks the
      // token and the user (before the SSE session exists)
      const hangUp = () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1', () => {
            socket.end(`GET /notifications/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${a.token}\r\n\r\n`);
          });
          socket.on('error', reject);
          socket.on('close', () => resolve());
        });
      for (let i = 0; i < 5; i += 1) await hangUp();
      await eventually(async () => limited.streams.count() === 0, 3_000, `the hung-up streams are forgotten (${limited.streams.count()} still counted)`);
      const a1 = await track(openSse(`${limited.url}/notifications/stream`, bearer(a.token)));
      expect(a1.status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

/** An SSE client that reads nothing until told to: the server's send buffer fills up. */
function stalledStream(url: string, headers: Record<string, string>): Promise<{ res: IncomingMessage; readAll(): Promise<{ id?: string; event: string }[]> }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      res.pause();
      resolve({
        res,
        readAll: () =>
          new Promise((done) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('close', () => {
              // complete events only: the last one may have been cut by the drop
              const blocks = Buffer.concat(chunks).toString('utf8').split('\n\n').slice(0, -1);
              done(
                blocks
                  .map((b) => b.split('\n'))
                  .filter((lines) => lines.some((l) => l.startsWith('data:')))
                  .map((lines) => ({ id: lines.find((l) => l.startsWith('id:'))?.slice(3).trim(), event: lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message' })),
              );
            });
            res.resume();
          }),
      });
    });
    req.on('error', reject);
  });
}

describe('a client that does not keep up', () => {
  test('is dropped once its send buffer passes the limit; it resumes with Last-Event-ID and loses nothing; others are not held back', async () => {
    // a generous grace: the reading client shares this process (and a busy machine) with the server
    const limited = await limitedServer({ maxBufferedBytes: 256 * 1024, backlogGraceMs: 3_000 });
    try {
      const me = await user();
      const stalled = await stalledStream(`${limited.url}/notifications/stream`, bearer(me.token));
      expect(stalled.res.statusCode).toBe(200);
      const reader = await track(openSse(`${limited.url}/notifications/stream`, bearer(me.token)));
      await eventually(async () => limited.streams.count() === 2, 2_000, 'both streams open');

      // ~10 MB: more than the kernel's socket buffers take for a client that does not read
      const body = 'x'.repeat(50_000);
      const sent: number[] = [];
      for (let i = 0; i < 10; i += 1) sent.push(...(await notifyAll(ctx.db, Array.from({ length: 20 }, () => me.user.id), body)));
      const last = (e: { id?: string }) => e.id === String(sent[sent.length - 1]);
      await reader.waitFor(last, 30_000).catch(() => {
        throw new Error(`the reading client got ${reader.events.length} of ${sent.length}`); // not the whole 10 MB in the report
      });
      expect(reader.events.map((e) => e.id)).toEqual(sent.map(String));
      await eventually(async () => limited.streams.count() === 1, 10_000, 'the stalled client was dropped');

      const before = (await stalled.readAll()).filter((e) => e.event === 'notification').map((e) => Number(e.id));
      expect(before.length).toBeLessThan(sent.length);
      expect(before).toEqual(sent.slice(0, before.length));
      const lastSeen = before.length > 0 ? String(before[before.length - 1]) : '0';
      const resumed = await track(openSse(`${limited.url}/notifications/stream`, { ...bearer(me.token), 'Last-Event-ID': lastSeen }));
      await resumed.waitFor(last, 30_000).catch(() => {
        throw new Error(`the resumed client got ${resumed.events.length} after ${before.length}, of ${sent.length}`);
      });
      expect([...before, ...resumed.events.map((e) => Number(e.id))]).toEqual(sent);
    } finally {
      await limited.close();
    }
  }, 120_000);
});

/**
 * `db` with one read held back: after `arm()`, the next query waits until the query after it has
 * finished (or `fallbackMs` passed, when no second query starts), so a reader that ran them side
 * by side would deliver the second's rows first.
 */
function holdingReads(db: Knex, fallbackMs: number): { db: Knex; arm(): void; held: Promise<void> } {
  let armed = false;
  let markHeld!: () => void;
  const held = new Promise<void>((resolve) => (markHeld = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding = false;
  const proxy = new Proxy(db, {
    apply(target, self, args: unknown[]) {
      const builder = Reflect.apply(target, self, args) as Knex.QueryBuilder;
      const run = builder.then.bind(builder);
      if (armed && !holding) {
        holding = true;
        markHeld();
        setTimeout(release, fallbackMs).unref();
        builder.then = ((ok, fail) => released.then(() => run(ok, fail))) as typeof builder.then;
      } else if (holding) {
        builder.then = ((ok, fail) => run(ok, fail).finally(release)) as typeof builder.then;
      }
      return builder;
    },
  });
  return { db: proxy, arm: () => (armed = true), held };
}

describe('notifications that arrive while the previous ones are still being read', () => {
  test('reach the stream in the order they were signalled', async () => {
    const me = await user();
    const reads = holdingReads(ctx.db, 2_000);
    const hub = await createNotificationHub({ db: reads.db, applicationName: `${hubName}-order` });
    const pushed: number[] = [];
    const session = { isConnected: true, push: (_data: unknown, _event: string, id: string) => void pushed.push(Number(id)), once: () => undefined };
    try {
      await hub.stream(session as unknown as Session, me.user.id);
      reads.arm();
      const [first] = await notifyAll(ctx.db, [me.user.id]);
      await reads.held; // the hub is reading `first` now, and stays there
      const [second] = await notifyAll(ctx.db, [me.user.id]);
      await eventually(async () => pushed.length === 2, 10_000, 'both notifications pushed');
      expect(pushed).toEqual([first, second]);
    } finally {
      await hub.close();
    }
  });
});
