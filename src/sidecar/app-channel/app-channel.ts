/**
 * The sidecar's HTTP client to its app (`http://<app-channel-address>:<app-port>`): keep-
 * alive connections, `dapr-api-token` when APP_API_TOKEN is set, at most
 * `--app-max-concurrency` calls in flight, and the TCP wait daprd does before anything
 * else (dial every 100 ms, no deadline, a log line every ~10 s).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import pLimit, { type LimitFunction } from 'p-limit';

import type { Logger } from '../logger.js';

export interface AppChannelOptions {
  address: string;
  port: number;
  protocol: 'http' | 'https';
  appId: string;
  apiToken?: string;
  maxConcurrency: number;
  /** Responses larger than this are cut off with an error. */
  maxBodySize: number;
  log: Logger;
}

export interface AppRequest {
  method: string;
  /** Path with query, with or without a leading slash. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** What the request delivers, for a channel that speaks another protocol (gRPC); HTTP ignores it. */
  kind?: { type: 'topic'; pubsubname: string; topic: string } | { type: 'binding'; name: string; metadata: Record<string, string> } | { type: 'health' } | { type: 'bulk-topic'; pubsubname: string; topic: string };
}

export interface AppResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class AppChannel {
  private readonly agent: http.Agent;
  private readonly limit: LimitFunction;

  constructor(readonly opts: AppChannelOptions) {
    this.agent = opts.protocol === 'https' ? new https.Agent({ keepAlive: true, rejectUnauthorized: false }) : new http.Agent({ keepAlive: true });
    // daprd's --app-max-concurrency -1 (or 0): no limit.
    this.limit = pLimit(opts.maxConcurrency > 0 ? opts.maxConcurrency : Number.POSITIVE_INFINITY);
  }

  get baseUrl(): string {
    const host = this.opts.address.includes(':') ? `[${this.opts.address}]` : this.opts.address;
    return `${this.opts.protocol}://${host}:${this.opts.port}`;
  }

  /** Resolves once the app's port accepts TCP connections. */
  async waitForPort(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    let lastLog = started;
    this.opts.log.info(`waiting for the app on port ${this.opts.port}`);
    for (;;) {
      if (await this.dial(500)) {
        this.opts.log.info(`app is listening on port ${this.opts.port} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
        return;
      }
      if (Date.now() - lastLog >= 10_000) {
        lastLog = Date.now();
        this.opts.log.info(`still waiting for the app on port ${this.opts.port} (${Math.round((Date.now() - started) / 1000)}s)`);
      }
      await sleep(100, undefined, { signal }).catch(() => signal.throwIfAborted());
    }
  }

  private dial(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: this.opts.address, port: this.opts.port });
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  }

  request(req: AppRequest): Promise<AppResponse> {
    return this.limit(() => this.send(req));
  }

  private send(req: AppRequest): Promise<AppResponse> {
    const path = req.path.startsWith('/') ? req.path : `/${req.path}`;
    const headers: Record<string, string | string[]> = { ...req.headers };
    if (this.opts.apiToken) headers['dapr-api-token'] = this.opts.apiToken;
    if (req.body) headers['content-length'] = String(req.body.length);
    const transport = this.opts.protocol === 'https' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        {
          host: this.opts.address,
          port: this.opts.port,
          method: req.method,
          path,
          headers,
          agent: this.agent,
          signal: req.signal,
          timeout: req.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.opts.maxBodySize) {
              res.destroy(new Error(`the app's response is larger than the body size limit (${this.opts.maxBodySize} bytes)`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`the app did not answer ${req.method} ${path} within ${req.timeoutMs} ms`)));
      request.on('error', reject);
      request.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
