/**
 * Events on the bus: the Dapr-style CloudEvent a publishing sidecar would wrap around the payload
 * (as OpenFunction's eventsource handler publishes through Dapr), and back to the raw payload a
 * trigger delivers to its sinks. Two extension attributes carry ofn-local's bookkeeping:
 * `ofnlocalid` (the event id, when the envelope's own `id` is a new one: republished events) and
 * `ofnlocaltime` (when the source produced the event, ms since the epoch).
 */
import { randomUUID } from 'node:crypto';

import { ENCODING_JSON_MAP, goJson, JsonNumber, tryParsePreciseJson } from '../../shared/go-compat/json.js';
import { buildEnvelope, serializeEnvelope, type CloudEventMap } from '../../dapr-components/pubsub/cloudevent-envelope.js';

export interface WrapRequest {
  /** The ofn-local event id. */
  id: string;
  data: Buffer;
  contentType: string;
  topic: string;
  /** The Dapr pubsub component name the publisher would use (`ebfes-<es>` / `ebft-<trigger>`). */
  pubsubName: string;
  /** The publisher's Dapr app id: the CloudEvent `source`. */
  appId: string;
  producedAt: number;
  /** A republish: the envelope gets a new `id`, the event id travels in `ofnlocalid`. */
  republish?: boolean;
  now?: Date;
}

/** The serialized envelope (compact JSON, keys sorted, as daprd writes it). */
export function wrapEvent(req: WrapRequest): Buffer {
  const envelopeId = req.republish ? randomUUID() : req.id;
  const ce = buildEnvelope(
    {
      appId: req.appId,
      pubsubName: req.pubsubName,
      topic: req.topic,
      contentType: req.contentType,
      data: req.data,
      metadata: { 'cloudevent.id': envelopeId },
      componentHasTtl: false,
      now: req.now,
    },
    undefined,
  );
  if (req.republish) ce.ofnlocalid = req.id;
  ce.ofnlocaltime = new JsonNumber(String(Math.round(req.producedAt)));
  return serializeEnvelope(ce);
}

export interface UnwrappedEvent {
  id: string;
  data: Buffer;
  contentType: string;
  /** Undefined when the envelope does not say (published by someone else). */
  producedAt?: number;
}

/**
 * The payload of an envelope, as the trigger handler hands it to its sinks: `data_base64`
 * decoded, a string as its UTF-8 bytes, any other JSON value re-serialized compactly. A message
 * that is not a CloudEvent (another publisher on the topic) is taken as the payload itself.
 */
export function unwrapEvent(message: Buffer): UnwrappedEvent {
  let ce: CloudEventMap | undefined;
  // Numbers in `data` are kept as written (12345678901234567890 stays exact).
  const parsed = message[0] === 0x7b ? tryParsePreciseJson(message.toString('utf8')) : undefined;
  if (parsed?.ok && parsed.value && typeof parsed.value === 'object' && !Array.isArray(parsed.value) && !(parsed.value instanceof JsonNumber)) {
    if ('specversion' in parsed.value) ce = parsed.value as CloudEventMap;
  }
  if (!ce) return { id: randomUUID(), data: message, contentType: 'application/octet-stream' };
  const id = str(ce.ofnlocalid) ?? str(ce.id) ?? randomUUID();
  const contentType = str(ce.datacontenttype) ?? 'application/json';
  let data: Buffer;
  if (typeof ce.data_base64 === 'string') data = Buffer.from(ce.data_base64, 'base64');
  else if (ce.data === undefined || ce.data === null) data = Buffer.alloc(0);
  else if (typeof ce.data === 'string') data = Buffer.from(ce.data, 'utf8');
  else data = Buffer.from(goJson(ce.data, ENCODING_JSON_MAP), 'utf8');
  const time = Number(ce.ofnlocaltime as unknown);
  return { id, data, contentType, producedAt: Number.isFinite(time) && time > 0 ? time : undefined };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The content type of a payload that came without one (Kafka, MQTT, Redis, cron): JSON text
 * is `application/json`, other UTF-8 text `text/plain`, anything else `application/octet-stream`
 * (so the envelope carries it as `data_base64` and no byte is lost).
 */
export function sniffContentType(data: Buffer): string {
  if (data.length === 0) return 'text/plain';
  const text = data.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(data)) return 'application/octet-stream';
  try {
    JSON.parse(text);
    return 'application/json';
  } catch {
    return 'text/plain';
  }
}
