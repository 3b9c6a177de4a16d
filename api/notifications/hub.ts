/**
 * The bridge from the consumers to the browsers. Consumers and API may be separate processes (and
 * several of each), so the consumers signal each committed fan-out with one
 * `pg_notify('notifications', {event_id, audience, first_id, last_id, count})` (a single row may also
 * be signalled as `{id, recipient_id}`); every API process holds one dedicated PostgreSQL connection
 * that LISTENs on that channel, reads the event's rows in that id range that belong to the users
 * connected to this process (one query, however many followers the fan-out had) and pushes them to
 * their SSE sessions.
 *
 * - Resume: a client reconnecting with `Last-Event-ID: <notification id>` first gets its
 *   notifications with a greater id (oldest first), then the live ones; a notification arriving
 *   while the replay runs is queued and sent after it, never twice (each session remembers the ids
 *   it has sent).
 * - The LISTEN connection (api/pg-listener.ts) is re-opened with backoff when it drops; NOTIFYs
 *   sent while it was down are lost, so on every reconnect each session is caught up from the
 *   database (ids above the highest it was sent before the outage). Live notifications that arrive
 *   meanwhile are queued per session until its catch-up is done, as during a resume: sent at once,
 *   they would raise the session's high-water mark over what the outage kept from it.
 * - Ids are assigned when a row is inserted and consumers commit concurrently, so ids can commit
 *   slightly out of order; a session sends whatever arrives (deduplicated by id). A client that
 *   resumes from an id may therefore, rarely, miss a notification that committed later with a
 *   smaller id; the inbox (GET /notifications) always has it.
 */
import type { Session } from 'better-sse';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { z } from 'zod';
import { NOTIFICATION_CHANNEL } from '../../consumers/notify';
import { getConfig } from '../../shared/config';
import { componentLogger } from '../../shared/logger';
import { createPgListener } from '../pg-listener';
import { latestNotificationId, notificationsAfter, notificationsByIds, notificationsInRanges, type FanoutRange, type NotificationView } from '../services/notifications';

export interface NotificationHub {
  /** how often an idle SSE stream sends a comment so proxies and clients keep it open */
  readonly keepAliveMs: number;
  /**
   * Streams `userId`'s notifications to the session until it disconnects: those after
   * `lastEventId` first (when given), then live ones.
   */
  stream(session: Session, userId: string, lastEventId?: number): Promise<void>;
  /** connected SSE sessions in this process */
  sessionCount(): number;
  /** whether the LISTEN connection is up */
  listening(): boolean;
  close(): Promise<void>;
}

export interface NotificationHubOptions {
  db: Knex;
  /** defaults to the configured DATABASE_URL */
  databaseUrl?: string;
  log?: Logger;
  keepAliveMs?: number;
  /** at most this many notifications are replayed on a resume (the inbox has the rest) */
  replayLimit?: number;
  reconnectDelayMs?: { initial: number; max: number };
  /** how the LISTEN connection shows in pg_stat_activity */
  applicationName?: string;
}

const signalSchema = z.union([
  z.object({ id: z.number().int().positive(), recipient_id: z.string() }),
  z.object({ event_id: z.string(), audience: z.string(), first_id: z.number().int().positive(), last_id: z.number().int().positive(), count: z.number().int().positive() }),
]);

/** How many sent ids a session remembers to suppress duplicates. */
const SENT_MEMORY = 1_000;

interface Subscriber {
  session: Session;
  userId: string;
  /** replay in progress: live notifications wait here */
  queue: NotificationView[] | undefined;
  sent: Set<number>;
  /** the highest id sent (or the starting point): where a catch-up resumes */
  highest: number;
  /** the LISTEN connection came back while this session's first replay ran: read the table once more */
  replayAgain?: boolean;
}

export async function createNotificationHub(options: NotificationHubOptions): Promise<NotificationHub> {
  const { db } = options;
  const log = options.log ?? componentLogger('notification-hub');
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const replayLimit = options.replayLimit ?? 1_000;
  const byUser = new Map<string, Set<Subscriber>>();
  let pending = new Set<number>();
  let pendingRanges: FanoutRange[] = [];
  let flushScheduled = false;
  /** the flush running now, if any: the next one starts after it */
  let flushing: Promise<void> = Promise.resolve();

  function send(sub: Subscriber, n: NotificationView): void {
    if (sub.sent.has(n.id) || !sub.session.isConnected) return;
    try {
      sub.session.push(n, 'notification', String(n.id));
    } catch (err) {
      log.debug({ err }, 'push to a closing session failed');
      return;
    }
    sub.sent.add(n.id);
    sub.highest = Math.max(sub.highest, n.id);
    if (sub.sent.size > SENT_MEMORY) {
      // forget the oldest half; Set iteration is insertion order
      let drop = sub.sent.size - SENT_MEMORY / 2;
      for (const id of sub.sent) {
        if (drop-- <= 0) break;
        sub.sent.delete(id);
      }
    }
  }

  function deliver(recipientId: string, n: NotificationView): void {
    for (const sub of byUser.get(recipientId) ?? []) {
      if (sub.queue) sub.queue.push(n);
      else send(sub, n);
    }
  }

  /**
   * Signals arriving together are fetched with one query. Flushes run one at a time: a second
   * flush reading while the first still waits for its rows would deliver newer notifications first.
   */
  async function flush(): Promise<void> {
    flushScheduled = false;
    const ids = [...pending];
    const ranges = pendingRanges;
    pending = new Set();
    pendingRanges = [];
    try {
      for (const n of await notificationsByIds(db, ids)) deliver(n.recipientId, n);
      // the users connected now: one who connected since the signal replays from the table anyway
      if (ranges.length > 0 && byUser.size > 0) {
        for (const n of await notificationsInRanges(db, ranges, [...byUser.keys()])) deliver(n.recipientId, n);
      }
    } catch (err) {
      log.error({ err, ids, ranges }, 'could not load notifications to push');
    }
  }

  function onSignal(payload: string | undefined): void {
    let signal: z.infer<typeof signalSchema>;
    try {
      signal = signalSchema.parse(JSON.parse(payload ?? ''));
    } catch {
      log.warn({ payload }, 'ignoring a malformed notification signal');
      return;
    }
    if ('first_id' in signal) {
      if (byUser.size === 0) return; // nobody here to tell
      pendingRanges.push({ eventId: signal.event_id, audience: signal.audience, from: signal.first_id, to: signal.last_id });
    } else {
      if (!byUser.has(signal.recipient_id)) return; // nobody here to tell
      pending.add(signal.id);
    }
    if (!flushScheduled) {
      flushScheduled = true;
      flushing = flushing.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(flush);
    }
  }

  /**
   * Sends the database's notifications after `from`, then what arrived live meanwhile (queued,
   * oldest first); `send` skips ids already sent. Used for a resume and after a LISTEN outage.
   */
  async function replay(sub: Subscriber, from: number): Promise<void> {
    sub.queue ??= [];
    try {
      for (const n of await notificationsAfter(db, sub.userId, from, replayLimit)) send(sub, n);
    } finally {
      const queued = (sub.queue ?? []).sort((a, b) => a.id - b.id);
      sub.queue = undefined;
      for (const n of queued) send(sub, n);
    }
  }

  /**
   * After a LISTEN outage: send each session what it may have missed. Every session starts
   * queueing live notifications at once, before any query: a live one sent to a session that is
   * not yet caught up would raise its high-water mark over the notifications of the outage.
   */
  async function catchUp(): Promise<void> {
    const due: { sub: Subscriber; from: number }[] = [];
    for (const subs of byUser.values()) {
      for (const sub of subs) {
        if (sub.queue) {
          sub.replayAgain = true; // its replay may have read the table before the outage ended
          continue;
        }
        sub.queue = [];
        due.push({ sub, from: sub.highest });
      }
    }
    await Promise.all(
      due.map(({ sub, from }) =>
        replay(sub, from).catch((err: unknown) => log.error({ err, userId: sub.userId }, 'catch-up after reconnect failed')),
      ),
    );
  }

  const listener = createPgListener({
    url: options.databaseUrl ?? getConfig().database.url,
    channel: NOTIFICATION_CHANNEL,
    applicationName: options.applicationName ?? 'sales-saga-notification-hub',
    log,
    onNotification: onSignal,
    onReconnect: catchUp,
    reconnectDelayMs: options.reconnectDelayMs,
  });
  // the caller learns a failure now; a hub that was never handed out does not retry in the background
  await listener.start();

  return {
    keepAliveMs,

    async stream(session, userId, lastEventId) {
      const sub: Subscriber = { session, userId, queue: [], sent: new Set(), highest: 0 };
      // registered before the replay query, so nothing committed meanwhile can fall in between
      let subs = byUser.get(userId);
      if (!subs) byUser.set(userId, (subs = new Set()));
      subs.add(sub);
      session.once('disconnected', () => {
        const set = byUser.get(userId);
        set?.delete(sub);
        if (set?.size === 0) byUser.delete(userId);
      });
      let from = lastEventId;
      if (from !== undefined) {
        sub.highest = from;
        await replay(sub, from);
      } else {
        try {
          sub.highest = from = await latestNotificationId(db, userId);
        } finally {
          const queued = (sub.queue ?? []).sort((a, b) => a.id - b.id);
          sub.queue = undefined;
          for (const n of queued) send(sub, n);
        }
      }
      // rare: an outage ended during that first read; what it missed is sent now (what was sent is skipped)
      if (sub.replayAgain) {
        sub.replayAgain = false;
        await replay(sub, from);
      }
    },

    sessionCount() {
      let n = 0;
      for (const subs of byUser.values()) n += subs.size;
      return n;
    },

    listening: () => listener.listening(),

    async close() {
      await listener.close();
      byUser.clear();
    },
  };
}
