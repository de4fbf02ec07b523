/**
 * The app channel over gRPC (`--app-protocol grpc`): the app serves daprd's
 * `dapr.proto.runtime.v1.AppCallback` (as OpenFunction's Go framework and the Dapr SDKs' gRPC
 * servers do) and the sidecar calls it: ListTopicSubscriptions and ListInputBindings once the port
 * accepts connections (asked again until the app answers: a server whose listener opens before its
 * services are registered must not be left deaf), then OnTopicEvent and OnBindingEvent per message.
 *
 * Bulk deliveries go to AppCallbackAlpha's OnBulkTopicEventAlpha1, health probes to
 * AppCallbackHealthCheck, and a request of no kind is a service invocation
 * (OnInvoke, with the HTTP verb and query string as daprd puts them).
 *
 * Deliveries come in as the HTTP channel's requests, tagged with what they are (`AppRequest.kind`),
 * and go back as the answers an HTTP app would give (a topic event's status as `{"status": …}`),
 * so one set of rules decides acknowledgement, retries and dead letters for both protocols.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type JsonObject, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { HTTPExtension_Verb, InvokeRequestSchema, InvokeResponseSchema } from '@dapr/dapr/proto/dapr/proto/common/v1/common_pb.js';
import {
  BindingEventRequestSchema,
  HealthCheckResponseSchema,
  BindingEventResponseSchema,
  ListInputBindingsResponseSchema,
  ListTopicSubscriptionsResponseSchema,
  TopicEventBulkRequestSchema,
  TopicEventBulkResponseSchema,
  TopicEventRequestSchema,
  TopicEventResponseSchema,
  TopicEventResponse_TopicEventResponseStatus as TopicStatus,
} from '@dapr/dapr/proto/dapr/proto/runtime/v1/appcallback_pb.js';

import type { SubscriptionSpec } from '../resources/load-resources.js';
import { AppChannel, type AppChannelOptions, type AppRequest, type AppResponse } from './app-channel.js';

const SERVICE = '/dapr.proto.runtime.v1.AppCallback';
const HEALTH_SERVICE = '/dapr.proto.runtime.v1.AppCallbackHealthCheck';
const ALPHA_SERVICE = '/dapr.proto.runtime.v1.AppCallbackAlpha';
/** gRPC status → the HTTP status an invocation answers with (daprd's mapping of the common codes). */
const HTTP_OF_GRPC: Record<number, number> = {
  [grpc.status.INVALID_ARGUMENT]: 400,
  [grpc.status.UNAUTHENTICATED]: 401,
  [grpc.status.PERMISSION_DENIED]: 403,
  [grpc.status.NOT_FOUND]: 404,
  [grpc.status.ALREADY_EXISTS]: 409,
  [grpc.status.ABORTED]: 409,
  [grpc.status.FAILED_PRECONDITION]: 400,
  [grpc.status.UNIMPLEMENTED]: 501,
  [grpc.status.UNAVAILABLE]: 503,
  [grpc.status.DEADLINE_EXCEEDED]: 504,
};
/** CloudEvent attributes that have fields of their own in TopicEventRequest; the rest are extensions. */
const CORE_ATTRIBUTES = new Set(['id', 'source', 'type', 'specversion', 'datacontenttype', 'data', 'data_base64', 'topic', 'pubsubname']);

function grpcRules(routes: { rules: { match: string; path: string }[]; default: string } | undefined): SubscriptionSpec['rules'] {
  const rules: SubscriptionSpec['rules'] = (routes?.rules ?? []).map((r) => ({ match: r.match || undefined, path: r.path }));
  if (routes?.default) rules.push({ path: routes.default });
  if (rules.length === 0) rules.push({ path: '' });
  return rules;
}

export class GrpcAppChannel extends AppChannel {
  readonly #client: grpc.Client;
  #bindings: Promise<string[]> | undefined;

  constructor(opts: AppChannelOptions) {
    super(opts);
    const host = opts.address.includes(':') ? `[${opts.address}]` : opts.address;
    this.#client = new grpc.Client(`${host}:${opts.port}`, grpc.credentials.createInsecure());
  }

  /** The app's subscriptions (ListTopicSubscriptions), asked until it answers. */
  async listSubscriptions(signal: AbortSignal): Promise<SubscriptionSpec[]> {
    const answer = await this.#untilAnswered('ListTopicSubscriptions', signal, () => this.#call('ListTopicSubscriptions', EmptySchema, ListTopicSubscriptionsResponseSchema, {}, { signal, timeoutMs: 5000 }), create(ListTopicSubscriptionsResponseSchema));
    return answer.subscriptions.map((s) => ({
      pubsubname: s.pubsubName,
      topic: s.topic,
      metadata: { ...s.metadata },
      // The rule paths go back to the app as OnTopicEvent's `path`, as given. As daprd: an empty
      // default adds no rule (an event no rule matches is not delivered), unless there is no rule at
      // all (then every event goes to path "").
      rules: grpcRules(s.routes),
      deadLetterTopic: s.deadLetterTopic || undefined,
      bulkSubscribe: s.bulkSubscribe?.enabled
        ? { enabled: true, maxMessagesCount: s.bulkSubscribe.maxMessagesCount || 100, maxAwaitDurationMs: s.bulkSubscribe.maxAwaitDurationMs || 1000 }
        : undefined,
      type: 'PROGRAMMATIC',
    }));
  }

  /** The input bindings the app serves (ListInputBindings), asked until it answers; asked once. */
  listInputBindings(signal: AbortSignal): Promise<string[]> {
    this.#bindings ??= this.#untilAnswered('ListInputBindings', signal, () => this.#call('ListInputBindings', EmptySchema, ListInputBindingsResponseSchema, {}, { signal, timeoutMs: 5000 }), create(ListInputBindingsResponseSchema)).then((a) => [...a.bindings]);
    return this.#bindings;
  }

  override async request(req: AppRequest): Promise<AppResponse> {
    const kind = req.kind;
    try {
      if (kind?.type === 'topic') return await this.#topicEvent(req, kind);
      if (kind?.type === 'binding') {
        const answer = await this.#call('OnBindingEvent', BindingEventRequestSchema, BindingEventResponseSchema, { name: kind.name, data: req.body ?? new Uint8Array(), metadata: kind.metadata }, req);
        return { status: 200, headers: {}, body: Buffer.from(answer.data) };
      }
      if (kind?.type === 'bulk-topic') return await this.#bulkTopicEvent(req, kind);
      if (kind?.type === 'health') {
        await this.#call('HealthCheck', EmptySchema, HealthCheckResponseSchema, {}, req, HEALTH_SERVICE);
        return { status: 200, headers: {}, body: Buffer.alloc(0) };
      }
      return await this.#invoke(req);
    } catch (err) {
      // The app failed the call: a retriable failure for deliveries (an HTTP app's 500); an
      // invocation answers with the HTTP status of the app's gRPC code.
      const code = (err as { code?: number }).code;
      const status = !kind && code !== undefined ? (HTTP_OF_GRPC[code] ?? 500) : 500;
      return { status, headers: {}, body: Buffer.from(errorText(err)) };
    }
  }

  /**
   * A bulk delivery (OnBulkTopicEventAlpha1): the HTTP channel's bulk body (`{id, entries: [{entryId,
   * event, metadata, contentType}]}`) as daprd's bulk request, each entry a CloudEvent or raw bytes;
   * the per-entry statuses come back as an HTTP app's `{statuses: [...]}`.
   */
  async #bulkTopicEvent(req: AppRequest, kind: { pubsubname: string; topic: string }): Promise<AppResponse> {
    const bulk = JSON.parse((req.body ?? Buffer.from('{}')).toString('utf8')) as {
      id?: string;
      entries?: { entryId: string; event: unknown; metadata?: Record<string, string>; contentType?: string }[];
    };
    const entries = (bulk.entries ?? []).map((e) => {
      const metadata = { ...e.metadata };
      if (typeof e.event === 'string') return { entryId: e.entryId, contentType: e.contentType ?? 'application/octet-stream', metadata, event: { case: 'bytes' as const, value: Buffer.from(e.event, 'base64') } };
      const ce = (e.event ?? {}) as Record<string, unknown>;
      const extensions: JsonObject = {};
      for (const [k, v] of Object.entries(ce)) if (!CORE_ATTRIBUTES.has(k)) extensions[k] = v as JsonObject[string];
      return {
        entryId: e.entryId,
        contentType: e.contentType ?? 'application/cloudevents+json',
        metadata,
        event: {
          case: 'cloudEvent' as const,
          value: { id: String(ce.id ?? ''), source: String(ce.source ?? ''), type: String(ce.type ?? ''), specVersion: String(ce.specversion ?? ''), dataContentType: String(ce.datacontenttype ?? ''), data: eventData(ce), extensions },
        },
      };
    });
    const answer = await this.#call(
      'OnBulkTopicEventAlpha1',
      TopicEventBulkRequestSchema,
      TopicEventBulkResponseSchema,
      { id: bulk.id ?? '', entries, metadata: {}, topic: kind.topic, pubsubName: kind.pubsubname, type: 'com.dapr.event.sent.bulk', path: req.path },
      req,
      ALPHA_SERVICE,
    );
    const statuses = answer.statuses.map((s) => ({ entryId: s.entryId, status: s.status === TopicStatus.RETRY ? 'RETRY' : s.status === TopicStatus.DROP ? 'DROP' : 'SUCCESS' }));
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ statuses })) };
  }

  /** Service invocation of the app (OnInvoke): the method, verb and query string as daprd sends them. */
  async #invoke(req: AppRequest): Promise<AppResponse> {
    const q = req.path.indexOf('?');
    const method = (q === -1 ? req.path : req.path.slice(0, q)).replace(/^\/+/, '');
    const querystring = q === -1 ? '' : req.path.slice(q + 1);
    const verb = HTTPExtension_Verb[req.method.toUpperCase() as keyof typeof HTTPExtension_Verb] ?? HTTPExtension_Verb.POST;
    const contentType = String(req.headers?.['content-type'] ?? 'application/json');
    const answer = await this.#call(
      'OnInvoke',
      InvokeRequestSchema,
      InvokeResponseSchema,
      { method, data: { typeUrl: '', value: req.body ?? new Uint8Array() }, contentType, httpExtension: { verb, querystring } },
      req,
    );
    return { status: 200, headers: { 'content-type': answer.contentType || 'application/json' }, body: Buffer.from(answer.data?.value ?? new Uint8Array()) };
  }

  override close(): void {
    super.close();
    this.#client.close();
  }

  async #topicEvent(req: AppRequest, kind: { pubsubname: string; topic: string }): Promise<AppResponse> {
    const event = JSON.parse((req.body ?? Buffer.from('{}')).toString('utf8')) as Record<string, unknown>;
    const extensions: JsonObject = {};
    for (const [k, v] of Object.entries(event)) if (!CORE_ATTRIBUTES.has(k)) extensions[k] = v as JsonObject[string];
    const answer = await this.#call(
      'OnTopicEvent',
      TopicEventRequestSchema,
      TopicEventResponseSchema,
      {
        id: String(event.id ?? ''),
        source: String(event.source ?? ''),
        type: String(event.type ?? ''),
        specVersion: String(event.specversion ?? ''),
        dataContentType: String(event.datacontenttype ?? ''),
        data: eventData(event),
        topic: kind.topic,
        pubsubName: kind.pubsubname,
        path: req.path,
        extensions,
      },
      req,
    );
    const status = answer.status === TopicStatus.RETRY ? 'RETRY' : answer.status === TopicStatus.DROP ? 'DROP' : 'SUCCESS';
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ status })) };
  }

  /**
   * Calls `fn` until the app answers it; says so while it waits (a slow start, a server not yet
   * serving). An app that does not implement the callback has nothing of that kind (`empty`).
   */
  async #untilAnswered<T>(method: string, signal: AbortSignal, fn: () => Promise<T>, empty: T): Promise<T> {
    const started = Date.now();
    let lastLog = 0;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await fn();
      } catch (err) {
        if (signal.aborted) throw err;
        if ((err as { code?: unknown }).code === grpc.status.UNIMPLEMENTED) return empty;
        if (Date.now() - lastLog >= 5000) {
          lastLog = Date.now();
          this.opts.log.warn(`the app has not answered ${method} yet (${errorText(err)}); asking again (${Math.round((Date.now() - started) / 1000)}s)`);
        }
      }
      await sleep(delay, undefined, { signal }).catch(() => signal.throwIfAborted());
    }
  }

  #call<I extends DescMessage, O extends DescMessage>(method: string, input: I, output: O, message: MessageInitShape<I>, opts: { signal?: AbortSignal; timeoutMs?: number }, service = SERVICE): Promise<MessageShape<O>> {
    const metadata = new grpc.Metadata();
    if (this.opts.apiToken) metadata.set('dapr-api-token', this.opts.apiToken);
    metadata.set('dapr-app-id', this.opts.appId);
    return new Promise((resolve, reject) => {
      const call = this.#client.makeUnaryRequest(
        `${service}/${method}`,
        (m: MessageShape<I>) => Buffer.from(toBinary(input, m)),
        (b: Buffer) => fromBinary(output, b),
        create(input, message),
        metadata,
        { deadline: opts.timeoutMs ? Date.now() + opts.timeoutMs : undefined },
        (err, value) => (err || !value ? reject(err ?? new Error(`${method}: no answer`)) : resolve(value)),
      );
      opts.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }
}

/** A CloudEvent's data as the bytes daprd hands a gRPC app: base64 decoded, text content types as is, anything else as JSON. */
function eventData(event: Record<string, unknown>): Uint8Array {
  if (typeof event.data_base64 === 'string') return Buffer.from(event.data_base64, 'base64');
  if (event.data === undefined || event.data === null) return new Uint8Array();
  const contentType = String(event.datacontenttype ?? '').toLowerCase();
  const textual = contentType.startsWith('text/') || contentType.endsWith('/xml') || contentType.endsWith('+xml');
  if (typeof event.data === 'string' && textual) return Buffer.from(event.data, 'utf8');
  return Buffer.from(JSON.stringify(event.data), 'utf8');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
