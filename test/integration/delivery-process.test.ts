/**
 * bin/delivery.ts as operators run it (a process of its own, N of them to scale out): it sends a
 * queued delivery over SMTP and a SIGTERM stops it cleanly (status 0).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { deliveryMessageId } from '../../delivery/worker';
import { createDb } from '../../shared/db';
import { eventually } from '../helpers/events';
import { waitForMessage } from '../helpers/mailbox';
import { createUser } from '../helpers/users';

const db = createDb();

afterAll(async () => {
  await db.destroy();
});

test('the delivery process sends a queued email, then stops on SIGTERM with status 0', async () => {
  const customer = await createUser(db, { role: 'customer' });
  const [n] = (await db('notifications')
    .insert({ recipient_id: customer.id, audience: 'customers', kind: 'sale', sale_id: randomUUID(), status: 'COMPLETED', title: 't', body: '1 × Lamp; total 25.00', event_id: `test:${randomUUID()}` })
    .returning('id')) as { id: string }[];
  await db('deliveries').insert({ notification_id: n!.id, recipient_id: customer.id, channel: 'email', category: 'own_sales', template: 'sale_completed' });

  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/delivery.ts'], {
    cwd: resolve(__dirname, '../..'),
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', DELIVERY_POLL_MS: '100', DELIVERY_HEALTH_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  try {
    const row = await eventually(async () => {
      const d: { status: string; message_id: string } | undefined = await db('deliveries').where({ notification_id: n!.id }).first();
      return d?.status === 'sent' ? d : undefined;
    }, 30_000, `the delivery sent by bin/delivery.ts (output: ${output.slice(-500)})`);
    const mail = await waitForMessage(customer.email);
    expect(mail.subject).toMatch(/^Venta [0-9a-f]{8} completada$/);
    expect(row.message_id).toBe(deliveryMessageId(n!.id));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000))]);
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 60_000);
