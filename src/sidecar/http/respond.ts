/**
 * Response helpers shared by the routers: daprd's error body `{errorCode, message}`,
 * 204 for success without a body, raw bytes (JSON content type unless known otherwise)
 * for success with one, and `metadata.<key>` headers.
 */
import type { Request, Response } from 'express';

import { SidecarError } from '../errors.js';
import { isHeaderName, isSafeHeaderValue } from '../../shared/http-headers.js';

export function sendError(res: Response, err: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (err instanceof SidecarError) {
    res.status(err.status).type('application/json').send(JSON.stringify({ errorCode: err.code, message: err.message }));
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  res.status(500).type('application/json').send(JSON.stringify({ errorCode: 'ERR_INTERNAL', message }));
}

export function sendEmpty(res: Response): void {
  res.status(204).end();
}

export function sendData(res: Response, status: number, data: Buffer | string, contentType = 'application/json'): void {
  res.status(status).setHeader('content-type', contentType);
  res.end(data);
}

export function sendJson(res: Response, status: number, value: unknown): void {
  sendData(res, status, JSON.stringify(value));
}

/** Adds `metadata.<key>: value` headers (entries that cannot be headers are skipped). */
export function setMetadataHeaders(res: Response, metadata: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(metadata ?? {})) {
    const name = `metadata.${k}`;
    if (isHeaderName(name) && isSafeHeaderValue(v)) res.append(name, v);
  }
}

/** `metadata.<key>=<value>` query parameters, prefix removed (last value wins). */
export function requestMetadata(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const q = req.originalUrl.indexOf('?');
  if (q === -1) return out;
  for (const [k, v] of new URLSearchParams(req.originalUrl.slice(q + 1))) {
    if (k.startsWith('metadata.')) out[k.slice('metadata.'.length)] = v;
  }
  return out;
}

/** A query parameter (first value), or undefined. */
export function queryParam(req: Request, name: string): string | undefined {
  const q = req.originalUrl.indexOf('?');
  if (q === -1) return undefined;
  return new URLSearchParams(req.originalUrl.slice(q + 1)).get(name) ?? undefined;
}

/** The raw request body (empty buffer when there is none). */
export function bodyOf(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** Parses the body as JSON; a bad body is 400 ERR_MALFORMED_REQUEST. */
export function jsonBody(req: Request): unknown {
  const text = bodyOf(req).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SidecarError('ERR_MALFORMED_REQUEST', `failed deserializing HTTP body: ${(err as Error).message}`, { status: 400 });
  }
}

/** A path parameter, joined when it is a wildcard (`*topic` gives segments). */
export function param(req: Request, name: string): string {
  const v = (req.params as Record<string, string | string[] | undefined>)[name];
  if (Array.isArray(v)) return v.join('/');
  return v ?? '';
}
