/**
 * `event` signature (legacy background events): `(data, context)` returning the
 * response, or `(data, context, callback)`.
 */
import type { Request, RequestHandler } from 'express';

import { binaryEventAttributes, isBinaryCloudEvent } from './cloudevent-headers.js';
import { sendFailure } from './errors.js';
import { answerWithResult, doneCallback } from './invocation-result.js';
import type { UserFunction } from './signature-type.js';

interface LegacyEvent {
  data: unknown;
  context: unknown;
}

/**
 * A binary-mode CloudEvent gives its `ce-*` attributes as context and the body as
 * data; a JSON body `{context, data}` is split; a body without `context` is itself
 * the context (minus `data`).
 */
export function legacyEventFromRequest(req: Request): LegacyEvent {
  if (isBinaryCloudEvent(req)) return { data: req.body, context: binaryEventAttributes(req) };
  const body: unknown = req.body;
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return { data: body, context: {} };
  const { data, context, ...rest } = body as Record<string, unknown>;
  if (context !== undefined) return { data, context };
  return { data, context: rest };
}

export function eventHandler(userFunction: UserFunction): RequestHandler {
  if (userFunction.length > 2) {
    return (req, res) => {
      const done = doneCallback(res);
      try {
        const { data, context } = legacyEventFromRequest(req);
        userFunction(data, context, done);
      } catch (err) {
        sendFailure(res, err, 'crash');
      }
    };
  }
  return (req, res) =>
    answerWithResult(res, () => {
      const { data, context } = legacyEventFromRequest(req);
      return userFunction(data, context);
    });
}
