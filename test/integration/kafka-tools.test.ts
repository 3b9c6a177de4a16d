/**
 * `npm run kafka -- <tool>` (bin/kafka.ts): Kafka's own console tools from the cached jars,
 * pointed at the configured (here: the test) broker without a --bootstrap-server.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Partitioners, type Producer } from 'kafkajs';
import { inventoryMessage } from '../../shared/events';
import { createKafka } from '../../shared/kafka';
import { INVENTORY_TOPIC } from '../../shared/topics';
import { statusReported } from '../helpers/events';
import { collectMessages } from '../helpers/topics';

const run = promisify(execFile);
const wrapper = join(__dirname, '..', '..', 'bin', 'kafka.ts');
/** the wrapper as a user runs it, asynchronously so jest's timers keep running */
const kafkaTool = (args: string[], input?: string) => {
  const child = run(process.execPath, ['--import', 'tsx', wrapper, ...args], { timeout: 90_000 });
  if (input !== undefined) child.child.stdin!.end(input);
  return child;
};

let producer: Producer;

beforeAll(async () => {
  producer = createKafka('-test-kafka-tools').producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
});

test('console-consumer --max-messages 1 prints a produced event, key and value', async () => {
  const event = statusReported(`tools-${randomUUID()}`, 1, 'en stock');
  const m = inventoryMessage(event);
  const [meta] = await producer.send({ topic: m.topic, acks: -1, messages: [{ key: m.key, value: m.value }] });
  const { stdout } = await kafkaTool([
    'console-consumer', '--topic', INVENTORY_TOPIC, '--partition', String(meta!.partition), '--offset', String(meta!.baseOffset),
    '--max-messages', '1', '--timeout-ms', '30000', '--property', 'print.key=true',
  ]);
  expect(stdout.trim().split('\n')).toEqual([`${event.product_id}\t${m.value}`]);
}, 100_000);

test('console-producer puts a keyed line on the topic', async () => {
  const event = statusReported(`tools-${randomUUID()}`, 1, 'agotado');
  await kafkaTool(['console-producer', '--topic', INVENTORY_TOPIC, '--property', 'parse.key=true', '--property', 'key.separator=|'], `${event.product_id}|${JSON.stringify(event)}\n`);
  const [seen] = await collectMessages([INVENTORY_TOPIC], (msg) => msg.key === event.product_id, 1, 30_000);
  expect(seen!.value).toEqual(event);
}, 100_000);
