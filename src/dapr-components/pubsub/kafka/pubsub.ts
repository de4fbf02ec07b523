/**
 * pubsub.kafka: topic = Kafka topic, consumer group `consumerGroup` (default
 * `consumerID` = the app id). A message is acknowledged (its offset moves on) once the
 * handler succeeds; with `consumeRetryEnabled` (default true) a failing message is
 * retried every `consumeRetryInterval` until it does, as daprd does.
 */
import type { Kafka, Producer } from 'kafkajs';

import type { Logger } from '../../../shared/logger.js';
import type { Closable, MessageHandler, PubSub, PubSubFeature, PublishRequest, SubscribeRequest } from '../../component.js';
import { compressionOf, connectProducer, createKafka, recordMetadata, toRecord, TopicConsumer } from '../../clients/kafka.js';
import type { KafkaSettings } from '../../clients/kafka-metadata.js';

export interface KafkaPubSubOptions extends KafkaSettings {
  groupId: string;
  consumeRetryEnabled: boolean;
}

export class KafkaPubSub implements PubSub {
  readonly features: readonly PubSubFeature[] = [];
  private kafka: Kafka | undefined;
  private producer: Producer | undefined;
  private consumer: TopicConsumer | undefined;

  constructor(
    private readonly opts: KafkaPubSubOptions,
    private readonly log: Logger,
  ) {}

  async init(): Promise<void> {
    await this.close();
    this.kafka = createKafka(this.opts, this.log);
    this.producer = await connectProducer(this.kafka, this.opts);
    this.consumer = new TopicConsumer(this.kafka, this.opts.groupId, this.opts, this.opts.consumeRetryEnabled, this.log);
  }

  async publish(req: PublishRequest): Promise<void> {
    if (!this.producer) throw new Error('component is closed');
    await this.producer.send({ topic: req.topic, messages: [toRecord(req.data, req.metadata)], compression: compressionOf(this.opts) });
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Closable> {
    const consumer = this.consumer;
    if (!consumer) throw new Error('component is closed');
    await consumer.add(req.topic, async (topic, partition, message) => {
      await handler({ topic, data: message.value ?? Buffer.alloc(0), metadata: recordMetadata(topic, partition, message, this.opts) });
    });
    return { close: () => consumer.remove(req.topic) };
  }

  async close(): Promise<void> {
    await this.consumer?.close();
    await this.producer?.disconnect().catch(() => {});
    this.consumer = undefined;
    this.producer = undefined;
  }
}
