/**
 * The implemented methods of `dapr.proto.runtime.v1.Dapr`. Each decodes its request, calls the
 * same building-block functions as the HTTP API (src/sidecar/api), and encodes the answer as
 * daprd's gRPC API does (pkg/api/grpc, pkg/api/universal). Failures are thrown and turned into
 * gRPC statuses by the server (status.ts).
 */
import http from 'node:http';

import * as grpc from '@grpc/grpc-js';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import {
  ActorRuntime_ActorRuntimeStatus,
  BulkPublishResponseSchema,
  GetBulkSecretResponseSchema,
  GetBulkStateResponseSchema,
  GetMetadataResponseSchema,
  GetSecretResponseSchema,
  GetStateResponseSchema,
  InvokeBindingResponseSchema,
  PubsubSubscriptionType,
  type BulkPublishRequest,
  type DeleteBulkStateRequest,
  type DeleteStateRequest,
  type ExecuteStateTransactionRequest,
  type GetBulkSecretRequest,
  type GetBulkStateRequest,
  type GetSecretRequest,
  type GetStateRequest,
  type InvokeBindingRequest,
  type InvokeServiceRequest,
  type PublishEventRequest,
  type SaveStateRequest,
  type SetMetadataRequest,
} from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb.js';
import {
  HTTPExtension_Verb,
  InvokeResponseSchema,
  StateOptions_StateConcurrency,
  StateOptions_StateConsistency,
  type StateOptions as StateOptionsMessage,
} from '@dapr/dapr/proto/dapr/proto/common/v1/common_pb.js';

import { OutputBindingError, invokeOutputBinding } from '../api/bindings.js';
import { invokeApp } from '../api/invoke.js';
import { bulkPublish, checkEntryId, publishEvent, resolvePubSub, type BulkEntry, type Trace } from '../api/publish.js';
import { getBulkSecrets, getSecret } from '../api/secrets.js';
import {
  bulkGetStates,
  deleteState,
  executeStateTransaction,
  getState,
  resolveStateStore,
  resolveTransactionalStore,
  saveStates,
  stateOptions,
  storedKey,
} from '../api/state.js';
import type { Metadata } from '../../dapr-components/component.js';
import { apiError } from '../errors.js';
import { ENCODING_JSON_MAP, goJson } from '../../shared/go-compat/json.js';
import type { ApiContext } from '../http/api-context.js';
import { metadataDocument } from '../http/metadata-router.js';
import { GrpcStatusError, grpcCodeForAppStatus } from './status.js';

/** What a handler gets besides its request: the call's metadata (API token already removed) and a way to send response headers. */
export interface CallInfo {
  metadata: grpc.Metadata;
  sendHeaders(md: grpc.Metadata): void;
}

type Init<S extends Parameters<typeof create>[0]> = MessageInitShape<S>;

// ------------------------------------------------------------------------------------ helpers

/** String-valued metadata of the call, first value per key (binary `-bin` keys skipped). */
function textMetadata(md: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.getMap())) if (typeof v === 'string') out[k] = v;
  return out;
}

function traceOf(md: grpc.Metadata): Trace {
  const m = textMetadata(md);
  return { traceparent: m.traceparent || undefined, tracestate: m.tracestate || undefined };
}

const CONCURRENCY: Record<number, string> = {
  [StateOptions_StateConcurrency.CONCURRENCY_FIRST_WRITE]: 'first-write',
  [StateOptions_StateConcurrency.CONCURRENCY_LAST_WRITE]: 'last-write',
};
const CONSISTENCY: Record<number, string> = {
  [StateOptions_StateConsistency.CONSISTENCY_EVENTUAL]: 'eventual',
  [StateOptions_StateConsistency.CONSISTENCY_STRONG]: 'strong',
};

function optionsOf(o: StateOptionsMessage | undefined, code: string) {
  if (!o) return {};
  return stateOptions({ concurrency: CONCURRENCY[o.concurrency] ?? '', consistency: CONSISTENCY[o.consistency] ?? '' }, code);
}

/** A gRPC metadata value must be printable ASCII; others are left out. */
function safeSet(md: grpc.Metadata, key: string, value: string): void {
  if (/^[a-z0-9_.-]+$/.test(key) && !key.endsWith('-bin') && /^[\x20-\x7e]*$/.test(value)) md.set(key, value);
}

function bytes(data: Uint8Array | undefined): Buffer {
  return data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.alloc(0);
}

// -------------------------------------------------------------------------------------- state

export async function getStateCall(ctx: ApiContext, req: GetStateRequest): Promise<Init<typeof GetStateResponseSchema>> {
  const store = resolveStateStore(ctx, req.storeName);
  const item = await getState(ctx, store, req.key, { ...req.metadata });
  if (!item) return {};
  return { data: item.data, etag: item.etag ?? '', metadata: item.metadata ?? {} };
}

export async function getBulkStateCall(ctx: ApiContext, req: GetBulkStateRequest): Promise<Init<typeof GetBulkStateResponseSchema>> {
  const store = resolveStateStore(ctx, req.storeName);
  const results = await bulkGetStates(store, req.keys, { ...req.metadata }, req.parallelism);
  return {
    items: results.map(({ key, item, error }) => ({
      key,
      data: item?.data ?? new Uint8Array(),
      etag: item?.etag ?? '',
      metadata: item?.metadata ?? {},
      error: error ?? '',
    })),
  };
}

export async function saveStateCall(ctx: ApiContext, req: SaveStateRequest): Promise<void> {
  const store = resolveStateStore(ctx, req.storeName);
  const items = req.states.map((s) => {
    if (s.key === '') throw apiError(400, 'ERR_STATE_SAVE', 'state key cannot be empty');
    let value = bytes(s.value);
    // As daprd: a value declared JSON is stored as the store re-encodes JSON.
    if (s.metadata.contentType === 'application/json') {
      try {
        value = Buffer.from(goJson(JSON.parse(value.toString('utf8')), ENCODING_JSON_MAP));
      } catch (err) {
        throw new GrpcStatusError(grpc.status.UNKNOWN, (err as Error).message);
      }
    }
    return { key: storedKey(store, s.key), value, etag: s.etag?.value || undefined, metadata: { ...s.metadata }, options: optionsOf(s.options, 'ERR_STATE_SAVE') };
  });
  await saveStates(ctx, store, items);
}

export async function deleteStateCall(ctx: ApiContext, req: DeleteStateRequest): Promise<void> {
  const store = resolveStateStore(ctx, req.storeName);
  await deleteState(ctx, store, req.key, {
    key: storedKey(store, req.key),
    etag: req.etag?.value || undefined,
    metadata: { ...req.metadata },
    options: optionsOf(req.options, 'ERR_STATE_DELETE'),
  });
}

export async function deleteBulkStateCall(ctx: ApiContext, req: DeleteBulkStateRequest): Promise<void> {
  const store = resolveStateStore(ctx, req.storeName);
  const deletes = req.states.map((s) => ({
    caller: s.key,
    req: { key: storedKey(store, s.key), etag: s.etag?.value || undefined, metadata: { ...s.metadata }, options: optionsOf(s.options, 'ERR_STATE_BULK_DELETE') },
  }));
  for (const d of deletes) await deleteState(ctx, store, d.caller, d.req, 'ERR_STATE_BULK_DELETE');
}

export async function executeStateTransactionCall(ctx: ApiContext, req: ExecuteStateTransactionRequest): Promise<void> {
  const store = resolveTransactionalStore(ctx, req.storeName);
  const operations = req.operations.map((op) => {
    const r = op.request;
    return {
      operation: op.operationType,
      key: r?.key ?? '',
      // gRPC values are bytes and stored as they are (daprd does not re-encode them in a transaction).
      value: bytes(r?.value),
      etag: r?.etag?.value || undefined,
      metadata: { ...(r?.metadata ?? {}) },
      options: r?.options ? { concurrency: CONCURRENCY[r.options.concurrency] ?? '', consistency: CONSISTENCY[r.options.consistency] ?? '' } : undefined,
    };
  });
  await executeStateTransaction(ctx, store, operations, { ...req.metadata });
}

// ------------------------------------------------------------------------------------- pubsub

export async function publishEventCall(ctx: ApiContext, req: PublishEventRequest, call: CallInfo): Promise<void> {
  const target = resolvePubSub(ctx, req.pubsubName, req.topic);
  await publishEvent(ctx, target, bytes(req.data), req.dataContentType, { ...req.metadata }, traceOf(call.metadata));
}

export async function bulkPublishCall(ctx: ApiContext, req: BulkPublishRequest, call: CallInfo): Promise<Init<typeof BulkPublishResponseSchema>> {
  const target = resolvePubSub(ctx, req.pubsubName, req.topic);
  const seen = new Set<string>();
  const entries: BulkEntry[] = req.entries.map((e) => ({
    entryId: checkEntryId(seen, e.entryId),
    bytes: bytes(e.event),
    contentType: e.contentType,
    metadata: { ...req.metadata, ...e.metadata },
  }));
  const failed = await bulkPublish(ctx, target, entries, traceOf(call.metadata));
  // As daprd: a failed entry fails the call (its error names each entry); the SDKs then count every entry as failed.
  if (failed.length > 0) {
    const list = failed.map((f) => `${f.entryId}: ${f.error}`).join('; ');
    throw apiError(500, 'ERR_PUBSUB_PUBLISH_MESSAGE', `error when publishing to topic ${target.topic} in pubsub ${target.name}: ${list}`);
  }
  return { failedEntries: [] };
}

// ----------------------------------------------------------------------------------- bindings

/** gRPC metadata names daprd renames before handing them to a binding (`:authority` → `dapr-authority`, `grpc-*` → `dapr-grpc-*`). */
function bindingKey(key: string): string {
  if (key.startsWith(':')) return `dapr-${key.slice(1)}`;
  if (key.startsWith('grpc-')) return `dapr-${key}`;
  return key;
}

export async function invokeBindingCall(ctx: ApiContext, req: InvokeBindingRequest, call: CallInfo): Promise<Init<typeof InvokeBindingResponseSchema>> {
  const own: Metadata = { ...req.metadata };
  const incoming = textMetadata(call.metadata);
  const trace: Metadata = {};
  for (const k of ['traceparent', 'tracestate', 'baggage']) if (incoming[k]) trace[k] = incoming[k] as string;
  // As daprd: the call's own metadata first, then the gRPC metadata for keys it does not set
  // (traceparent and tracestate from the call win).
  const metadata: Metadata = { ...own };
  for (const [k, v] of Object.entries(incoming)) {
    const key = bindingKey(k);
    if (!(key in metadata) || k === 'traceparent' || k === 'tracestate') metadata[key] = v;
  }
  const data = bytes(req.data);
  let captureContentType = 'application/octet-stream';
  try {
    JSON.parse(data.toString('utf8'));
    captureContentType = 'application/json';
  } catch {
    // not JSON
  }
  const sendResponseMetadata = (md: Metadata): void => {
    const headers = new grpc.Metadata();
    for (const [k, v] of Object.entries(md)) safeSet(headers, `metadata.${k.toLowerCase()}`, v);
    if (Object.keys(headers.getMap()).length > 0) call.sendHeaders(headers);
  };
  let result;
  try {
    result = await invokeOutputBinding(ctx, req.name, { operation: req.operation, data, metadata, captureContentType, captureMetadata: { ...own, ...trace } });
  } catch (err) {
    if (err instanceof OutputBindingError) sendResponseMetadata(err.responseMetadata);
    throw err;
  }
  if (!result) return {};
  sendResponseMetadata(result.metadata ?? {});
  return { data: result.data ?? new Uint8Array(), metadata: result.metadata ?? {} };
}

// ------------------------------------------------------------------------------------ secrets

export async function getSecretCall(ctx: ApiContext, req: GetSecretRequest): Promise<Init<typeof GetSecretResponseSchema>> {
  return { data: await getSecret(ctx, req.storeName, req.key, { ...req.metadata }) };
}

export async function getBulkSecretCall(ctx: ApiContext, req: GetBulkSecretRequest): Promise<Init<typeof GetBulkSecretResponseSchema>> {
  const all = await getBulkSecrets(ctx, req.storeName, { ...req.metadata });
  const data: Record<string, { secrets: Record<string, string> }> = {};
  for (const [name, secrets] of Object.entries(all)) data[name] = { secrets };
  return { data };
}

// ----------------------------------------------------------------------------------- metadata

interface MetadataDoc {
  id: string;
  runtimeVersion: string;
  enabledFeatures: string[];
  components: { name: string; type: string; version: string; capabilities: string[] }[];
  extended: Record<string, string>;
  subscriptions: { pubsubname: string; topic: string; metadata?: Record<string, string>; rules: { match: string; path: string }[]; deadLetterTopic: string; type?: string }[];
  appConnectionProperties: {
    port?: number;
    protocol: string;
    channelAddress: string;
    maxConcurrency: number;
    health?: { healthCheckPath: string; healthProbeInterval: string; healthProbeTimeout: string; healthThreshold: number };
  };
}

/** The same document as GET /v1.0/metadata, in GetMetadataResponse's fields. */
export function getMetadataCall(ctx: ApiContext): Init<typeof GetMetadataResponseSchema> {
  const doc = metadataDocument(ctx) as unknown as MetadataDoc;
  const app = doc.appConnectionProperties;
  return {
    id: doc.id,
    activeActorsCount: [],
    registeredComponents: doc.components.map((c) => ({ name: c.name, type: c.type, version: c.version, capabilities: c.capabilities })),
    extendedMetadata: doc.extended,
    subscriptions: doc.subscriptions.map((s) => ({
      pubsubName: s.pubsubname,
      topic: s.topic,
      metadata: s.metadata ?? {},
      rules: { rules: s.rules.map((r) => ({ match: r.match, path: r.path })) },
      deadLetterTopic: s.deadLetterTopic,
      type: s.type === 'DECLARATIVE' ? PubsubSubscriptionType.DECLARATIVE : s.type === 'PROGRAMMATIC' ? PubsubSubscriptionType.PROGRAMMATIC : PubsubSubscriptionType.UNKNOWN,
    })),
    httpEndpoints: [],
    appConnectionProperties: {
      port: app.port ?? 0,
      protocol: app.protocol,
      channelAddress: app.channelAddress,
      maxConcurrency: app.maxConcurrency,
      health: app.health,
    },
    runtimeVersion: doc.runtimeVersion,
    enabledFeatures: doc.enabledFeatures,
    actorRuntime: { runtimeStatus: ActorRuntime_ActorRuntimeStatus.DISABLED, activeActors: [], hostReady: false, placement: '' },
  };
}

export function setMetadataCall(ctx: ApiContext, req: SetMetadataRequest): void {
  // As daprd: an empty key is a no-op.
  if (req.key !== '') ctx.extended.set(req.key, req.value);
}

// ------------------------------------------------------------------------- service invocation

const VERBS: Record<number, string> = {
  [HTTPExtension_Verb.GET]: 'GET',
  [HTTPExtension_Verb.HEAD]: 'HEAD',
  [HTTPExtension_Verb.POST]: 'POST',
  [HTTPExtension_Verb.PUT]: 'PUT',
  [HTTPExtension_Verb.DELETE]: 'DELETE',
  [HTTPExtension_Verb.CONNECT]: 'CONNECT',
  [HTTPExtension_Verb.OPTIONS]: 'OPTIONS',
  [HTTPExtension_Verb.TRACE]: 'TRACE',
  [HTTPExtension_Verb.PATCH]: 'PATCH',
};

/** Call metadata that does not travel to the app as an HTTP header. */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-type',
  'content-length',
  'dapr-app-id',
  'dapr-api-token',
]);

/**
 * InvokeService (deprecated in daprd, still used by SDKs) to an HTTP app: the method becomes the
 * path, `http_extension` gives the verb (NONE is sent as POST) and the query string, the
 * message's content type and the call's metadata become headers. A 2xx answer comes back as
 * InvokeResponse with the `dapr-http-status` header; any other status is daprd's gRPC code for it
 * (invokev1.CodeFromHTTPStatus) with an ErrorInfo holding the HTTP code and the start of the body.
 */
export async function invokeServiceCall(ctx: ApiContext, req: InvokeServiceRequest, call: CallInfo): Promise<Init<typeof InvokeResponseSchema>> {
  const msg = req.message;
  if (!req.id) throw apiError(404, 'ERR_DIRECT_INVOKE', 'failed getting app id either from the URL path or the header dapr-app-id');
  const method = VERBS[msg?.httpExtension?.verb ?? HTTPExtension_Verb.NONE] ?? 'POST';
  const qs = msg?.httpExtension?.querystring ?? '';
  const path = `/${(msg?.method ?? '').replace(/^\/+/, '')}${qs ? `?${qs}` : ''}`;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(textMetadata(call.metadata))) {
    if (k.startsWith(':') || k.startsWith('grpc-') || NOT_FORWARDED.has(k)) continue;
    headers[k] = v;
  }
  if (msg?.contentType) headers['content-type'] = msg.contentType;
  headers['dapr-caller-app-id'] = ctx.flags.appId;
  headers['dapr-callee-app-id'] = req.id;
  const answer = await invokeApp(ctx, req.id, { method, path, headers, body: bytes(msg?.data?.value) });

  const out = new grpc.Metadata();
  for (const [k, v] of Object.entries(answer.headers)) {
    if (v === undefined || NOT_FORWARDED.has(k)) continue;
    for (const one of Array.isArray(v) ? v : [v]) safeSet(out, k, one);
  }
  out.set('dapr-http-status', String(answer.status));
  call.sendHeaders(out);
  const code = grpcCodeForAppStatus(answer.status);
  if (code !== grpc.status.OK) {
    const statusText = http.STATUS_CODES[answer.status] ?? `HTTP ${answer.status}`;
    throw new GrpcStatusError(code, statusText, {
      reason: statusText,
      metadata: { 'http.code': String(answer.status), 'http.error_message': answer.body.toString('utf8').slice(0, 63) },
    });
  }
  const contentType = answer.headers['content-type'];
  return { data: create(AnySchema, { typeUrl: '', value: answer.body }), contentType: typeof contentType === 'string' ? contentType : '' };
}
