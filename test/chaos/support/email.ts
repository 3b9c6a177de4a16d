/**
 * The email side of a chaos scenario (issue #13 §2): who must get mail during the run, and the
 * checks after it — every email that should go out has its delivery, every delivery ends `sent`,
 * and the SMTP server's mailbox (MailDev's HTTP API) holds each of them exactly once, by the
 * delivery's stable Message-ID: none lost and, without a crash between accept and mark-sent, none
 * duplicated.
 */
import type { Knex } from 'knex';
import { headerOf, listMessages, rawSource, type ReceivedMail } from '../../helpers/mailbox';
import type { CheckResult, Scope } from './checks';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The admin hears of every sale by email at once (staff default: a daily digest). The customer's own sales already are (role default). */
export async function immediateSaleEmails(db: Knex, scope: Scope): Promise<void> {
  await db('notification_preferences')
    .insert({ user_id: scope.adminId, category: 'sales', channel: 'email', cadence: 'immediate' })
    .onConflict(['user_id', 'category', 'channel'])
    .merge();
}

export async function restoreEmailDefaults(db: Knex, scope: Scope): Promise<void> {
  await db('notification_preferences').where({ user_id: scope.adminId, category: 'sales', channel: 'email' }).delete();
}

const recipients = (scope: Scope) => [scope.adminId, scope.customerId];

interface DeliveryRow {
  id: string;
  recipient_id: string;
  status: string;
  attempts: number;
  message_id: string | null;
  last_error: string | null;
}

/** The deliveries of the scenario's email recipients now: how many are queued, sent, were retried. */
export async function deliveryCounts(db: Knex, scope: Scope): Promise<{ queued: number; sent: number; retried: number }> {
  const rows: { status: string; n: string; retried: string }[] = await db('deliveries')
    .whereIn('recipient_id', recipients(scope))
    .groupBy('status')
    .select('status', db.raw('count(*) as n'), db.raw('count(*) filter (where attempts > 1) as retried'));
  const count = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  return { queued: count('queued'), sent: count('sent'), retried: rows.reduce((a, r) => a + Number(r.retried), 0) };
}

/** MailDev's JSON lists a few headers, Message-ID among them; the raw message otherwise */
async function messageIdOf(mail: ReceivedMail): Promise<string | undefined> {
  const listed = mail.headers['message-id'];
  return (Array.isArray(listed) ? listed[0] : listed) ?? headerOf(await rawSource(mail.id), 'Message-ID');
}

export async function checkEmails(db: Knex, scope: Scope, saleIds: string[], timeoutMs = 150_000): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  // every sale notification of the two recipients is an immediate email by their preferences
  const missing: { id: string }[] = await db('notifications as n')
    .leftJoin('deliveries as d', function join() {
      this.on('d.notification_id', 'n.id').andOnVal('d.channel', 'email');
    })
    .whereIn('n.recipient_id', recipients(scope))
    .where('n.kind', 'sale')
    .whereIn('n.sale_id', saleIds)
    .whereNull('d.id')
    .select('n.id');
  const expected = Number((await db('notifications').whereIn('recipient_id', recipients(scope)).where('kind', 'sale').whereIn('sale_id', saleIds).count<{ n: string }[]>('* as n'))[0]?.n ?? 0);
  results.push({
    name: 'every email that should go out has its delivery',
    ok: missing.length === 0 && expected > 0,
    detail: `${expected} sale notifications to the admin (sales: immediate email) and the customer (own sales), ${missing.length} without an email delivery${missing.length ? `: ${JSON.stringify(missing.slice(0, 10))}` : ''}`,
  });

  // the workers retry with backoff: wait until nothing is queued any more
  const started = Date.now();
  let rows: DeliveryRow[] = [];
  for (;;) {
    rows = await db('deliveries').whereIn('recipient_id', recipients(scope)).select('id', 'recipient_id', 'status', 'attempts', 'message_id', 'last_error');
    if (!rows.some((r) => r.status === 'queued') || Date.now() - started > timeoutMs) break;
    await sleep(1_000);
  }
  const notSent = rows.filter((r) => r.status !== 'sent');
  const retried = rows.filter((r) => r.attempts > 1);
  results.push({
    name: 'every delivery ends sent',
    ok: notSent.length === 0 && rows.length > 0,
    detail: `${rows.length} deliveries, ${rows.length - notSent.length} sent after ${((Date.now() - started) / 1000).toFixed(1)} s, ${retried.length} needed more than one attempt${notSent.length ? `; not sent: ${JSON.stringify(notSent.slice(0, 5))}` : ''}`,
  });
  results.push({
    name: 'the outage hit deliveries in flight',
    ok: retried.length > 0,
    detail: `${retried.length} deliveries failed an attempt while the server was down and were sent on a later one`,
  });

  // the mailbox, by Message-ID: each sent delivery exactly once
  const users: { id: string; email: string }[] = await db('users').whereIn('id', recipients(scope)).select('id', 'email');
  const inMailbox = new Map<string, number>();
  for (const u of users) {
    for (const mail of await listMessages(u.email)) {
      const id = await messageIdOf(mail);
      if (id) inMailbox.set(id, (inMailbox.get(id) ?? 0) + 1);
    }
  }
  const sent = rows.filter((r) => r.status === 'sent');
  const lost = sent.filter((r) => !r.message_id || !inMailbox.has(r.message_id));
  const duplicated = sent.filter((r) => r.message_id && (inMailbox.get(r.message_id) ?? 0) > 1);
  const known = new Set(sent.map((r) => r.message_id));
  const unexpected = [...inMailbox.keys()].filter((id) => !known.has(id));
  results.push({
    name: 'every sent email is in the mailbox once',
    ok: lost.length === 0 && duplicated.length === 0 && unexpected.length === 0,
    detail: `${sent.length} sent deliveries, ${[...inMailbox.values()].reduce((a, b) => a + b, 0)} messages in the recipients' mailboxes; lost ${lost.length}, duplicated ${duplicated.length}, unknown ${unexpected.length}${lost.length ? `; lost e.g. ${JSON.stringify(lost.slice(0, 3))}` : ''}`,
  });
  return results;
}
