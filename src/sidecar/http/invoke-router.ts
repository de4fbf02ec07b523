/**
 * Service invocation: any method on /v1.0/invoke/{appId}/method/{path...}, or any path
 * with header `dapr-app-id` (or basic auth user `dapr-app-id`). The own app id goes to the
 * app channel; `http(s)://` app ids are called directly; other ids go where
 * `resolveAppId` says (other local sidecars' apps). The answer is relayed unchanged.
 */
import type http from 'node:http';

import { Router, type Request, type Response } from 'express';

import { invokeApp } from '../api/invoke.js';
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

async function invoke(ctx: ApiContext, req: Request, res: Response, appId: string, methodPath: string): Promise<void> {
  const q = req.originalUrl.indexOf('?');
  const query = q === -1 ? '' : req.originalUrl.slice(q);
  const path = `/${methodPath.replace(/^\/+/, '')}${query}`;
  const answer = await invokeApp(ctx, appId, { method: req.method, path, headers: forwardHeaders(req, ctx.flags.appId, appId), body: bodyOf(req) });
  relay(res, answer.status, answer.headers, answer.body);
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
