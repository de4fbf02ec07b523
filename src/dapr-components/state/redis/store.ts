/**
 * state.redis: hashes `{data, version}` per key (see scripts.ts), ETag = version.
 * An ETag for a key that does not exist is ignored (upstream behaviour, relied on by the
 * js-sdk tests); a stale ETag is a mismatch; a non-integer ETag is invalid.
 */
import type { Logger } from '../../../shared/logger.js';
import {
  StateEtagError,
  type Metadata,
  type StateDeleteRequest,
  type StateFeature,
  type StateGetRequest,
  type StateItem,
  type StateOperation,
  type StateSetRequest,
  type StateStore,
} from '../../component.js';
import { closeRedis, openRedis, type RedisClient, type RedisSettings } from '../../clients/redis.js';
import { ttlSeconds } from '../ttl.js';
import { DELETE_SCRIPT, SET_SCRIPT, TRANSACTION_SCRIPT } from './scripts.js';

export interface RedisStateOptions extends RedisSettings {
  /** Store-wide default TTL (seconds). */
  ttlInSeconds?: number;
}

function isMismatch(err: unknown): boolean {
  return /version mismatch/.test((err as Error).message ?? '');
}

export class RedisStateStore implements StateStore {
  readonly features: readonly StateFeature[] = ['ETAG', 'TRANSACTIONAL', 'TTL', 'KEYS_LIKE', 'ACTOR'];
  private client: RedisClient | undefined;

  constructor(
    private readonly opts: RedisStateOptions,
    private readonly name: string,
    private readonly log: Logger,
  ) {}

  async init(signal?: AbortSignal): Promise<void> {
    closeRedis(this.client);
    this.client = await openRedis(this.opts, `dapr-state-${this.name}`, 'redis store', false, signal);
    this.client.on('error', (err: Error) => this.log.debug(`redis store ${this.name}: ${err.message}`));
  }

  async close(): Promise<void> {
    closeRedis(this.client);
    this.client = undefined;
  }

  private redis(): RedisClient {
    if (!this.client) throw new Error('redis store is not connected');
    return this.client;
  }

  async get(req: StateGetRequest): Promise<StateItem | undefined> {
    const client = this.redis();
    let fields: Record<string, Buffer>;
    try {
      fields = (await client.hgetallBuffer(req.key)) as unknown as Record<string, Buffer>;
    } catch (err) {
      if (!/WRONGTYPE/.test((err as Error).message)) throw err;
      // A plain string written by something else: read it as is, without an ETag.
      const raw = await client.getBuffer(req.key);
      return raw === null ? undefined : { data: raw };
    }
    if (!fields || Object.keys(fields).length === 0) return undefined;
    const data = fields.data;
    const version = fields.version;
    if (data === undefined || version === undefined) throw new Error("required hash field 'data' or 'version' was not found");
    return { data, etag: version.toString() };
  }

  /** The version to check: "0" for none (no ETag, or last-write). */
  private version(etag: string | undefined, concurrency: string | undefined): string {
    if (!etag || concurrency === 'last-write') return '0';
    if (!/^-?\d+$/.test(etag)) throw new StateEtagError('invalid', `invalid etag ${JSON.stringify(etag)}: not an integer`);
    return String(Number(etag));
  }

  private ttl(metadata: Metadata): string {
    const ttl = ttlSeconds(metadata) ?? this.opts.ttlInSeconds;
    return ttl === undefined ? '' : String(ttl);
  }

  async set(req: StateSetRequest): Promise<void> {
    const version = this.version(req.etag, req.options.concurrency);
    const firstWrite = req.options.concurrency === 'first-write' ? '1' : '0';
    try {
      await this.redis().eval(SET_SCRIPT, 1, req.key, version, req.value, firstWrite, this.ttl(req.metadata));
    } catch (err) {
      if (isMismatch(err)) {
        if (req.etag) throw new StateEtagError('mismatch', `possible etag mismatch. error from state store: ${(err as Error).message}`);
        throw new Error(`failed to set key ${req.key}: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  async delete(req: StateDeleteRequest): Promise<void> {
    const version = req.etag ? this.version(req.etag, undefined) : '0';
    try {
      await this.redis().eval(DELETE_SCRIPT, 1, req.key, version);
    } catch (err) {
      if (isMismatch(err)) throw new StateEtagError('mismatch', `possible etag mismatch. error from state store: ${(err as Error).message}`);
      throw err;
    }
  }

  async transact(operations: StateOperation[]): Promise<void> {
    if (operations.length === 0) return;
    const keys: string[] = [];
    const args: (string | Buffer)[] = [];
    for (const op of operations) {
      keys.push(op.request.key);
      if (op.operation === 'upsert') {
        const r = op.request;
        args.push('set', this.version(r.etag, r.options.concurrency), r.value, r.options.concurrency === 'first-write' ? '1' : '0', this.ttl(r.metadata));
      } else {
        const r = op.request;
        args.push('del', r.etag ? this.version(r.etag, undefined) : '0', '', '0', '');
      }
    }
    await this.redis().eval(TRANSACTION_SCRIPT, keys.length, ...keys, ...args);
  }
}
