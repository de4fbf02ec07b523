/**
 * What a webhook (an http EventSource) or an injected event must be to be accepted: a body whose
 * content type says structured CloudEvent (`application/cloudevents+json`) must be one, and a
 * request with binary-mode CloudEvent headers (`ce-*`) must carry all the required ones. Anything
 * else is a plain payload and is accepted as it is. An event refused here would otherwise be
 * answered 202 and then dropped on its way (the bus cannot wrap it, or a trigger cannot read it).
 * Parsing and the checks of the CloudEvents spec are the `cloudevents` SDK's; only presence is
 * checked here, since the SDK fills a missing `id` and `specversion` in by itself.
 */
import { HTTP, ValidationError, type CloudEvent } from 'cloudevents';

import { isCloudEventContentType } from '../../dapr-components/pubsub/cloudevent-envelope.js';

/** Request headers as Node gives them (lower-case names). */
export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** The attributes every CloudEvent must have (CloudEvents 1.0, "Required Attributes"). */
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;

/** Why the event would not be delivered, one sentence; undefined when it is fine. */
export function webhookEventProblem(body: Buffer, contentType: string | undefined, headers: WebhookHeaders = {}): string | undefined {
  const ct = contentType ?? '';
  if (isCloudEventContentType(ct)) return structuredProblem(body, ct);
  const present = REQUIRED.filter((a) => headerValue(headers, `ce-${a}`) !== undefined);
  if (present.length === 0) return undefined; // a plain payload
  const missing = REQUIRED.filter((a) => !present.includes(a));
  if (missing.length > 0) {
    return (
      `a binary-mode CloudEvent (ce-* headers) needs ${list(REQUIRED.map((a) => `ce-${a}`))}; ` +
      `this request lacks ${list(missing.map((a) => `ce-${a}`))}`
    );
  }
  return sdkProblem(headers, ct, body.toString('utf8'), 'binary-mode CloudEvent');
}

function structuredProblem(body: Buffer, ct: string): string | undefined {
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `the body is not JSON (${(err as Error).message}), yet its content-type ${ct} says it is a structured CloudEvent`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `a structured CloudEvent (content-type ${ct}) is a JSON object; this body is ${Array.isArray(value) ? 'an array' : `JSON ${value === null ? 'null' : typeof value}`}`;
  }
  const record = value as Record<string, unknown>;
  const missing = REQUIRED.filter((a) => record[a] === undefined || record[a] === null || record[a] === '');
  if (missing.length > 0) {
    return `the CloudEvent lacks the required ${missing.length === 1 ? 'attribute' : 'attributes'} ${list(missing)} (every CloudEvent has ${list([...REQUIRED])})`;
  }
  return sdkProblem({}, ct, text, 'CloudEvent');
}

/** The SDK's verdict on the attributes' types and names. */
function sdkProblem(headers: WebhookHeaders, ct: string, body: string, what: string): string | undefined {
  try {
    const parsed = HTTP.toEvent({ headers: { ...stringHeaders(headers), 'content-type': ct }, body });
    // The SDK builds CloudEvent instances (typed as the plain CloudEventV1 shape).
    for (const event of Array.isArray(parsed) ? parsed : [parsed]) (event as CloudEvent<unknown>).validate();
    return undefined;
  } catch (err) {
    // ValidationError is a TypeError; the SDK throws plain TypeErrors and SyntaxErrors for other bad input.
    if (!(err instanceof TypeError) && !(err instanceof SyntaxError)) throw err;
    const details = err instanceof ValidationError ? (err.errors ?? []).map(describeSdkError).filter(Boolean) : [];
    // The SDK appends its raw errors as JSON lines: the first line, then each error in words.
    const headline = err.message.split('\n', 1)[0]!.trim();
    return `the ${what} is not valid: ${headline}${details.length ? ` (${details.join('; ')})` : ''}`;
  }
}

function describeSdkError(e: unknown): string {
  if (typeof e === 'string') return e;
  const ajv = e as { instancePath?: string; message?: string };
  if (ajv.message) return `${ajv.instancePath ? `${ajv.instancePath.replace(/^\//, '')} ` : ''}${ajv.message}`;
  return '';
}

function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

function stringHeaders(headers: WebhookHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** `a`, `a and b`, `a, b and c`. */
function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
