/**
 * The app channel over gRPC (`--app-protocol grpc`): the app serves daprd's
 * `dapr.proto.runtime.v1.AppCallback` (as OpenFunction's Go framework and the Dapr SDKs' gRPC
 * servers do) and the sidecar calls it: ListTopicSubscriptions and ListInputBindings once the port
 * accepts connections (asked again until the app answers: a server whose listener opens before its
 * services are registered must not be left deaf), then OnTopicEvent and OnBindingEvent per message.
 *
 * Deliveries come in as the HTTP channel's requests, tagged with what they are (`AppRequest.kind`),
 * and go back as the answers an HTTP app would give (a topic event's status as `{"status": …}`),
 * so one set of rules decides acknowledgement, retries and dead letters for both protocols.
 */
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type JsonObject, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import {
  BindingEventRequestSchema,
  BindingEventResponseSchema,
  ListInputBindingsResponseSchema,
  ListTopicSubscriptionsResponseSchema,
  TopicEventRequestSchema,
  TopicEventResponseSchema,
  TopicEventResponse_TopicEventResponseStatus as TopicStatus,
} from '@dapr/dapr/proto/dapr/proto/runtime/v1/appcallback_pb.js';

import { sleep } from '../limiter.js';
import type { SubscriptionSpec } from '../resources/load-resources.js';
import { AppChannel, type AppChannelOptions, type AppRequest, type AppResponse } from './app-channel.js';

const SERVICE = '/dapr.proto.runtime.v1.AppCallback';
/** CloudEvent attributes that have fields of their own in TopicEventRequest; the rest are extensions. */
const CORE_ATTRIBUTES = new Set(['id', 'source', 'type', 'specversion', 'datacontenttype', 'data', 'data_base64', 'topic', 'pubsubname']);

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
      // The rule paths go back to the app as OnTopicEvent's `path`, as given (the default may be "").
      rules: [...(s.routes?.rules ?? []).map((r) => ({ match: r.match || undefined, path: r.path })), { path: s.routes?.default ?? '' }],
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
    } catch (err) {
      // The app failed the call: a retriable failure, as an HTTP app's 500.
      return { status: 500, headers: {}, body: Buffer.from(errorText(err)) };
    }
    return { status: 501, headers: {}, body: Buffer.from(`${req.method} ${req.path} has no gRPC app callback in ofn-local's sidecar (only topic events and input bindings go over gRPC)`) };
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
      await sleep(delay, signal);
    }
  }

  #call<I extends DescMessage, O extends DescMessage>(method: string, input: I, output: O, message: MessageInitShape<I>, opts: { signal?: AbortSignal; timeoutMs?: number }): Promise<MessageShape<O>> {
    const metadata = new grpc.Metadata();
    if (this.opts.apiToken) metadata.set('dapr-api-token', this.opts.apiToken);
    metadata.set('dapr-app-id', this.opts.appId);
    return new Promise((resolve, reject) => {
      const call = this.#client.makeUnaryRequest(
        `${SERVICE}/${method}`,
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
