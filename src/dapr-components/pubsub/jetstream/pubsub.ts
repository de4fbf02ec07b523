/**
 * pubsub.jetstream (NATS JetStream). Publishing sets the message id (deduplication) from
 * the CloudEvent `id` when the payload is one. Subscribing never creates streams: the
 * stream is `streamName` or the one whose subjects cover the topic. A consumer filtered on
 * the topic is added to it (durable when `durableName`, else `queueGroupName`, names one;
 * instances sharing a durable consumer share its messages, like a queue group). Messages
 * are pulled and delivered with metadata `Topic` = subject; a failure NAKs the message
 * (delayed by `ackWait` when set) so the server redelivers it, up to `maxDeliver`.
 */
import {
  AckPolicy,
  DeliverPolicy,
  connect,
  jwtAuthenticator,
  nanos,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';

import type { Logger } from '../../../shared/logger.js';
import type {
  Closable,
  MessageHandler,
  PubSub,
  PubSubFeature,
  PublishRequest,
  SubscribeRequest,
} from '../../component.js';

export interface JetStreamOptions {
  natsURL: string;
  name: string;
  jwt?: string;
  seedKey?: string;
  token?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
  streamName?: string;
  durableName?: string;
  queueGroupName?: string;
  deliverPolicy: 'all' | 'last' | 'new' | 'sequence' | 'time';
  startSequence?: number;
  startTime?: number;
  ackPolicy: 'explicit' | 'all' | 'none';
  ackWaitMs?: number;
  maxDeliver?: number;
  backOffMs: number[];
  maxAckPending?: number;
  replicas?: number;
  memoryStorage: boolean;
  rateLimit?: number;
  heartbeatMs?: number;
  concurrency: 'single' | 'parallel';
  domain?: string;
  apiPrefix?: string;
}

const DELIVER: Record<JetStreamOptions['deliverPolicy'], DeliverPolicy> = {
  all: DeliverPolicy.All,
  last: DeliverPolicy.Last,
  new: DeliverPolicy.New,
  sequence: DeliverPolicy.StartSequence,
  time: DeliverPolicy.StartTime,
};

const ACK: Record<JetStreamOptions['ackPolicy'], AckPolicy> = {
  explicit: AckPolicy.Explicit,
  all: AckPolicy.All,
  none: AckPolicy.None,
};

function cloudEventId(data: Buffer): string | undefined {
  if (data[0] !== 0x7b) return undefined;
  try {
    const id = (JSON.parse(data.toString('utf8')) as { id?: unknown }).id;
    return typeof id === 'string' && id ? id : undefined;
  } catch {
    return undefined;
  }
}

export class JetStreamPubSub implements PubSub {
  readonly features: readonly PubSubFeature[] = [];
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private readonly subs = new Set<ConsumerMessages>();

  constructor(
    private readonly opts: JetStreamOptions,
    private readonly log: Logger,
  ) {}

  async init(): Promise<void> {
    await this.close();
    const o = this.opts;
    try {
      this.nc = await connect({
        servers: o.natsURL.split(',').map((s) => s.trim()),
        name: o.name,
        token: o.token,
        authenticator: o.jwt && o.seedKey ? jwtAuthenticator(o.jwt, new TextEncoder().encode(o.seedKey)) : undefined,
        tls: o.tlsClientCert && o.tlsClientKey ? { certFile: o.tlsClientCert, keyFile: o.tlsClientKey } : undefined,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
        timeout: 5000,
      });
    } catch (err) {
      throw new Error(`failed to connect to NATS at ${o.natsURL}: ${(err as Error).message}`);
    }
    const jsOpts: { domain?: string; apiPrefix?: string } = {};
    if (o.domain) jsOpts.domain = o.domain;
    if (o.apiPrefix) jsOpts.apiPrefix = o.apiPrefix;
    this.js = this.nc.jetstream(jsOpts);
    try {
      this.jsm = await this.nc.jetstreamManager(jsOpts);
    } catch (err) {
      await this.close();
      throw new Error(`NATS at ${o.natsURL} does not answer JetStream requests (is the server started with -js?): ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    for (const sub of this.subs) sub.stop();
    this.subs.clear();
    const nc = this.nc;
    this.nc = undefined;
    this.js = undefined;
    this.jsm = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }

  async publish(req: PublishRequest): Promise<void> {
    if (!this.js) throw new Error('component is closed');
    const msgID = cloudEventId(req.data);
    if (!msgID) this.log.debug('empty message ID, JetStream deduplication will not be possible');
    await this.js.publish(req.topic, req.data, msgID ? { msgID } : undefined);
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Closable> {
    const js = this.js;
    const jsm = this.jsm;
    if (!js || !jsm) throw new Error('component is closed');
    const o = this.opts;
    let stream = o.streamName;
    if (!stream) {
      try {
        stream = await jsm.streams.find(req.topic);
      } catch (err) {
        throw new Error(`no JetStream stream covers subject ${req.topic} (create one, or set streamName): ${(err as Error).message}`);
      }
    }
    const config: Partial<ConsumerConfig> = {
      ack_policy: ACK[o.ackPolicy],
      deliver_policy: DELIVER[o.deliverPolicy],
      filter_subject: req.topic,
    };
    const durable = o.durableName || o.queueGroupName;
    if (durable) config.durable_name = durable;
    else config.inactive_threshold = nanos(5 * 60_000);
    if (o.startSequence) config.opt_start_seq = o.startSequence;
    if (o.startTime) config.opt_start_time = new Date(o.startTime * 1000).toISOString();
    if (o.ackWaitMs) config.ack_wait = nanos(o.ackWaitMs);
    if (o.maxDeliver) config.max_deliver = o.maxDeliver;
    if (o.backOffMs.length) config.backoff = o.backOffMs.map(nanos);
    if (o.maxAckPending) config.max_ack_pending = o.maxAckPending;
    if (o.replicas) config.num_replicas = o.replicas;
    if (o.memoryStorage) config.mem_storage = true;
    if (o.rateLimit) config.rate_limit_bps = o.rateLimit;
    const info = await jsm.consumers.add(stream, config);
    const consumer = await js.consumers.get(stream, info.name);
    const messages = await consumer.consume({ max_messages: o.concurrency === 'single' ? 1 : 256 });
    this.subs.add(messages);

    const acks = o.ackPolicy !== 'none';
    const handle = async (m: JsMsg): Promise<void> => {
      try {
        await handler({ topic: req.topic, data: Buffer.from(m.data), metadata: { Topic: m.subject } });
      } catch (err) {
        this.log.error(`error processing JetStream message ${m.subject}/${m.seq}: ${(err as Error).message}`);
        if (acks) m.nak(o.ackWaitMs);
        return;
      }
      if (acks) m.ack();
    };
    void (async () => {
      for await (const m of messages) {
        if (o.concurrency === 'single') await handle(m);
        else void handle(m);
      }
    })().catch((err: Error) => this.log.error(`JetStream subscription to ${req.topic} stopped: ${err.message}`));
    this.log.debug(`nats: subscribed to subject ${req.topic} (stream ${stream}, consumer ${info.name})`);
    return {
      close: async () => {
        this.subs.delete(messages);
        messages.stop();
      },
    };
  }
}

