/**
 * kafkajs clients for bindings.kafka and pubsub.kafka, and the conversions daprd does:
 * request metadata `partitionKey`/`__key` → record key, `partitionNumber` → partition,
 * other request metadata → record headers; delivered metadata = record headers plus
 * `__key`, `__topic`, `__partition`, `__offset`, `__timestamp`.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { CompressionTypes, Kafka, logLevel, type Consumer, type SASLOptions, type IHeaders, type KafkaMessage, type Message, type Producer } from 'kafkajs';

import type { Logger } from '../../shared/logger.js';
import type { ConnectionListener, Metadata } from '../component.js';
import { effectiveAuthType, type KafkaSettings } from './kafka-metadata.js';

export function createKafka(settings: KafkaSettings, log: Logger): Kafka {
  const auth = effectiveAuthType(settings);
  const useTls = !settings.disableTls && (auth !== 'none' || Boolean(settings.caCert));
  const ssl = useTls
    ? { rejectUnauthorized: !settings.skipVerify, ca: settings.caCert ? [settings.caCert] : undefined, cert: settings.clientCert, key: settings.clientKey }
    : undefined;
  let sasl: SASLOptions | undefined;
  if (auth === 'password') {
    const m = (settings.saslMechanism ?? 'PLAINTEXT').toUpperCase();
    const mechanism = m === 'SHA-256' || m === 'SCRAM-SHA-256' ? 'scram-sha-256' : m === 'SHA-512' || m === 'SCRAM-SHA-512' ? 'scram-sha-512' : 'plain';
    sasl = { mechanism, username: settings.saslUsername ?? '', password: settings.saslPassword ?? '' } as SASLOptions;
  }
  return new Kafka({
    clientId: settings.clientID ?? 'sarama',
    brokers: settings.brokers,
    ssl,
    sasl,
    connectionTimeout: settings.dialTimeout,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 300 },
    logCreator: () => (entry) => {
      if (entry.level <= logLevel.ERROR) log.debug(`kafka: ${entry.log.message}`);
    },
  });
}

const COMPRESSION: Record<KafkaSettings['compression'], CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

export function compressionOf(settings: KafkaSettings): CompressionTypes {
  return COMPRESSION[settings.compression];
}

const RESERVED = new Set(['partitionKey', '__key', 'partitionNumber', 'rawPayload', 'ttlInSeconds']);

/** A record for `data` with daprd's use of request metadata. */
export function toRecord(data: Buffer, metadata: Metadata): Message {
  const message: Message = { value: data };
  const key = metadata.partitionKey || metadata.__key;
  if (key) message.key = key;
  if (metadata.partitionNumber && /^\d+$/.test(metadata.partitionNumber)) message.partition = Number(metadata.partitionNumber);
  const headers: IHeaders = {};
  for (const [k, v] of Object.entries(metadata)) if (!RESERVED.has(k) && !k.startsWith('cloudevent.')) headers[k] = v;
  if (Object.keys(headers).length > 0) message.headers = headers;
  return message;
}

/** Metadata of a consumed record. */
export function recordMetadata(topic: string, partition: number, message: KafkaMessage, settings: Pick<KafkaSettings, 'excludeHeaderMetaRegex' | 'escapeHeaders'>): Metadata {
  const md: Metadata = {};
  const exclude = settings.excludeHeaderMetaRegex ? new RegExp(settings.excludeHeaderMetaRegex) : undefined;
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    if (v === undefined || exclude?.test(k)) continue;
    const text = Array.isArray(v) ? v.map((x) => x.toString()).join(',') : v.toString();
    md[k] = settings.escapeHeaders ? encodeURIComponent(text) : text;
  }
  if (message.key) md.__key = message.key.toString();
  md.__topic = topic;
  md.__partition = String(partition);
  md.__offset = message.offset;
  md.__timestamp = message.timestamp;
  return md;
}

/** Connects a producer; throws a message naming the brokers. */
export async function connectProducer(kafka: Kafka, settings: KafkaSettings): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  try {
    await producer.connect();
  } catch (err) {
    await producer.disconnect().catch(() => {});
    throw new Error(`kafka: error connecting to brokers ${settings.brokers.join(',')}: ${(err as Error).message}`);
  }
  return producer;
}

export type KafkaHandler = (topic: string, partition: number, message: KafkaMessage) => Promise<void>;

/**
 * One consumer group member for a changing set of topics: kafkajs fixes the topics at
 * `run`, so adding one restarts the consumer (debounced). A failing handler is retried
 * every `retryIntervalMs` until it succeeds when `retry` is on; otherwise it is logged and
 * the offset moves on.
 */
export class TopicConsumer {
  private consumer: Consumer | undefined;
  private readonly topics = new Map<string, KafkaHandler>();
  private restart: Promise<void> | undefined;
  private closed = false;
  private connection: ConnectionListener | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly settings: KafkaSettings,
    private readonly retry: boolean,
    private readonly log: Logger,
  ) {}

  /** Connection changes from now on: a consumer that crashed (kafkajs restarts it) and one back in its group. */
  onConnection(listener: ConnectionListener): void {
    this.connection = listener;
  }

  async add(topic: string, handler: KafkaHandler): Promise<void> {
    this.topics.set(topic, handler);
    await this.scheduleRestart();
  }

  async remove(topic: string): Promise<void> {
    this.topics.delete(topic);
    await this.scheduleRestart();
  }

  private scheduleRestart(): Promise<void> {
    this.restart ??= sleep(50).then(async () => {
      this.restart = undefined;
      await this.rebuild();
    });
    return this.restart;
  }

  private async rebuild(): Promise<void> {
    const old = this.consumer;
    this.consumer = undefined;
    await old?.disconnect().catch(() => {});
    if (this.closed || this.topics.size === 0) return;
    const consumer = this.kafka.consumer({ groupId: this.groupId, sessionTimeout: this.settings.sessionTimeout, heartbeatInterval: this.settings.heartbeatInterval });
    consumer.on(consumer.events.CRASH, (e) => !this.closed && this.connection?.(false, e.payload.error.message));
    consumer.on(consumer.events.GROUP_JOIN, () => this.connection?.(true));
    await consumer.connect();
    await subscribeWhenTopicsExist(consumer, [...this.topics.keys()], this.settings.initialOffset === 'oldest', this.log, () => this.closed);
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const handler = this.topics.get(topic);
        if (!handler) return;
        for (;;) {
          try {
            await handler(topic, partition, message);
            return;
          } catch (err) {
            // Shutting down: leave the offset uncommitted, so the group delivers it again.
            if (this.closed) throw err;
            if (!this.retry) {
              this.log.error(`kafka: failed processing message ${topic}/${partition}/${message.offset}: ${(err as Error).message}`);
              return;
            }
            this.log.warn(`kafka: retrying message ${topic}/${partition}/${message.offset}: ${(err as Error).message}`);
            await sleep(this.settings.consumeRetryInterval);
          }
        }
      },
    });
    this.consumer = consumer;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.restart?.catch(() => {});
    await this.consumer?.disconnect().catch(() => {});
    this.consumer = undefined;
  }
}

/**
 * A topic that does not exist yet is created by the broker on first use (auto.create.topics), but
 * the first metadata answer says "does not host this topic-partition": keep asking, as daprd's
 * client does, until the topics are there, then subscribe. Unlike daprd, a group
 * without committed offsets then starts at the topic's beginning (its first message is no older than
 * our waiting).
 */
async function subscribeWhenTopicsExist(consumer: Consumer, topics: string[], fromBeginning: boolean, log: Logger, closed: () => boolean = () => false): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      // A topic that came to exist while we waited was created by its first message: reading it from
      // the beginning loses nothing sent after we started listening (`newest` would skip that message).
      await consumer.subscribe({ topics, fromBeginning: fromBeginning || attempt > 0 });
      return;
    } catch (err) {
      const retriable = (err as { retriable?: boolean; type?: string }).retriable || (err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION';
      // Waits as long as it takes (until closed): giving up and starting again would subscribe at
      // `newest` once the topic exists, and miss the message that created it.
      if (!retriable || closed()) throw err;
      if (attempt % 120 === 0) log.debug(`kafka: waiting for topics ${topics.join(', ')} to exist: ${(err as Error).message}`);
      await sleep(500);
    }
  }
}
