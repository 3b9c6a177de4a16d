/**
 * The email delivery worker. Any number of them (threads of one process or many processes) share
 * the `deliveries` table:
 *
 * 1. claim: one short transaction takes up to `batchSize` due queued rows with
 *    `FOR UPDATE SKIP LOCKED` (workers never wait on each other or take the same row), counts the
 *    attempt and leases the row by moving next_attempt_at `leaseSeconds` ahead, then commits;
 * 2. send, outside any transaction: re-read what the mail is about (a back-in-stock mail for a
 *    product that is out of stock again is skipped, as is one for a recipient who is gone or has
 *    unsubscribed since), render it in the recipient's language, hand it to the SMTP server with
 *    the delivery's stable Message-ID;
 * 3. record: sent only after the server accepted it. A crash between 2 and 3 leaves the row queued
 *    with its lease; when the lease runs out another worker sends it again: one mail may be
 *    duplicated (same Message-ID), none is lost. A failure sets last_error and the next attempt
 *    (exponential backoff, capped); a permanent SMTP refusal (5xx) or the last attempt → failed.
 *
 * Each round first queues the next chunk of a large fan-out's deliveries (delivery/fanout.ts).
 *
 * Stock emails are throttled per (user, product) when they are sent (delivery/throttle.ts): one
 * inside a window is deferred to its end, and only the newest deferred one goes out. A digest row
 * (no notification; delivery/digests.ts) is rendered from its window's notifications when sent.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { getConfig, type DeliverySettings } from '../shared/config';
import { createMailer, isPermanentSmtpFailure, messageIdFor, type MailLocale, type Mailer } from './mailer';
import { digestItems } from './digests';
import { expandFanout } from './fanout';
import { ALL_EMAIL, type Category, type Template } from './preferences';
import { isStockTemplate, newerStockDelivery, releaseWindow, takeWindow, type StockDelivery } from './throttle';
import { renderDigest } from './templates/digest';
import { inAppText } from './templates/in-app';
import { renderEmail } from './templates/render';
import { unsubscribeUrl, type UnsubscribeScope } from './unsubscribe-links';

export interface DeliveryWorkerOptions {
  db: Knex;
  log: Logger;
  mailer?: Mailer;
  settings?: Partial<DeliverySettings>;
  /** told each recorded outcome (the delivery process counts them for /metrics) */
  onOutcome?(delivery: { channel: 'email'; template: Template }, outcome: DeliveryOutcome): void;
}

export type DeliveryOutcome = Outcome['status'];

export interface DeliveryWorker {
  /** claims and handles one batch; resolves with how many deliveries it handled */
  runOnce(): Promise<number>;
  /** polls until stop() */
  start(): void;
  /** finishes the batch in hand, then closes the mailer */
  stop(): Promise<void>;
}

interface Claimed {
  id: string;
  /** null: a digest (cadence and window set) */
  notification_id: string | null;
  recipient_id: string;
  category: Category;
  template: Template;
  attempts: number;
  cadence: string | null;
  window_start: Date | null;
  window_end: Date | null;
}

interface Context {
  email: string;
  locale: MailLocale;
  role: string;
  gone: boolean;
  unsubscribed: boolean;
  product_id: string | null;
  sale_id: string | null;
  title: string;
  body: string;
  message: unknown;
  product_name: string | null;
  stock_status: string | null;
  available: number | null;
}

type Outcome =
  | { status: 'sent'; messageId: string }
  | { status: 'skipped'; reason: string }
  | { status: 'retry' | 'failed'; error: string }
  /** throttled: queued again for the window's end, no attempt spent */
  | { status: 'deferred'; until: Date };

/** the delay before attempt n+1 after n attempts: base · 2^(n-1), at most max */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/** a delivery's Message-ID: the same for every attempt, so a duplicate is recognisably one mail */
export function deliveryMessageId(notificationId: string | number, channel = 'email'): string {
  return messageIdFor(`notification-${notificationId}-${channel}`);
}

/** a digest's Message-ID: one per digest row, which is one per (recipient, cadence, window) */
export function digestMessageId(deliveryId: string | number): string {
  return messageIdFor(`digest-${deliveryId}-email`);
}

export function productUrl(productId: string): string {
  return `${getConfig().mail.publicBaseUrl}/#/products/${encodeURIComponent(productId)}`;
}

export function createDeliveryWorker({ db, log, mailer: given, settings: overrides, onOutcome }: DeliveryWorkerOptions): DeliveryWorker {
  const settings: DeliverySettings = { ...getConfig().delivery, ...overrides };
  const mailer = given ?? createMailer();
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function claim(): Promise<Claimed[]> {
    const result = await db.raw<{ rows: Claimed[] }>(
      `UPDATE deliveries d
          SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ?), updated_at = now()
        WHERE d.id IN (
          SELECT id FROM deliveries
           WHERE status = 'queued' AND channel = 'email' AND next_attempt_at <= now()
           ORDER BY next_attempt_at
           LIMIT ?
           FOR UPDATE SKIP LOCKED)
      RETURNING d.id, d.notification_id, d.recipient_id, d.category, d.template, d.attempts, d.cadence, d.window_start, d.window_end`,
      [settings.leaseSeconds, settings.batchSize],
    );
    return result.rows;
  }

  async function context(d: Claimed): Promise<Context | undefined> {
    const result = await db.raw<{ rows: Context[] }>(
      `SELECT u.email, u.locale, u.role,
              (u.deleted_at IS NOT NULL OR u.disabled_at IS NOT NULL) AS gone,
              (EXISTS (SELECT 1 FROM notification_preferences a WHERE a.user_id = u.id AND a.channel = 'email' AND a.cadence = 'off' AND a.category IN (?, ?))
               OR EXISTS (SELECT 1 FROM email_product_mutes m WHERE m.user_id = u.id AND m.product_id = n.product_id)) AS unsubscribed,
              n.product_id, n.sale_id, n.title, n.body, n.message, p.name AS product_name, i.status AS stock_status, i.available
         FROM notifications n
         JOIN users u ON u.id = n.recipient_id
         LEFT JOIN products p ON p.id = n.product_id
         LEFT JOIN inventory i ON i.product_id = n.product_id
        WHERE n.id = ?`,
      [ALL_EMAIL, d.category, d.notification_id],
    );
    return result.rows[0];
  }

  async function send(d: Claimed, to: string, locale: MailLocale, messageId: string, unsubscribe: string, email: { subject: string; html: string; text: string }): Promise<Outcome> {
    try {
      await mailer.send({ to, locale, messageId, unsubscribeUrl: unsubscribe, ...email });
      return { status: 'sent', messageId };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      return { status: isPermanentSmtpFailure(err) || d.attempts >= settings.maxAttempts ? 'failed' : 'retry', error };
    }
  }

  async function attemptDigest(d: Claimed): Promise<Outcome> {
    const recipient: { email: string; locale: MailLocale; gone: boolean; all_off: boolean } | undefined = await db('users as u')
      .where('u.id', d.recipient_id)
      .first(
        'u.email',
        'u.locale',
        db.raw('(u.deleted_at IS NOT NULL OR u.disabled_at IS NOT NULL) AS gone'),
        db.raw(`EXISTS (SELECT 1 FROM notification_preferences a WHERE a.user_id = u.id AND a.channel = 'email' AND a.cadence = 'off' AND a.category = ?) AS all_off`, [ALL_EMAIL]),
      );
    if (!recipient || recipient.gone) return { status: 'skipped', reason: 'the recipient is disabled or deleted' };
    if (recipient.all_off) return { status: 'skipped', reason: 'the recipient unsubscribed' };
    const items = await digestItems(db, { recipientId: d.recipient_id, cadence: d.cadence!, windowStart: d.window_start!, windowEnd: d.window_end! });
    if (items.length === 0) return { status: 'skipped', reason: 'nothing left to tell (preferences or mutes changed)' };
    // a digest spans categories: its link stops all email (the page says so)
    const unsubscribe = await unsubscribeUrl({ userId: d.recipient_id, scope: { kind: 'all' } });
    const email = renderDigest({ locale: recipient.locale, cadence: d.cadence!, items, productUrl, unsubscribeUrl: unsubscribe });
    return send(d, recipient.email, recipient.locale, digestMessageId(d.id), unsubscribe, email);
  }

  async function attempt(d: Claimed): Promise<Outcome> {
    if (d.notification_id === null) return attemptDigest(d);
    const c = await context(d);
    if (!c) return { status: 'skipped', reason: 'the notification no longer exists' };
    if (c.gone) return { status: 'skipped', reason: 'the recipient is disabled or deleted' };
    if (c.unsubscribed) return { status: 'skipped', reason: 'the recipient unsubscribed' };
    const stock = throttled(d, c);
    if (stock) {
      const newer = await newerStockDelivery(db, stock);
      if (newer) return { status: 'skipped', reason: `coalesced into delivery ${newer} (a later change of the product)` };
    }
    // the inbox keeps the history; an email saying "back in stock" must still be true when it leaves
    if (d.template === 'back_in_stock' && c.stock_status === 'out_of_stock') return { status: 'skipped', reason: 'the product is out of stock again' };
    if (stock) {
      const window = await takeWindow(db, stock, settings.throttleSeconds);
      if (!window.taken) return { status: 'deferred', until: window.until };
    }

    const scope: UnsubscribeScope = c.role === 'customer' && c.product_id ? { kind: 'product', productId: c.product_id } : { kind: 'category', category: d.category };
    const unsubscribe = await unsubscribeUrl({ userId: d.recipient_id, scope });
    const email = renderEmail({
      template: d.template,
      locale: c.locale,
      productName: c.product_name ?? c.product_id ?? undefined,
      status: c.product_id ? (c.stock_status ?? undefined) : undefined,
      available: c.product_id ? c.available : undefined,
      sale: c.sale_id?.slice(0, 8),
      // the sale's details line as the inbox shows it, in the recipient's language
      details: c.sale_id ? inAppText(c, c.locale).body : undefined,
      productUrl: c.product_id ? productUrl(c.product_id) : undefined,
      unsubscribeUrl: unsubscribe,
    });
    return send(d, c.email, c.locale, deliveryMessageId(d.notification_id), unsubscribe, email);
  }

  /** the (user, product) a stock email is throttled by; undefined: not throttled */
  function throttled(d: Claimed, c: Context): StockDelivery | undefined {
    if (settings.throttleSeconds <= 0 || !c.product_id || !isStockTemplate(d.template)) return undefined;
    return { id: d.id, recipientId: d.recipient_id, productId: c.product_id };
  }

  async function record(d: Claimed, outcome: Outcome): Promise<void> {
    const row = db('deliveries').where({ id: d.id, status: 'queued' });
    switch (outcome.status) {
      case 'sent':
        await row.update({ status: 'sent', sent_at: db.fn.now(), message_id: outcome.messageId, last_error: null, updated_at: db.fn.now() });
        break;
      case 'skipped':
        await row.update({ status: 'skipped', last_error: outcome.reason, updated_at: db.fn.now() });
        break;
      case 'failed':
        await row.update({ status: 'failed', last_error: outcome.error, updated_at: db.fn.now() });
        await releaseWindow(db, d.id);
        break;
      case 'deferred':
        await row.update({ attempts: db.raw('attempts - 1'), next_attempt_at: outcome.until, updated_at: db.fn.now() });
        break;
      case 'retry': {
        const delay = backoffMs(d.attempts, settings.backoffBaseMs, settings.backoffMaxMs);
        await row.update({ last_error: outcome.error, next_attempt_at: db.raw(`now() + make_interval(secs => ?)`, [delay / 1000]), updated_at: db.fn.now() });
        break;
      }
    }
    onOutcome?.({ channel: 'email', template: d.template }, outcome.status);
    const level = outcome.status === 'retry' || outcome.status === 'failed' ? 'warn' : 'info';
    log[level]({ delivery_id: Number(d.id), notification_id: d.notification_id === null ? null : Number(d.notification_id), cadence: d.cadence ?? undefined, recipient_id: d.recipient_id, template: d.template, attempts: d.attempts, ...outcome }, `delivery ${outcome.status}`);
  }

  /** a fan-out job had notifications left after the last chunk: poll again at once */
  let fanoutLeft = false;

  async function runOnce(): Promise<number> {
    // a large fan-out's deliveries are queued here, a chunk per round, so they flow in as they are sent
    const expanded = await expandFanout(db, settings.fanoutChunk);
    fanoutLeft = expanded.fanoutId !== undefined && !expanded.done;
    if (expanded.fanoutId !== undefined) log.info({ fanout_id: expanded.fanoutId, queued: expanded.queued, done: expanded.done }, 'fan-out chunk queued');
    const batch = await claim();
    await Promise.all(
      batch.map(async (d) => {
        let outcome: Outcome;
        try {
          outcome = await attempt(d);
        } catch (err) {
          outcome = { status: d.attempts >= settings.maxAttempts ? 'failed' : 'retry', error: err instanceof Error ? err.message : String(err) };
        }
        await record(d, outcome);
      }),
    );
    return batch.length;
  }

  async function poll(): Promise<void> {
    while (running) {
      let handled = 0;
      try {
        handled = await runOnce();
      } catch (err) {
        log.error({ err }, 'delivery batch failed; retrying after the poll interval');
      }
      if (handled < settings.batchSize && !fanoutLeft && running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, settings.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  }

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      loop = poll();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      mailer.close();
    },
  };
}
