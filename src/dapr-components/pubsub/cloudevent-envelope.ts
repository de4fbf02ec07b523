/**
 * The CloudEvent a publishing sidecar wraps around a message (unless `rawPayload`), and
 * the wrapper a `rawPayload` subscription delivers. Written as daprd writes them: compact
 * JSON, keys in alphabetical order, numbers kept as sent.
 */
import { randomUUID } from 'node:crypto';

import { ENCODING_JSON_MAP, goJson, parsePreciseJson, type PreciseJson } from '../../shared/go-compat/json.js';

export const DEFAULT_EVENT_TYPE = 'com.dapr.event.sent';
export const DEFAULT_SOURCE = 'Dapr';

export type CloudEventMap = Record<string, PreciseJson | undefined>;

const lower = (ct: string): string => ct.trim().toLowerCase();
export const isJsonContentType = (ct: string): boolean => lower(ct).startsWith('application/json');
export const isBinaryContentType = (ct: string): boolean => lower(ct).startsWith('application/octet-stream');
export const isCloudEventContentType = (ct: string): boolean => lower(ct).startsWith('application/cloudevents+json');

/** RFC 3339 with seconds and the local offset, as Go's time.Now().Format(time.RFC3339). */
export function rfc3339Local(date: Date): string {
  const offsetMin = -date.getTimezoneOffset();
  const pad = (n: number): string => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const local = new Date(date.getTime() + offsetMin * 60_000);
  const base = local.toISOString().slice(0, 19);
  if (offsetMin === 0) return `${base}Z`;
  return `${base}${offsetMin > 0 ? '+' : '-'}${pad(offsetMin / 60)}:${pad(offsetMin % 60)}`;
}

export function rfc3339Utc(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export interface EnvelopeRequest {
  appId: string;
  pubsubName: string;
  topic: string;
  /** The request's Content-Type header ('' when none). */
  contentType: string;
  data: Buffer;
  /** Request metadata (`cloudevent.*` overrides, `ttlInSeconds`). */
  metadata: Record<string, string>;
  traceparent?: string;
  tracestate?: string;
  /** Whether the pubsub has native message TTL (then no `expiration` is added). */
  componentHasTtl: boolean;
  now?: Date;
}

function override(metadata: Record<string, string>, field: string): string | undefined {
  const wanted = `cloudevent.${field}`;
  for (const [k, v] of Object.entries(metadata)) if (k.toLowerCase() === wanted && v !== '') return v;
  return undefined;
}

/** Seconds of `ttlInSeconds` (integer seconds or a Go duration); undefined when absent or invalid. */
export function ttlFromMetadata(metadata: Record<string, string>, parseDuration: (t: string) => number | undefined): number | undefined {
  const text = metadata.ttlInSeconds;
  if (!text) return undefined;
  if (/^-?\d+$/.test(text)) return Number(text);
  const ms = parseDuration(text);
  return ms === undefined ? undefined : ms / 1000;
}

/**
 * Builds the envelope. Throws a SyntaxError when the content type says CloudEvent and
 * the body is not a JSON object.
 */
export function buildEnvelope(req: EnvelopeRequest, ttlSeconds: number | undefined): CloudEventMap {
  const now = req.now ?? new Date();
  const traceparent = req.traceparent ?? '';
  const tracestate = req.tracestate ?? '';
  let ce: CloudEventMap;
  if (isCloudEventContentType(req.contentType)) {
    const parsed = parsePreciseJson(req.data.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SyntaxError('the CloudEvent is not a JSON object');
    ce = parsed as CloudEventMap;
    if (!('time' in ce)) ce.time = rfc3339Local(now);
    if (!('traceid' in ce)) {
      ce.traceid = traceparent;
      ce.traceparent = traceparent;
    }
    if (!('tracestate' in ce)) ce.tracestate = tracestate;
    ce.topic = req.topic;
    ce.pubsubname = req.pubsubName;
    if (ce.source === undefined || ce.source === null) ce.source = DEFAULT_SOURCE;
    if (ce.type === undefined || ce.type === null) ce.type = DEFAULT_EVENT_TYPE;
    if (ce.specversion === undefined || ce.specversion === null) ce.specversion = '1.0';
  } else {
    const contentType = req.contentType || 'text/plain';
    let traceId = override(req.metadata, 'traceid') ?? traceparent;
    const traceParentOverride = override(req.metadata, 'traceparent');
    if (traceParentOverride) traceId = traceParentOverride;
    ce = {
      id: override(req.metadata, 'id') ?? randomUUID(),
      specversion: '1.0',
      datacontenttype: contentType,
      source: override(req.metadata, 'source') ?? (req.appId || DEFAULT_SOURCE),
      type: override(req.metadata, 'type') ?? DEFAULT_EVENT_TYPE,
      topic: req.topic,
      pubsubname: req.pubsubName,
      traceid: traceId,
      traceparent: traceId,
      tracestate: override(req.metadata, 'tracestate') ?? tracestate,
      time: rfc3339Local(now),
    };
    if (isJsonContentType(contentType)) {
      try {
        ce.data = parsePreciseJson(req.data.toString('utf8'));
      } catch {
        ce.data = req.data.toString('utf8');
      }
    } else if (isBinaryContentType(contentType)) {
      ce.data_base64 = req.data.toString('base64');
    } else {
      ce.data = req.data.toString('utf8');
    }
    const subject = override(req.metadata, 'subject');
    if (subject) ce.subject = subject;
  }
  if (ttlSeconds !== undefined && !req.componentHasTtl) {
    ce.expiration = rfc3339Utc(new Date(now.getTime() + ttlSeconds * 1000));
  }
  return ce;
}

export function serializeEnvelope(ce: CloudEventMap): Buffer {
  return Buffer.from(goJson(ce, ENCODING_JSON_MAP), 'utf8');
}

/** What a `rawPayload` subscription delivers: the bytes wrapped as base64 data. */
export function rawPayloadEnvelope(data: Buffer, topic: string, pubsubName: string, metadata: Record<string, string>): CloudEventMap {
  const ce: CloudEventMap = {
    id: randomUUID(),
    specversion: '1.0',
    datacontenttype: 'application/octet-stream',
    source: DEFAULT_SOURCE,
    type: DEFAULT_EVENT_TYPE,
    topic,
    pubsubname: pubsubName,
    data_base64: data.toString('base64'),
  };
  if (metadata.traceid) ce.traceid = metadata.traceid;
  if (metadata.traceparent) {
    ce.traceparent = metadata.traceparent;
    ce.traceid = metadata.traceparent;
  }
  if (metadata.tracestate) ce.tracestate = metadata.tracestate;
  return ce;
}

/** Whether the event's `expiration` (RFC 3339) is in the past. */
export function hasExpired(ce: CloudEventMap, now: Date = new Date()): boolean {
  const e = ce.expiration;
  if (typeof e !== 'string' || e === '') return false;
  const t = Date.parse(e);
  return Number.isFinite(t) && t < now.getTime();
}
