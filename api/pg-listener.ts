/**
 * One dedicated PostgreSQL connection that LISTENs on one channel, for the API's live streams
 * (the notification hub and the stock stream). Pooled connections cannot LISTEN: a pool hands a
 * connection back and forth, and the subscription belongs to the connection.
 *
 * - `start()` connects (once; concurrent callers share the attempt). If the first attempt fails,
 *   the caller learns it and nothing retries in the background: nobody is waiting yet.
 * - Once it has been up, a dropped connection (server restart, terminated backend, network) is
 *   re-opened with exponential backoff. NOTIFYs sent while it was down are lost, so `onReconnect`
 *   runs after every reconnect for the owner to catch its clients up from the tables.
 * - `close()` ends it for good.
 */
import { Client } from 'pg';
import type { Logger } from 'pino';

export interface PgListenerOptions {
  url: string;
  channel: string;
  /** how the connection shows in pg_stat_activity */
  applicationName: string;
  log: Logger;
  onNotification(payload: string | undefined): void;
  /** after a reconnect (not the first connect): catch up on what was missed, using this connection or not */
  onReconnect?(client: Client): Promise<void>;
  reconnectDelayMs?: { initial: number; max: number };
}

export interface PgListener {
  /** resolves once the channel is listened to (connecting if needed) */
  start(): Promise<void>;
  listening(): boolean;
  /** the connection's server process id, while it is up */
  backendPid(): number | undefined;
  close(): Promise<void>;
}

// channel names are interpolated into LISTEN (it takes no parameters): only plain identifiers
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function createPgListener(options: PgListenerOptions): PgListener {
  const { channel, log } = options;
  if (!IDENTIFIER.test(channel)) throw new Error(`not a plain channel name: ${channel}`);
  const delays = options.reconnectDelayMs ?? { initial: 500, max: 15_000 };
  let client: Client | undefined;
  let ready: Promise<void> | undefined;
  let closed = false;
  let everConnected = false;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;

  async function end(c: Client): Promise<void> {
    c.removeAllListeners('end');
    await c.end().catch(() => undefined);
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer) return;
    const delay = Math.min(delays.initial * 2 ** failures, delays.max);
    failures += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      start().catch((err: unknown) => log.warn({ err, attempt: failures }, `LISTEN ${channel}: reconnecting failed; retrying`));
    }, delay);
  }

  function drop(c: Client): void {
    void end(c);
    if (client !== c) return;
    client = undefined;
    ready = undefined;
    scheduleReconnect();
  }

  async function connect(): Promise<void> {
    const c = new Client({ connectionString: options.url, keepAlive: true, application_name: options.applicationName });
    c.on('notification', (msg) => {
      if (msg.channel === channel) options.onNotification(msg.payload);
    });
    c.on('error', (err) => {
      log.warn({ err }, `LISTEN ${channel}: connection lost`);
      drop(c);
    });
    c.on('end', () => drop(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      await end(c);
      throw err;
    }
    if (closed) {
      await end(c);
      throw new Error(`LISTEN ${channel}: closed`);
    }
    client = c;
    failures = 0;
    log.info(`listening on ${channel}`);
    if (everConnected && options.onReconnect) {
      await options.onReconnect(c).catch((err: unknown) => log.error({ err }, `LISTEN ${channel}: catching up after the reconnect failed`));
    }
    everConnected = true;
  }

  function start(): Promise<void> {
    if (closed) return Promise.reject(new Error(`LISTEN ${channel}: closed`));
    ready ??= connect().catch((err: unknown) => {
      ready = undefined;
      if (everConnected) scheduleReconnect(); // streams are waiting for it
      throw err;
    });
    return ready;
  }

  return {
    start,
    listening: () => client !== undefined,
    backendPid: () => (client as (Client & { processID?: number }) | undefined)?.processID,
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      const c = client;
      client = undefined;
      ready = undefined;
      if (c) await end(c);
    },
  };
}
