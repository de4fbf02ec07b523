/**
 * Publish: POST/PUT /v1.0/publish/{pubsub}/{topic...} (the topic is the rest of the path,
 * slashes included), wrapped in a CloudEvent unless `metadata.rawPayload=true`; and bulk
 * publish under /v1.0-alpha1/publish/bulk/ (also /v1.0/).
 */
import { Router, type Request, type Response } from 'express';

import { bulkPublish as publishEntries, checkEntryId, publishEvent, resolvePubSub, type Trace } from '../api/publish.js';
import { apiError } from '../errors.js';
import { isBinaryContentType, isCloudEventContentType, isJsonContentType } from '../../dapr-components/pubsub/cloudevent-envelope.js';
import type { ApiContext } from './api-context.js';
import { bodyOf, jsonBody, param, requestMetadata, sendEmpty, sendJson } from './respond.js';

function traceOf(req: Request): Trace {
  return { traceparent: req.get('traceparent') || undefined, tracestate: req.get('tracestate') || undefined };
}

async function publish(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const target = resolvePubSub(ctx, param(req, 'pubsubname'), param(req, 'topic'));
  await publishEvent(ctx, target, bodyOf(req), req.get('content-type') ?? '', requestMetadata(req), traceOf(req));
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
  const target = resolvePubSub(ctx, param(req, 'pubsubname'), param(req, 'topic'));
  const metadata = requestMetadata(req);
  const body = jsonBody(req);
  if (!Array.isArray(body)) throw apiError(400, 'ERR_PUBSUB_EVENTS_SER', 'failed deserializing bulk publish body: expected an array of entries');
  const seen = new Set<string>();
  const entries = body.map((raw: unknown) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const entryId = checkEntryId(seen, fieldCI(e, 'entryId'));
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
  const failed = await publishEntries(ctx, target, entries, traceOf(req));
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
