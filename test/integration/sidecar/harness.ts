/**
 * Helpers for sidecar integration tests: a temporary resources folder, a sidecar on free ports
 * (ofn-local's in process, or the real daprd as a child process: its log kept for failure
 * messages), a tiny recording app, and polling. Everything started here is stopped by
 * `cleanup()` (call it in afterEach/afterAll).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../../helpers/brokers.js';
import { runSidecar, type RunningSidecar } from '../../../src/sidecar/main.js';
import type { CaptureSink } from '../../../src/sidecar/capture.js';
import { DAPRD, type SidecarKind } from '../../helpers/daprd.js';

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

export interface SidecarOptions {
  appId?: string;
  resources?: Record<string, string>;
  appPort?: number;
  args?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Whose sidecar: ofn-local's (in process, the default) or the real daprd (a child process). */
  kind?: SidecarKind;
  /** ofn-local's sidecar only: what the app sends out (daprd has no such record). */
  capture?: CaptureSink;
}

export async function startSidecar(opts: SidecarOptions): Promise<TestSidecar> {
  if (opts.kind === 'daprd') return startDaprd(opts);
  const logs: string[] = [];
  const args = ['--app-id', opts.appId ?? 'test-app', '--dapr-http-port', '0', '--dapr-grpc-port', '0', '--log-level', 'debug'];
  if (opts.resources) args.push('--resources-path', await resourcesDir(opts.resources));
  if (opts.appPort !== undefined) args.push('--app-port', String(opts.appPort));
  args.push(...(opts.args ?? []));
  const sidecar = await runSidecar(args, { log: (line) => logs.push(line), env: opts.env ?? { ...process.env }, cwd: opts.cwd, capture: opts.capture });
  cleanups.push(() => sidecar.stop());
  return Object.assign(Object.create(sidecar) as RunningSidecar, sidecar, { logs, logText: () => logs.join('\n') });
}

/**
 * The real daprd with the same flags, on free ports (its HTTP and gRPC ports are given: daprd does
 * not report ports it picked). What only ofn-local's sidecar exposes in process (components(),
 * subscriptions(), onComponentStatus) throws: tests of those run against ours only.
 */
async function startDaprd(opts: SidecarOptions): Promise<TestSidecar> {
  if (!DAPRD) throw new Error('no daprd binary (see test/helpers/daprd.ts)');
  const logs: string[] = [];
  const extra = opts.args ?? [];
  const given = (flag: string) => {
    const i = extra.lastIndexOf(flag);
    return i === -1 ? undefined : Number(extra[i + 1]);
  };
  const httpPort = given('--dapr-http-port') || (await freePort());
  let grpcPort = given('--dapr-grpc-port') || (await freePort());
  while (grpcPort === httpPort) grpcPort = await freePort();
  const args = ['--app-id', opts.appId ?? 'test-app', '--dapr-http-port', String(httpPort), '--dapr-grpc-port', String(grpcPort), '--log-level', 'debug', '--enable-metrics=false'];
  if (opts.resources) args.push('--resources-path', await resourcesDir(opts.resources));
  if (opts.appPort !== undefined) args.push('--app-port', String(opts.appPort));
  args.push(...extra.flatMap((a, i) => (['--dapr-http-port', '--dapr-grpc-port'].includes(a) || ['--dapr-http-port', '--dapr-grpc-port'].includes(extra[i - 1] ?? '') ? [] : [a])));
  const env = Object.fromEntries(Object.entries(opts.env ?? process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const child = spawn(DAPRD, args, { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      logs.push(...lines);
    });
  }
  let exited = false;
  void closed.then(() => (exited = true));
  const stop = async () => {
    if (exited) return;
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.kill('SIGTERM');
    await closed;
    clearTimeout(kill);
  };
  cleanups.push(stop);
  const url = `http://127.0.0.1:${httpPort}`;
  // Ready as daprd's own readiness probe says: /v1.0/healthz answers 204 once start-up is complete.
  const ready = (async () => {
    for (;;) {
      if (exited) throw new Error(`daprd exited during start-up:\n${logs.slice(-30).join('\n')}`);
      const status = await fetch(`${url}/v1.0/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => (void r.arrayBuffer(), r.status), () => 0);
      if (status === 204) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  ready.catch(() => {});
  // The API listens before start-up completes, as ofn-local's does once runSidecar resolves.
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${url}/v1.0/healthz/outbound`, { signal: AbortSignal.timeout(1000) }).then((r) => (void r.arrayBuffer(), true), () => false))) {
    if (exited || Date.now() > deadline) throw new Error(`daprd did not listen on ${url}:\n${logs.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const only = (what: string) => () => {
    throw new Error(`${what} is ofn-local's sidecar's in-process view: not available with daprd`);
  };
  return {
    appId: opts.appId ?? 'test-app',
    httpPort,
    url,
    flags: undefined as unknown as RunningSidecar['flags'],
    ready,
    closed,
    components: only('components()'),
    subscriptions: only('subscriptions()'),
    onComponentStatus: only('onComponentStatus()'),
    stop,
    [Symbol.asyncDispose]: stop,
    logs,
    logText: () => logs.join('\n'),
  };
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
