/**
 * Output bindings: POST/PUT /v1.0/bindings/{name} with `{operation, data, metadata}`. The
 * data is re-encoded as JSON before the component sees it (a JSON string arrives with
 * its quotes), as daprd does. Response metadata comes back as `metadata.<key>` headers,
 * also on failure.
 */
import { Router, type Request, type Response } from 'express';

import { OutputBindingError, invokeOutputBinding } from '../api/bindings.js';
import { apiError } from '../errors.js';
import { ENCODING_JSON_MAP, goJson } from '../../shared/go-compat/json.js';
import type { ApiContext } from './api-context.js';
import { jsonBody, param, sendData, sendEmpty, setMetadataHeaders } from './respond.js';

async function invoke(ctx: ApiContext, req: Request, res: Response): Promise<void> {
  const name = param(req, 'name');
  const body = jsonBody(req);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw apiError(400, 'ERR_MALFORMED_REQUEST', 'failed deserializing HTTP body: expected {"operation", "data", "metadata"}');
  }
  const { operation, data, metadata: rawMetadata } = body as { operation?: unknown; data?: unknown; metadata?: unknown };
  const metadata: Record<string, string> = {};
  if (rawMetadata && typeof rawMetadata === 'object') {
    for (const [k, v] of Object.entries(rawMetadata as Record<string, unknown>)) {
      if (typeof v !== 'string') throw apiError(400, 'ERR_MALFORMED_REQUEST', `failed deserializing HTTP body: metadata ${k} must be a string`);
      metadata[k] = v;
    }
  }
  for (const header of ['traceparent', 'tracestate']) {
    const v = req.get(header);
    if (v) metadata[header] = v;
  }
  const baggage = req.get('baggage');
  if (baggage) metadata.baggage = baggage;
  const op = typeof operation === 'string' ? operation : '';

  let result;
  try {
    result = await invokeOutputBinding(ctx, name, { operation: op, data: Buffer.from(goJson(data ?? null, ENCODING_JSON_MAP)), metadata, captureContentType: 'application/json' });
  } catch (err) {
    if (err instanceof OutputBindingError) setMetadataHeaders(res, err.responseMetadata);
    throw err;
  }
  if (!result) {
    sendEmpty(res);
    return;
  }
  setMetadataHeaders(res, result.metadata);
  sendData(res, 200, result.data ?? Buffer.alloc(0), result.contentType ?? 'application/json');
}

export function createBindingsRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/v1.0/bindings/:name', (req, res) => invoke(ctx, req, res));
  router.put('/v1.0/bindings/:name', (req, res) => invoke(ctx, req, res));
  return router;
}
