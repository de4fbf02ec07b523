/**
 * Service invocation, independent of the transport: where a call for an app id goes (the own
 * app through the app channel, an `http(s)://` app id directly, another app id where
 * `resolveAppId` says) and daprd's ERR_DIRECT_INVOKE when it cannot get there. The answer is
 * the app's, unchanged. Used by the HTTP invoke router and the gRPC API's InvokeService.
 */
import http from 'node:http';
import https from 'node:https';

import { apiError } from '../errors.js';
import type { ApiContext } from '../http/api-context.js';
import type { AppIdEntry } from '../app-ids.js';
import { accessAllowed, spiffeId, type Caller } from '../../shared/access-control.js';

export interface InvokeCall {
  method: string;
  /** Path with query string, starting with `/`. */
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface InvokeAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function direct(url: URL, method: string, headers: Record<string, string | string[]>, body: Buffer): Promise<InvokeAnswer> {
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

/**
 * The called app's access control, applied here for its sidecar (the call goes to its stand-in): the
 * caller is this app, with the identity a cluster's mTLS certificate carries. Denied: 403 with
 * daprd's ERR_DIRECT_INVOKE message (PermissionDenied over gRPC).
 */
function checkAccess(ctx: ApiContext, appId: string, target: AppIdEntry, method: string, path: string): void {
  if (!target.accessControl) return;
  const caller: Caller = { appId: ctx.flags.appId, namespace: ctx.namespace, trustDomain: ctx.resolveAppId?.(ctx.flags.appId)?.trustDomain ?? 'public' };
  const operation = path.split('?')[0]!.replace(/^\/+/, '');
  const isHttp = target.protocol !== 'grpc';
  if (accessAllowed(target.accessControl, caller, operation, isHttp ? method : undefined, isHttp)) return;
  throw apiError(
    403,
    'ERR_DIRECT_INVOKE',
    `failed to invoke, id: ${appId}, err: rpc error: code = PermissionDenied desc = access control policy has denied access to id: ${spiffeId(caller)} operation: ${operation} verb: ${isHttp ? method.toUpperCase() : 'NONE'}`,
  );
}

/** Calls `appId`; 500 ERR_DIRECT_INVOKE when it cannot be reached or is not known, 403 when its access control denies. */
export async function invokeApp(ctx: ApiContext, appId: string, call: InvokeCall): Promise<InvokeAnswer> {
  const { method, path, headers, body } = call;
  try {
    if (appId.startsWith('http://') || appId.startsWith('https://')) {
      const base = appId.replace(/\/+$/, '');
      return await direct(new URL(`${base}${path}`), method, headers, body);
    }
    if (appId === ctx.flags.appId) {
      if (!ctx.appChannel) throw apiError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: the app channel is not set up (no --app-port)`);
      return await ctx.appChannel.request({ method, path, headers, body });
    }
    const target = ctx.resolveAppId?.(appId);
    if (!target?.host) throw apiError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: app id ${appId} is not known to this sidecar`);
    checkAccess(ctx, appId, target, method, path);
    return await direct(new URL(`http://${target.host}:${target.port}${path}`), method, headers, body);
  } catch (err) {
    if (err instanceof Error && 'status' in err) throw err;
    throw apiError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: ${(err as Error).message}`);
  }
}
