/**
 * What both Server-Sent Events streams (/notifications/stream, /products/stream) share: opening a
 * session for an authenticated caller, and keeping the process and the caller within bounds.
 *
 * - Caps: at most `maxPerUser` streams per user and `maxPerProcess` in this API process; beyond
 *   them the stream is refused with 429 and Retry-After (a client retries, it is not an error of
 *   its request). Per process, not per cluster: N replicas allow N times as many.
 * - A stream lives as long as its credentials: it ends when the token (or the token a stream
 *   ticket was issued with) expires, and when `isActiveUser` says no at open or at one of the
 *   periodic re-checks. Before ending, an `event: end` with `{reason}` tells the client why; the
 *   client then reconnects with fresh credentials (or learns it has none).
 * - Back-pressure: a client that does not read (a stalled network, a suspended tab) would make
 *   this process buffer every event for it. Once more than `maxBufferedBytes` wait unsent, and
 *   still do a moment later, its connection is dropped; it comes back with Last-Event-ID and
 *   loses nothing.
 */
import { createSession, type Session } from 'better-sse';
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import { getConfig } from '../../shared/config';
import { AppError } from '../../shared/errors';
import { componentLogger } from '../../shared/logger';
import { isActiveUser } from '../auth/active-user';
import { accessExpiresAt } from '../auth/middleware';
import { currentUser } from '../auth/types';

export interface LiveStreamLimits {
  maxPerUser: number;
  maxPerProcess: number;
  maxBufferedBytes: number;
  userRecheckMs: number;
  /** how long a backlog over the limit may take to drain before the client is dropped */
  backlogGraceMs: number;
  /** how often an idle stream sends a comment so proxies and clients keep it open */
  keepAliveMs: number;
}

export type EndReason = 'token_expired' | 'user_inactive';

export interface LiveStreams {
  readonly limits: LiveStreamLimits;
  /**
   * Opens an event stream for the authenticated caller, or throws 401/429 before anything is
   * sent; undefined when the client left while it was opening.
   */
  open(req: Request, res: Response, options?: { keepAliveMs?: number }): Promise<Session | undefined>;
  /** open streams in this process */
  count(): number;
  /** stops the re-checks (tests; streams end with their server) */
  close(): void;
}

/** what a refused client is told to wait: streams end when their tabs close, not within a second */
const RETRY_AFTER_SECONDS = 10;
/** setTimeout's largest delay; a later expiry is reached by re-arming */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface OpenStream {
  session: Session;
  res: Response;
  userId: string;
  expiry?: NodeJS.Timeout;
  backlogCheck?: NodeJS.Timeout;
  ended: boolean;
}

export function createLiveStreams(db: Knex, limits: Partial<LiveStreamLimits> = {}): LiveStreams {
  const settings = getConfig().streams;
  const resolved: LiveStreamLimits = {
    maxPerUser: limits.maxPerUser ?? settings.maxPerUser,
    maxPerProcess: limits.maxPerProcess ?? settings.maxPerProcess,
    maxBufferedBytes: limits.maxBufferedBytes ?? settings.maxBufferedBytes,
    userRecheckMs: limits.userRecheckMs ?? settings.userRecheckMs,
    backlogGraceMs: limits.backlogGraceMs ?? 1_000,
    keepAliveMs: limits.keepAliveMs ?? 15_000,
  };
  const log = componentLogger('live-streams');
  const byUser = new Map<string, Set<OpenStream>>();
  let total = 0;
  let recheck: NodeJS.Timeout | undefined;

  function forget(s: OpenStream): void {
    clearTimeout(s.expiry);
    clearTimeout(s.backlogCheck);
    const mine = byUser.get(s.userId);
    if (!mine?.delete(s)) return;
    total -= 1;
    if (mine.size === 0) byUser.delete(s.userId);
    if (total === 0) {
      clearInterval(recheck);
      recheck = undefined;
    }
  }

  function end(s: OpenStream, reason: EndReason): void {
    if (s.ended) return;
    s.ended = true;
    log.info({ userId: s.userId, reason }, 'ending a live stream');
    // until the response's close reaches better-sse, the session still looks connected and a push
    // would write after the end: that error means nothing for a stream we ended
    s.res.on('error', () => undefined);
    // written as is: better-sse gives every pushed event an id, and an `id:` here would move the
    // client's resume point (Last-Event-ID) away from the last real event
    s.res.end(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
  }

  /**
   * Over the limit now may be one burst (a batch of notifications is written at once); a client
   * that reads drains it within moments. One that is still over the limit a grace period later
   * does not keep up: its backlog is dropped with its connection, and its Last-Event-ID is where
   * it resumes.
   */
  function watchBacklog(s: OpenStream): void {
    if (s.ended || s.backlogCheck || s.res.writableLength <= resolved.maxBufferedBytes) return;
    s.backlogCheck = setTimeout(() => {
      s.backlogCheck = undefined;
      if (s.ended || s.res.writableLength <= resolved.maxBufferedBytes) return;
      s.ended = true;
      log.warn({ userId: s.userId, buffered: s.res.writableLength, limit: resolved.maxBufferedBytes }, 'dropping a live stream that does not keep up');
      s.res.destroy();
    }, resolved.backlogGraceMs);
  }

  function armExpiry(s: OpenStream, expiresAtMs: number): void {
    const wait = expiresAtMs - Date.now();
    if (wait <= 0) return end(s, 'token_expired');
    s.expiry = setTimeout(() => armExpiry(s, expiresAtMs), Math.min(wait, MAX_TIMER_MS));
  }

  async function recheckUsers(): Promise<void> {
    for (const [userId, mine] of [...byUser]) {
      for (const s of mine) watchBacklog(s);
      let active: boolean;
      try {
        active = await isActiveUser(db, userId);
      } catch (err) {
        log.warn({ err, userId }, 'could not re-check a streaming user; keeping the streams until the next check');
        continue;
      }
      if (!active) for (const s of byUser.get(userId) ?? []) end(s, 'user_inactive');
    }
  }

  function tooMany(res: Response, detail: string): AppError {
    res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    return new AppError(429, 'Too many requests', detail);
  }

  return {
    limits: resolved,

    async open(req, res, options = {}) {
      const user = currentUser(res);
      const expiresAtMs = accessExpiresAt(res) * 1000;
      // better-sse learns of a hang-up from the response's close event: one that came before (or
      // right after) its session was created is missed, the session looks connected for good and
      // would hold its place until the token expires (behind a balancer, reconnecting clients
      // then filled the per-user cap and got 429 for minutes). We watch it ourselves.
      let hungUp = res.closed;
      res.once('close', () => (hungUp = true));
      if (!(await isActiveUser(db, user.id))) throw AppError.unauthorized('this account can no longer sign in');
      if (hungUp) return undefined;
      // checked and counted with no await in between, so concurrent opens cannot both take the last place
      if (total >= resolved.maxPerProcess) throw tooMany(res, `this server holds its maximum of ${resolved.maxPerProcess} live streams; retry shortly`);
      let mine = byUser.get(user.id);
      if ((mine?.size ?? 0) >= resolved.maxPerUser) {
        throw tooMany(res, `at most ${resolved.maxPerUser} live streams per user are open at once; close one (another tab?) or retry later`);
      }
      if (!mine) byUser.set(user.id, (mine = new Set()));
      const placeholder = { res, userId: user.id, ended: false } as OpenStream;
      mine.add(placeholder);
      total += 1;

      let session: Session;
      try {
        session = await createSession(req, res, {
          keepAlive: options.keepAliveMs ?? resolved.keepAliveMs,
          // resuming is each stream's business (by its own ids), not better-sse's
          trustClientEventId: false,
          headers: { 'X-Accel-Buffering': 'no' }, // nginx and friends: do not buffer the stream
        });
      } catch (err) {
        forget(placeholder);
        throw err;
      }
      const s = Object.assign(placeholder, { session });
      if (!session.isConnected || hungUp) {
        forget(s);
        // stops the keep-alive timer the session started for a connection that is gone
        if (session.isConnected) (session as unknown as { onDisconnected(): void }).onDisconnected();
        return undefined;
      }
      session.once('disconnected', () => forget(s));
      session.on('push', () => watchBacklog(s));
      armExpiry(s, expiresAtMs);
      if (!recheck) {
        recheck = setInterval(() => void recheckUsers(), resolved.userRecheckMs);
        recheck.unref();
      }
      return s.ended ? undefined : session;
    },

    count: () => total,

    close() {
      clearInterval(recheck);
      recheck = undefined;
    },
  };
}
