/**
 * The delivery process is observable on its own port like the consumers: /healthz, /readyz naming
 * what is not ready (PostgreSQL, the SMTP server), and /metrics with deliveries by channel and kind,
 * the SMTP send latency and the queue depth.
 */
process.env.DELIVERY_HEALTH_PORT = '0'; // a free port; read by shared/config.ts, loaded fresh for this file
process.env.DELIVERY_POLL_MS = '100';

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { createMailer } from '../../delivery/mailer';
import { createDeliveryMetrics } from '../../delivery/metrics';
import { deliveryHealthApp, startDeliveryProcess } from '../../runtime/delivery-process';
import { getConfig } from '../../shared/config';
import { createDb } from '../../shared/db';
import { eventually } from '../helpers/events';
import { waitForMessage } from '../helpers/mailbox';
import { listen } from '../helpers/sse';
import { createUser } from '../helpers/users';

const db = createDb();
let proc: Awaited<ReturnType<typeof startDeliveryProcess>>;

beforeAll(async () => {
  proc = await startDeliveryProcess();
}, 30_000);

afterAll(async () => {
  await proc?.stop();
  await db.destroy();
});

const get = (path: string) => fetch(`${proc.url}${path}`);

/** the value of one sample line, e.g. `delivery_sent_total{channel="email",kind="sale_completed"}` */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

test('/healthz and /readyz answer on the delivery port; readiness checks PostgreSQL and the SMTP server', async () => {
  expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
  const ready = await get('/readyz');
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: { status: 'up' }, smtp: { status: 'up' } } });
});

test('/readyz answers 503 naming the SMTP server when it does not answer', async () => {
  // a port that was free a moment ago: nothing listens there
  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  const mailer = createMailer({ ...getConfig().mail, smtpUrl: `smtp://127.0.0.1:${closed}` });
  const server = await listen(deliveryHealthApp({ db, mailer, metrics: createDeliveryMetrics(db) }));
  try {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', detail: 'not ready: smtp', checks: { postgres: { status: 'up' }, smtp: { status: 'down' } } });
  } finally {
    mailer.close();
    await server.close();
  }
});

test('/metrics counts a sent delivery by channel and kind, times the SMTP send, and shows the queue depth', async () => {
  const customer = await createUser(db, { role: 'customer', locale: 'en' });
  const [n] = (await db('notifications')
    .insert({ recipient_id: customer.id, audience: 'customers', kind: 'sale', sale_id: randomUUID(), status: 'CANCELLED', title: 't', body: '1 × Lamp; total 25.00', event_id: `test:${randomUUID()}` })
    .returning('id')) as { id: string }[];
  const before = await (await get('/metrics')).text();
  const series = 'delivery_sent_total{channel="email",kind="sale_cancelled"}';
  const sentBefore = sample(before, series) ?? 0;
  const timedBefore = sample(before, 'delivery_send_duration_seconds_count{channel="email",result="accepted"}') ?? 0;

  await db('deliveries').insert({ notification_id: n!.id, recipient_id: customer.id, channel: 'email', category: 'own_sales', template: 'sale_cancelled' });
  await eventually(async () => (await db('deliveries').where({ notification_id: n!.id }).first('status'))?.status === 'sent', 20_000, 'the delivery sent');
  await waitForMessage(customer.email);

  const after = await (await get('/metrics')).text();
  expect(sample(after, series)).toBeGreaterThanOrEqual(sentBefore + 1);
  expect(sample(after, 'delivery_send_duration_seconds_count{channel="email",result="accepted"}')).toBeGreaterThanOrEqual(timedBefore + 1);
  expect(after).toMatch(/^# TYPE delivery_failed_total counter$/m);
  expect(after).toMatch(/^# TYPE delivery_retried_total counter$/m);
  // the queue gauge is read from the table: a delivery queued for later shows as waiting
  const [later] = (await db('notifications')
    .insert({ recipient_id: customer.id, audience: 'customers', kind: 'sale', sale_id: randomUUID(), status: 'CANCELLED', title: 't', body: 'b', event_id: `test:${randomUUID()}` })
    .returning('id')) as { id: string }[];
  await db('deliveries').insert({ notification_id: later!.id, recipient_id: customer.id, channel: 'email', category: 'own_sales', template: 'sale_cancelled', next_attempt_at: db.raw(`now() + interval '1 hour'`) });
  try {
    expect(sample(await (await get('/metrics')).text(), 'delivery_queue_depth{channel="email",state="waiting"}')).toBeGreaterThanOrEqual(1);
  } finally {
    await db('deliveries').where({ notification_id: later!.id }).delete();
  }
  expect(sample(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
}, 40_000);
