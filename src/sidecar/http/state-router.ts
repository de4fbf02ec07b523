/**
 * Dapr state API: save (POST/PUT /v1.0/state/{store}), get, delete, bulk get and
 * transactions. Keys are prefixed per the store's `keyPrefix` (default `<appId>||`);
 * JSON values are stored as daprd re-encodes them (sorted keys).
 */
import { Router, type Request, type Response } from 'express';

import {
  CONSISTENCY,
  bulkGetStates,
  deleteState,
  executeStateTransaction,
  getState,
  resolveStateStore,
  resolveTransactionalStore,
  saveStates,
  stateOptions,
  storedKey,
  type RawStateOperation,
} from '../api/state.js';
import { apiError } from '../errors.js';
import { ENCODING_JSON_MAP, goJson } from '../../shared/go-compat/json.js';
import type { ApiContext } from './api-context.js';
import { jsonBody, param, queryParam, requestMetadata, sendData, sendEmpty, setMetadataHeaders } from './respond.js';

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

async function save(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const store = resolveStateStore(ctx, param(req, 'storeName'));
  const body = jsonBody(req);
  if (!Array.isArray(body)) throw apiError(400, 'ERR_MALFORMED_REQUEST', 'failed deserializing HTTP body: expected an array of state items');
  const queryMd = requestMetadata(req);
  const items = body.map((raw: unknown) => {
    if (!raw || typeof raw !== 'object') throw apiError(400, 'ERR_MALFORMED_REQUEST', 'failed deserializing HTTP body: state items must be objects');
    const item = raw as { key?: unknown; value?: unknown; etag?: unknown; metadata?: unknown; options?: unknown };
    if (typeof item.key !== 'string' || item.key === '') throw apiError(400, 'ERR_MALFORMED_REQUEST', '"key" is a required field');
    return {
      key: storedKey(store, item.key),
      value: Buffer.from(goJson(item.value ?? null, ENCODING_JSON_MAP)),
      etag: etagOf(item.etag),
      metadata: { ...stringRecord(item.metadata), ...queryMd },
      options: stateOptions(item.options, 'ERR_STATE_SAVE'),
    };
  });
  await saveStates(ctx, store, items);
  sendEmpty(res);
}

async function get(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const store = resolveStateStore(ctx, param(req, 'storeName'));
  const key = param(req, 'key');
  const consistency = queryParam(req, 'consistency') ?? '';
  if (!CONSISTENCY.includes(consistency)) throw apiError(400, 'ERR_MALFORMED_REQUEST', `invalid consistency ${consistency}`);
  const item = await getState(ctx, store, key, requestMetadata(req));
  if (!item) {
    sendEmpty(res);
    return;
  }
  if (item.etag !== undefined) res.setHeader('ETag', item.etag);
  setMetadataHeaders(res, item.metadata);
  sendData(res, 200, item.data);
}

async function remove(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const store = resolveStateStore(ctx, param(req, 'storeName'));
  const key = param(req, 'key');
  const opts = stateOptions({ concurrency: queryParam(req, 'concurrency'), consistency: queryParam(req, 'consistency') }, 'ERR_STATE_DELETE');
  const etag = req.get('if-match') || undefined;
  await deleteState(ctx, store, key, { key: storedKey(store, key), etag, metadata: requestMetadata(req), options: opts });
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
  const store = resolveStateStore(ctx, param(req, 'storeName'));
  const body = jsonBody(req) as { keys?: unknown; parallelism?: unknown; metadata?: unknown } | null;
  const keys = body && Array.isArray(body.keys) ? body.keys.map(String) : [];
  const metadata = { ...stringRecord(body?.metadata), ...requestMetadata(req) };
  const parallelism = typeof body?.parallelism === 'number' && body.parallelism > 0 ? body.parallelism : 100;
  const results = (await bulkGetStates(store, keys, metadata, parallelism)).map(({ key, item, error }) => {
    const entry: Record<string, unknown> = { key };
    if (item) {
      entry.data = rawJson(item.data);
      if (item.etag !== undefined) entry.etag = item.etag;
      if (item.metadata && Object.keys(item.metadata).length) entry.metadata = item.metadata;
    }
    if (error !== undefined) entry.error = error;
    return entry;
  });
  sendData(res, 200, stringifyWithRaw(results));
}

async function transaction(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const store = resolveTransactionalStore(ctx, param(req, 'storeName'));
  const body = jsonBody(req) as { operations?: unknown; metadata?: unknown } | null;
  const rawOps = body && Array.isArray(body.operations) ? body.operations : [];
  const txMetadata = { ...stringRecord(body?.metadata), ...requestMetadata(req) };
  const operations: RawStateOperation[] = rawOps.map((raw: unknown) => {
    const op = (raw ?? {}) as { operation?: unknown; request?: unknown };
    const r = (op.request ?? {}) as { key?: unknown; value?: unknown; etag?: unknown; metadata?: unknown; options?: unknown };
    if (typeof r.key !== 'string' || r.key === '') throw apiError(400, 'ERR_MALFORMED_REQUEST', 'missing key in a transaction operation');
    return {
      operation: String(op.operation),
      key: r.key,
      value: op.operation === 'upsert' ? Buffer.from(goJson(r.value ?? null, ENCODING_JSON_MAP)) : undefined,
      etag: etagOf(r.etag),
      metadata: stringRecord(r.metadata),
      options: r.options,
    };
  });
  await executeStateTransaction(ctx, store, operations, txMetadata);
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
    const store = resolveStateStore(ctx, param(req, 'storeName'));
    throw apiError(500, 'ERR_STATE_STORE_NOT_SUPPORTED', `state store ${store.name} doesn't support query`);
  });
  return router;
}

