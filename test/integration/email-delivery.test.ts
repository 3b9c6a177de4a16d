/**
 * The email channel end to end, nothing faked: stock changes go through the API and the saga, the
 * notify consumers store the inbox rows and queue the email deliveries, a delivery worker sends
 * them over SMTP to the stack's local mail server, and the test reads the mail back from it.
 * The worker is driven batch by batch (runOnce), so a test can hold it while the world changes.
 */
import request from 'supertest';
import { createMailer, type Mailer } from '../../delivery/mailer';
import { createDeliveryWorker, deliveryMessageId } from '../../delivery/worker';
import { startMailServer, stopMailServer } from '../../stack/mail';
import { getConfig } from '../../shared/config';
import { useEmailSuite, type DeliveryRow, type Person } from '../helpers/email-suite';
import { eventually, unique } from '../helpers/events';
import { headerOf, listMessages, rawSource, waitForMessage } from '../helpers/mailbox';
import { bearer, createUser, tokenFor } from '../helpers/users';

// quick retries, so the outage test sees the second attempt within seconds
const suite = useEmailSuite({ consumers: { groupSuffix: `mail-${unique()}` }, delivery: { backoffBaseMs: 200, backoffMaxMs: 1000 }, productPrefix: 'mail' });
const { follow, changeStock } = suite;

const customer = (locale: 'es' | 'en'): Promise<Person> => suite.person('customer', locale);

/** a product with no stock (out_of_stock), named so its emails are recognisable */
async function soldOutProduct(): Promise<{ id: string; name: string }> {
  const product = await suite.product(0, 0, (tag) => `Lámpara <b>${tag}</b>`);
  expect(product.status).toBe('out_of_stock');
  return product;
}

/** a sold-out product and a customer (of the locale) who follows it */
async function followedSoldOutProduct(locale: 'es' | 'en'): Promise<{ product: { id: string; name: string }; follower: Person }> {
  const product = await soldOutProduct();
  const follower = await customer(locale);
  await follow(follower, product.id);
  return { product, follower };
}

/** the email delivery of the recipient's notification about the product reaching `status` */
async function deliveryFor(person: Person, productId: string, status: string): Promise<DeliveryRow | undefined> {
  return suite.ctx.db('deliveries as d')
    .join('notifications as n', 'n.id', 'd.notification_id')
    .where({ 'n.recipient_id': person.user.id, 'n.product_id': productId, 'n.status': status, 'd.channel': 'email' })
    .first('d.*');
}

async function inboxRow(person: Person, productId: string, status: string): Promise<{ id: string } | undefined> {
  return suite.ctx.db('notifications').where({ recipient_id: person.user.id, product_id: productId, status }).first('id');
}

/** runs worker batches until the delivery reaches the status */
async function deliverUntil(person: Person, productId: string, status: string, wanted: string, timeoutMs = 15_000): Promise<DeliveryRow> {
  return eventually(async () => {
    await suite.delivery.runOnce();
    const row = await deliveryFor(person, productId, status);
    return row?.status === wanted ? row : undefined;
  }, timeoutMs, `delivery for ${person.user.email} ${wanted}`);
}

test('back in stock: a Spanish follower gets one email in Spanish, an English one in English, one with email off only the inbox row', async () => {
  const product = await soldOutProduct();
  const es = await customer('es');
  const en = await customer('en');
  const quiet = await customer('es');
  await suite.ctx.db('notification_preferences').insert({ user_id: quiet.user.id, category: 'followed_stock', channel: 'email', cadence: 'off' });
  for (const p of [es, en, quiet]) await follow(p, product.id);

  await changeStock(product.id, { kind: 'restock', quantity: 7 });

  const sent = await deliverUntil(es, product.id, 'in_stock', 'sent', 30_000);
  expect(sent).toMatchObject({ template: 'back_in_stock', attempts: 1, last_error: null, message_id: deliveryMessageId(sent.notification_id!) });
  const mail = await waitForMessage(es.user.email);
  expect(mail.subject).toBe(`${product.name} vuelve a estar disponible`);
  expect(mail.text).toContain('en stock');
  expect(mail.text).toContain('7 unidades disponibles');
  const link = `${getConfig().mail.publicBaseUrl}/#/products/${product.id}`;
  expect(mail.text).toContain(link);
  // the product name is data: escaped in the HTML part, never markup
  expect(mail.html).toContain('Lámpara &lt;b&gt;');
  expect(mail.html).not.toContain('<b>');
  const source = await rawSource(mail.id);
  expect(headerOf(source, 'List-Unsubscribe')).toMatch(/^<http.*\/unsubscribe\?token=[\w.-]+>$/);
  expect(headerOf(source, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  expect(headerOf(source, 'Message-ID')).toBe(sent.message_id);
  expect(headerOf(source, 'Content-Language')).toBe('es');

  await deliverUntil(en, product.id, 'in_stock', 'sent');
  const english = await waitForMessage(en.user.email);
  expect(english.subject).toBe(`${product.name} is back in stock`);
  expect(english.text).toContain('in stock');
  expect(english.text).toContain('7 units available');

  // the inbox row and the deliveries are written in one statement: once the row is there, so is any delivery
  await eventually(() => inboxRow(quiet, product.id, 'in_stock'), 10_000, 'the quiet customer\'s inbox row');
  expect(await deliveryFor(quiet, product.id, 'in_stock')).toBeUndefined();
  expect(await listMessages(quiet.user.email)).toEqual([]);
  expect((await listMessages(es.user.email)).length).toBe(1);
}, 90_000);

test('a back-in-stock email is dropped when the product is out of stock again by the time it is sent', async () => {
  const { product, follower } = await followedSoldOutProduct('es');

  await changeStock(product.id, { kind: 'restock', quantity: 1 });
  // the worker is held: the delivery waits queued while the product sells out again
  await eventually(() => deliveryFor(follower, product.id, 'in_stock'), 30_000, 'the queued back-in-stock delivery');
  await changeStock(product.id, { kind: 'adjust', quantity: -1, reason: 'broken in the warehouse' });
  await eventually(() => inboxRow(follower, product.id, 'out_of_stock'), 30_000, 'the out-of-stock inbox row');

  const skipped = await deliverUntil(follower, product.id, 'in_stock', 'skipped');
  expect(skipped.last_error).toBe('the product is out of stock again');
  expect(await listMessages(follower.user.email)).toEqual([]);
  // the inbox keeps the history
  expect(await inboxRow(follower, product.id, 'in_stock')).toBeDefined();
}, 90_000);

test('through an SMTP outage the delivery waits with its error and is delivered once when the server is back', async () => {
  const { product, follower } = await followedSoldOutProduct('en');

  await stopMailServer();
  try {
    await changeStock(product.id, { kind: 'restock', quantity: 3 });
    await eventually(() => deliveryFor(follower, product.id, 'in_stock'), 30_000, 'the queued delivery');
    const waiting = await eventually(async () => {
      await suite.delivery.runOnce();
      const row = await deliveryFor(follower, product.id, 'in_stock');
      return row && row.attempts >= 1 && row.last_error ? row : undefined;
    }, 15_000, 'a failed attempt');
    expect(waiting.status).toBe('queued');
    expect(waiting.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(waiting.next_attempt_at.getTime()).toBeGreaterThan(Date.now() - 1000);
  } finally {
    await startMailServer();
  }

  const sent = await deliverUntil(follower, product.id, 'in_stock', 'sent', 30_000);
  expect(sent.attempts).toBeGreaterThanOrEqual(2);
  await waitForMessage(follower.user.email);
  expect((await listMessages(follower.user.email)).length).toBe(1);
}, 120_000);

test("the mail's one-click unsubscribe link stops that product's email; the inbox still gets the news", async () => {
  const { product, follower } = await followedSoldOutProduct('es');
  await changeStock(product.id, { kind: 'restock', quantity: 2 });
  await deliverUntil(follower, product.id, 'in_stock', 'sent', 30_000);
  const mail = await waitForMessage(follower.user.email);
  const link = /^<(.+)>$/.exec(headerOf(await rawSource(mail.id), 'List-Unsubscribe') ?? '')?.[1];
  expect(link).toBeDefined();
  const url = new URL(link!);
  // what a mail provider does with List-Unsubscribe-Post (RFC 8058)
  await request(suite.ctx.app).post(`${url.pathname}${url.search}`).type('form').send('List-Unsubscribe=One-Click').expect(200);

  await changeStock(product.id, { kind: 'adjust', quantity: -2, reason: 'sold at the counter' });
  await changeStock(product.id, { kind: 'restock', quantity: 4 });
  const rows = await eventually(async () => {
    const found = await suite.ctx.db('notifications').where({ recipient_id: follower.user.id, product_id: product.id, status: 'in_stock' }).orderBy('id').select('id');
    return found.length === 2 ? found : undefined;
  }, 30_000, 'the second back-in-stock inbox row');
  // written in the same statement as its delivery would be
  expect(await suite.ctx.db('deliveries').where({ notification_id: rows[1]!.id })).toEqual([]);
}, 90_000);

test("a customer's own purchase is emailed in their language", async () => {
  const product = await soldOutProduct();
  await changeStock(product.id, { kind: 'restock', quantity: 5 });
  const buyer = await customer('en');
  const seller = await createUser(suite.ctx.db, { role: 'sales' });
  const sale = await request(suite.ctx.app)
    .post('/sales')
    .set(bearer(await tokenFor(suite.ctx.app, seller.email, seller.password)))
    .send({ customerName: 'Buyer', customerEmail: buyer.user.email, items: [{ productId: product.id, quantity: 1 }], discount: 0 });
  expect(sale.status).toBe(201);
  const sent = await eventually(async () => {
    await suite.delivery.runOnce();
    const row = await suite.ctx.db('deliveries as d').join('notifications as n', 'n.id', 'd.notification_id').where({ 'n.recipient_id': buyer.user.id, 'n.sale_id': sale.body.id }).first('d.*');
    return row?.status === 'sent' ? row : undefined;
  }, 30_000, 'the purchase email sent');
  expect(sent.template).toBe('sale_reserved');
  const mail = await waitForMessage(buyer.user.email);
  expect(mail.subject).toBe(`Sale ${String(sale.body.id).slice(0, 8)} reserved`);
  expect(mail.text).toContain(product.name);
}, 90_000);

/** sends every due delivery (other test files leave some queued: no worker runs there) */
async function drain(): Promise<void> {
  while ((await suite.delivery.runOnce()) > 0);
}

test('a worker that dies after the server accepted a mail but before marking it sent: the mail goes again (same Message-ID), none is lost', async () => {
  // worker A's one batch must hold this test's delivery, not older ones
  await drain();
  const { product, follower } = await followedSoldOutProduct('en');
  await changeStock(product.id, { kind: 'restock', quantity: 1 });
  await eventually(() => deliveryFor(follower, product.id, 'in_stock'), 30_000, 'the queued delivery');

  // worker A: its mail reaches the server, then the worker freezes for good (as if killed) before recording it
  const real = createMailer();
  let accepted!: () => void;
  const acceptedOnce = new Promise<void>((resolve) => (accepted = resolve));
  const dying: Mailer = {
    async send(mail) {
      await real.send(mail);
      accepted();
      return new Promise(() => undefined);
    },
    verify: () => real.verify(),
    close: () => real.close(),
  };
  const a = createDeliveryWorker({ db: suite.ctx.db, log: suite.logs.logger, mailer: dying, settings: { leaseSeconds: 1 } });
  void a.runOnce();
  await acceptedOnce;
  const first = await waitForMessage(follower.user.email);
  expect((await deliveryFor(follower, product.id, 'in_stock'))?.status).toBe('queued');

  // once A's lease runs out, any other worker sends it again and records it
  const sent = await deliverUntil(follower, product.id, 'in_stock', 'sent', 20_000);
  expect(sent.attempts).toBe(2);
  const mails = await listMessages(follower.user.email);
  expect(mails.length).toBe(2);
  const ids = await Promise.all(mails.map(async (m) => headerOf(await rawSource(m.id), 'Message-ID')));
  expect(ids).toEqual([sent.message_id, sent.message_id]);
  expect(first.subject).toBe(mails[1]!.subject);
  real.close();
}, 90_000);
