/**
 * The three notification audiences, each its own consumer group so each receives every event:
 *
 * | group            | inventory status changes          | sale events (created/completed/cancelled) |
 * |------------------|-----------------------------------|-------------------------------------------|
 * | notify-admin     | every admin, all products         | every admin                               |
 * | notify-sales     | every sales user, all products    | every sales user                          |
 * | notify-customers | customers following the product   | the sale's own customer (customer_user_id)|
 *
 * An inventory event notifies when it changes the status the group holds for the product or is a
 * status an inventory system reported (`inventory.status_reported`). Each group keeps the newest
 * version it applied per product: an `inventory.updated` at or below it is stale and ignored (no
 * regression to an old status); a reported status at or above it is applied (see applyVersion).
 * Stock-level-only changes update that state and notify no one.
 *
 * "Changes" is judged against the held status, not the event's own `previous_status`: two sagas'
 * events for one product can arrive out of order (v4 "low → low" before v3 "in → low"); v4 then
 * tells people "low on stock" (held: in stock) and v3 is stale. With no held status (the group's
 * first event for the product) the event's `previous_status` is the only baseline there is.
 *
 * Per event, inside its batch's transaction (consumers/batch.ts claims the event ids): apply the
 * version, insert one inbox row per recipient with its immediate email delivery rows, or above
 * DELIVERY_FANOUT_INLINE_MAX recipients one job for them (delivery/fanout.ts; delivery/preferences.ts
 * decides who; delivery/worker.ts queues and sends them, outside this transaction)
 * and queue one `pg_notify('notifications', {event_id, audience, first_id, last_id, count})` for the
 * event's rows, sent by
 * the batch before it commits, so the API's LISTEN connections hear about notifications only once
 * they are committed (the hub reads the range's rows of the users connected to it).
 * After the commit, one structured log line per notification: that is how operators watch the flow.
 *
 * Each row stores a message (key + parameters, delivery/templates/in-app.ts) beside its English
 * title/body; the API renders it in the recipient's locale when it hands the row out.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { InventoryEvent, SaleEvent } from '../shared/events';
import type { NotificationView } from '../shared/api-views';
import { emailDeliveriesCte } from '../delivery/fanout';
import { AUDIENCE_ROLE, categoryOf, defaultsFor, emailWorthy, templateOf } from '../delivery/preferences';
import { getConfig } from '../shared/config';
import { renderInApp, type InAppMessage, type SaleMessage } from '../delivery/templates/in-app';
import type { EffectContext, EventEffect } from './batch';
import type { Delivered } from './messages';

export const AUDIENCES = ['admin', 'sales', 'customers'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const NOTIFY_GROUPS: Record<Audience, string> = {
  admin: 'notify-admin',
  sales: 'notify-sales',
  customers: 'notify-customers',
};

/** up to this many recipients, one log line each; above it, one line for the event's fan-out */
export const NOTIFICATION_LOG_LINES = 100;

/** the channel the API's notification hub LISTENs on */
export const NOTIFICATION_CHANNEL = 'notifications';

export interface NotifyDeps {
  audience: Audience;
  /** the group id actually consumed (may carry a suffix); keys processed_events and the product state */
  groupId: string;
  log: Logger;
  /** fan-outs above this many recipients queue their emails through a job (default DELIVERY_FANOUT_INLINE_MAX) */
  emailFanoutInlineMax?: number;
}

/** A notification before its recipients: title and body in English, stored beside the message (logs, old readers); the API renders the message per recipient. */
interface Draft extends Pick<NotificationView, 'kind' | 'productId' | 'saleId' | 'status' | 'title' | 'body' | 'eventId'> {
  message: InAppMessage;
  /** inventory: the status the change is measured from (picks the email template) */
  from?: string | null;
}

interface Recipients {
  /** SQL condition on `users u` */
  where: string;
  bindings: string[];
}

interface StoredRow {
  id: string;
  recipient_id: string;
  email: string;
}

const shortId = (id: string): string => id.slice(0, 8);

/**
 * The status an inventory change is measured from: the one the group holds (from the last
 * `inventory.updated` it applied), else the event's own previous_status.
 */
export function baselineStatus(event: InventoryEvent, held: string | null | undefined): string | null | undefined {
  return held ?? event.previous_status;
}

/**
 * Whether the event is news to a person, as opposed to a stock level moving within one status.
 * `held`: the status of the last `inventory.updated` this group applied for the product, if any.
 */
export function isStatusNews(event: InventoryEvent, held?: string | null): boolean {
  return event.type === 'inventory.status_reported' || event.status !== baselineStatus(event, held);
}

interface Applied {
  /** false: the event is stale for this group */
  applied: boolean;
  /** the status of the last `inventory.updated` the group had applied before this event (null: none) */
  held: string | null;
}

/**
 * Applies the event to this group's view of the product and returns the status held before it.
 * The row is read FOR UPDATE first (a member that lost its partition mid-batch waits, then reads
 * what the winner wrote); the write is one conditional upsert, so two members racing on a product
 * the group has no row for yet cannot both win.
 *
 * - `inventory.updated` at version v applies when v > the held version, and then holds v.
 * - `inventory.status_reported` carries the product's version when it was reported (v) and applies
 *   when v >= the held version. It sets the status but holds at most v - 1: the saga's own event
 *   for version v may still be on its way (the activity publishes after its commit, the API
 *   publishes a report at once), and a report must not make that real change look stale.
 */
async function applyVersion(trx: Knex.Transaction, groupId: string, event: InventoryEvent): Promise<Applied> {
  const reported = event.type === 'inventory.status_reported';
  const before: { stock_status: string | null } | undefined = await trx('consumer_product_state')
    .where({ consumer_group: groupId, product_id: event.product_id })
    .forUpdate()
    .first('stock_status');
  // a report leaves stock_status alone: it is not a stock change, and the saga's own event for the
  // same version must still be measured against the last real change
  const result = await trx.raw<{ rows: unknown[] }>(
    reported
      ? `INSERT INTO consumer_product_state (consumer_group, product_id, version, status, updated_at)
         VALUES (?, ?, GREATEST(CAST(? AS bigint) - 1, 0), ?, now())
         ON CONFLICT (consumer_group, product_id) DO UPDATE
           SET version = GREATEST(consumer_product_state.version, EXCLUDED.version), status = EXCLUDED.status, updated_at = now()
           WHERE consumer_product_state.version <= CAST(? AS bigint)
         RETURNING version`
      : `INSERT INTO consumer_product_state (consumer_group, product_id, version, status, stock_status, updated_at)
         VALUES (?, ?, ?, ?, ?, now())
         ON CONFLICT (consumer_group, product_id) DO UPDATE
           SET version = EXCLUDED.version, status = EXCLUDED.status, stock_status = EXCLUDED.stock_status, updated_at = now()
           WHERE consumer_product_state.version < EXCLUDED.version
         RETURNING version`,
    reported
      ? [groupId, event.product_id, event.version, event.status, event.version]
      : [groupId, event.product_id, event.version, event.status, event.status],
  );
  return { applied: result.rows.length === 1, held: before?.stock_status ?? null };
}

function inventoryRecipients(audience: Audience, productId: string): Recipients {
  switch (audience) {
    case 'admin':
      return { where: `u.role = 'admin'`, bindings: [] };
    case 'sales':
      return { where: `u.role = 'sales'`, bindings: [] };
    case 'customers':
      return {
        where: `u.role = 'customer' AND EXISTS (SELECT 1 FROM product_follows f WHERE f.user_id = u.id AND f.product_id = ?)`,
        bindings: [productId],
      };
  }
}

function saleRecipients(audience: Audience, event: SaleEvent): Recipients | undefined {
  switch (audience) {
    case 'admin':
      return { where: `u.role = 'admin'`, bindings: [] };
    case 'sales':
      return { where: `u.role = 'sales'`, bindings: [] };
    case 'customers':
      // a sale made for an email with no customer account has no one to tell
      return event.customer_user_id ? { where: `u.role = 'customer' AND u.id = ?`, bindings: [event.customer_user_id] } : undefined;
  }
}

/** `from`: the status the change is measured from (see baselineStatus) */
function inventoryDraft(event: InventoryEvent, productName: string, from: string | null | undefined): Draft {
  const message: InAppMessage =
    event.type === 'inventory.status_reported'
      ? { key: 'status_reported', product: productName, status: event.status }
      : { key: 'stock_changed', product: productName, from: from ?? null, status: event.status, available: event.available ?? null };
  return { kind: 'inventory', productId: event.product_id, saleId: null, status: event.status, ...renderInApp(message, 'en'), message, eventId: event.event_id, from };
}

const SALE_EVENTS: Record<SaleEvent['type'], SaleMessage['event']> = { 'sale.created': 'created', 'sale.completed': 'completed', 'sale.cancelled': 'cancelled' };

function saleDraft(event: SaleEvent, audience: Audience): Draft {
  const message: SaleMessage = {
    key: 'sale',
    to: audience === 'customers' ? 'customer' : 'staff',
    event: SALE_EVENTS[event.type],
    sale: shortId(event.sale_id),
    customer: event.customer_name,
    items: event.items.map((i) => ({ quantity: i.quantity, product: i.product_name ?? i.product_id })),
    total: event.total,
    discount: event.discount,
    expiresAt: event.type === 'sale.created' ? event.expires_at : null,
    paymentMethod: event.type === 'sale.completed' ? (event.payment_method ?? null) : null,
    reason: event.type === 'sale.cancelled' ? (event.reason ?? null) : null,
  };
  return { kind: 'sale', productId: null, saleId: event.sale_id, status: event.status, ...renderInApp(message, 'en'), message, eventId: event.event_id };
}

/**
 * The email side of the rows `ins` inserts, in the same statement (delivery/fanout.ts): the
 * immediate email deliveries, or for a fan-out above `inlineMax` recipients one job the delivery
 * workers expand. Undefined: this notification is never emailed (no template, or not worth an
 * email in its category).
 */
function immediateEmails(audience: Audience, draft: Draft, inlineMax: number): { sql: string; bindings: (string | number | null)[] } | undefined {
  const category = categoryOf(audience, draft);
  const template = templateOf(draft);
  if (!template || !emailWorthy(category, template)) return undefined;
  const defaultCadence = defaultsFor(AUDIENCE_ROLE[audience])[category]?.email ?? 'off';
  return emailDeliveriesCte({ audience, eventId: draft.eventId, category, template, defaultCadence, productId: draft.productId, inlineMax });
}

/** What one fan-out statement stored: a summary, and the rows themselves only when they are few. */
interface Stored {
  count: number;
  firstId: number;
  lastId: number;
  /** the first NOTIFICATION_LOG_LINES rows by id (all of them when count <= NOTIFICATION_LOG_LINES) */
  rows: StoredRow[];
}

/**
 * Inserts one inbox row per recipient (skipping any already there) with its immediate email
 * deliveries, set-based in one statement, and queues one signal for all of them. Nothing per
 * recipient comes back to Node beyond the first NOTIFICATION_LOG_LINES rows (their log lines): a
 * fan-out to 100 000 followers returns one row and sends one NOTIFY
 * `{event_id, audience, first_id, last_id, count}`;
 * the API's hub (api/notifications/hub.ts) reads the range's rows for the users connected to it.
 */
async function store(ctx: EffectContext, audience: Audience, draft: Draft, recipients: Recipients, inlineMax: number): Promise<Stored> {
  const { trx } = ctx;
  const emails = immediateEmails(audience, draft, inlineMax);
  const result = await trx.raw<{ rows: { count: string; first_id: string | null; last_id: string | null; rows: StoredRow[] }[] }>(
    `WITH ins AS (
       INSERT INTO notifications (recipient_id, audience, kind, product_id, sale_id, status, title, body, event_id, message)
       SELECT u.id, ?, ?, ?, CAST(? AS uuid), ?, ?, ?, ?, CAST(? AS jsonb) FROM users u WHERE u.deleted_at IS NULL AND (${recipients.where})
       ON CONFLICT (recipient_id, event_id) DO NOTHING
       RETURNING id, recipient_id
     )${emails?.sql ?? ''}
     SELECT (SELECT count(*) FROM ins) AS count, (SELECT min(id) FROM ins) AS first_id, (SELECT max(id) FROM ins) AS last_id,
            (SELECT COALESCE(json_agg(json_build_object('id', f.id, 'recipient_id', f.recipient_id, 'email', u.email) ORDER BY f.id), '[]')
               FROM (SELECT id, recipient_id FROM ins ORDER BY id LIMIT ?) f JOIN users u ON u.id = f.recipient_id) AS rows`,
    [audience, draft.kind, draft.productId, draft.saleId, draft.status, draft.title, draft.body, draft.eventId, JSON.stringify(draft.message), ...recipients.bindings, ...(emails?.bindings ?? []), NOTIFICATION_LOG_LINES],
  );
  const row = result.rows[0]!;
  const stored: Stored = { count: Number(row.count), firstId: Number(row.first_id ?? 0), lastId: Number(row.last_id ?? 0), rows: row.rows };
  // NOTIFY is transactional: listeners hear it only if the batch's transaction commits
  if (stored.count > 0) ctx.signal(NOTIFICATION_CHANNEL, [JSON.stringify({ event_id: draft.eventId, audience, first_id: stored.firstId, last_id: stored.lastId, count: stored.count })]);
  return stored;
}

type Outcome = { result: 'stale' | 'no-change' | 'no-recipients' } | { result: 'notified'; draft: Draft; stored: Stored };

async function productName(trx: Knex.Transaction, productId: string): Promise<string> {
  const row: { name: string } | undefined = await trx('products').where({ id: productId }).first('name');
  return row?.name ?? `Product ${productId}`;
}

/** The group's effect of one new event (the batch has claimed its id). */
export function createNotifyEffect({ audience, groupId, log, emailFanoutInlineMax }: NotifyDeps): EventEffect {
  const inlineMax = emailFanoutInlineMax ?? getConfig().delivery.fanoutInlineMax;
  async function apply(ctx: EffectContext, delivered: Delivered): Promise<Outcome> {
    const { trx } = ctx;
    if (delivered.kind === 'inventory') {
      const event = delivered.event;
      const { applied, held } = await applyVersion(trx, groupId, event);
      if (!applied) return { result: 'stale' };
      if (!isStatusNews(event, held)) return { result: 'no-change' };
      const draft = inventoryDraft(event, await productName(trx, event.product_id), baselineStatus(event, held));
      const stored = await store(ctx, audience, draft, inventoryRecipients(audience, event.product_id), inlineMax);
      return stored.count > 0 ? { result: 'notified', draft, stored } : { result: 'no-recipients' };
    }
    const recipients = saleRecipients(audience, delivered.event);
    if (!recipients) return { result: 'no-recipients' };
    const draft = saleDraft(delivered.event, audience);
    const stored = await store(ctx, audience, draft, recipients, inlineMax);
    return stored.count > 0 ? { result: 'notified', draft, stored } : { result: 'no-recipients' };
  }

  return async (ctx, delivered) => {
    const outcome = await apply(ctx, delivered);
    ctx.afterCommit(() => logOutcome(delivered, outcome));
  };

  function logOutcome(delivered: Delivered, outcome: Outcome): void {
    const { event, origin } = delivered;
    if (outcome.result !== 'notified') {
      const level = outcome.result === 'stale' ? 'info' : 'debug';
      log[level]({ audience, event_id: event.event_id, type: event.type, version: event.version, ...origin, outcome: outcome.result }, `event ${outcome.result}`);
      return;
    }
    // after the commit, so a line is never written for a notification that was rolled back
    if (outcome.stored.count > NOTIFICATION_LOG_LINES) {
      // a fan-out to thousands: one line for all (a line each would be 100 000 lines for one event)
      log.info(
        {
          audience,
          notifications: outcome.stored.count,
          first_notification_id: outcome.stored.firstId,
          last_notification_id: outcome.stored.lastId,
          kind: outcome.draft.kind,
          product_id: outcome.draft.productId,
          sale_id: outcome.draft.saleId,
          status: outcome.draft.status,
          event_id: outcome.draft.eventId,
        },
        'notifications',
      );
      return;
    }
    for (const row of outcome.stored.rows) {
      log.info(
        {
          audience,
          recipient: row.email,
          recipient_id: row.recipient_id,
          notification_id: Number(row.id),
          kind: outcome.draft.kind,
          product_id: outcome.draft.productId,
          sale_id: outcome.draft.saleId,
          status: outcome.draft.status,
          event_id: outcome.draft.eventId,
        },
        'notification',
      );
    }
  }
}
