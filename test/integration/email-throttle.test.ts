/**
 * The stock-email throttle (one immediate stock email per user and product per window; later
 * changes coalesce into one email after it) and the back-in-stock re-check at send time, end to end:
 * stock changes through the API and the saga, the notify consumers, a delivery worker with a short
 * window sending over SMTP, the mail read back from the local mail server.
 */
import { useEmailSuite, type DeliveryRow } from '../helpers/email-suite';
import { eventually, unique } from '../helpers/events';
import { listMessages, waitForMessage, type ReceivedMail } from '../helpers/mailbox';

/** the throttle window of this file's delivery worker: long enough for three changes to land inside it */
const THROTTLE_SECONDS = 12;

const suite = useEmailSuite({
  consumers: { groupSuffix: `digest-${unique()}`, groups: ['notify-sales', 'notify-customers'] },
  delivery: { throttleSeconds: THROTTLE_SECONDS },
  productPrefix: 'digest',
});
const { person, product, follow, changeStock, setPreferences, inboxRow, emailOf, deliverUntil } = suite;

test('throttle: three changes of one product inside the window make one email now and one after the window with the latest status', async () => {
  const staff = await person('sales', 'en');
  const lamp = await product(10);
  // the product's creation ("in stock") is told while email is still the daily digest
  await inboxRow(staff, lamp.id, 'in_stock');
  await setPreferences(staff, { grid: { low_stock: { email: 'immediate' }, stock_changes: { email: 'immediate' } } });

  await changeStock(lamp.id, { kind: 'adjust', quantity: -8, reason: 'sold' }); // low
  const firstRow = await emailOf((await inboxRow(staff, lamp.id, 'low_stock')).id);
  const first = await deliverUntil(firstRow.id, 'sent');

  await changeStock(lamp.id, { kind: 'adjust', quantity: -2, reason: 'sold' }); // out
  await changeStock(lamp.id, { kind: 'restock', quantity: 6 }); // back in stock
  const out = await inboxRow(staff, lamp.id, 'out_of_stock');
  const second = await emailOf(out.id);
  const third = await emailOf((await inboxRow(staff, lamp.id, 'in_stock', out.id)).id);

  const coalesced = await deliverUntil(third.id, 'sent', 60_000);
  // not before the window that the first email opened has ended (it opened just before that send: 1 s of slack)
  expect(coalesced.sent_at!.getTime()).toBeGreaterThanOrEqual(first.sent_at!.getTime() + (THROTTLE_SECONDS - 1) * 1000);
  expect(await suite.ctx.db('deliveries').where({ id: second.id }).first('status', 'last_error')).toEqual({ status: 'skipped', last_error: `coalesced into delivery ${third.id} (a later change of the product)` });

  const mails: ReceivedMail[] = await listMessages(staff.user.email);
  expect(mails.map((m) => m.subject)).toEqual([`${lamp.name}: low stock`, `${lamp.name} is back in stock`]);
  expect(mails[1]!.text).toContain('Status: in stock · 6 units available');
}, 120_000);

test('a back-in-stock email held by the throttle is dropped when the product is out of stock again by the end of the window', async () => {
  const customer = await person('customer', 'es');
  const lamp = await product(0, 0);
  await follow(customer, lamp.id);

  await changeStock(lamp.id, { kind: 'restock', quantity: 1 });
  await deliverUntil((await emailOf((await inboxRow(customer, lamp.id, 'in_stock')).id)).id, 'sent');
  await waitForMessage(customer.user.email);

  await changeStock(lamp.id, { kind: 'adjust', quantity: -1, reason: 'broken' });
  await inboxRow(customer, lamp.id, 'out_of_stock');
  await changeStock(lamp.id, { kind: 'restock', quantity: 1 });
  const again = await eventually(async () => {
    const rows = await suite.ctx.db('notifications').where({ recipient_id: customer.user.id, product_id: lamp.id, status: 'in_stock' }).orderBy('id').select('id');
    return rows.length === 2 ? rows[1] : undefined;
  }, 30_000, 'the second back-in-stock row');
  const held = await emailOf(again.id);
  // the worker sees it inside the window: it waits for the window's end instead of going out
  const waiting = await eventually(async () => {
    await suite.delivery.runOnce();
    const row: DeliveryRow = await suite.ctx.db('deliveries').where({ id: held.id }).first();
    return row.status !== 'queued' || row.next_attempt_at.getTime() > Date.now() + 1000 ? row : undefined;
  }, 15_000, 'the second back-in-stock email handled once');
  expect(waiting.status).toBe('queued');

  await changeStock(lamp.id, { kind: 'adjust', quantity: -1, reason: 'sold elsewhere' });
  const skipped = await deliverUntil(held.id, 'skipped', 60_000);
  expect(skipped.last_error).toBe('the product is out of stock again');
  expect(await listMessages(customer.user.email)).toHaveLength(1);
  // the inbox keeps the history
  expect(await suite.ctx.db('notifications').where({ recipient_id: customer.user.id, product_id: lamp.id }).count({ n: '*' }).first()).toEqual({ n: '4' });
}, 120_000);

