/**
 * Publishing, independent of the transport: pubsub lookup, `rawPayload`, the CloudEvent
 * envelope, the outbound Resiliency policy, output capture, and bulk entry validation.
 * Used by the HTTP publish router and the gRPC API.
 */
import type { Metadata, PubSub } from '../../dapr-components/component.js';
import { apiError } from '../errors.js';
import { parseGoBool } from '../../shared/go-compat/bool.js';
import { parseGoDuration } from '../../shared/go-compat/duration.js';
import type { ApiContext } from '../http/api-context.js';
import { buildEnvelope, serializeEnvelope, ttlFromMetadata } from '../../dapr-components/pubsub/cloudevent-envelope.js';
import { withRetries } from '../../dapr-components/retry-policy.js';
import { captureRecord } from '../capture.js';

export interface ResolvedPubSub {
  name: string;
  topic: string;
  pubsub: PubSub;
}

export interface Trace {
  traceparent?: string;
  tracestate?: string;
}

/**
 * 400 ERR_PUBSUB_NOT_CONFIGURED without any pubsub, 404 ERR_PUBSUB_EMPTY / ERR_PUBSUB_NOT_FOUND /
 * ERR_TOPIC_NAME_EMPTY, 500 when the component is not ready.
 */
export function resolvePubSub(ctx: ApiContext, name: string, topic: string): ResolvedPubSub {
  if (!ctx.registry.has('pubsub')) throw apiError(400, 'ERR_PUBSUB_NOT_CONFIGURED', `no pubsub is configured`);
  if (!name) throw apiError(404, 'ERR_PUBSUB_EMPTY', 'pubsub name is empty');
  const found = ctx.registry.lookup<PubSub>('pubsub', name);
  if (found.kind === 'missing') throw apiError(404, 'ERR_PUBSUB_NOT_FOUND', `pubsub ${name} not found`);
  if (found.kind === 'unavailable') throw apiError(500, 'ERR_PUBSUB_PUBLISH_MESSAGE', `pubsub ${name} is not ready: ${found.reason}`);
  if (!topic) throw apiError(404, 'ERR_TOPIC_NAME_EMPTY', `topic is empty in pubsub ${name}`);
  return { name, topic, pubsub: found.instance };
}

/** `rawPayload` must be a Go boolean when present; otherwise 400. */
export function rawPayloadOf(metadata: Metadata, pubsub: string): boolean {
  const text = metadata.rawPayload;
  if (text === undefined || text === '') return false;
  const b = parseGoBool(text);
  if (b === undefined) throw apiError(400, 'ERR_PUBSUB_REQUEST_METADATA', `failed deserializing metadata of pubsub ${pubsub}: rawPayload ${JSON.stringify(text)} is not a boolean`);
  return b;
}

/** The bytes handed to the component: the payload itself (raw) or its CloudEvent envelope. Throws plain errors. */
function wireData(ctx: ApiContext, target: ResolvedPubSub, data: Buffer, contentType: string, metadata: Metadata, raw: boolean, trace: Trace): Buffer {
  if (raw) return data;
  const envelope = buildEnvelope(
    { appId: ctx.flags.appId, pubsubName: target.name, topic: target.topic, contentType, data, metadata, componentHasTtl: target.pubsub.features.includes('MESSAGE_TTL'), ...trace },
    ttlFromMetadata(metadata, (text) => parseGoDuration(text, 'ms')),
  );
  return serializeEnvelope(envelope);
}

/** Hands the bytes to the component (under its outbound retry policy), then captures what the app sent. */
async function send(ctx: ApiContext, target: ResolvedPubSub, data: Buffer, contentType: string, metadata: Metadata, original: Buffer, originalType: string): Promise<void> {
  const { name, topic, pubsub } = target;
  const policy = ctx.resiliency.componentRetry(name, 'Pubsub', 'Outbound');
  const call = () => pubsub.publish({ topic, data, contentType: contentType || undefined, metadata });
  if (policy) await withRetries(policy, call);
  else await call();
  ctx.capture?.(captureRecord('topic', name, topic, original, originalType, metadata));
}

/**
 * One publish: wrapped in a CloudEvent unless `rawPayload` (500 ERR_PUBSUB_CLOUD_EVENTS_SER when
 * a CloudEvent payload is not valid JSON), 500 ERR_PUBSUB_PUBLISH_MESSAGE when the broker fails.
 */
export async function publishEvent(ctx: ApiContext, target: ResolvedPubSub, data: Buffer, contentType: string, metadata: Metadata, trace: Trace): Promise<void> {
  const raw = rawPayloadOf(metadata, target.name);
  let wire: Buffer;
  try {
    wire = wireData(ctx, target, data, contentType, metadata, raw, trace);
  } catch (err) {
    throw apiError(500, 'ERR_PUBSUB_CLOUD_EVENTS_SER', `error when unmarshalling the CloudEvent for pubsub ${target.name}: ${(err as Error).message}`);
  }
  try {
    await send(ctx, target, wire, raw ? contentType : 'application/cloudevents+json', metadata, data, contentType);
  } catch (err) {
    throw apiError(500, 'ERR_PUBSUB_PUBLISH_MESSAGE', `error when publishing to topic ${target.topic} in pubsub ${target.name}: ${(err as Error).message}`);
  }
}

export interface BulkEntry {
  entryId: string;
  /** The event's bytes as the app sent them. */
  bytes: Buffer;
  contentType: string;
  /** Request metadata with the entry's own on top. */
  metadata: Metadata;
}

/** A missing or repeated entry id fails the whole request (400 ERR_PUBSUB_EVENTS_SER) before anything is published. */
export function checkEntryId(seen: Set<string>, entryId: unknown): string {
  if (typeof entryId !== 'string' || entryId === '') throw apiError(400, 'ERR_PUBSUB_EVENTS_SER', 'entryId is duplicated or not present for an entry');
  if (seen.has(entryId)) throw apiError(400, 'ERR_PUBSUB_EVENTS_SER', `entryId ${entryId} is duplicated or not present for an entry`);
  seen.add(entryId);
  return entryId;
}

/** Publishes every entry (each in its own envelope unless raw); returns the entries that failed. */
export async function bulkPublish(ctx: ApiContext, target: ResolvedPubSub, entries: BulkEntry[], trace: Trace): Promise<{ entryId: string; error: string }[]> {
  const failed: { entryId: string; error: string }[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      try {
        const raw = rawPayloadOf(entry.metadata, target.name);
        const wire = wireData(ctx, target, entry.bytes, entry.contentType, entry.metadata, raw, trace);
        await send(ctx, target, wire, raw ? entry.contentType : 'application/cloudevents+json', entry.metadata, entry.bytes, entry.contentType);
      } catch (err) {
        failed.push({ entryId: entry.entryId, error: (err as Error).message });
      }
    }),
  );
  return failed;
}
