/**
 * The three real servers, end to end: a row in PostgreSQL, a message through Kafka, and a workflow
 * whose activity runs on a real Temporal server. If any server is missing this fails (never skips).
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { Partitioners } from 'kafkajs';
import type { Knex } from 'knex';
import { createDb } from '../../shared/db';
import { createKafka } from '../../shared/kafka';
import { createTemporalClient, createWorkerConnection } from '../../shared/temporal';
import { createPingActivities } from '../fixtures/ping-activities';
import { pingWorkflow } from '../fixtures/ping-workflow';

let knex: Knex;

beforeAll(async () => {
  knex = createDb();
  await knex.schema.dropTableIfExists('stack_check');
  await knex.schema.createTable('stack_check', (t) => {
    t.increments('id');
    t.text('note').notNullable();
  });
});

afterAll(async () => {
  await knex.schema.dropTableIfExists('stack_check');
  await knex.destroy();
});

test('PostgreSQL: a row is written and read back', async () => {
  const note = `hello-${randomUUID()}`;
  await knex('stack_check').insert({ note });
  const row = await knex('stack_check').where({ note }).first();
  expect(row?.note).toBe(note);
  const { rows } = await knex.raw<{ rows: { server_version: string }[] }>('show server_version');
  expect(rows[0]?.server_version).toMatch(/^15\./);
});

test('Kafka: a message is produced and consumed by a consumer group', async () => {
  const kafka = createKafka('-stack-test');
  const topic = 'inventory-updates';
  const marker = randomUUID();
  const consumer = kafka.consumer({ groupId: `stack-test-${marker}` });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await Promise.all([consumer.connect(), producer.connect()]);
  try {
    // A new group reads from the beginning and picks our message out by its unique key: reading
    // from "latest" would race with the consumer's first offset lookup and could skip it.
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('message not consumed within 30 s')), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.key?.toString() !== marker) return;
          clearTimeout(timer);
          resolve(message.value?.toString() ?? '');
        },
      });
    });
    await producer.send({ topic, messages: [{ key: marker, value: JSON.stringify({ product_id: 'stack-test', status: 'in_stock' }) }] });
    expect(JSON.parse(await received)).toEqual({ product_id: 'stack-test', status: 'in_stock' });
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect()]);
  }
});

test('Temporal: a workflow runs an activity to completion', async () => {
  const taskQueue = `stack-test-${randomUUID()}`;
  const connection = await createWorkerConnection();
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('../fixtures/ping-workflow'),
    activities: createPingActivities(knex),
  });
  let client: Client | undefined;
  try {
    client = await createTemporalClient();
    const result = await worker.runUntil(
      client.workflow.execute(pingWorkflow, { taskQueue, workflowId: `stack-test-${randomUUID()}`, args: ['through temporal'] }),
    );
    expect(result).toBe('pong: through temporal');
    expect(await knex('stack_check').where({ note: 'through temporal' }).first()).toBeDefined();
  } finally {
    await client?.connection.close();
    await connection.close();
  }
});
