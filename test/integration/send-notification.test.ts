/**
 * Seed 000's `POST /send_notification` with its Spanish statuses: "en stock", "stock bajo" and
 * "agotado" (any case, any spacing) go onto inventory-updates as in_stock, low_stock and
 * out_of_stock; any other status stays the free text that was sent. Read back from the broker.
 */
import type { Kafka } from 'kafkajs';
import request from 'supertest';
import { createKafka } from '../../shared/kafka';
import { INVENTORY_TOPIC } from '../../shared/topics';
import { createTestContext, type TestContext } from '../helpers/context';
import { eventually, insertProduct, tailTopic } from '../helpers/events';
import { bearer, createUser, tokenFor } from '../helpers/users';

let ctx: TestContext;
let kafka: Kafka;
let token: string;

beforeAll(async () => {
  ctx = await createTestContext();
  kafka = createKafka('-test-send-notification');
  const user = await createUser(ctx.db, { role: 'sales' });
  token = await tokenFor(ctx.app, user.email, user.password);
});

afterAll(async () => {
  await ctx.close();
});

test('Spanish statuses are published as the canonical ones; other text stays as sent', async () => {
  const tail = await tailTopic(kafka, ctx.deps.kafkaAdmin, INVENTORY_TOPIC);
  try {
    const p = await insertProduct(ctx.db);
    const sent: [string, string][] = [
      ['en stock', 'in_stock'],
      ['  En   STOCK ', 'in_stock'],
      ['stock bajo', 'low_stock'],
      ['Stock Bajo', 'low_stock'],
      ['AGOTADO', 'out_of_stock'],
      ['agotado\t', 'out_of_stock'],
      ['in_stock', 'in_stock'],
      ['restock expected friday', 'restock expected friday'],
      ['casi agotado', 'casi agotado'],
    ];
    const eventIds: string[] = [];
    for (const [status] of sent) {
      const res = await request(ctx.app).post('/send_notification').set(bearer(token)).send({ product_id: p, status });
      expect(res.status).toBe(202);
      eventIds.push(res.body.event_id as string);
    }
    const published = await eventually(
      async () => {
        const mine = tail.records.filter((r) => r.key === p).map((r) => JSON.parse(r.value ?? '{}') as { event_id: string; status: string; type: string });
        return mine.length >= sent.length && mine;
      },
      15_000,
      'the reports on the topic',
    );
    const byId = new Map(published.map((e) => [e.event_id, e]));
    expect(eventIds.map((id) => byId.get(id)?.status)).toEqual(sent.map(([, expected]) => expected));
    expect(published.every((e) => e.type === 'inventory.status_reported')).toBe(true);
  } finally {
    await tail.stop();
  }
});
