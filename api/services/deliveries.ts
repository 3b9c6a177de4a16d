/** Delivery records as the API shows them: a recipient's per notification, and the failed ones for admins. */
import type { Knex } from 'knex';
import { AppError } from '../../shared/errors';

export interface DeliveryView {
  id: number;
  /** null: a digest (it covers a window of notifications) */
  notificationId: number | null;
  recipientId: string;
  channel: string;
  category: string;
  template: string;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  messageId: string | null;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface DeliveryRow {
  id: string;
  notification_id: string | null;
  recipient_id: string;
  channel: string;
  category: string;
  template: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  message_id: string | null;
  sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const view = (r: DeliveryRow): DeliveryView => ({
  id: Number(r.id),
  notificationId: r.notification_id === null ? null : Number(r.notification_id),
  recipientId: r.recipient_id,
  channel: r.channel,
  category: r.category,
  template: r.template,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  // only a queued delivery has a next attempt
  nextAttemptAt: r.status === 'queued' ? r.next_attempt_at.toISOString() : null,
  messageId: r.message_id,
  sentAt: r.sent_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** 404 unless the notification is the caller's (someone else's is as good as absent). */
export async function deliveriesOfNotification(db: Knex, userId: string, notificationId: number): Promise<DeliveryView[]> {
  const own = await db('notifications').where({ id: notificationId, recipient_id: userId }).first('id');
  if (!own) throw AppError.notFound(`you have no notification ${notificationId}`);
  const rows: DeliveryRow[] = await db('deliveries').where({ notification_id: notificationId }).orderBy('id');
  return rows.map(view);
}

export async function listDeliveries(db: Knex, filter: { status?: string; page: number; limit: number }): Promise<{ data: DeliveryView[]; page: number; limit: number; total: number }> {
  const base = db('deliveries').modify((q) => {
    if (filter.status) void q.where({ status: filter.status });
  });
  const [rows, count] = await Promise.all([
    base.clone().orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(filter.limit).offset((filter.page - 1) * filter.limit) as Promise<DeliveryRow[]>,
    base.clone().count<{ count: string }[]>('* as count'),
  ]);
  return { data: rows.map(view), page: filter.page, limit: filter.limit, total: Number(count[0]?.count ?? 0) };
}
