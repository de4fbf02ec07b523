/**
 * pubsub.mqtt3 / pubsub.mqtt. Subscriptions share one client (id `consumerID`, default
 * the app id); topic filters may use `+` and `#` (and `$share/<group>/…`). Messages are
 * handled concurrently with metadata `retained`; a failed message is logged (no
 * component-level retry; MQTT 3.1.1 messages are acknowledged on arrival by mqtt.js).
 * Publishing uses a second client (`<consumerID>-publisher`), so publishes never queue
 * behind deliveries.
 */
import type { MqttClient } from 'mqtt';

import type { Logger } from '../../../shared/logger.js';
import type {
  Closable,
  MessageHandler,
  PubSub,
  PubSubFeature,
  PublishRequest,
  SubscribeRequest,
} from '../../component.js';
import { parseGoBool } from '../../../shared/go-compat/bool.js';
import { closeMqtt, connectMqtt, publishMqtt } from '../../clients/mqtt.js';
import { topicMatches } from '../topic-match.js';

export interface MqttPubSubOptions {
  url: string;
  consumerID: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  cleanSession: boolean;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
}

/** `$share/<group>/<filter>` matches like `<filter>`. */
function matchFilter(filter: string): string {
  const shared = /^\$share\/[^/]+\/(.+)$/.exec(filter);
  return shared ? (shared[1] as string) : filter;
}

export class MqttPubSub implements PubSub {
  readonly features: readonly PubSubFeature[] = ['SUBSCRIBE_WILDCARDS'];
  private consumer: MqttClient | undefined;
  private publisher: MqttClient | undefined;
  private readonly handlers = new Map<string, MessageHandler>();

  constructor(
    private readonly opts: MqttPubSubOptions,
    private readonly log: Logger,
  ) {}

  async init(signal?: AbortSignal): Promise<void> {
    await this.close();
    this.consumer = await connectMqtt({
      ...this.opts,
      signal,
      clientId: this.opts.consumerID,
      onMessage: (topic, payload, retained) => this.onMessage(topic, payload, retained),
    });
    try {
      this.publisher = await connectMqtt({ ...this.opts, clientId: `${this.opts.consumerID}-publisher`, cleanSession: true, signal });
    } catch (err) {
      await closeMqtt(this.consumer);
      this.consumer = undefined;
      throw err;
    }
    for (const client of [this.consumer, this.publisher]) {
      client.on('error', (err) => this.log.error(`MQTT: ${err.message}`));
      client.on('offline', () => this.log.warn('connection with the MQTT broker lost; reconnecting'));
    }
  }

  private async onMessage(topic: string, payload: Buffer, retained: boolean): Promise<void> {
    let handler = this.handlers.get(topic);
    if (!handler) {
      for (const [filter, h] of this.handlers) if (topicMatches(matchFilter(filter), topic)) handler = h;
    }
    if (!handler) {
      this.log.warn(`no handler defined for messages received on topic ${topic}`);
      return;
    }
    try {
      await handler({ topic, data: payload, metadata: { retained: String(retained) } });
    } catch (err) {
      this.log.error(`failed processing MQTT message on ${topic}: ${(err as Error).message}`);
    }
  }

  async publish(req: PublishRequest): Promise<void> {
    if (!this.publisher) throw new Error('component is closed');
    if (!req.topic) throw new Error('topic name is empty');
    let retain = this.opts.retain;
    if (req.metadata.retain) {
      const b = parseGoBool(req.metadata.retain);
      if (b === undefined) throw new Error(`mqtt invalid retain ${req.metadata.retain}`);
      retain = b;
    }
    await publishMqtt(this.publisher, req.topic, req.data, this.opts.qos, retain);
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Closable> {
    const consumer = this.consumer;
    if (!consumer) throw new Error('component is closed');
    if (!req.topic) throw new Error('topic name is empty');
    this.handlers.set(req.topic, handler);
    await new Promise<void>((resolve, reject) =>
      consumer.subscribe(req.topic, { qos: this.opts.qos }, (err) => {
        if (err) {
          this.handlers.delete(req.topic);
          reject(new Error(`mqtt error from subscribe: ${err.message}`));
        } else resolve();
      }),
    );
    this.log.info(`MQTT is subscribed to topic ${req.topic} (qos: ${this.opts.qos})`);
    return {
      close: async () => {
        this.handlers.delete(req.topic);
        if (this.opts.cleanSession) await new Promise<void>((resolve) => consumer.unsubscribe(req.topic, () => resolve()));
      },
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.all([closeMqtt(this.consumer), closeMqtt(this.publisher)]);
    this.consumer = undefined;
    this.publisher = undefined;
  }
}
