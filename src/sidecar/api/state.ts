/**
 * The state building block, independent of the transport: store lookup, key prefixes,
 * options, ETag errors, the outbound Resiliency policy, and the store calls. The HTTP
 * router and the gRPC API both go through these functions, so both answer the same way;
 * each only decodes its request and encodes its answer (and the gRPC side maps the
 * SidecarError's code to a gRPC status).
 */
import {
  StateEtagError,
  type Metadata,
  type StateDeleteRequest,
  type StateItem,
  type StateOperation,
  type StateOptions,
  type StateSetRequest,
  type StateStore,
} from '../../dapr-components/component.js';
import { SidecarError, apiError } from '../errors.js';
import type { ApiContext } from '../http/api-context.js';
import { withRetries } from '../../dapr-components/retry-policy.js';
import { prefixedKey } from '../runtime/state-keys.js';

export interface ResolvedStore {
  name: string;
  store: StateStore;
  prefix: string;
}

/** 500 ERR_STATE_STORE_NOT_CONFIGURED without any store, 400 ERR_STATE_STORE_NOT_FOUND for an unknown one. */
export function resolveStateStore(ctx: ApiContext, name: string): ResolvedStore {
  if (!ctx.registry.has('state')) {
    throw apiError(500, 'ERR_STATE_STORE_NOT_CONFIGURED', `state store is not configured`);
  }
  const found = ctx.registry.lookup<StateStore>('state', name);
  if (found.kind === 'missing') throw apiError(400, 'ERR_STATE_STORE_NOT_FOUND', `state store ${name} is not found`);
  if (found.kind === 'unavailable') throw apiError(500, 'ERR_STATE_STORE_NOT_FOUND', `state store ${name} is not ready: ${found.reason}`);
  return { name, store: found.instance, prefix: found.entry.keyPrefix ?? '' };
}

/** The key as stored (`<prefix>||<key>`); a key containing `||` is 400 ERR_MALFORMED_REQUEST. */
export function storedKey(store: ResolvedStore, key: string): string {
  try {
    return prefixedKey(store.prefix, key);
  } catch (err) {
    throw apiError(400, 'ERR_MALFORMED_REQUEST', (err as Error).message);
  }
}

export const CONCURRENCY = ['', 'first-write', 'last-write'];
export const CONSISTENCY = ['', 'eventual', 'strong'];

/** Validated state options; an unknown value fails with `code` (500, as daprd). */
export function stateOptions(raw: unknown, code: string): StateOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object') throw apiError(400, 'ERR_MALFORMED_REQUEST', 'options must be an object');
  const o = raw as { concurrency?: unknown; consistency?: unknown };
  const concurrency = o.concurrency === undefined || o.concurrency === null ? '' : String(o.concurrency);
  const consistency = o.consistency === undefined || o.consistency === null ? '' : String(o.consistency);
  if (!CONCURRENCY.includes(concurrency)) throw apiError(500, code, `invalid concurrency ${concurrency}: use first-write or last-write`);
  if (!CONSISTENCY.includes(consistency)) throw apiError(500, code, `invalid consistency ${consistency}: use eventual or strong`);
  const out: StateOptions = {};
  if (concurrency) out.concurrency = concurrency as StateOptions['concurrency'];
  if (consistency) out.consistency = consistency as StateOptions['consistency'];
  return out;
}

/** Maps a store failure to daprd's status: 409 ETag mismatch, 400 invalid ETag, else 500. */
export function stateStoreError(err: unknown, code: string, message: string): SidecarError {
  if (err instanceof SidecarError) return err;
  if (err instanceof StateEtagError) return apiError(err.kind === 'mismatch' ? 409 : 400, code, `${message}: ${err.message}`, err);
  return apiError(500, code, `${message}: ${(err as Error).message}`, err);
}

/** Runs a store call under the store's outbound Resiliency retry policy, if any (never retrying an ETag conflict). */
export function stateOutbound<T>(ctx: ApiContext, name: string, call: () => Promise<T>): Promise<T> {
  const policy = ctx.resiliency.componentRetry(name, 'Statestore', 'Outbound');
  if (!policy) return call();
  return withRetries(policy, call, { shouldRetry: (err) => !(err instanceof StateEtagError) });
}

/** Saves items one by one (keys already prefixed); the first failure stops and is ERR_STATE_SAVE. */
export async function saveStates(ctx: ApiContext, store: ResolvedStore, items: StateSetRequest[]): Promise<void> {
  for (const item of items) {
    try {
      await stateOutbound(ctx, store.name, () => store.store.set(item));
    } catch (err) {
      throw stateStoreError(err, 'ERR_STATE_SAVE', `failed saving state in state store ${store.name}`);
    }
  }
}

/** One key (not prefixed yet); undefined when absent or expired. */
export async function getState(ctx: ApiContext, store: ResolvedStore, key: string, metadata: Metadata): Promise<StateItem | undefined> {
  const stored = storedKey(store, key);
  try {
    return await stateOutbound(ctx, store.name, () => store.store.get({ key: stored, metadata }));
  } catch (err) {
    throw stateStoreError(err, 'ERR_STATE_GET', `fail to get ${key} from state store ${store.name}`);
  }
}

/** Deletes one key (already prefixed in `req.key`; `key` is the caller's, for the message). */
export async function deleteState(ctx: ApiContext, store: ResolvedStore, key: string, req: StateDeleteRequest, code = 'ERR_STATE_DELETE'): Promise<void> {
  try {
    await stateOutbound(ctx, store.name, () => store.store.delete(req));
  } catch (err) {
    throw stateStoreError(err, code, code === 'ERR_STATE_DELETE' ? `failed deleting state with key ${key}` : `failed deleting state in state store ${store.name}`);
  }
}

export interface BulkStateResult {
  key: string;
  item?: StateItem;
  error?: string;
}

/** Bulk get: one result per key, in order; a failing key carries its error instead of failing the call. */
export async function bulkGetStates(store: ResolvedStore, keys: string[], metadata: Metadata, parallelism: number): Promise<BulkStateResult[]> {
  const results: BulkStateResult[] = new Array(keys.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const i = next++;
      const key = keys[i] as string;
      const entry: BulkStateResult = { key };
      try {
        const item = await store.store.get({ key: storedKey(store, key), metadata });
        if (item) entry.item = item;
      } catch (err) {
        entry.error = (err as Error).message;
      }
      results[i] = entry;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism > 0 ? parallelism : 100, Math.max(1, keys.length)) }, worker));
  return results;
}

/** A transaction operation before key prefixing: `operation` as the caller named it. */
export interface RawStateOperation {
  operation: string;
  key: string;
  value?: Buffer;
  etag?: string;
  metadata: Metadata;
  options: unknown;
}

/** The store for a transaction: 500 ERR_STATE_STORE_NOT_SUPPORTED when it is not transactional. */
export function resolveTransactionalStore(ctx: ApiContext, name: string): ResolvedStore {
  const store = resolveStateStore(ctx, name);
  if (!store.store.transact || !store.store.features.includes('TRANSACTIONAL')) {
    throw apiError(500, 'ERR_STATE_STORE_NOT_SUPPORTED', `state store ${name} doesn't support transactions`);
  }
  return store;
}

/**
 * Validates and runs a transaction (all or nothing). Another operation name is 400
 * ERR_NOT_SUPPORTED_STATE_OPERATION; a store failure, ETag conflicts included, is 500
 * ERR_STATE_TRANSACTION (daprd does not answer a conflict inside a transaction as one).
 */
export async function executeStateTransaction(ctx: ApiContext, store: ResolvedStore, raw: RawStateOperation[], metadata: Metadata): Promise<void> {
  const operations: StateOperation[] = raw.map((op) => {
    if (op.key === '') throw apiError(400, 'ERR_MALFORMED_REQUEST', 'missing key in a transaction operation');
    const common = {
      key: storedKey(store, op.key),
      etag: op.etag || undefined,
      metadata: op.metadata,
      options: stateOptions(op.options, 'ERR_STATE_TRANSACTION'),
    };
    if (op.operation === 'upsert') return { operation: 'upsert', request: { ...common, value: op.value ?? Buffer.alloc(0) } };
    if (op.operation === 'delete') return { operation: 'delete', request: common };
    throw apiError(400, 'ERR_NOT_SUPPORTED_STATE_OPERATION', `operation type ${op.operation} not supported`);
  });
  if (operations.length === 0) return;
  try {
    await stateOutbound(ctx, store.name, () => store.store.transact!(operations, metadata));
  } catch (err) {
    throw apiError(500, 'ERR_STATE_TRANSACTION', `error while executing state transaction: ${(err as Error).message}`, err);
  }
}
