import { Redis } from 'ioredis';
import { errorMessage } from '../errors.js';
import { ScalingError } from './errors.js';
import { splitHostPort, type BacklogProbe, type BacklogReading } from './probe.js';

/**
 * What KEDA's `redis-streams` scaler counts (kedacore/keda pkg/scalers/redis_streams_scaler.go,
 * createEntriesCountFn), chosen by its metadata:
 *
 * - `pending` (consumerGroup given, no lagCount; the default): XPENDING's count, the entries delivered
 *   to the group's consumers and not acknowledged. A missing stream or group is an error (NOGROUP),
 *   as in KEDA.
 * - `lag` (consumerGroup and a non-zero lagCount): the group's `lag` from XINFO GROUPS (Redis 7+):
 *   entries not yet delivered to the group. No stream: 0; no such group yet: XLEN (what the lag will
 *   be once the group is created at the start of the stream), both as KEDA. Where Redis gives no lag
 *   (before 7.0, or `nil` after deletions inside the range; KEDA errors on Redis < 7), ofn-local counts
 *   the entries after the group's last-delivered-id instead.
 * - `length` (no consumerGroup): XLEN.
 *
 * The value is also the activity KEDA compares with activationLagCount.
 */
export type RedisStreamsMode = 'pending' | 'lag' | 'length';

export interface RedisStreamsOptions {
  /** `host:port`. */
  address: string;
  stream: string;
  consumerGroup?: string;
  mode: RedisStreamsMode;
  username?: string;
  password?: string;
  databaseIndex?: number;
}

/** One group of XINFO GROUPS, from Redis's flat reply. */
export interface StreamGroupInfo {
  name: string;
  pending: number;
  lastDeliveredId: string;
  /** Undefined before Redis 7 or when Redis cannot tell (`nil`). */
  lag?: number;
}

/** Parses XINFO GROUPS' reply: one flat [field, value, …] array per group. */
export function parseXinfoGroups(reply: unknown): StreamGroupInfo[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((flat) => {
    const fields = new Map<string, unknown>();
    const items = Array.isArray(flat) ? flat : [];
    for (let i = 0; i + 1 < items.length; i += 2) fields.set(String(items[i]), items[i + 1]);
    const lag = fields.get('lag');
    return {
      name: String(fields.get('name') ?? ''),
      pending: Number(fields.get('pending') ?? 0),
      lastDeliveredId: String(fields.get('last-delivered-id') ?? '0-0'),
      ...(lag === null || lag === undefined ? {} : { lag: Number(lag) }),
    };
  });
}

export class RedisStreamsProbe implements BacklogProbe {
  readonly describe: string;
  #client: Redis | undefined;

  constructor(readonly options: RedisStreamsOptions) {
    if (options.mode !== 'length' && !options.consumerGroup) throw new ScalingError('ERR_SCALER_METADATA', `redis-streams probe: mode ${options.mode} needs a consumer group`);
    const what = { pending: 'pending entries', lag: 'lag', length: 'length' }[options.mode];
    this.describe = `redis stream ${options.stream} ${what}${options.consumerGroup && options.mode !== 'length' ? ` of group ${options.consumerGroup}` : ''} at ${options.address}`;
  }

  async backlog(): Promise<number> {
    return (await this.read()).value;
  }

  async read(): Promise<BacklogReading> {
    try {
      const client = await this.#connect();
      const count = await this.#count(client);
      return { value: count, activity: count };
    } catch (err) {
      await this.close();
      throw new ScalingError('ERR_PROBE', `${this.describe}: ${errorMessage(err)}`, {}, undefined, { cause: err });
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.quit().catch(() => client.disconnect());
  }

  async #count(client: Redis): Promise<number> {
    const { stream, consumerGroup: group = '', mode } = this.options;
    if (mode === 'length') return client.xlen(stream);
    if (mode === 'pending') {
      const [count] = (await client.xpending(stream, group)) as [number, ...unknown[]];
      return Number(count);
    }
    let groups: StreamGroupInfo[];
    try {
      groups = parseXinfoGroups(await client.xinfo('GROUPS', stream));
    } catch (err) {
      if (/no such key/i.test(errorMessage(err))) return 0;
      throw err;
    }
    const info = groups.find((g) => g.name === group);
    if (!info) return client.xlen(stream);
    if (info.lag !== undefined) return info.lag;
    return this.#entriesAfter(client, info.lastDeliveredId);
  }

  /** Entries whose id is after `id`, counted in pages (XRANGE with an exclusive start, Redis 6.2+). */
  async #entriesAfter(client: Redis, id: string): Promise<number> {
    let count = 0;
    let from = `(${id}`;
    for (;;) {
      const page = await client.xrange(this.options.stream, from, '+', 'COUNT', 1000);
      count += page.length;
      if (page.length < 1000) return count;
      from = `(${page[page.length - 1]![0]}`;
    }
  }

  async #connect(): Promise<Redis> {
    if (this.#client) return this.#client;
    const { host, port } = splitHostPort(this.options.address, 6379);
    const client = new Redis({
      host,
      port,
      username: this.options.username,
      password: this.options.password,
      db: this.options.databaseIndex ?? 0,
      lazyConnect: true,
      connectionName: 'ofn-local-scaler',
      connectTimeout: 3000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // One poll, one try: the scaler polls again at its next interval.
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw err;
    }
    this.#client = client;
    return client;
  }
}
