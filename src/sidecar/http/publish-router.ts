/**
 * Publish: POST/PUT /v1.0/publish/{pubsub}/{topic...} (the topic is the rest of the path,
 * slashes included), wrapped in a CloudEvent unless `metadata.rawPayload=true`; and bulk
 * publish under /v1.0-alpha1/publish/bulk/ (also /v1.0/).
 */
import { Router, type Request, type Response } from 'express';

import type { PubSub } from '../components/component.js';
import { apiError } from '../errors.js';
import { parseGoBool } from '../flags.js';
import { parseGoDuration } from '../go-duration.js';
import {
  buildEnvelope,
  isBinaryContentType,
  isCloudEventContentType,
  isJsonContentType,
  serializeEnvelope,
  ttlFromMetadata,
} from '../pubsub/cloudevent-envelope.js';
import { withRetries } from '../retry-policy.js';
import { captureRecord } from '../capture.js';
import type { ApiContext } from './api-context.js';
import { bodyOf, jsonBody, param, requestMetadata, sendEmpty, sendJson } from './respond.js';

function resolvePubSub(ctx: ApiContext, req: Request): { name: string; topic: string; pubsub: PubSub } {
  const name = param(req, 'pubsubname');
  const topic = param(req, 'topic');
  if (!ctx.registry.has('pubsub')) throw apiError(400, 'ERR_PUBSUB_NOT_CONFIGURED', `no pubsub is configured`);
  if (!name) throw apiError(404, 'ERR_PUBSUB_EMPTY', 'pubsub name is empty');
  const found = ctx.registry.lookup<PubSub>('pubsub', name);
  if (found.kind === 'missing') throw apiError(404, 'ERR_PUBSUB_NOT_FOUND', `pubsub ${name} not found`);
  if (found.kind === 'unavailable') throw apiError(500, 'ERR_PUBSUB_PUBLISH_MESSAGE', `pubsub ${name} is not ready: ${found.reason}`);
  if (!topic) throw apiError(404, 'ERR_TOPIC_NAME_EMPTY', `topic is empty in pubsub ${name}`);
  return { name, topic, pubsub: found.instance };
}

/** `rawPayload` must be a Go boolean when present; otherwise 400. */
function rawPayloadOf(metadata: Record<string, string>, pubsub: string): boolean {
  const text = metadata.rawPayload;
  if (text === undefined || text === '') return false;
  const b = parseGoBool(text);
  if (b === undefined) throw apiError(400, 'ERR_PUBSUB_REQUEST_METADATA', `failed deserializing metadata of pubsub ${pubsub}: rawPayload ${JSON.stringify(text)} is not a boolean`);
  return b;
}

function traceOf(req: Request): { traceparent?: string; tracestate?: string } {
  return { traceparent: req.get('traceparent') || undefined, tracestate: req.get('tracestate') || undefined };
}

/** `original` and `originalType`: what the app sent, before any envelope (for the capture). */
async function send(ctx: ApiContext, name: string, pubsub: PubSub, topic: string, data: Buffer, contentType: string, metadata: Record<string, string>, original: Buffer, originalType: string): Promise<void> {
  const policy = ctx.resiliency.componentRetry(name, 'Pubsub', 'Outbound');
  const call = () => pubsub.publish({ topic, data, contentType: contentType || undefined, metadata });
  if (policy) await withRetries(policy, call);
  else await call();
  ctx.capture?.(captureRecord('topic', name, topic, original, originalType, metadata));
}

async function publish(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const { name, topic, pubsub } = resolvePubSub(ctx, req);
  const metadata = requestMetadata(req);
  const raw = rawPayloadOf(metadata, name);
  const contentType = req.get('content-type') ?? '';
  const original = bodyOf(req);
  let data = original;
  if (!raw) {
    let envelope;
    try {
      envelope = buildEnvelope(
        { appId: ctx.flags.appId, pubsubName: name, topic, contentType, data, metadata, componentHasTtl: pubsub.features.includes('MESSAGE_TTL'), ...traceOf(req) },
        ttlFromMetadata(metadata, parseGoDuration),
      );
    } catch (err) {
      throw apiError(500, 'ERR_PUBSUB_CLOUD_EVENTS_SER', `error when unmarshalling the CloudEvent for pubsub ${name}: ${(err as Error).message}`);
    }
    data = serializeEnvelope(envelope);
  }
  try {
    await send(ctx, name, pubsub, topic, data, raw ? contentType : 'application/cloudevents+json', metadata, original, contentType);
  } catch (err) {
    throw apiError(500, 'ERR_PUBSUB_PUBLISH_MESSAGE', `error when publishing to topic ${topic} in pubsub ${name}: ${(err as Error).message}`);
  }
  sendEmpty(res);
}

function fieldCI(obj: Record<string, unknown>, name: string): unknown {
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

/** Bytes of a bulk entry's `event` per its content type. */
function entryBytes(event: unknown, contentType: string): Buffer {
  if (isBinaryContentType(contentType)) {
    if (typeof event !== 'string') throw new Error('an application/octet-stream event must be a base64 string');
    return Buffer.from(event, 'base64');
  }
  if (isJsonContentType(contentType) || isCloudEventContentType(contentType)) return Buffer.from(JSON.stringify(event ?? null));
  if (typeof event !== 'string') throw new Error(`an event with content type ${contentType} must be a string`);
  return Buffer.from(event, 'utf8');
}

async function bulkPublish(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const { name, topic, pubsub } = resolvePubSub(ctx, req);
  const metadata = requestMetadata(req);
  const body = jsonBody(req);
  if (!Array.isArray(body)) throw apiError(400, 'ERR_PUBSUB_EVENTS_SER', 'failed deserializing bulk publish body: expected an array of entries');
  const seen = new Set<string>();
  const entries = body.map((raw: unknown) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const entryId = fieldCI(e, 'entryId');
    if (typeof entryId !== 'string' || entryId === '') throw apiError(400, 'ERR_PUBSUB_EVENTS_SER', 'entryId is duplicated or not present for an entry');
    if (seen.has(entryId)) throw apiError(400, 'ERR_PUBSUB_EVENTS_SER', `entryId ${entryId} is duplicated or not present for an entry`);
    seen.add(entryId);
    const contentType = String(fieldCI(e, 'contentType') ?? '');
    const entryMd = (fieldCI(e, 'metadata') ?? {}) as Record<string, string>;
    let bytes: Buffer;
    try {
      bytes = entryBytes(fieldCI(e, 'event'), contentType);
    } catch (err) {
      throw apiError(400, 'ERR_PUBSUB_EVENTS_SER', `entry ${entryId}: ${(err as Error).message}`);
    }
    return { entryId, contentType, metadata: { ...metadata, ...entryMd }, bytes };
  });
  const failed: { entryId: string; error: string }[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      try {
        let data = entry.bytes;
        const raw = rawPayloadOf(entry.metadata, name);
        if (!raw) {
          const envelope = buildEnvelope(
            { appId: ctx.flags.appId, pubsubName: name, topic, contentType: entry.contentType, data, metadata: entry.metadata, componentHasTtl: pubsub.features.includes('MESSAGE_TTL'), ...traceOf(req) },
            ttlFromMetadata(entry.metadata, parseGoDuration),
          );
          data = serializeEnvelope(envelope);
        }
        await send(ctx, name, pubsub, topic, data, raw ? entry.contentType : 'application/cloudevents+json', entry.metadata, entry.bytes, entry.contentType);
      } catch (err) {
        failed.push({ entryId: entry.entryId, error: (err as Error).message });
      }
    }),
  );
  if (failed.length > 0) {
    sendJson(res, 500, { failedEntries: failed, errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE' });
    return;
  }
  sendEmpty(res);
}

export function createPublishRouter(ctx: ApiContext): Router {
  const router = Router();
  for (const prefix of ['/v1.0-alpha1', '/v1.0']) {
    router.post(`${prefix}/publish/bulk/:pubsubname/*topic`, (req, res) => bulkPublish(ctx, req, res));
    router.put(`${prefix}/publish/bulk/:pubsubname/*topic`, (req, res) => bulkPublish(ctx, req, res));
  }
  router.post('/v1.0/publish/:pubsubname/*topic', (req, res) => publish(ctx, req, res));
  router.put('/v1.0/publish/:pubsubname/*topic', (req, res) => publish(ctx, req, res));
  router.post('/v1.0/publish/:pubsubname', (req, res) => publish(ctx, req, res));
  return router;
}
