/**
 * A large fan-out's emails (issue #13 §7): above DELIVERY_FANOUT_INLINE_MAX recipients the notify
 * consumer's transaction writes the inbox rows and one fan-out job, not the delivery rows; the
 * delivery workers queue the rows from the job a chunk at a time and send them. The same people get
 * the same mails as with rows written inline: a follower who muted the product or turned all email
 * off gets none; each of the others gets exactly one.
 */
import request from 'supertest';
import { startConsumers, type RunningConsumers } from '../../consumers';
import { createDeliveryWorker, type DeliveryWorker } from '../../delivery/worker';
import { createTestContext, type TestContext } from '../helpers/context';
import { eventually, insertProduct, publish, stockChanged, unique } from '../helpers/events';
import { captureLogs } from '../helpers/logs';
import { listMessages, waitForMessage } from '../helpers/mailbox';
import { bearer, createUser, tokenFor, type TestUser } from '../helpers/users';

let ctx: TestContext;
let consumers: RunningConsumers;
let delivery: DeliveryWorker | undefined;
const logs = captureLogs();

beforeAll(async () => {
  ctx = await createTestContext();
  // three recipients or more make a "large" fan-out here
  consumers = await startConsumers({ groupSuffix: `fanout-${unique()}`, startFromNow: true, logger: logs.logger, groups: ['notify-customers'], emailFanoutInlineMax: 2 });
}, 120_000);

afterAll(async () => {
  await delivery?.stop();
  await consumers?.stop();
  await ctx.close();
});

test('above the inline limit the consumer commits the inbox rows and one job; the workers queue the deliveries in chunks and every eligible follower gets one mail', async () => {
  const product = await insertProduct(ctx.db, { name: `Fan lamp ${unique()}` });
  const followers: TestUser[] = [];
  for (let i = 0; i < 6; i++) {
    const user = await createUser(ctx.db, { role: 'customer' });
    const token = await tokenFor(ctx.app, user.email, user.password);
    expect((await request(ctx.app).post(`/products/${product}/follow`).set(bearer(token))).status).toBe(201);
    followers.push(user);
  }
  const [muted, allOff, ...eligible] = followers as [TestUser, TestUser, ...TestUser[]];
  await ctx.db('email_product_mutes').insert({ user_id: muted.id, product_id: product });
  await ctx.db('notification_preferences').insert({ user_id: allOff.id, category: 'all', channel: 'email', cadence: 'off' });

  const back = stockChanged(product, 2, 'out_of_stock', 'in_stock', { available: 5 });
  await publish(ctx.deps.producer, back);
  const inbox = await eventually(async () => {
    const rows = (await ctx.db('notifications').where({ event_id: back.event_id })) as { id: string }[];
    return rows.length === 6 ? rows : undefined;
  }, 15_000, 'six inbox rows');

  // committed with the inbox rows: the job, and no delivery row yet
  const deliveries = () => ctx.db('deliveries').whereIn('notification_id', inbox.map((r) => r.id));
  expect(await deliveries()).toHaveLength(0);
  const [job] = (await ctx.db('delivery_fanouts').where({ event_id: back.event_id })) as { first_id: string; last_id: string; done_at: Date | null }[];
  expect(job).toMatchObject({ done_at: null });
  const ids = inbox.map((r) => Number(r.id));
  expect([Number(job!.first_id), Number(job!.last_id)]).toEqual([Math.min(...ids), Math.max(...ids)]);

  // two notifications per chunk: three chunks queue rows, the fourth finds none left and closes the job
  delivery = createDeliveryWorker({ db: ctx.db, log: logs.logger, settings: { fanoutChunk: 2, batchSize: 1 } });
  for (let round = 0; round < 3; round++) {
    await delivery.runOnce();
    expect((await ctx.db('delivery_fanouts').where({ event_id: back.event_id }).first('done_at')).done_at).toBeNull();
  }
  await delivery.runOnce();
  expect((await ctx.db('delivery_fanouts').where({ event_id: back.event_id }).first('done_at')).done_at).not.toBeNull();
  const queued = (await deliveries()) as { recipient_id: string; template: string; category: string }[];
  expect(queued.map((d) => d.recipient_id).sort()).toEqual(eligible.map((u) => u.id).sort());
  expect(queued.every((d) => d.template === 'back_in_stock' && d.category === 'followed_stock')).toBe(true);

  delivery.start();
  for (const user of eligible) await waitForMessage(user.email, () => true, { timeoutMs: 20_000 });
  await eventually(async () => (await deliveries()).every((d: { status: string }) => d.status === 'sent'), 20_000, 'every delivery sent');
  // the eligible ones' mails arrived (positive marker): the others have none, and nobody has two
  for (const user of eligible) expect(await listMessages(user.email)).toHaveLength(1);
  expect(await listMessages(muted.email)).toHaveLength(0);
  expect(await listMessages(allOff.email)).toHaveLength(0);
});
