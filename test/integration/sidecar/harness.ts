/**
 * Helpers for sidecar integration tests: a temporary resources folder, an in-process
 * sidecar on free ports (its log kept for failure messages), a tiny recording app, and
 * polling. Everything started here is stopped by `cleanup()` (call it in afterEach/afterAll).
 */
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../../helpers/brokers.js';
import { runSidecar, type RunningSidecar } from '../../../src/sidecar/main.js';

const cleanups: (() => Promise<void>)[] = [];

export async function cleanup(): Promise<void> {
  const steps = cleanups.splice(0).reverse();
  for (const step of steps) await step().catch(() => {});
}

/** Writes `files` (name → YAML) into a new temporary folder. */
export async function resourcesDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-sidecar-res-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A Component document; `metadata` values become `{name, value}` items. */
export function component(name: string, type: string, metadata: Record<string, string> = {}, extra = ''): string {
  const items = Object.entries(metadata)
    .map(([k, v]) => `  - name: ${k}\n    value: ${JSON.stringify(v)}\n`)
    .join('');
  return `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: ${type}\n  version: v1\n  metadata:\n${items}${extra}`;
}

export interface TestSidecar extends RunningSidecar {
  logs: string[];
  logText(): string;
}

export async function startSidecar(opts: {
  appId?: string;
  resources?: Record<string, string>;
  appPort?: number;
  args?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
}): Promise<TestSidecar> {
  const logs: string[] = [];
  const args = ['--app-id', opts.appId ?? 'test-app', '--dapr-http-port', '0', '--dapr-grpc-port', '0', '--log-level', 'debug'];
  if (opts.resources) args.push('--resources-path', await resourcesDir(opts.resources));
  if (opts.appPort !== undefined) args.push('--app-port', String(opts.appPort));
  args.push(...(opts.args ?? []));
  const sidecar = await runSidecar(args, { log: (line) => logs.push(line), env: opts.env ?? { ...process.env }, cwd: opts.cwd });
  cleanups.push(() => sidecar.stop());
  return Object.assign(Object.create(sidecar) as RunningSidecar, sidecar, { logs, logText: () => logs.join('\n') });
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestApp {
  port: number;
  requests: RecordedRequest[];
  /** Requests to `path` (POSTs unless method given). */
  received(pathName: string, method?: string): RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A plain HTTP app on a free port. `handler` answers each request (default: 200 empty);
 * every request is recorded.
 */
export type AppAnswer = { status?: number; body?: string; headers?: Record<string, string> } | undefined;

export async function startApp(
  handler: (req: RecordedRequest) => AppAnswer | Promise<AppAnswer> = () => ({}),
  port?: number,
): Promise<TestApp> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      void Promise.resolve(handler(rec)).then((given) => {
        const answer = given ?? {};
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port ?? 0, '127.0.0.1', () => resolve()));
  const app: TestApp = {
    port: (server.address() as AddressInfo).port,
    requests,
    received: (p, method = 'POST') => requests.filter((r) => r.path.split('?')[0] === p && r.method === method),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  cleanups.push(() => app.close());
  return app;
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, log?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${log ? `\n--- sidecar log ---\n${log()}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface ApiReply {
  status: number;
  headers: Headers;
  text: string;
  json(): unknown;
}

/** One call to the sidecar's HTTP API. */
export async function api(sidecar: { url: string }, method: string, pathName: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${sidecar.url}${pathName}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

export { freePort };
