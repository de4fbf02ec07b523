/**
 * Dapr state API: save (POST/PUT /v1.0/state/{store}), get, delete, bulk get and
 * transactions. Keys are prefixed per the store's `keyPrefix` (default `<appId>||`);
 * JSON values are stored as daprd re-encodes them (sorted keys).
 */
import { Router, type Request, type Response } from 'express';

import { StateEtagError, type StateOperation, type StateOptions, type StateStore } from '../components/component.js';
import { SidecarError, apiError } from '../errors.js';
import { goJson } from '../go-json.js';
import { withRetries } from '../retry-policy.js';
import { prefixedKey } from '../runtime/state-keys.js';
import type { ApiContext } from './api-context.js';
import { jsonBody, param, queryParam, requestMetadata, sendData, sendEmpty, setMetadataHeaders } from './respond.js';

interface ResolvedStore {
  name: string;
  store: StateStore;
  prefix: string;
}

function getStore(ctx: ApiContext, name: string): ResolvedStore {
  if (!ctx.registry.has('state')) {
    throw apiError(500, 'ERR_STATE_STORE_NOT_CONFIGURED', `state store is not configured`);
  }
  const found = ctx.registry.lookup<StateStore>('state', name);
  if (found.kind === 'missing') throw apiError(400, 'ERR_STATE_STORE_NOT_FOUND', `state store ${name} is not found`);
  if (found.kind === 'unavailable') throw apiError(500, 'ERR_STATE_STORE_NOT_FOUND', `state store ${name} is not ready: ${found.reason}`);
  return { name, store: found.instance, prefix: found.entry.keyPrefix ?? '' };
}

function storedKey(store: ResolvedStore, key: string): string {
  try {
    return prefixedKey(store.prefix, key);
  } catch (err) {
    throw apiError(400, 'ERR_MALFORMED_REQUEST', (err as Error).message);
  }
}

const CONCURRENCY = ['', 'first-write', 'last-write'];
const CONSISTENCY = ['', 'eventual', 'strong'];

function options(raw: unknown, code: string): StateOptions {
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

function stringRecord(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

function etagOf(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw apiError(400, 'ERR_MALFORMED_REQUEST', 'etag must be a string');
  return raw || undefined;
}

/** Maps a store failure to daprd's status: 409 ETag mismatch, 400 invalid ETag, else 500. */
function storeError(err: unknown, code: string, message: string): SidecarError {
  if (err instanceof SidecarError) return err;
  if (err instanceof StateEtagError) return apiError(err.kind === 'mismatch' ? 409 : 400, code, `${message}: ${err.message}`, err);
  return apiError(500, code, `${message}: ${(err as Error).message}`, err);
}

/** Runs a store call under the store's outbound Resiliency retry policy, if any. */
function outbound<T>(ctx: ApiContext, name: string, call: () => Promise<T>): Promise<T> {
  const policy = ctx.resiliency.componentRetry(name, 'Statestore', 'Outbound');
  if (!policy) return call();
  return withRetries(policy, call, { shouldRetry: (err) => !(err instanceof StateEtagError) });
}

async function save(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const store = getStore(ctx, param(req, 'storeName'));
  const body = jsonBody(req);
  if (!Array.isArray(body)) throw apiError(400, 'ERR_MALFORMED_REQUEST', 'failed deserializing HTTP body: expected an array of state items');
  const queryMd = requestMetadata(req);
  const items = body.map((raw: unknown) => {
    if (!raw || typeof raw !== 'object') throw apiError(400, 'ERR_MALFORMED_REQUEST', 'failed deserializing HTTP body: state items must be objects');
    const item = raw as { key?: unknown; value?: unknown; etag?: unknown; metadata?: unknown; options?: unknown };
    if (typeof item.key !== 'string' || item.key === '') throw apiError(400, 'ERR_MALFORMED_REQUEST', '"key" is a required field');
    return {
      key: storedKey(store, item.key),
      value: Buffer.from(goJson(item.value ?? null)),
      etag: etagOf(item.etag),
      metadata: { ...stringRecord(item.metadata), ...queryMd },
      options: options(item.options, 'ERR_STATE_SAVE'),
    };
  });
  for (const item of items) {
    try {
      await outbound(ctx, store.name, () => store.store.set(item));
    } catch (err) {
      throw storeError(err, 'ERR_STATE_SAVE', `failed saving state in state store ${store.name}`);
    }
  }
  sendEmpty(res);
}

async function get(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const store = getStore(ctx, param(req, 'storeName'));
  const key = param(req, 'key');
  const consistency = queryParam(req, 'consistency') ?? '';
  if (!CONSISTENCY.includes(consistency)) throw apiError(400, 'ERR_MALFORMED_REQUEST', `invalid consistency ${consistency}`);
  let item;
  try {
    item = await outbound(ctx, store.name, () => store.store.get({ key: storedKey(store, key), metadata: requestMetadata(req) }));
  } catch (err) {
    throw storeError(err, 'ERR_STATE_GET', `fail to get ${key} from state store ${store.name}`);
  }
  if (!item) {
    sendEmpty(res);
    return;
  }
  if (item.etag !== undefined) res.setHeader('ETag', item.etag);
  setMetadataHeaders(res, item.metadata);
  sendData(res, 200, item.data);
}

async function remove(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const store = getStore(ctx, param(req, 'storeName'));
  const key = param(req, 'key');
  const opts = options({ concurrency: queryParam(req, 'concurrency'), consistency: queryParam(req, 'consistency') }, 'ERR_STATE_DELETE');
  const etag = req.get('if-match') || undefined;
  try {
    await outbound(ctx, store.name, () => store.store.delete({ key: storedKey(store, key), etag, metadata: requestMetadata(req), options: opts }));
  } catch (err) {
    throw storeError(err, 'ERR_STATE_DELETE', `failed deleting state with key ${key}`);
  }
  sendEmpty(res);
}

/** Stored bytes inside a JSON answer: as JSON when they are JSON, else as a JSON string. */
function rawJson(data: Buffer): unknown {
  const text = data.toString('utf8');
  try {
    JSON.parse(text);
    return { __raw: text };
  } catch {
    return { __raw: JSON.stringify(text) };
  }
}

/** JSON.stringify that splices `{__raw}` values in verbatim. */
function stringifyWithRaw(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '__raw' in v) {
      raws.push((v as { __raw: string }).__raw);
      return `\u0000RAW${raws.length - 1}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)] as string);
}

async function bulkGet(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const store = getStore(ctx, param(req, 'storeName'));
  const body = jsonBody(req) as { keys?: unknown; parallelism?: unknown; metadata?: unknown } | null;
  const keys = body && Array.isArray(body.keys) ? body.keys.map(String) : [];
  const metadata = { ...stringRecord(body?.metadata), ...requestMetadata(req) };
  const parallelism = typeof body?.parallelism === 'number' && body.parallelism > 0 ? body.parallelism : 100;
  const results: unknown[] = new Array(keys.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const i = next++;
      const key = keys[i] as string;
      const entry: Record<string, unknown> = { key };
      try {
        const item = await store.store.get({ key: storedKey(store, key), metadata });
        if (item) {
          entry.data = rawJson(item.data);
          if (item.etag !== undefined) entry.etag = item.etag;
          if (item.metadata && Object.keys(item.metadata).length) entry.metadata = item.metadata;
        }
      } catch (err) {
        entry.error = err instanceof SidecarError ? err.message : (err as Error).message;
      }
      results[i] = entry;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, Math.max(1, keys.length)) }, worker));
  sendData(res, 200, stringifyWithRaw(results));
}

async function transaction(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const name = param(req, 'storeName');
  if (!ctx.registry.has('state')) throw apiError(500, 'ERR_STATE_STORE_NOT_CONFIGURED', 'state store is not configured');
  const store = getStore(ctx, name);
  if (!store.store.transact || !store.store.features.includes('TRANSACTIONAL')) {
    throw apiError(500, 'ERR_STATE_STORE_NOT_SUPPORTED', `state store ${name} doesn't support transactions`);
  }
  const body = jsonBody(req) as { operations?: unknown; metadata?: unknown } | null;
  const rawOps = body && Array.isArray(body.operations) ? body.operations : [];
  const txMetadata = { ...stringRecord(body?.metadata), ...requestMetadata(req) };
  const operations: StateOperation[] = rawOps.map((raw: unknown) => {
    const op = (raw ?? {}) as { operation?: unknown; request?: unknown };
    const r = (op.request ?? {}) as { key?: unknown; value?: unknown; etag?: unknown; metadata?: unknown; options?: unknown };
    if (typeof r.key !== 'string' || r.key === '') throw apiError(400, 'ERR_MALFORMED_REQUEST', 'missing key in a transaction operation');
    const common = {
      key: storedKey(store, r.key),
      etag: etagOf(r.etag),
      metadata: stringRecord(r.metadata),
      options: options(r.options, 'ERR_STATE_TRANSACTION'),
    };
    if (op.operation === 'upsert') return { operation: 'upsert', request: { ...common, value: Buffer.from(goJson(r.value ?? null)) } };
    if (op.operation === 'delete') return { operation: 'delete', request: common };
    throw apiError(400, 'ERR_NOT_SUPPORTED_STATE_OPERATION', `operation type ${String(op.operation)} not supported`);
  });
  if (operations.length > 0) {
    try {
      await outbound(ctx, name, () => store.store.transact!(operations, txMetadata));
    } catch (err) {
      throw apiError(500, 'ERR_STATE_TRANSACTION', `error while executing state transaction: ${(err as Error).message}`, err);
    }
  }
  sendEmpty(res);
}

export function createStateRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/v1.0/state/:storeName/bulk', (req, res) => bulkGet(ctx, req, res));
  router.put('/v1.0/state/:storeName/bulk', (req, res) => bulkGet(ctx, req, res));
  router.post('/v1.0/state/:storeName/transaction', (req, res) => transaction(ctx, req, res));
  router.put('/v1.0/state/:storeName/transaction', (req, res) => transaction(ctx, req, res));
  router.post('/v1.0/state/:storeName', (req, res) => save(ctx, req, res));
  router.put('/v1.0/state/:storeName', (req, res) => save(ctx, req, res));
  router.get('/v1.0/state/:storeName/:key', (req, res) => get(ctx, req, res));
  router.delete('/v1.0/state/:storeName/:key', (req, res) => remove(ctx, req, res));
  router.post('/v1.0-alpha1/state/:storeName/query', (req) => {
    const store = getStore(ctx, param(req, 'storeName'));
    throw apiError(500, 'ERR_STATE_STORE_NOT_SUPPORTED', `state store ${store.name} doesn't support query`);
  });
  return router;
}

