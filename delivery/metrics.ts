/**
 * The delivery process's figures in Prometheus format: outcomes by channel and kind (the email
 * template), how long the SMTP server takes to accept a mail, and the queue the workers drain
 * (read from the deliveries table at scrape time: due now, and waiting for a retry or a lease).
 */
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Mailer } from './mailer';
import type { Template } from './preferences';
import type { DeliveryOutcome } from './worker';

export interface DeliveryMetrics {
  registry: Registry;
  /** the worker's onOutcome hook */
  count(delivery: { channel: string; template: Template }, outcome: DeliveryOutcome): void;
  /** the same mailer, its sends timed */
  timed(mailer: Mailer): Mailer;
}

const QUEUE_QUERY_TIMEOUT_MS = 2_000;

export function createDeliveryMetrics(db: Knex): DeliveryMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['channel', 'kind'] as const;
  const counters: Record<DeliveryOutcome, Counter<'channel' | 'kind'>> = {
    sent: new Counter({ name: 'delivery_sent_total', help: 'Deliveries the server accepted', labelNames, registers: [registry] }),
    failed: new Counter({ name: 'delivery_failed_total', help: 'Deliveries given up (permanent refusal or the last attempt)', labelNames, registers: [registry] }),
    retry: new Counter({ name: 'delivery_retried_total', help: 'Attempts that failed and were scheduled again with backoff', labelNames, registers: [registry] }),
    skipped: new Counter({ name: 'delivery_skipped_total', help: 'Deliveries dropped at send time (unsubscribed, recipient gone, no longer true)', labelNames, registers: [registry] }),
    deferred: new Counter({ name: 'delivery_deferred_total', help: 'Stock emails held back by the throttle until their (user, product) window ends', labelNames, registers: [registry] }),
  };
  const latency = new Histogram({
    name: 'delivery_send_duration_seconds',
    help: 'From handing a mail to the SMTP server to its answer, by channel and result',
    labelNames: ['channel', 'result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'delivery_queue_depth',
    help: 'Queued deliveries: due now, or waiting (a retry backoff or a worker lease)',
    labelNames: ['channel', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = (await db('deliveries')
        .where({ status: 'queued' })
        .groupBy('channel')
        .select('channel', db.raw('count(*) FILTER (WHERE next_attempt_at <= now()) AS due'), db.raw('count(*) FILTER (WHERE next_attempt_at > now()) AS waiting'))
        .timeout(QUEUE_QUERY_TIMEOUT_MS)) as { channel: string; due: string; waiting: string }[];
      for (const r of rows) {
        this.set({ channel: r.channel, state: 'due' }, Number(r.due));
        this.set({ channel: r.channel, state: 'waiting' }, Number(r.waiting));
      }
    },
  });

  return {
    registry,
    count({ channel, template }, outcome) {
      counters[outcome].inc({ channel, kind: template });
    },
    timed(mailer) {
      return {
        ...mailer,
        async send(mail) {
          const end = latency.startTimer({ channel: 'email' });
          try {
            const sent = await mailer.send(mail);
            end({ result: 'accepted' });
            return sent;
          } catch (err) {
            end({ result: 'error' });
            throw err;
          }
        },
      };
    },
  };
}
