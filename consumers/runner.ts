/**
 * One kafkajs consumer for one consumer group, with the parts every group needs:
 *
 * - each record is parsed and validated (consumers/messages.ts) before the group's handler runs;
 * - a poison record (unparseable, invalid, or an effect that can never apply) is produced to
 *   `<topic>.dlq` with the error and its origin in headers, and the partition moves on;
 * - any other failure is thrown back to kafkajs, which re-fetches from the failed record and retries
 *   with backoff (and restarts the consumer when its retries run out). Nothing is committed for it;
 * - a fetched batch is applied in slices of at most `batchMaxEvents` records, each slice in one
 *   database transaction (consumers/batch.ts); records of one partition stay in offset order;
 * - offsets: a slice's last offset is resolved only after its transaction committed and its poison
 *   records were dead-lettered, then committed (commitOffsetsIfNecessary), so an offset whose effect
 *   is not durable is never committed. A crash between the commit and the offset commit redelivers
 *   the slice; the processed_events claim makes that harmless;
 * - kafkajs 2.2.4 does not restart a consumer that crashed with a non-retriable error
 *   (`CRASH` with `restart: false`, e.g. a TypeError from a bug, or a protocol error). The runner
 *   then rebuilds a fresh consumer with exponential backoff, so one bad moment does not leave the
 *   group silently dead;
 * - stop() disconnects gracefully: the slice in flight finishes (its offset resolved), kafkajs commits the resolved
 *   offsets and leaves the group, so a rebalance hands its partitions over at once.
 */
import { trace } from '@opentelemetry/api';
import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { retryingRetriable } from '../shared/kafka';
import { dlqTopic } from '../shared/topics';
import type { BatchHandler } from './batch';
import { outsideBatchSpan } from './event-span';
import { PoisonMessageError, parseEvent, type Delivered, type Origin } from './messages';

export interface GroupConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  /** applies a slice of a batch in one transaction; returns the poison events (consumers/batch.ts) */
  handle: BatchHandler;
  /** at most this many records per transaction (default 500; 1: one transaction per record) */
  batchMaxEvents?: number;
  /** produces dead letters; one per process is enough */
  dlqProducer: Producer;
  log: Logger;
  /**
   * Where a group with no committed offsets starts. true (the default): at the beginning of each
   * topic, so a brand-new deployment processes the retained history once (the handlers' dedupe
   * makes that safe). Ignored once the group has committed offsets.
   */
  fromBeginning?: boolean;
  /**
   * For partitions the group has never committed: start at their end offsets as of this call, so
   * the group processes exactly what is produced from now on, with no race against the consumer's
   * own first offset lookup (tests; an operator who wants a new group to skip history).
   */
  startFromNow?: boolean;
  /** the broker holds an empty fetch this long (default 2 s); data is returned as soon as it arrives */
  maxWaitTimeInMs?: number;
  /**
   * Commit resolved offsets at most this often (default 0: after every fetched batch). Only resolved
   * offsets are ever committed, so a longer interval never skips an effect; after a crash it only
   * means more records delivered again, which the handlers recognise as duplicates.
   */
  commitIntervalMs?: number;
  /** partitions processed at once (default 1); records of one partition stay in order */
  partitionsConcurrently?: number;
  /** first and longest wait before rebuilding a crashed consumer */
  rebuildDelayMs?: { initial: number; max: number };
}

export interface GroupConsumerStats {
  /** records whose handler returned (applied or recognised as duplicate/stale) */
  handled: number;
  deadLettered: number;
  /** handler failures thrown back to kafkajs for a retry */
  retried: number;
  /** 1 while the last record this group tried failed and waits for its retry; 0 once one succeeds */
  retrying: number;
  /** consumers rebuilt after a CRASH that kafkajs would not restart */
  rebuilds: number;
}

export interface GroupConsumer {
  readonly groupId: string;
  readonly stats: Readonly<GroupConsumerStats>;
  readonly topics: readonly string[];
  /** whether a consumer is joined to the group now (false while crashed and waiting for a rebuild) */
  isJoined(): boolean;
  /** resolves once the current consumer has joined its group (after a start or a rebuild) */
  joined(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_HEADER_ERROR_LENGTH = 2_000;

function copyHeaders(headers: IHeaders | undefined): IHeaders {
  const out: IHeaders = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * For `startFromNow`: the current end offset of every partition the group has never committed.
 * After the join, the consumer seeks its assigned ones there; with autoCommit on, kafkajs commits
 * a seek before its next fetch, so from then on the group has offsets of its own. (admin.setOffsets
 * would do the same before joining, but it runs a throw-away consumer per topic and takes seconds.)
 */
export async function endOffsetsOfUncommitted(admin: Admin, groupId: string, topics: string[]): Promise<Map<string, string>> {
  const snapshot = new Map<string, string>();
  const committed = await retryingRetriable(() => admin.fetchOffsets({ groupId, topics }));
  for (const { topic, partitions } of committed) {
    const missing = new Set(partitions.filter((p) => Number(p.offset) < 0).map((p) => p.partition));
    if (missing.size === 0) continue;
    for (const end of await retryingRetriable(() => admin.fetchTopicOffsets(topic))) {
      if (missing.has(end.partition)) snapshot.set(`${topic}:${end.partition}`, end.high);
    }
  }
  return snapshot;
}

export async function startGroupConsumer(options: GroupConsumerOptions): Promise<GroupConsumer> {
  const { kafka, groupId, topics, handle, dlqProducer } = options;
  const log = options.log.child({ group: groupId });
  const delays = options.rebuildDelayMs ?? { initial: 1_000, max: 30_000 };
  const stats: GroupConsumerStats = { handled: 0, deadLettered: 0, retried: 0, retrying: 0, rebuilds: 0 };
  let joinedNow = false;

  let current: Consumer | undefined;
  let stopping = false;
  let rebuildTimer: NodeJS.Timeout | undefined;
  let failedRebuilds = 0;
  let joinedOnce: { promise: Promise<void>; resolve: () => void };
  const newJoinSignal = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    joinedOnce = { promise, resolve };
  };
  newJoinSignal();

  async function deadLetter(message: KafkaMessage, origin: Origin, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    await dlqProducer.send({
      topic: dlqTopic(origin.topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...copyHeaders(message.headers),
            'x-error': reason.slice(0, MAX_HEADER_ERROR_LENGTH),
            'x-origin-topic': origin.topic,
            'x-origin-partition': String(origin.partition),
            'x-origin-offset': origin.offset,
            'x-consumer-group': groupId,
            'x-dead-lettered-at': new Date().toISOString(),
          },
        },
      ],
    });
    stats.deadLettered += 1;
    stats.retrying = 0;
    log.warn({ ...origin, key: message.key?.toString(), error: reason }, 'message dead-lettered');
  }

  const batchMaxEvents = Math.max(1, options.batchMaxEvents ?? 500);

  async function applySlice(topic: string, partition: number, messages: KafkaMessage[]): Promise<void> {
    const events: Delivered[] = [];
    const poison: { message: KafkaMessage; origin: Origin; error: unknown }[] = [];
    const messageOf = new Map<Delivered, KafkaMessage>();
    for (const message of messages) {
      const origin: Origin = { topic, partition, offset: message.offset };
      try {
        const delivered: Delivered = { ...parseEvent(topic, message.value), origin, headers: message.headers };
        events.push(delivered);
        messageOf.set(delivered, message);
      } catch (err) {
        if (!(err instanceof PoisonMessageError)) throw err;
        poison.push({ message, origin, error: err });
      }
    }
    let failed: Map<Delivered, unknown>;
    try {
      failed = await outsideBatchSpan(() => handle(events));
    } catch (err) {
      stats.retried += 1;
      stats.retrying = 1;
      // thrown back: no offset of this slice is resolved; kafkajs re-fetches from its first record and retries
      log.warn({ topic, partition, firstOffset: messages[0]?.offset, records: messages.length, err }, 'effects failed; the records will be retried');
      throw err;
    }
    for (const [delivered, error] of failed) poison.push({ message: messageOf.get(delivered)!, origin: delivered.origin, error });
    poison.sort((a, b) => Number(BigInt(a.origin.offset) - BigInt(b.origin.offset)));
    // before the offsets move past them: a crash here dead-letters a record twice, never loses one
    for (const p of poison) await deadLetter(p.message, p.origin, p.error);
    stats.handled += events.length - failed.size;
    if (events.length > failed.size) {
      stats.retrying = 0;
      failedRebuilds = 0;
    }
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = batch;
    // with tracing on, kafkajs's instrumentation made this batch's span; it names its group
    trace.getActiveSpan()?.setAttribute('messaging.kafka.consumer.group', groupId).updateName(`${topic} receive ${groupId}`);
    for (let start = 0; start < messages.length; start += batchMaxEvents) {
      // stopping, or a seek/rebalance moved this partition: leave the rest unresolved for whoever reads it next
      if (!isRunning() || isStale()) return;
      const slice = messages.slice(start, start + batchMaxEvents);
      await applySlice(topic, partition, slice);
      resolveOffset(slice[slice.length - 1]!.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  function scheduleRebuild(): void {
    if (stopping) return;
    const delay = Math.min(delays.initial * 2 ** failedRebuilds, delays.max);
    failedRebuilds += 1;
    clearTimeout(rebuildTimer);
    rebuildTimer = setTimeout(() => {
      if (stopping) return;
      stats.rebuilds += 1;
      log.warn({ rebuild: stats.rebuilds }, 'rebuilding the consumer');
      build().catch((err: unknown) => {
        log.error({ err }, 'rebuilding the consumer failed; trying again');
        scheduleRebuild();
      });
    }, delay);
  }

  async function build(): Promise<void> {
    const consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      // an idle fetch is held by the broker this long; data is returned as soon as it arrives, so
      // this costs no latency, but stop() waits for the fetch in flight. Measured idle CPU for the
      // four groups in one process: ~3.6 % of a core at 5 s, ~4.7 % at 1 s; 2 s keeps stops quick.
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 2_000,
      // a retriable failure is retried by kafkajs itself (and the consumer restarted when the
      // retries run out); only the non-retriable CRASHes reach scheduleRebuild below
      retry: { restartOnFailure: async () => true },
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      log.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined consumer group');
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const offset = startOffsets.get(`${topic}:${partition}`);
          if (offset === undefined) continue;
          startOffsets.delete(`${topic}:${partition}`);
          consumer.seek({ topic, partition, offset });
        }
      }
      joinedNow = true;
      joinedOnce.resolve();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (consumer !== current) return;
      if (payload.restart) {
        log.warn({ err: payload.error }, 'consumer crashed; kafkajs restarts it');
        return;
      }
      // kafkajs has already disconnected this consumer and will not touch it again
      log.error({ err: payload.error }, 'consumer crashed and kafkajs will not restart it');
      current = undefined;
      joinedNow = false;
      newJoinSignal();
      scheduleRebuild();
    });
    current = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        eachBatch,
        // offsets are resolved by eachBatch itself, slice by slice, after each commit
        eachBatchAutoResolve: false,
        autoCommitInterval: options.commitIntervalMs || null, // 0 or unset: commit after every batch
        partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
      });
    } catch (err) {
      if (current === consumer) current = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  let startOffsets = new Map<string, string>();
  if (options.startFromNow) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      startOffsets = await endOffsetsOfUncommitted(admin, groupId, topics);
    } finally {
      await admin.disconnect();
    }
  }
  await build();

  return {
    groupId,
    stats,
    topics,
    isJoined: () => joinedNow && current !== undefined,
    joined: () => joinedOnce.promise,
    async stop() {
      stopping = true;
      joinedNow = false;
      clearTimeout(rebuildTimer);
      const consumer = current;
      current = undefined;
      await consumer?.disconnect();
      log.info('consumer stopped');
    },
  };
}
