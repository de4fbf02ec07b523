/**
 * Service invocation: any method on /v1.0/invoke/{appId}/method/{path...}, or any path
 * with header `dapr-app-id` (or basic auth user `dapr-app-id`). The own app id goes to the
 * app channel; `http(s)://` app ids are called directly; other ids go where
 * `resolveAppId` says (other local sidecars' apps). The answer is relayed unchanged.
 */
import http from 'node:http';
import https from 'node:https';

import { Router, type Request, type Response } from 'express';

import { apiError } from '../errors.js';
import type { ApiContext } from './api-context.js';
import { bodyOf, param } from './respond.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'dapr-app-id',
  'dapr-api-token',
]);

function forwardHeaders(req: Request, callerAppId: string, calleeAppId: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    out[k] = v;
  }
  out['dapr-caller-app-id'] = callerAppId;
  out['dapr-callee-app-id'] = calleeAppId;
  return out;
}

function relay(res: Response, status: number, headers: http.IncomingHttpHeaders, body: Buffer): void {
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    res.setHeader(k, v);
  }
  res.status(status).end(body);
}

function direct(url: URL, method: string, headers: Record<string, string | string[]>, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const r = transport.request(url, { method, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(body);
  });
}

async function invoke(ctx: ApiContext, req: Request, res: Response, appId: string, methodPath: string): Promise<void> {
  const q = req.originalUrl.indexOf('?');
  const query = q === -1 ? '' : req.originalUrl.slice(q);
  const path = `/${methodPath.replace(/^\/+/, '')}${query}`;
  const headers = forwardHeaders(req, ctx.flags.appId, appId);
  const body = bodyOf(req);
  try {
    if (appId.startsWith('http://') || appId.startsWith('https://')) {
      const base = appId.replace(/\/+$/, '');
      const answer = await direct(new URL(`${base}${path}`), req.method, headers, body);
      relay(res, answer.status, answer.headers, answer.body);
      return;
    }
    if (appId === ctx.flags.appId) {
      if (!ctx.appChannel) throw apiError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: the app channel is not set up (no --app-port)`);
      const answer = await ctx.appChannel.request({ method: req.method, path, headers, body });
      relay(res, answer.status, answer.headers, answer.body);
      return;
    }
    const target = ctx.resolveAppId?.(appId);
    if (!target) throw apiError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: app id ${appId} is not known to this sidecar`);
    const answer = await direct(new URL(`http://${target.host}:${target.port}${path}`), req.method, headers, body);
    relay(res, answer.status, answer.headers, answer.body);
  } catch (err) {
    if (err instanceof Error && 'status' in err) throw err;
    throw apiError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: ${(err as Error).message}`);
  }
}

/** The app id of a request that matched no API route: header `dapr-app-id` or basic auth. */
export function appIdOfRequest(req: Request): string | undefined {
  const header = req.get('dapr-app-id');
  if (header) return header;
  const auth = req.get('authorization');
  if (auth?.startsWith('Basic ')) {
    const [user, pass] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
    if (user === 'dapr-app-id' && pass) return pass;
  }
  return undefined;
}

export function createInvokeRouter(ctx: ApiContext): Router {
  const router = Router();
  router.all('/v1.0/invoke/:appId/method/*path', (req, res) => invoke(ctx, req, res, param(req, 'appId'), param(req, 'path')));
  return router;
}

/** The fall-through: invocation by header, else 404 ERR_DIRECT_INVOKE. */
export function createFallthrough(ctx: ApiContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const appId = appIdOfRequest(req);
    if (!appId) throw apiError(404, 'ERR_DIRECT_INVOKE', 'failed getting app id either from the URL path or the header dapr-app-id');
    const pathOnly = req.path;
    await invoke(ctx, req, res, appId, pathOnly);
  };
}
