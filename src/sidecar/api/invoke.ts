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

/** Calls `appId`; 500 ERR_DIRECT_INVOKE when it cannot be reached or is not known. */
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
    if (!target) throw apiError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: app id ${appId} is not known to this sidecar`);
    return await direct(new URL(`http://${target.host}:${target.port}${path}`), method, headers, body);
  } catch (err) {
    if (err instanceof Error && 'status' in err) throw err;
    throw apiError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: ${(err as Error).message}`);
  }
}
