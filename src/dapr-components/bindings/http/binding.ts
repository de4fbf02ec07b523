/**
 * bindings.http (output): one request per call to `url` + metadata `path`. The operation
 * is the method (`create` = POST); request metadata keys starting with a capital letter
 * become headers. The response body is the data, and `statusCode`, `status` and every
 * response header come back as metadata. A non-2xx answer is an error unless
 * `errorIfNot2XX` is false (component or request metadata).
 */
import http from 'node:http';
import https from 'node:https';

import { canonicalHeaderKey, isSafeHeaderValue } from '../../../shared/http-headers.js';
import { isTruthy } from '../../metadata.js';
import { BindingError, type Binding, type BindingRequest, type BindingResponse, type Metadata } from '../../component.js';

export interface HttpBindingOptions {
  url: string;
  responseTimeoutMs?: number;
  maxResponseBodySize: number;
  errorIfNot2XX: boolean;
  securityToken?: string;
  securityTokenHeader?: string;
}

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const WITHOUT_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

export class HttpBinding implements Binding {
  readonly operations = ['create', 'get', 'head', 'post', 'put', 'patch', 'delete', 'options', 'trace'] as const;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(private readonly opts: HttpBindingOptions) {}

  async init(): Promise<void> {
    new URL(this.opts.url);
  }

  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  async invoke(req: BindingRequest): Promise<BindingResponse> {
    let target = this.opts.url;
    const md = req.metadata;
    if (md.path) target = `${target.replace(/\/+$/, '')}/${md.path.replace(/^\/+/, '')}`;
    const errorIfNot2XX = md.errorIfNot2XX ? isTruthy(md.errorIfNot2XX) : this.opts.errorIfNot2XX;
    let method = req.operation.toUpperCase();
    if (method === 'CREATE') method = 'POST';
    const hasBody = WITH_BODY.has(method);
    if (!hasBody && !WITHOUT_BODY.has(method)) throw new Error(`invalid operation: ${req.operation}`);

    const headers: Record<string, string> = {};
    if (hasBody && md['Content-Type'] === undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    if (md.Accept === undefined) headers.Accept = 'application/json; charset=utf-8';
    if (this.opts.securityToken && this.opts.securityTokenHeader) headers[this.opts.securityTokenHeader] = this.opts.securityToken;
    for (const [key, value] of Object.entries(md)) {
      if (/^[A-Z]/.test(key) && isSafeHeaderValue(value)) headers[key] = value;
    }
    for (const key of ['traceparent', 'tracestate', 'baggage']) {
      const value = md[key];
      if (value) headers[key] = value;
    }

    const url = new URL(target);
    const transport = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.agents.https : this.agents.http;
    const { status, statusText, responseHeaders, body } = await new Promise<{
      status: number;
      statusText: string;
      responseHeaders: http.IncomingHttpHeaders;
      body: Buffer;
    }>((resolve, reject) => {
      const request = transport.request(url, { method, headers, agent, timeout: this.opts.responseTimeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size >= this.opts.maxResponseBodySize) return;
          const room = this.opts.maxResponseBodySize - size;
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          chunks.push(part);
          size += part.length;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            responseHeaders: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`request to ${url.href} timed out`)));
      request.on('error', reject);
      request.end(hasBody ? req.data : undefined);
    });

    const metadata: Metadata = { statusCode: String(status), status: `${status} ${statusText}`.trim() };
    for (const [key, value] of Object.entries(responseHeaders)) {
      if (value === undefined) continue;
      metadata[canonicalHeaderKey(key)] = Array.isArray(value) ? value.join(', ') : value;
    }
    if (errorIfNot2XX && Math.floor(status / 100) !== 2) {
      throw new BindingError(`received status code ${status}`, metadata);
    }
    return { data: body, metadata };
  }
}
