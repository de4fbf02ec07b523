/**
 * bindings.kafka: output `create` sends the data to `publishTopic` (key from request
 * metadata `partitionKey`/`__key`, other metadata as headers); input reads `topics` in
 * consumer group `consumerGroup` (or `consumerID`) and delivers the record value with its
 * headers and `__key`, `__topic`, `__partition`, `__offset`, `__timestamp`.
 */
import type { Kafka, Producer } from 'kafkajs';

import type { Logger } from '../../../shared/logger.js';
import type { Binding, BindingRequest, BindingResponse, ConnectionListener, InputHandler } from '../../component.js';
import { compressionOf, connectProducer, createKafka, recordMetadata, toRecord, TopicConsumer } from '../../clients/kafka.js';
import type { KafkaSettings } from '../../clients/kafka-metadata.js';

export interface KafkaBindingOptions extends KafkaSettings {
  topics: string[];
  publishTopic?: string;
  groupId?: string;
  consumeRetryEnabled: boolean;
}

export class KafkaBinding implements Binding {
  readonly operations = ['create'] as const;
  private kafka: Kafka | undefined;
  private producer: Producer | undefined;
  private consumer: TopicConsumer | undefined;

  constructor(
    private readonly opts: KafkaBindingOptions,
    private readonly log: Logger,
  ) {}

  async init(): Promise<void> {
    await this.close();
    this.kafka = createKafka(this.opts, this.log);
    this.producer = await connectProducer(this.kafka, this.opts);
  }

  async invoke(req: BindingRequest): Promise<BindingResponse | undefined> {
    if (!this.producer) throw new Error('kafka binding is not connected');
    const topic = this.opts.publishTopic;
    if (!topic) throw new Error('kafka binding: publishTopic is not set, so it has no output');
    await this.producer.send({ topic, messages: [toRecord(req.data, req.metadata)], compression: compressionOf(this.opts) });
    return undefined;
  }

  async read(handler: InputHandler): Promise<void> {
    if (!this.kafka) throw new Error('kafka binding is not connected');
    if (this.opts.topics.length === 0) {
      this.log.info('kafka binding has no topics: input not started');
      return;
    }
    if (!this.opts.groupId) throw new Error('kafka binding: consumerGroup is required for input');
    this.consumer = new TopicConsumer(this.kafka, this.opts.groupId, this.opts, this.opts.consumeRetryEnabled, this.log);
    for (const topic of this.opts.topics) {
      await this.consumer.add(topic, async (t, partition, message) => {
        await handler({ data: message.value ?? Buffer.alloc(0), metadata: recordMetadata(t, partition, message, this.opts) });
      });
    }
  }

  onConnection(listener: ConnectionListener): void {
    this.consumer?.onConnection(listener);
  }

  async close(): Promise<void> {
    await this.consumer?.close();
    await this.producer?.disconnect().catch(() => {});
    this.consumer = undefined;
    this.producer = undefined;
  }
}
