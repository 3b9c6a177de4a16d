/**
 * The inbox: each user's notifications, as the consumers stored them (consumers/notify.ts), with
 * title and body rendered in the recipient's current locale (delivery/templates/in-app.ts).
 */
import type { Knex } from 'knex';
import type { MailLocale } from '../../delivery/mailer';
import { inAppText } from '../../delivery/templates/in-app';
import type { NotificationView } from '../../shared/api-views';
import { AppError } from '../../shared/errors';

export interface NotificationRow {
  id: string | number;
  recipient_id: string;
  audience: string;
  kind: 'inventory' | 'sale';
  product_id: string | null;
  sale_id: string | null;
  status: string;
  title: string;
  body: string;
  event_id: string;
  /** key + parameters (null on rows from before messages) */
  message?: unknown;
  created_at: Date;
  read_at: Date | null;
}

export type { NotificationView };

/** `locale`: the recipient's; without it, the text stored with the row */
export function notificationView(row: NotificationRow, locale?: MailLocale): NotificationView {
  const text = locale ? inAppText(row, locale) : { title: row.title, body: row.body };
  return {
    id: Number(row.id),
    audience: row.audience,
    kind: row.kind,
    productId: row.product_id,
    saleId: row.sale_id,
    status: row.status,
    title: text.title,
    body: text.body,
    eventId: row.event_id,
    createdAt: row.created_at.toISOString(),
    readAt: row.read_at ? row.read_at.toISOString() : null,
  };
}

export interface InboxPage {
  data: NotificationView[];
  page: number;
  limit: number;
  /** notifications matching the filter */
  total: number;
  /** the caller's unread notifications, whatever the filter */
  unread: number;
}

/** the language a user reads notifications in now (a deleted user's rows read in English) */
async function localeOf(db: Knex, userId: string): Promise<MailLocale> {
  const row: { locale: MailLocale } | undefined = await db('users').where({ id: userId }).first('locale');
  return row?.locale ?? 'en';
}

const count = async (q: Knex.QueryBuilder): Promise<number> => {
  const [row] = (await q.clone().count<{ count: string }[]>({ count: '*' })) as [{ count: string }];
  return Number(row.count);
};

/** Unread first, then newest first. */
export async function listNotifications(db: Knex, userId: string, filter: { page: number; limit: number; unread?: boolean }): Promise<InboxPage> {
  const mine = db('notifications').where('recipient_id', userId);
  const filtered = filter.unread === undefined ? mine.clone() : filter.unread ? mine.clone().whereNull('read_at') : mine.clone().whereNotNull('read_at');
  const [total, unread, rows, locale] = await Promise.all([
    count(filtered),
    count(mine.clone().whereNull('read_at')),
    filtered
      .clone()
      .select('*')
      .orderByRaw('(read_at IS NULL) DESC, id DESC')
      .limit(filter.limit)
      .offset((filter.page - 1) * filter.limit) as Promise<NotificationRow[]>,
    localeOf(db, userId),
  ]);
  return { data: rows.map((r) => notificationView(r, locale)), page: filter.page, limit: filter.limit, total, unread };
}

/** Marks one of the caller's notifications read; the first read time is kept. */
export async function markRead(db: Knex, userId: string, id: number): Promise<NotificationView> {
  const [row] = (await db('notifications')
    .where({ id, recipient_id: userId })
    .update({ read_at: db.raw('COALESCE(read_at, now())') })
    .returning('*')) as NotificationRow[];
  if (!row) throw AppError.notFound(`notification ${id} not found`);
  return notificationView(row, await localeOf(db, userId));
}

/** The caller's notifications after `afterId`, oldest first (SSE replay). */
export async function notificationsAfter(db: Knex, userId: string, afterId: number, limit: number): Promise<NotificationView[]> {
  const [rows, locale] = await Promise.all([
    db('notifications').where('recipient_id', userId).where('id', '>', afterId).orderBy('id').limit(limit) as Promise<NotificationRow[]>,
    localeOf(db, userId),
  ]);
  return rows.map((r) => notificationView(r, locale));
}

export async function latestNotificationId(db: Knex, userId: string): Promise<number> {
  const row = (await db('notifications').where('recipient_id', userId).max({ max: 'id' }).first()) as { max: string | null } | undefined;
  return Number(row?.max ?? 0);
}

export async function notificationsByIds(db: Knex, ids: number[]): Promise<(NotificationView & { recipientId: string })[]> {
  if (ids.length === 0) return [];
  const rows = (await db('notifications as n')
    .join('users as u', 'u.id', 'n.recipient_id')
    .whereIn('n.id', ids)
    .orderBy('n.id')
    .select('n.*', 'u.locale')) as (NotificationRow & { locale: MailLocale })[];
  return rows.map((r) => ({ ...notificationView(r, r.locale), recipientId: r.recipient_id }));
}

/** One fan-out's signal: the rows of one event and audience, ids first..last (api/notifications/hub.ts). */
export interface FanoutRange {
  eventId: string;
  audience: string;
  from: number;
  to: number;
}

/**
 * The rows of `recipientIds` in any of the fan-outs, oldest first. Served by the inbox's
 * (recipient_id, event_id) index per connected user, never a scan of the whole range.
 */
export async function notificationsInRanges(db: Knex, ranges: FanoutRange[], recipientIds: string[]): Promise<(NotificationView & { recipientId: string })[]> {
  if (ranges.length === 0 || recipientIds.length === 0) return [];
  const rows = (await db('notifications as n')
    .join('users as u', 'u.id', 'n.recipient_id')
    .whereIn('n.recipient_id', recipientIds)
    .where((q) => {
      for (const r of ranges) void q.orWhere((one) => void one.where({ 'n.event_id': r.eventId, 'n.audience': r.audience }).whereBetween('n.id', [r.from, r.to]));
    })
    .orderBy('n.id')
    .select('n.*', 'u.locale')) as (NotificationRow & { locale: MailLocale })[];
  return rows.map((r) => ({ ...notificationView(r, r.locale), recipientId: r.recipient_id }));
}
