/**
 * Apache Kafka's own console tools, run from the jars the local broker uses (no Kafka download,
 * no `kafka-*.sh` scripts), pointed at the configured broker unless told otherwise.
 */
import { join } from 'node:path';
import { repoRoot } from './paths';

/** tool name → main class in the Kafka 3.9 jars */
export const KAFKA_TOOLS = {
  'console-consumer': 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  'console-producer': 'kafka.tools.ConsoleProducer',
  topics: 'org.apache.kafka.tools.TopicCommand',
} as const;
export type KafkaTool = keyof typeof KAFKA_TOOLS;

export const isKafkaTool = (name: string | undefined): name is KafkaTool => name !== undefined && Object.hasOwn(KAFKA_TOOLS, name);

/** `java …` for `tool` with the caller's arguments; `--bootstrap-server` defaults to `brokers`. */
export function kafkaToolCommand(tool: KafkaTool, args: string[], options: { libs: string; brokers: string[] }): [string, string[]] {
  const given = args.some((a) => a === '--bootstrap-server' || a.startsWith('--bootstrap-server='));
  return [
    'java',
    [
      '-Xmx256m',
      `-Dlog4j.configuration=file:${join(repoRoot, 'infra', 'kafka', 'tools-log4j.properties')}`,
      '-cp',
      `${options.libs}/*`,
      KAFKA_TOOLS[tool],
      // joined to its option, like every value built here (issue #11)
      ...(given ? [] : [`--bootstrap-server=${options.brokers.join(',')}`]),
      ...args,
    ],
  ];
}
