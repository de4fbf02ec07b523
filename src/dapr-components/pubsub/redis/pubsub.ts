/**
 * pubsub.redis on Redis Streams, wire-compatible with daprd: stream = topic, entries
 * `data <bytes>` and `metadata <json>`, consumer group = consumer name = `consumerID`
 * (default: the app id), created with MKSTREAM from id 0. New entries are read with
 * XREADGROUP `>`; a message whose handler fails stays pending and is claimed again
 * (XPENDING/XCLAIM) once it has been idle for `processingTimeout`, checked every
 * `redeliverInterval` (daprd 1.11 to 1.14 behaviour).
 */
import { setTimeout as sleep } from 'node:timers/promises';

import pLimit, { type LimitFunction } from 'p-limit';

import type { Logger } from '../../../shared/logger.js';
import type {
  Closable,
  ConnectionListener,
  MessageHandler,
  Metadata,
  PubSub,
  PubSubFeature,
  PublishRequest,
  SubscribeRequest,
} from '../../component.js';
import { closeRedis, openRedis, type RedisClient, type RedisSettings } from '../../clients/redis.js';

export interface RedisPubSubOptions extends RedisSettings {
  consumerID: string;
  redeliverIntervalMs: number;
  processingTimeoutMs: number;
  queueDepth: number;
  concurrency: number;
  maxLenApprox?: number;
  streamTTLMs?: number;
}

type StreamEntry = [id: Buffer, fields: Buffer[]];

/**
 * The entries of an XREADGROUP reply. RESP2 nests `[[stream, entries], …]`; ioredis may
 * also hand back the flat `[stream, entries, stream, entries…]` form of RESP3's map.
 */
export function streamEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const out: StreamEntry[] = [];
  const isName = (v: unknown): boolean => Buffer.isBuffer(v) || typeof v === 'string';
  if (isName(reply[0])) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (Array.isArray(reply[i + 1])) out.push(...(reply[i + 1] as StreamEntry[]));
  } else {
    for (const pair of reply) if (Array.isArray(pair) && Array.isArray(pair[1])) out.push(...(pair[1] as StreamEntry[]));
  }
  return out.filter((e) => Array.isArray(e) && e.length >= 2 && Array.isArray(e[1]));
}

function fieldsOf(raw: Buffer[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let i = 0; i + 1 < raw.length; i += 2) out.set((raw[i] as Buffer).toString(), raw[i + 1] as Buffer);
  return out;
}

export class RedisPubSub implements PubSub {
  readonly features: readonly PubSubFeature[] = [];
  private client: RedisClient | undefined;
  private readonly subscriptions = new Set<RedisStreamSubscription>();

  constructor(
    private readonly opts: RedisPubSubOptions,
    private readonly name: string,
    private readonly log: Logger,
  ) {}

  async init(signal?: AbortSignal): Promise<void> {
    closeRedis(this.client);
    this.client = await openRedis(this.opts, `dapr-pubsub-${this.name}`, 'redis streams', false, signal);
    this.client.on('error', (err: Error) => this.log.debug(`redis streams ${this.name}: ${err.message}`));
  }

  onConnection(listener: ConnectionListener): void {
    const client = this.redis();
    // ioredis reconnects by itself: 'close' is the outage, 'ready' the connection back.
    client.on('close', () => client.status !== 'end' && listener(false, 'the connection to Redis was lost'));
    client.on('ready', () => listener(true));
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    closeRedis(this.client);
    this.client = undefined;
  }

  private redis(): RedisClient {
    if (!this.client) throw new Error('component is closed');
    return this.client;
  }

  async publish(req: PublishRequest): Promise<void> {
    const args: (string | Buffer | number)[] = [req.topic];
    if (this.opts.maxLenApprox !== undefined && this.opts.maxLenApprox > 0) args.push('MAXLEN', '~', this.opts.maxLenApprox);
    else if (this.opts.streamTTLMs !== undefined && this.opts.streamTTLMs > 0) {
      args.push('MINID', '~', `${Date.now() - this.opts.streamTTLMs}-0`);
    }
    args.push('*', 'data', req.data, 'metadata', JSON.stringify(req.metadata ?? {}));
    try {
      await this.redis().call('XADD', ...args);
    } catch (err) {
      throw new Error(`redis streams: error from publish: ${(err as Error).message}`);
    }
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Closable> {
    const client = this.redis();
    try {
      await client.call('XGROUP', 'CREATE', req.topic, this.opts.consumerID, '0', 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
    const reader = await openRedis(this.opts, `dapr-pubsub-${this.name}-reader`, 'redis streams', true);
    reader.on('error', (err: Error) => this.log.debug(`redis streams ${this.name} reader: ${err.message}`));
    const sub = new RedisStreamSubscription(client, reader, req.topic, handler, this.opts, this.log);
    this.subscriptions.add(sub);
    sub.start();
    return {
      close: async () => {
        this.subscriptions.delete(sub);
        await sub.close();
      },
    };
  }
}

class RedisStreamSubscription {
  private readonly abort = new AbortController();
  private readonly limit: LimitFunction;
  /** Ids being handled right now, so a reclaim does not hand the same message out twice. */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly client: RedisClient,
    private readonly reader: RedisClient,
    private readonly topic: string,
    private readonly handler: MessageHandler,
    private readonly opts: RedisPubSubOptions,
    private readonly log: Logger,
  ) {
    this.limit = pLimit(Math.max(1, opts.concurrency));
  }

  start(): void {
    void this.pollLoop();
    if (this.opts.processingTimeoutMs > 0 && this.opts.redeliverIntervalMs > 0) void this.reclaimLoop();
  }

  async close(): Promise<void> {
    this.abort.abort(new Error('subscription closed'));
    closeRedis(this.reader);
  }

  private get closed(): boolean {
    return this.abort.signal.aborted;
  }

  private async pollLoop(): Promise<void> {
    const block = Math.max(1, this.opts.readTimeout);
    while (!this.closed) {
      let reply: unknown;
      try {
        reply = await this.reader.callBuffer(
          'XREADGROUP', 'GROUP', this.opts.consumerID, this.opts.consumerID,
          'COUNT', String(this.opts.queueDepth), 'BLOCK', String(block), 'STREAMS', this.topic, '>',
        );
      } catch (err) {
        if (this.closed) return;
        const message = (err as Error).message;
        if (/NOGROUP/.test(message)) {
          this.log.warn(`redis streams: consumer group ${this.opts.consumerID} does not exist for stream ${this.topic}; recreating it`);
          await this.client.call('XGROUP', 'CREATE', this.topic, this.opts.consumerID, '0', 'MKSTREAM').catch(() => {});
        } else {
          this.log.error(`redis streams: error reading from stream ${this.topic}: ${message}`);
        }
        await sleep(1000, undefined, { signal: this.abort.signal }).catch(() => {});
        continue;
      }
      for (const entry of streamEntries(reply)) this.dispatch(entry);
      // Keep at most queueDepth messages waiting for a worker, as upstream's queue does.
      while (!this.closed && this.limit.pendingCount > this.opts.queueDepth) await sleep(10);
    }
  }

  private dispatch([rawId, rawFields]: StreamEntry): void {
    const id = rawId.toString();
    if (this.inFlight.has(id)) return;
    this.inFlight.add(id);
    const fields = fieldsOf(rawFields);
    let metadata: Metadata = {};
    const md = fields.get('metadata');
    if (md) {
      try {
        metadata = JSON.parse(md.toString()) as Metadata;
      } catch {
        this.log.warn(`redis streams: could not read the metadata of message ${id}`);
      }
    }
    const message = { topic: this.topic, data: fields.get('data') ?? Buffer.alloc(0), metadata: metadata ?? {} };
    void this
      .limit(async () => {
        if (this.closed) return;
        try {
          await this.handler(message);
        } catch (err) {
          // Left pending: the reclaim loop redelivers it after processingTimeout.
          this.log.error(`error processing Redis message ${id}: ${(err as Error).message}`);
          return;
        }
        await this.client.call('XACK', this.topic, this.opts.consumerID, id).catch((err: Error) => {
          this.log.error(`error acknowledging Redis message ${id}: ${err.message}`);
        });
      })
      .finally(() => this.inFlight.delete(id));
  }

  private async reclaimLoop(): Promise<void> {
    while (!this.closed) {
      await this.reclaim().catch((err: Error) => {
        if (!this.closed) this.log.error(`error reclaiming pending Redis messages on ${this.topic}: ${err.message}`);
      });
      await sleep(this.opts.redeliverIntervalMs, undefined, { signal: this.abort.signal }).catch(() => {});
    }
  }

  private async reclaim(): Promise<void> {
    const pending = (await this.client.call(
      'XPENDING', this.topic, this.opts.consumerID, 'IDLE', String(this.opts.processingTimeoutMs), '-', '+', String(this.opts.queueDepth),
    )) as [string, string, number, number][];
    const ids = pending.map(([id]) => id).filter((id) => !this.inFlight.has(id));
    if (ids.length === 0) return;
    const claimed = (await this.client.callBuffer(
      'XCLAIM', this.topic, this.opts.consumerID, this.opts.consumerID, String(this.opts.processingTimeoutMs), ...ids,
    )) as (StreamEntry | null)[];
    const present = new Set<string>();
    for (const entry of claimed) {
      if (!entry) continue;
      present.add(entry[0].toString());
      this.dispatch(entry);
    }
    // Entries deleted from the stream (trimmed) stay pending forever unless acknowledged.
    const gone = ids.filter((id) => !present.has(id));
    if (gone.length > 0) await this.client.call('XACK', this.topic, this.opts.consumerID, ...gone);
  }
}
