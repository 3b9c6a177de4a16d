/**
 * The subscribers against the real broker and database: each audience's consumer group gets the
 * right notifications (stored, logged, pushed over SSE), duplicates and stale versions have no
 * effect, poison messages are dead-lettered without blocking their partition, and analytics counts
 * each completed sale once. Every test runs its own groups (a random suffix) that start at the
 * current end of the topics, and asserts only on its own products, sales and users.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Client as PgClient } from 'pg';
import request from 'supertest';
import { NOTIFICATION_CHANNEL, startConsumers, type RunningConsumers } from '../../consumers';
import { getConfig } from '../../shared/config';
import { createKafka } from '../../shared/kafka';
import { INVENTORY_TOPIC, SALE_TOPICS } from '../../shared/topics';
import { createTestContext, type TestContext } from '../helpers/context';
import { eventually, insertProduct, publish, saleEvent, statusReported, stockChanged, tailTopic, unique } from '../helpers/events';
import { captureLogs, type CapturedLogs } from '../helpers/logs';
import { json, listen, openSse } from '../helpers/sse';
import { bearer, createUser, tokenFor, type TestUser } from '../helpers/users';

let ctx: TestContext;
let kafka: Kafka;
const users = {} as Record<'admin' | 'sales' | 'follower' | 'bystander', TestUser>;
const tokens = {} as Record<keyof typeof users, string>;

interface NotificationRow {
  id: string;
  recipient_id: string;
  audience: string;
  kind: string;
  product_id: string | null;
  sale_id: string | null;
  status: string;
  event_id: string;
  title: string;
}

const inbox = (user: TestUser): Promise<NotificationRow[]> => ctx.db('notifications').where({ recipient_id: user.id }).orderBy('id');

/** Whether every one of `groups` has recorded every one of `eventIds`. */
async function processedBy(groups: string[], eventIds: string[]): Promise<boolean> {
  const rows: { n: string }[] = await ctx.db('processed_events').whereIn('consumer_group', groups).whereIn('event_id', eventIds).count({ n: '*' });
  return Number(rows[0]?.n) === groups.length * eventIds.length;
}

/** A log line this test's consumers wrote (captured), e.g. the duplicate/stale outcomes. */
function logged(logs: CapturedLogs, match: Record<string, unknown>): Record<string, unknown>[] {
  return logs.lines.filter((l) => Object.entries(match).every(([k, v]) => l[k] === v));
}

beforeAll(async () => {
  ctx = await createTestContext();
  kafka = createKafka('-test-consumers');
  users.admin = await createUser(ctx.db, { role: 'admin', locale: 'en' });
  users.sales = await createUser(ctx.db, { role: 'sales' });
  users.follower = await createUser(ctx.db, { role: 'customer' });
  users.bystander = await createUser(ctx.db, { role: 'customer' });
  for (const k of Object.keys(users) as (keyof typeof users)[]) tokens[k] = await tokenFor(ctx.app, users[k].email, users[k].password);
}, 60_000);

afterAll(async () => {
  await ctx.close();
});

describe('all four groups in one process', () => {
  const suffix = `t-${unique()}`;
  const group = (base: string) => `${base}-${suffix}`;
  const notifyGroups = ['notify-admin', 'notify-sales', 'notify-customers'].map(group);
  const logs = captureLogs();
  let consumers: RunningConsumers;

  beforeAll(async () => {
    consumers = await startConsumers({ groupSuffix: suffix, startFromNow: true, logger: logs.logger });
  }, 60_000);

  afterAll(async () => {
    await consumers?.stop();
  });

  test('each audience gets its notifications: admins and sales everything, customers what they follow and their own sales; one log line each', async () => {
    const a = await insertProduct(ctx.db, { name: 'Followed lamp' });
    const b = await insertProduct(ctx.db, { name: 'Other lamp' });
    const follow = await request(ctx.app).post(`/products/${a}/follow`).set(bearer(tokens.follower));
    expect(follow.status).toBe(201);

    const aOut = stockChanged(a, 2, 'in_stock', 'out_of_stock');
    const bOut = stockChanged(b, 2, 'in_stock', 'out_of_stock');
    const aLevelOnly = stockChanged(a, 3, 'out_of_stock', 'out_of_stock', { available: 0, on_hand: 1, reserved: 1 });
    const ownSale = saleEvent('created', { customerUserId: users.follower.id, items: [{ productId: a, quantity: 1, unitPrice: 1000 }] });
    const walkInSale = saleEvent('created', { customerUserId: null, items: [{ productId: b, quantity: 2, unitPrice: 500 }] });
    const all = [aOut, bOut, aLevelOnly, ownSale, walkInSale];
    await publish(ctx.deps.producer, ...all);
    await eventually(() => processedBy(notifyGroups, all.map((e) => e.event_id)), 15_000, 'all events processed');

    // events on different partitions have no order between them: compare as sorted lists
    const byEventId = (x: unknown[], y: unknown[]) => String(x[3]).localeCompare(String(y[3]));
    // admins and sales staff also hear about whatever else runs on this broker meanwhile: only ours count
    const ours = new Set([a, b, ownSale.sale_id, walkInSale.sale_id]);
    const summary = (rows: NotificationRow[]) =>
      rows
        .filter((n) => ours.has(n.product_id ?? n.sale_id ?? ''))
        .map((n) => [n.kind, n.product_id ?? n.sale_id, n.status, n.event_id])
        .sort(byEventId);
    const everything = [
      ['inventory', a, 'out_of_stock', aOut.event_id],
      ['inventory', b, 'out_of_stock', bOut.event_id],
      ['sale', ownSale.sale_id, 'RESERVED', ownSale.event_id],
      ['sale', walkInSale.sale_id, 'RESERVED', walkInSale.event_id],
    ].sort(byEventId);
    expect(summary(await inbox(users.admin))).toEqual(everything);
    expect(summary(await inbox(users.sales))).toEqual(everything);
    expect(summary(await inbox(users.follower))).toEqual(
      [
        ['inventory', a, 'out_of_stock', aOut.event_id],
        ['sale', ownSale.sale_id, 'RESERVED', ownSale.event_id],
      ].sort(byEventId),
    );
    expect(await inbox(users.bystander)).toEqual([]); // customers hear only about what concerns them
    expect(await inbox(users.follower)).toHaveLength(2);
    expect((await inbox(users.admin)).every((n) => n.audience === 'admin')).toBe(true);
    expect((await inbox(users.follower)).every((n) => n.audience === 'customers')).toBe(true);
    // stored in English; handed out in the recipient's locale (admin: en, follower: es by default)
    expect((await inbox(users.admin)).find((n) => n.event_id === aOut.event_id)!.title).toBe('Followed lamp is out of stock');
    const readTitle = async (who: keyof typeof users, eventId: string) =>
      ((await request(ctx.app).get('/notifications?limit=100').set(bearer(tokens[who]))).body as { data: { eventId: string; title: string }[] }).data.find((n) => n.eventId === eventId)?.title;
    expect(await readTitle('admin', aOut.event_id)).toBe('Followed lamp is out of stock');
    expect(await readTitle('follower', aOut.event_id)).toBe('Followed lamp: agotado');

    // the level-only change was applied to each group's view of the product, silently
    const state = await ctx.db('consumer_product_state').whereIn('consumer_group', notifyGroups).where({ product_id: a });
    expect(state.map((s) => [s.consumer_group, Number(s.version), s.status]).sort()).toEqual(notifyGroups.map((g) => [g, 3, 'out_of_stock']).sort());

    // one structured line per stored notification: audience, recipient, product or sale, status, event id
    const mine = new Map(Object.values(users).map((u) => [u.email, u]));
    const lines = logs.lines.filter((l) => l.msg === 'notification' && mine.has(l.recipient as string) && all.some((e) => e.event_id === l.event_id));
    const expectedLines = [
      ...everything.map(([kind, subject, status, eventId]) => ({ audience: 'admin', recipient: users.admin.email, kind, subject, status, eventId })),
      ...everything.map(([kind, subject, status, eventId]) => ({ audience: 'sales', recipient: users.sales.email, kind, subject, status, eventId })),
      { audience: 'customers', recipient: users.follower.email, kind: 'inventory', subject: a, status: 'out_of_stock', eventId: aOut.event_id },
      { audience: 'customers', recipient: users.follower.email, kind: 'sale', subject: ownSale.sale_id, status: 'RESERVED', eventId: ownSale.event_id },
    ];
    const asSeen = lines.map((l) => ({ audience: l.audience, recipient: l.recipient, kind: l.kind, subject: l.product_id ?? l.sale_id, status: l.status, eventId: l.event_id }));
    const order = (x: { audience: unknown; eventId: unknown; recipient: unknown }) => `${String(x.audience)}|${String(x.recipient)}|${String(x.eventId)}`;
    expect(asSeen.sort((x, y) => order(x).localeCompare(order(y)))).toEqual(expectedLines.sort((x, y) => order(x).localeCompare(order(y))));
    for (const l of lines) {
      expect(l).toMatchObject({ level: 30, component: 'notify', msg: 'notification', notification_id: expect.any(Number), recipient_id: expect.any(String) });
    }
  });

  test('the same event published twice: one notification per recipient, one analytics increment', async () => {
    const p = await insertProduct(ctx.db);
    await ctx.db('product_follows').insert({ user_id: users.follower.id, product_id: p });
    const out = stockChanged(p, 2, 'in_stock', 'out_of_stock');
    const day = `19${10 + Math.floor(Math.random() * 80)}-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}`;
    const completed = saleEvent('completed', { items: [{ productId: p, quantity: 3, unitPrice: 700 }], occurredAt: `${day}T12:00:00.000Z` });
    await publish(ctx.deps.producer, out, completed, out, completed);

    // the second copies are recognised (and logged at debug) by every group
    await eventually(async () => logged(logs, { msg: 'event duplicate', event_id: out.event_id }).length === 3, 15_000, 'inventory duplicate seen by the three notify groups');
    await eventually(async () => logged(logs, { msg: 'event duplicate', event_id: completed.event_id }).length === 4, 15_000, 'sale duplicate seen by all four groups');

    for (const user of [users.admin, users.sales, users.follower]) {
      expect((await inbox(user)).filter((n) => n.event_id === out.event_id)).toHaveLength(1);
    }
    expect((await inbox(users.admin)).filter((n) => n.event_id === completed.event_id)).toHaveLength(1);
    const daily = await ctx.db('product_sales_daily').where({ product_id: p });
    expect(daily.map((r) => [r.units_sold, Number(r.revenue), r.sales_count])).toEqual([[3, 2100, 1]]);
    const claims = await ctx.db('processed_events').where({ event_id: completed.event_id }).whereIn('consumer_group', [...notifyGroups, group('analytics-group')]);
    expect(claims).toHaveLength(4);
    expect(logged(logs, { msg: 'notification', event_id: out.event_id, recipient: users.admin.email })).toHaveLength(1);
  });

  test('a deleted user (soft delete, issue #12) is told nothing; the active ones are', async () => {
    const gone = await createUser(ctx.db, { role: 'admin' });
    await ctx.db('users').where({ id: gone.id }).update({ deleted_at: ctx.db.fn.now() });
    const p = await insertProduct(ctx.db);
    const out = stockChanged(p, 2, 'in_stock', 'out_of_stock');
    await publish(ctx.deps.producer, out);
    // one statement inserts the rows of every admin: once the active admin's is there, the other's would be too
    await eventually(async () => (await inbox(users.admin)).some((n) => n.event_id === out.event_id), 15_000, 'the active admin notified');
    expect(await inbox(gone)).toEqual([]);
  });

  test('an inventory event older than the version already applied is ignored; a reported status at the held version applies', async () => {
    const p = await insertProduct(ctx.db, { name: 'Racing lamp' });
    const v5 = stockChanged(p, 5, 'in_stock', 'out_of_stock');
    const v4 = stockChanged(p, 4, 'out_of_stock', 'in_stock'); // published late
    const reportedOld = statusReported(p, 3, 'in_stock');
    const reportedNow = statusReported(p, 5, 'restock expected friday');
    await publish(ctx.deps.producer, v5, v4, reportedOld, reportedNow);
    await eventually(() => processedBy(notifyGroups, [v5, v4, reportedOld, reportedNow].map((e) => e.event_id)), 15_000, 'processed');

    const mine = (await inbox(users.admin)).filter((n) => n.product_id === p);
    expect(mine.map((n) => [n.status, n.event_id])).toEqual([
      ['out_of_stock', v5.event_id],
      ['restock expected friday', reportedNow.event_id],
    ]);
    expect(mine[1]!.title).toBe('Racing lamp: restock expected friday');
    const state = await ctx.db('consumer_product_state').where({ consumer_group: group('notify-admin'), product_id: p }).first();
    expect([Number(state.version), state.status]).toEqual([5, 'restock expected friday']);
    expect(logged(logs, { msg: 'event stale', event_id: v4.event_id })).toHaveLength(3);
    expect(logged(logs, { msg: 'event stale', event_id: reportedOld.event_id })).toHaveLength(3);
  });

  test("a status reported at version v does not make the saga's own event for v (published later) stale", async () => {
    const p = await insertProduct(ctx.db);
    const v2 = stockChanged(p, 2, 'in_stock', 'low_stock');
    const reportAt3 = statusReported(p, 3, 'out_of_stock'); // POST /send_notification after v3 committed
    const v3 = stockChanged(p, 3, 'low_stock', 'out_of_stock'); // the activity's publish, a moment later
    const v2again = stockChanged(p, 2, 'in_stock', 'low_stock', { event_id: `${v2.event_id}:copy` });
    await publish(ctx.deps.producer, v2, reportAt3, v3, v2again);
    await eventually(() => processedBy(notifyGroups, [v2, reportAt3, v3, v2again].map((e) => e.event_id)), 15_000, 'processed');
    const mine = (await inbox(users.admin)).filter((n) => n.product_id === p);
    expect(mine.map((n) => n.event_id)).toEqual([v2.event_id, reportAt3.event_id, v3.event_id]);
    expect(logged(logs, { msg: 'event stale', event_id: v2again.event_id })).toHaveLength(3); // older than the report
    const state = await ctx.db('consumer_product_state').where({ consumer_group: group('notify-admin'), product_id: p }).first();
    expect([Number(state.version), state.status]).toEqual([3, 'out_of_stock']);
  });

  test('inventory events out of order: news is decided against the status the group holds, not the late event\'s previous_status', async () => {
    // two sagas publish v3 and v4 of one product; their publishes may cross on the way to the broker
    const calm = await insertProduct(ctx.db, { name: 'Calm lamp' }); // in order
    const crossed = await insertProduct(ctx.db, { name: 'Crossed lamp' }); // v4 (low → low) before v3 (in → low)
    const restocked = await insertProduct(ctx.db, { name: 'Restocked lamp' }); // the reverse: v4 (in → in) before v3 (low → in)
    const roundTrip = await insertProduct(ctx.db, { name: 'Round-trip lamp' }); // v4 (low → in) before v3 (in → low): back where it was
    const firstSeen = await insertProduct(ctx.db, { name: 'New lamp' }); // no held row: the event's own previous_status is all there is
    const levelOnly = (p: string, s: string) => stockChanged(p, 2, s, s); // makes the groups hold s at v2, telling no one
    const holding = [levelOnly(calm, 'in_stock'), levelOnly(crossed, 'in_stock'), levelOnly(restocked, 'low_stock'), levelOnly(roundTrip, 'in_stock')];
    await publish(ctx.deps.producer, ...holding);
    await eventually(() => processedBy(notifyGroups, holding.map((e) => e.event_id)), 15_000, 'held statuses applied');

    const events = {
      calmV3: stockChanged(calm, 3, 'in_stock', 'low_stock'),
      calmV4: stockChanged(calm, 4, 'low_stock', 'low_stock'),
      crossedV4: stockChanged(crossed, 4, 'low_stock', 'low_stock'),
      crossedV3: stockChanged(crossed, 3, 'in_stock', 'low_stock'),
      restockedV4: stockChanged(restocked, 4, 'in_stock', 'in_stock'),
      restockedV3: stockChanged(restocked, 3, 'low_stock', 'in_stock'),
      roundTripV4: stockChanged(roundTrip, 4, 'low_stock', 'in_stock'),
      roundTripV3: stockChanged(roundTrip, 3, 'in_stock', 'low_stock'),
      firstSeenV2: stockChanged(firstSeen, 2, 'in_stock', 'low_stock'),
      firstSeenV3: stockChanged(firstSeen, 3, 'low_stock', 'low_stock'),
    };
    await publish(ctx.deps.producer, ...Object.values(events)); // in this order; one key, one partition per product
    await eventually(() => processedBy(notifyGroups, Object.values(events).map((e) => e.event_id)), 15_000, 'processed');

    const ours = new Set([calm, crossed, restocked, roundTrip, firstSeen]);
    for (const user of [users.admin, users.sales]) {
      const mine = (await inbox(user)).filter((n) => ours.has(n.product_id ?? ''));
      expect(mine.map((n) => [n.product_id, n.status, n.event_id]).sort()).toEqual(
        [
          [calm, 'low_stock', events.calmV3.event_id],
          [crossed, 'low_stock', events.crossedV4.event_id],
          [restocked, 'in_stock', events.restockedV4.event_id],
          [firstSeen, 'low_stock', events.firstSeenV2.event_id],
        ].sort(),
      );
    }
    const told = await ctx.db('notifications').where({ recipient_id: users.admin.id, event_id: events.crossedV4.event_id }).first();
    expect([told.title, told.body]).toEqual(['Crossed lamp is low on stock', 'Crossed lamp went from in stock to low on stock; 5 available.']);
    for (const late of [events.crossedV3, events.restockedV3, events.roundTripV3]) {
      expect(logged(logs, { msg: 'event stale', event_id: late.event_id })).toHaveLength(3);
    }
    const state = await ctx.db('consumer_product_state').where({ consumer_group: group('notify-admin') }).whereIn('product_id', [...ours]);
    expect(Object.fromEntries(state.map((s) => [s.product_id, [Number(s.version), s.status]]))).toEqual({
      [calm]: [4, 'low_stock'],
      [crossed]: [4, 'low_stock'],
      [restocked]: [4, 'in_stock'],
      [roundTrip]: [4, 'in_stock'],
      [firstSeen]: [3, 'low_stock'],
    });
  });

  test('analytics: units, revenue (discount spread pro rata) and sales per product per day, read by GET /sales/summary', async () => {
    const p1 = await insertProduct(ctx.db, { name: 'Analytics chair', price: 333 });
    const p2 = await insertProduct(ctx.db, { name: 'Analytics desk', price: 1000 });
    const day = `18${10 + Math.floor(Math.random() * 89)}-0${1 + Math.floor(Math.random() * 9)}-2${Math.floor(Math.random() * 8)}`;
    const at = `${day}T23:59:59.000+00:00`;
    // subtotal 1999, 10% off → total 1799: shares 899.05 → 899 and 899.95 → 900
    const first = saleEvent('completed', { items: [{ productId: p1, quantity: 3, unitPrice: 333 }, { productId: p2, quantity: 1, unitPrice: 1000 }], discount: 10, occurredAt: at });
    const second = saleEvent('completed', { items: [{ productId: p1, quantity: 1, unitPrice: 333 }], occurredAt: at });
    const notCounted = saleEvent('created', { items: [{ productId: p1, quantity: 50, unitPrice: 333 }], occurredAt: at });
    expect(first.total).toBe(1799);
    await publish(ctx.deps.producer, notCounted, first, second);
    await eventually(() => processedBy([group('analytics-group')], [first.event_id, second.event_id]), 15_000, 'counted');
    await eventually(() => processedBy(notifyGroups, [notCounted.event_id]), 15_000, 'sale.created seen by the notify groups');

    const rows = await ctx.db('product_sales_daily').whereIn('product_id', [p1, p2]).orderBy('product_id');
    const byProduct = Object.fromEntries(rows.map((r) => [r.product_id, [r.units_sold, Number(r.revenue), r.sales_count]]));
    expect(byProduct[p1]).toEqual([4, 899 + 333, 2]);
    expect(byProduct[p2]).toEqual([1, 900, 1]);
    // one row per product: the day is occurred_at's UTC date (checked through the summary's day filter below)
    expect(rows).toHaveLength(2);

    const res = await request(ctx.app).get(`/sales/summary?startDate=${day}&endDate=${day}`).set(bearer(tokens.admin));
    expect(res.status).toBe(200);
    const top = (res.body as { topProducts: { productId: string; unitsSold: number; revenue: number; sales: number }[] }).topProducts.filter((t) => t.productId === p1 || t.productId === p2);
    expect(top).toEqual([
      { productId: p1, name: 'Analytics chair', unitsSold: 4, revenue: 1232, sales: 2 },
      { productId: p2, name: 'Analytics desk', unitsSold: 1, revenue: 900, sales: 1 },
    ]);
  });

  test('a malformed message goes to <topic>.dlq once per consuming group, with error and origin; the next good message is processed', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const inventoryDlq = await tailTopic(kafka, admin, `${INVENTORY_TOPIC}.dlq`);
    const completedDlq = await tailTopic(kafka, admin, `${SALE_TOPICS.completed}.dlq`);
    try {
      const p = await insertProduct(ctx.db);
      const send = async (topic: string, key: string, value: string) => {
        const [meta] = await ctx.deps.producer.send({ topic, acks: -1, messages: [{ key, value, headers: { origin: 'test' } }] });
        return { partition: String(meta!.partition), offset: String(meta!.baseOffset) };
      };
      const notJson = await send(INVENTORY_TOPIC, p, '{"event_id": "broken');
      const invalid = await send(INVENTORY_TOPIC, p, JSON.stringify({ ...stockChanged(p, 2, 'in_stock', 'out_of_stock'), version: -1 }));
      const good = stockChanged(p, 3, 'in_stock', 'out_of_stock');
      await publish(ctx.deps.producer, good); // same key, so the same partition, behind the poison
      // a valid sale of a product this database does not know: analytics cannot count it (FK), the
      // notify groups can still tell people about it
      const ghostSale = saleEvent('completed', { items: [{ productId: `ghost-${randomUUID()}`, quantity: 1, unitPrice: 100 }] });
      await publish(ctx.deps.producer, ghostSale);

      await eventually(() => processedBy(notifyGroups, [good.event_id, ghostSale.event_id]), 15_000, 'the good messages processed');
      expect((await inbox(users.admin)).filter((n) => n.product_id === p).map((n) => n.event_id)).toEqual([good.event_id]);

      const fromOrigin = (o: { partition: string; offset: string }) => inventoryDlq.records.filter((r) => r.headers['x-origin-partition'] === o.partition && r.headers['x-origin-offset'] === o.offset);
      await eventually(async () => fromOrigin(notJson).length >= 3 && fromOrigin(invalid).length >= 3, 15_000, 'dead letters');
      for (const [origin, value, error] of [
        [notJson, '{"event_id": "broken', /not JSON/],
        [invalid, undefined, /invalid inventory event: version/],
      ] as const) {
        const records = fromOrigin(origin);
        expect(records.map((r) => r.headers['x-consumer-group']).sort()).toEqual([...notifyGroups].sort());
        for (const r of records) {
          expect(r.key).toBe(p);
          if (value) expect(r.value).toBe(value);
          expect(r.headers).toMatchObject({ 'x-origin-topic': INVENTORY_TOPIC, 'x-error': expect.stringMatching(error), origin: 'test' });
        }
      }
      const ghost = await eventually(async () => completedDlq.records.find((r) => r.key === ghostSale.sale_id), 15_000, 'analytics dead letter');
      expect(ghost.headers).toMatchObject({ 'x-consumer-group': group('analytics-group'), 'x-origin-topic': SALE_TOPICS.completed, 'x-error': expect.stringMatching(/foreign key/) });
      expect(completedDlq.records.filter((r) => r.key === ghostSale.sale_id)).toHaveLength(1);
      expect(await ctx.db('processed_events').where({ consumer_group: group('analytics-group'), event_id: ghostSale.event_id })).toHaveLength(0);
    } finally {
      await inventoryDlq.stop();
      await completedDlq.stop();
      await admin.disconnect();
    }
  });

  test('one event, each recipient in their language: an es customer reads Spanish, an en staff member English (inbox and SSE); a locale change re-renders', async () => {
    const lamp = await insertProduct(ctx.db, { name: 'Lámpara de mesa' });
    const cliente = await createUser(ctx.db, { role: 'customer', locale: 'es' });
    const staff = await createUser(ctx.db, { role: 'sales', locale: 'en' });
    const [clienteToken, staffToken] = [await tokenFor(ctx.app, cliente.email, cliente.password), await tokenFor(ctx.app, staff.email, staff.password)];
    expect((await request(ctx.app).post(`/products/${lamp}/follow`).set(bearer(clienteToken))).status).toBe(201);
    const server = await listen(ctx.app);
    const stream = await openSse(`${server.url}/notifications/stream`, bearer(clienteToken));
    try {
      const out = stockChanged(lamp, 2, 'in_stock', 'out_of_stock', { available: 0 });
      const sale = saleEvent('cancelled', { customerUserId: cliente.id, items: [{ productId: lamp, quantity: 2, unitPrice: 1250 }] });
      await publish(ctx.deps.producer, out, sale);
      const pushed = await stream.waitFor((m) => json(m).eventId === out.event_id, 10_000);
      expect(json(pushed)).toMatchObject({ title: 'Lámpara de mesa: agotado', body: 'Lámpara de mesa ha pasado de en stock a agotado; 0 disponibles.' });
      await eventually(() => processedBy(notifyGroups, [out.event_id, sale.event_id]), 15_000, 'processed');

      const read = async (token: string) => ((await request(ctx.app).get('/notifications?limit=100').set(bearer(token))).body as { data: { eventId: string; title: string; body: string }[] }).data;
      const text = (list: { eventId: string; title: string; body: string }[], eventId: string) => list.filter((n) => n.eventId === eventId).map((n) => [n.title, n.body]);
      const mine = await read(clienteToken);
      expect(text(mine, out.event_id)).toEqual([['Lámpara de mesa: agotado', 'Lámpara de mesa ha pasado de en stock a agotado; 0 disponibles.']]);
      expect(text(mine, sale.event_id)).toEqual([[`Tu compra ${sale.sale_id.slice(0, 8)} está cancelada`, `2 × Product ${lamp.slice(-8)}; total 25,00; motivo: changed my mind`]]);
      const theirs = await read(staffToken);
      expect(text(theirs, out.event_id)).toEqual([['Lámpara de mesa is out of stock', 'Lámpara de mesa went from in stock to out of stock; 0 available.']]);
      expect(text(theirs, sale.event_id)).toEqual([[`Sale ${sale.sale_id.slice(0, 8)} cancelled for ${sale.customer_name}`, `2 × Product ${lamp.slice(-8)}; total 25.00; reason: changed my mind`]]);

      // rendered when read: the customer switches to English and the same rows read in English
      expect((await request(ctx.app).patch('/me').set(bearer(clienteToken)).send({ locale: 'en' })).status).toBe(200);
      expect(text(await read(clienteToken), out.event_id)).toEqual([['Lámpara de mesa is out of stock', 'Lámpara de mesa went from in stock to out of stock; 0 available.']]);
    } finally {
      stream.close();
      await server.close();
    }
  });

  test('a fan-out to 300 followers is one set-based signal, not one per follower, and each connected follower still gets its push', async () => {
    const p = await insertProduct(ctx.db, { name: 'Popular lamp' });
    const fans = await createUser(ctx.db, { role: 'customer' });
    const fanToken = await tokenFor(ctx.app, fans.email, fans.password);
    expect((await request(ctx.app).post(`/products/${p}/follow`).set(bearer(fanToken))).status).toBe(201);
    await ctx.db.raw(
      `WITH u AS (INSERT INTO users (email, name, role, password_hash)
         SELECT 'crowd-' || ? || '-' || g || '@example.com', 'Crowd ' || g, 'customer', 'x' FROM generate_series(1, 299) g RETURNING id)
       INSERT INTO product_follows (user_id, product_id) SELECT id, ? FROM u`,
      [randomUUID(), p],
    );
    const signals: string[] = [];
    const pg = new PgClient({ connectionString: getConfig().database.url });
    await pg.connect();
    pg.on('notification', (n) => signals.push(n.payload ?? ''));
    await pg.query(`LISTEN ${NOTIFICATION_CHANNEL}`);
    const server = await listen(ctx.app);
    const stream = await openSse(`${server.url}/notifications/stream`, bearer(fanToken));
    try {
      const back = stockChanged(p, 2, 'out_of_stock', 'in_stock', { available: 5 });
      await publish(ctx.deps.producer, back);
      await stream.waitFor((m) => json(m).eventId === back.event_id, 10_000);
      const ids = new Set(
        ((await ctx.db('notifications').where({ event_id: back.event_id, audience: 'customers' }).select('id')) as { id: string }[]).map((r) => Number(r.id)),
      );
      expect(ids.size).toBe(300);
      // the signals that announce these rows, however they are shaped (one id, or an event's range with a count)
      const ours = () =>
        signals
          .map((s) => JSON.parse(s) as { id?: number; event_id?: string; audience?: string; count?: number })
          .filter((s) => (s.id !== undefined ? ids.has(s.id) : s.event_id === back.event_id && s.audience === 'customers'));
      const announced = () => ours().reduce((n, s) => n + (s.id !== undefined ? 1 : s.count!), 0);
      await eventually(async () => announced() >= 300, 10_000, 'every row announced');
      expect(ours()).toHaveLength(1);
    } finally {
      stream.close();
      await server.close();
      await pg.end();
    }
  });

  test('event-to-SSE latency: published event → stored → NOTIFY → API → SSE frame', async () => {
    const server = await listen(ctx.app);
    const stream = await openSse(`${server.url}/notifications/stream`, bearer(tokens.sales));
    try {
      expect(stream.status).toBe(200);
      const p = await insertProduct(ctx.db);
      const latencies: number[] = [];
      const statuses = ['out_of_stock', 'in_stock'];
      for (let v = 2; v <= 11; v += 1) {
        const e = stockChanged(p, v, statuses[v % 2]!, statuses[(v + 1) % 2]!);
        const sentAt = Date.now();
        await publish(ctx.deps.producer, e);
        const got = await stream.waitFor((m) => json(m).eventId === e.event_id, 2_000);
        latencies.push(got.receivedAt - sentAt);
      }
      latencies.sort((x, y) => x - y);
      const p50 = latencies[Math.floor(latencies.length / 2)]!;
      const max = latencies[latencies.length - 1]!;
      process.stdout.write(`\n[latency] producer.send → SSE frame over ${latencies.length} events: p50 ${p50} ms, max ${max} ms (${latencies.join(', ')})\n`);
      expect(max).toBeLessThan(2_000);
    } finally {
      stream.close();
      await server.close();
    }
  });

  test('stop() is graceful: the groups leave and the offsets of everything processed are committed', async () => {
    const p = await insertProduct(ctx.db);
    const e = stockChanged(p, 2, 'in_stock', 'low_stock');
    const [meta] = await ctx.deps.producer.send({ topic: INVENTORY_TOPIC, acks: -1, messages: [{ key: p, value: JSON.stringify(e) }] });
    await eventually(() => processedBy(notifyGroups, [e.event_id]), 15_000, 'processed');
    await consumers.stop();

    const described = await ctx.deps.kafkaAdmin.describeGroups(notifyGroups);
    expect(described.groups.map((g) => [g.groupId, g.state]).sort()).toEqual(notifyGroups.map((g) => [g, 'Empty']).sort());
    for (const g of notifyGroups) {
      const [offsets] = await ctx.deps.kafkaAdmin.fetchOffsets({ groupId: g, topics: [INVENTORY_TOPIC] });
      const committed = offsets!.partitions.find((x) => x.partition === meta!.partition)!;
      expect(Number(committed.offset)).toBeGreaterThan(Number(meta!.baseOffset));
    }
  });
});
