/**
 * Reading CloudEvents (HTTP binding, binary and structured modes) out of a request
 * whose body the server has already parsed.
 */
import type { Request } from 'express';
import { CloudEvent, HTTP } from 'cloudevents';

import { binaryEventAttributes, isBinaryCloudEvent } from './cloudevent-headers.js';
import type { RawBodyRequest } from './request-body.js';

/** The body as parsed, or undefined when the request had none. */
function parsedBody(req: Request): unknown {
  return (req as RawBodyRequest).rawBody === undefined ? undefined : req.body;
}

/** Falls back to upstream's plain reading when the `cloudevents` package rejects the message. */
function plainEvent(req: Request): Record<string, unknown> | unknown {
  if (isBinaryCloudEvent(req)) return { ...binaryEventAttributes(req), data: parsedBody(req) };
  return req.body;
}

/**
 * The event to hand to a `cloudevent` function: a `CloudEvent` from the `cloudevents`
 * package (not validated, so incomplete events still get through), or, for a request
 * that package cannot read as an event, what upstream passes: the body as it is.
 * A `traceparent` header becomes the `traceparent` extension, as upstream does.
 */
export function cloudEventFromRequest(req: Request): unknown {
  const contentType = req.headers['content-type'];
  // The package looks parsers up by bare media type: drop parameters such as charset.
  const headers =
    contentType !== undefined && contentType.includes(';')
      ? { ...req.headers, 'content-type': contentType.slice(0, contentType.indexOf(';')).trim() }
      : req.headers;
  let event: unknown;
  try {
    event = HTTP.toEvent({ headers, body: parsedBody(req) });
  } catch {
    event = plainEvent(req);
  }
  const traceparent = req.headers['traceparent'];
  if (typeof traceparent === 'string' && event !== null && typeof event === 'object') {
    if (event instanceof CloudEvent) {
      if (event['traceparent'] === undefined) event = event.cloneWith({ traceparent }, false);
    } else if (!Array.isArray(event)) {
      (event as Record<string, unknown>)['traceparent'] = traceparent;
    }
  }
  return event;
}
