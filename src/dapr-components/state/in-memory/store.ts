/**
 * state.in-memory: a map per sidecar. ETags are random UUIDs; an ETag for a missing key
 * or a different ETag is a mismatch; first-write without an ETag fails when the key exists.
 */
import { randomUUID } from 'node:crypto';

import {
  StateEtagError,
  type Metadata,
  type StateDeleteRequest,
  type StateGetRequest,
  type StateFeature,
  type StateItem,
  type StateOperation,
  type StateOptions,
  type StateSetRequest,
  type StateStore,
} from '../../component.js';
import { expireTimeText, ttlSeconds } from '../ttl.js';

interface Entry {
  data: Buffer;
  etag: string;
  /** Epoch ms, when the item has a TTL. */
  expires?: number;
}

export class InMemoryStateStore implements StateStore {
  readonly features: readonly StateFeature[] = ['ETAG', 'TRANSACTIONAL', 'TTL', 'DELETE_WITH_PREFIX', 'KEYS_LIKE', 'ACTOR'];
  private readonly items = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  async init(): Promise<void> {}

  async close(): Promise<void> {
    this.items.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.items.get(key);
    if (entry?.expires !== undefined && entry.expires <= this.now()) {
      this.items.delete(key);
      return undefined;
    }
    return entry;
  }

  async get(req: StateGetRequest): Promise<StateItem | undefined> {
    const entry = this.live(req.key);
    if (!entry) return undefined;
    const item: StateItem = { data: entry.data, etag: entry.etag };
    if (entry.expires !== undefined) item.metadata = { ttlExpireTime: expireTimeText(entry.expires) };
    return item;
  }

  private check(key: string, etag: string | undefined, options: StateOptions): void {
    const entry = this.live(key);
    if (etag) {
      if (!entry) throw new StateEtagError('mismatch', `state not exist or expired for key=${key}`);
      if (entry.etag !== etag) {
        throw new StateEtagError('mismatch', `state etag not match for key=${key}: current=${entry.etag}, expect=${etag}`);
      }
    } else if (options.concurrency === 'first-write' && entry) {
      throw new StateEtagError('mismatch', 'item already exists and no etag was passed');
    }
  }

  private write(req: StateSetRequest, ttl: number | undefined): void {
    const entry: Entry = { data: Buffer.from(req.value), etag: randomUUID() };
    if (ttl !== undefined && ttl > 0) entry.expires = this.now() + ttl * 1000;
    this.items.set(req.key, entry);
  }

  async set(req: StateSetRequest): Promise<void> {
    const ttl = ttlSeconds(req.metadata);
    this.check(req.key, req.etag, req.options);
    this.write(req, ttl);
  }

  async delete(req: StateDeleteRequest): Promise<void> {
    this.check(req.key, req.etag, req.options);
    this.items.delete(req.key);
  }

  async transact(operations: StateOperation[], _metadata: Metadata): Promise<void> {
    const ttls = operations.map((op) => (op.operation === 'upsert' ? ttlSeconds(op.request.metadata) : undefined));
    // Check every operation first, so a conflict leaves the store untouched.
    for (const op of operations) this.check(op.request.key, op.request.etag, op.request.options);
    operations.forEach((op, i) => {
      if (op.operation === 'upsert') this.write(op.request, ttls[i]);
      else this.items.delete(op.request.key);
    });
  }
}
