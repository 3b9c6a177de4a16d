/**
 * `npm run bench:fanout` (issue #13 point 7): one product followed by 1 000 / 10 000 / 100 000
 * customers comes back in stock (an `inventory.updated` out_of_stock → in_stock produced to the
 * topic, as the saga would). Measured from the producer's ack:
 *
 * - in-app: until the last follower's notification is committed and signalled to the API processes
 *   (this process LISTENs on the `notifications` channel like api/notifications/hub.ts does);
 * - email: until the last email was accepted by the SMTP server (the delivery row is marked sent
 *   only after the server's 250), the emails/s, and how long the consumer group took to commit the
 *   event's offset (its partition is not held behind the sends);
 * - the limits, in the same run: the same inbox rows inserted by one bare INSERT … SELECT, and raw
 *   sends/s from one pooled nodemailer client to the same SMTP server.
 *
 * The SMTP server is a sink (smtp-server, the library MailDev itself is built on) that accepts and
 * counts: MailDev parses and keeps every mail in memory, so 111 000 mails would measure MailDev
 * (and exhaust it), not the delivery path. Everywhere else MailDev stays the local default.
 *
 * The stack is the bench's own (bench/env.ts: BENCH_PG_PORT, BENCH_KAFKA_PORT, …; fresh unless
 * BENCH_KEEP_STACK=1 reuses a running one). The app runs as deployed: bin/consumers.ts and
 * bin/delivery.ts as separate processes.
 * Knobs: BENCH_FANOUT_LEVELS (default 1000,10000,100000), BENCH_FANOUT_DELIVERY_PROCESSES (default
 * 1; 0: in-app only, the emails stay queued), BENCH_FANOUT_EMAIL_MAX (levels above it: in-app only,
 * the delivery processes stopped first; default none), BENCH_FANOUT_RAW_MAILS (raw SMTP sample, default 5000), BENCH_FANOUT_TIMEOUT_S (per level,
 * default 300; a level whose emails are still going out then records the rate reached and the time
 * all of them would take, and the later levels are in-app only), DELIVERY_* and KAFKA_CONSUMER_*
 * pass through to the app processes.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
// first: the bench's private stack settings, before anything reads the configuration
import './env';
import { createTransport } from 'nodemailer';
import type { Knex } from 'knex';
import { Client as PgClient } from 'pg';
import { SMTPServer } from 'smtp-server';
import { NOTIFICATION_CHANNEL, NOTIFY_GROUPS } from '../consumers';
import { getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { inventoryMessage } from '../shared/events';
import { createKafka } from '../shared/kafka';
import { hashPassword } from '../shared/passwords';
import { EVENT_TOPICS, INVENTORY_TOPIC } from '../shared/topics';
import { stackDown, stackUp } from '../stack';
import { clusterDir } from '../stack/postgres';
import { stateDir } from '../stack/paths';
import { createProduct } from '../test/helpers/catalog';
import { stockChanged } from '../test/helpers/events';
import { APP_SPECS, AppProcesses, freePort } from '../test/chaos/support/apps';
import { groupLag } from './lib/lag';

const repo = resolve(__dirname, '..');
const LEVELS = (process.env.BENCH_FANOUT_LEVELS || '1000,10000,100000').split(',').map(Number);
const DELIVERY_PROCESSES = Number(process.env.BENCH_FANOUT_DELIVERY_PROCESSES || 1);
const RAW_MAILS = Number(process.env.BENCH_FANOUT_RAW_MAILS || 5000);
/** levels above this many followers are measured in-app only: the delivery processes are stopped first */
const EMAIL_MAX = Number(process.env.BENCH_FANOUT_EMAIL_MAX || Infinity);
const TIMEOUT_MS = Number(process.env.BENCH_FANOUT_TIMEOUT_S || 300) * 1000;
const say = (m: string) => process.stderr.write(`[bench:fanout] ${m}\n`);
const r2 = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadavg = () => (existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'n/a');

interface Level {
  followers: number;
  inAppSeconds: number;
  /** null: no delivery process ran (BENCH_FANOUT_DELIVERY_PROCESSES=0, in-app only) */
  emailSeconds: number | null;
  emailsPerS: number | null;
  /** emails accepted by the end of the level (all of them unless it timed out) */
  emailsSent: number | null;
  /** the level timed out while the emails were still going out: how long all of them would take at the rate measured */
  emailSecondsEstimated: number | null;
  /** publish → the notify-customers group committed the event's offset */
  offsetCommittedSeconds: number;
  /** the group's largest lag (records) seen while the level ran */
  maxConsumerLag: number;
  bareInsertSeconds: number;
  rawSmtpPerS: number | null;
  inAppRatio: number;
  emailRatio: number | null;
  smtpAccepted: number;
  loadAverage: string;
}

/** An SMTP server that accepts every mail and counts it. */
async function smtpSink(): Promise<{ port: number; count: () => number; reset(): void; close(): Promise<void> }> {
  let accepted = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        accepted += 1;
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { port, count: () => accepted, reset: () => (accepted = 0), close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** `count` customers following `productId`, inserted set-based (one shared password hash). */
async function followers(db: Knex, productId: string, count: number, hash: string): Promise<void> {
  const tag = productId.slice(-8);
  await db.raw(
    `WITH u AS (
       INSERT INTO users (email, name, role, password_hash)
       SELECT 'fan-' || ? || '-' || g || '@bench.example.com', 'Fan ' || g, 'customer', ? FROM generate_series(1, ?) g
       RETURNING id)
     INSERT INTO product_follows (user_id, product_id) SELECT id, ? FROM u`,
    [tag, hash, count, productId],
  );
}

/** The limit for in-app: the same rows by one bare INSERT … SELECT (rolled back). */
async function bareInsertSeconds(db: Knex, productId: string): Promise<number> {
  let seconds = 0;
  await db
    .transaction(async (trx) => {
      const t0 = performance.now();
      await trx.raw(
        `INSERT INTO notifications (recipient_id, audience, kind, product_id, status, title, body, event_id)
         SELECT f.user_id, 'customers', 'inventory', f.product_id, 'in_stock', 'bare', 'bare', 'bench-bare' FROM product_follows f WHERE f.product_id = ?`,
        [productId],
      );
      seconds = (performance.now() - t0) / 1000;
      throw new Error('rollback');
    })
    .catch(() => undefined);
  return seconds;
}

/** The limit for email: raw sends/s from one pooled nodemailer client (the mailer's pool size) to the same server. */
async function rawSmtpPerS(port: number, n: number): Promise<number> {
  const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 5, maxMessages: 100 });
  const t0 = performance.now();
  await Promise.all(
    [...Array(n)].map((_, i) =>
      transport.sendMail({ from: 'bench@example.com', to: `raw-${i}@bench.example.com`, subject: 'raw', text: 'raw send', html: '<p>raw send</p>' }),
    ),
  );
  const s = (performance.now() - t0) / 1000;
  transport.close();
  return n / s;
}

async function main(): Promise<void> {
  const started = Date.now();
  const keepStack = process.env.BENCH_KEEP_STACK === '1';
  // before the configuration is first read: mail goes to the sink, and the stack provisions neither
  // MailDev nor Zipkin (tracing off)
  const sink = await smtpSink();
  Object.assign(process.env, {
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9/api/v2/spans',
  });
  if (!keepStack) {
    say(`private stack in ${stateDir()} (fresh)`);
    AppProcesses.killLeftovers(join(stateDir(), 'apps'), stateDir());
    await stackDown();
    rmSync(clusterDir(), { recursive: true, force: true });
    rmSync(stateDir(), { recursive: true, force: true });
  }
  await stackUp();
  const apps = new AppProcesses({
    dir: join(stateDir(), 'apps'),
    tag: 'fanout',
    env: { ...process.env, LOG_LEVEL: 'info', DELIVERY_POLL_MS: process.env.DELIVERY_POLL_MS || '200' },
  });
  const db = createDb();
  const kafka = createKafka('-bench-fanout');
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const listener = new PgClient({ connectionString: getConfig().database.url });
  const levels: Level[] = [];
  try {
    await apps.run('migrate', APP_SPECS.migrate);
    await apps.start('consumers', APP_SPECS.consumers);
    for (let i = 0; i < DELIVERY_PROCESSES; i++) await apps.start(`delivery-${i}`, { script: 'bin/delivery.ts' });
    await Promise.all([admin.connect(), producer.connect(), listener.connect()]);
    const signalled = { n: 0, last: 0 };
    listener.on('notification', (msg) => {
      // a fan-out is one signal {first_id, last_id, count} (api/notifications/hub.ts); a single row {id, recipient_id}
      const signal = JSON.parse(msg.payload ?? '{}') as { count?: number };
      signalled.n += signal.count ?? 1;
      signalled.last = performance.now();
    });
    await listener.query(`LISTEN ${NOTIFICATION_CHANNEL}`);
    const hash = await hashPassword('bench-fan-password');

    let delivering = DELIVERY_PROCESSES;
    for (const n of LEVELS) {
      if (n > EMAIL_MAX && delivering > 0) {
        for (let i = 0; i < DELIVERY_PROCESSES; i++) await apps.stop(`delivery-${i}`);
        delivering = 0;
      }
      const productId = await createProduct(db, 100);
      await followers(db, productId, n, hash);
      await db.raw('ANALYZE users; ANALYZE product_follows');
      const bare = await bareInsertSeconds(db, productId);
      sink.reset();
      signalled.n = 0;
      const event = stockChanged(productId, 2, 'out_of_stock', 'in_stock', { available: 100, on_hand: 100 });
      const m = inventoryMessage(event);
      const wall0 = Date.now();
      const t0 = performance.now();
      const [meta] = await producer.send({ topic: m.topic, acks: -1, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
      let committedAt = 0;
      let maxLag = 0;
      let inAppAt = 0;
      let sent = 0;
      /** the emails were still going out at the timeout: measured as a rate, not a total time */
      let emailTimedOut = false;
      for (;;) {
        if (!committedAt) {
          const [offsets] = await admin.fetchOffsets({ groupId: NOTIFY_GROUPS.customers, topics: [INVENTORY_TOPIC] });
          const c = offsets?.partitions.find((p) => p.partition === meta!.partition);
          if (c && Number(c.offset) > Number(meta!.baseOffset)) committedAt = performance.now();
          maxLag = Math.max(maxLag, await groupLag(admin, NOTIFY_GROUPS.customers, [...EVENT_TOPICS]));
        }
        if (!inAppAt && signalled.n >= n) inAppAt = signalled.last;
        sent = delivering === 0 ? n : Number((await db('deliveries as d').join('notifications as x', 'x.id', 'd.notification_id').where('x.event_id', event.event_id).where('d.status', 'sent').count({ n: '*' }).first())?.n ?? 0);
        if (inAppAt && committedAt && sent >= n) break;
        if (performance.now() - t0 > TIMEOUT_MS && inAppAt && committedAt && delivering > 0 && sent > 0) {
          emailTimedOut = true;
          break;
        }
        if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`level ${n}: timed out (signals ${signalled.n}, emails sent ${sent}, offset committed ${Boolean(committedAt)})`);
        await sleep(n >= 10_000 ? 250 : 50);
      }
      const lastSent = (await db('deliveries as d').join('notifications as x', 'x.id', 'd.notification_id').where('x.event_id', event.event_id).max({ at: 'd.sent_at' }).first()) as { at: Date };
      const sentSeconds = delivering === 0 ? null : (lastSent.at.getTime() - wall0) / 1000;
      const emailSeconds = emailTimedOut ? null : sentSeconds;
      const emailsPerS = sentSeconds === null ? null : sent / sentSeconds;
      if (emailTimedOut) {
        // the raw limit below must not share the SMTP server with the delivery processes still sending
        for (let i = 0; i < DELIVERY_PROCESSES; i++) await apps.stop(`delivery-${i}`);
        say(`level ${n}: ${sent} emails sent in ${Math.round(sentSeconds!)} s when the level timed out; all ${n} would take ≈ ${Math.round(n / emailsPerS!)} s`);
      }
      const inAppSeconds = (inAppAt - t0) / 1000;
      const smtpAccepted = sink.count();
      const raw = delivering === 0 ? null : await rawSmtpPerS(sink.port, Math.min(RAW_MAILS, n));
      const level: Level = {
        followers: n,
        inAppSeconds: r2(inAppSeconds),
        emailSeconds: emailSeconds === null ? null : r2(emailSeconds),
        emailsPerS: emailsPerS === null ? null : Math.round(emailsPerS),
        emailsSent: delivering === 0 ? null : sent,
        emailSecondsEstimated: emailTimedOut ? Math.round(n / emailsPerS!) : null,
        offsetCommittedSeconds: r2((committedAt - t0) / 1000),
        maxConsumerLag: maxLag,
        bareInsertSeconds: r2(bare),
        rawSmtpPerS: raw === null ? null : Math.round(raw),
        inAppRatio: r2(bare / inAppSeconds),
        emailRatio: emailsPerS === null || raw === null ? null : r2(emailsPerS / raw),
        smtpAccepted,
        loadAverage: loadavg(),
      };
      levels.push(level);
      if (emailTimedOut) delivering = 0;
      say(JSON.stringify(level));
    }
  } finally {
    await listener.end().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await apps.stopAll();
    await db.destroy();
    await sink.close();
    if (!keepStack) await stackDown();
  }

  const lines = [
    '| followers | in-app s | bare INSERT … SELECT s | in-app ratio | email s | emails/s | raw SMTP/s | email ratio | offset committed s | load average |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...levels.map(
      (l) =>
        `| ${l.followers.toLocaleString('en')} | ${l.inAppSeconds} | ${l.bareInsertSeconds} | ${l.inAppRatio} | ${l.emailSeconds ?? (l.emailSecondsEstimated ? `≈ ${l.emailSecondsEstimated} (${l.emailsSent} sent at the timeout)` : '–')} | ${l.emailsPerS ?? '–'} | ${l.rawSmtpPerS ?? '–'} | ${l.emailRatio ?? '–'} | ${l.offsetCommittedSeconds} | ${l.loadAverage} |`,
    ),
  ];
  const result = {
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    settings: {
      deliveryProcesses: DELIVERY_PROCESSES,
      emailMeasuredUpTo: EMAIL_MAX,
      delivery: getConfig().delivery,
      consumer: getConfig().kafka.consumer,
      smtp: 'smtp-server sink (accepts and counts); raw limit: one pooled nodemailer client, maxConnections 5',
      tracing: 'off (OTEL_TRACES_EXPORTER=none)',
    },
    levels,
  };
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  writeFileSync(join(repo, 'bench', 'results', 'fanout-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${lines.join('\n')}\n\nwritten: bench/results/fanout-latest.json\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[bench:fanout] failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
