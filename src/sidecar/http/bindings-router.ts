/**
 * Output bindings: POST/PUT /v1.0/bindings/{name} with `{operation, data, metadata}`. The
 * data is re-encoded as JSON before the component sees it (a JSON string arrives with
 * its quotes), as daprd does. Response metadata comes back as `metadata.<key>` headers,
 * also on failure.
 */
import { Router, type Request, type Response } from 'express';

import { BindingError, type Binding } from '../components/component.js';
import { SidecarError, apiError } from '../errors.js';
import { goJson } from '../go-json.js';
import { withRetries } from '../retry-policy.js';
import { captureRecord } from '../capture.js';
import type { ApiContext } from './api-context.js';
import { jsonBody, param, sendData, sendEmpty, setMetadataHeaders } from './respond.js';

const CODE = 'ERR_INVOKE_OUTPUT_BINDING';

function fail(name: string, message: string): SidecarError {
  return apiError(500, CODE, `error invoking output binding ${name}: ${message}`);
}

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
  if (op === '') throw fail(name, 'operation field is missing from request');

  const found = ctx.registry.lookup<Binding>('bindings', name);
  if (found.kind === 'unavailable') throw fail(name, `binding is not ready: ${found.reason}`);
  if (found.kind === 'missing' || typeof found.instance.invoke !== 'function' || !ctx.registry.outputAllowedFor(name)) {
    throw fail(name, `couldn't find output binding ${name}`);
  }
  const binding = found.instance;
  const ops = binding.operations ?? [];
  if (!ops.includes(op)) throw fail(name, `binding ${name} does not support operation ${op}. supported operations:${ops.join(' ')}`);

  const payload = Buffer.from(goJson(data ?? null));
  const policy = ctx.resiliency.componentRetry(name, 'Binding', 'Outbound');
  const call = () => binding.invoke!({ operation: op, data: payload, metadata });
  let result;
  try {
    result = policy ? await withRetries(policy, call) : await call();
  } catch (err) {
    if (err instanceof BindingError) setMetadataHeaders(res, err.metadata);
    throw fail(name, (err as Error).message);
  }
  ctx.capture?.(captureRecord('binding', name, op, payload, 'application/json', metadata));
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
