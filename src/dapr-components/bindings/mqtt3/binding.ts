/**
 * bindings.mqtt3 / bindings.mqtt (input and output). Output `create` publishes the data
 * (QoS 1) to `topic` (request metadata `topic` overrides it) from client
 * `<consumerID>-producer`, connected on first use. Input subscribes client
 * `<consumerID>-consumer` to `topic`; each message goes to the app with metadata `topic`,
 * retried per the backOff settings (`backOffMaxRetries` 0 = one try, -1 = forever), then
 * given up (logged).
 */
import type { MqttClient } from 'mqtt';

import type { Logger } from '../../../shared/logger.js';
import { withRetries, type RetryPolicy } from '../../retry-policy.js';
import type { Binding, BindingRequest, BindingResponse, ConnectionListener, InputHandler } from '../../component.js';
import { closeMqtt, connectMqtt, publishMqtt } from '../../clients/mqtt.js';

export interface MqttBindingOptions {
  url: string;
  topic: string;
  consumerID: string;
  retain: boolean;
  cleanSession: boolean;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  backOff: RetryPolicy;
}

export class MqttBinding implements Binding {
  private connection: ConnectionListener | undefined;
  readonly operations = ['create'] as const;
  private producer: Promise<MqttClient> | undefined;
  private consumer: MqttClient | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly opts: MqttBindingOptions,
    private readonly log: Logger,
  ) {}

  /** Checks that the broker answers (the producer connects here, the consumer on read). */
  async init(signal?: AbortSignal): Promise<void> {
    await this.getProducer(signal);
  }

  private getProducer(signal?: AbortSignal): Promise<MqttClient> {
    if (!this.producer) {
      this.producer = connectMqtt({ ...this.opts, clientId: `${this.opts.consumerID}-producer`, signal });
      this.producer.catch(() => {
        this.producer = undefined;
      });
    }
    return this.producer;
  }

  async invoke(req: BindingRequest): Promise<BindingResponse | undefined> {
    const producer = await this.getProducer();
    const topic = req.metadata.topic || this.opts.topic;
    const constant: RetryPolicy = { policy: 'constant', durationMs: 200, initialIntervalMs: 0, maxIntervalMs: 0, maxRetries: 3 };
    await withRetries(constant, () => publishMqtt(producer, topic, req.data, 1, this.opts.retain), {
      signal: this.abort.signal,
      onRetry: (err) => this.log.debug(`could not publish MQTT message, retrying: ${(err as Error).message}`),
    });
    return undefined;
  }

  async read(handler: InputHandler): Promise<void> {
    if (this.consumer) throw new Error('the subscription is already active');
    const client = await connectMqtt({
      ...this.opts,
      clientId: `${this.opts.consumerID}-consumer`,
      onMessage: async (topic, payload) => {
        try {
          await withRetries(this.opts.backOff, () => handler({ data: payload, metadata: { topic } }), {
            signal: this.abort.signal,
            onRetry: () => this.log.error(`error processing MQTT message on ${topic}; retrying`),
          });
        } catch (err) {
          this.log.error(`failed processing MQTT message on ${topic}: ${(err as Error).message}`);
        }
      },
    });
    this.consumer = client;
    client.on('error', (err) => this.log.error(`MQTT consumer ${this.opts.consumerID}-consumer: ${err.message}`));
    client.on('offline', () => {
      this.log.warn(`connection to the MQTT broker lost (client ${this.opts.consumerID}-consumer); reconnecting`);
      this.connection?.(false, 'the connection to the MQTT broker was lost');
    });
    client.on('connect', () => this.connection?.(true));
    await new Promise<void>((resolve, reject) =>
      client.subscribe(this.opts.topic, { qos: 1 }, (err) => (err ? reject(new Error(`mqtt subscribe to ${this.opts.topic} failed: ${err.message}`)) : resolve())),
    );
    this.log.info(`subscribed to MQTT topic ${this.opts.topic} (qos: 1)`);
  }

  onConnection(listener: ConnectionListener): void {
    this.connection = listener;
  }

  async close(): Promise<void> {
    this.connection = undefined;
    this.abort.abort();
    const producer = await this.producer?.catch(() => undefined);
    await Promise.all([closeMqtt(producer), closeMqtt(this.consumer)]);
    this.producer = undefined;
    this.consumer = undefined;
  }
}
