// Differential sidecar benchmark: ofn-local's sidecar and the real daprd (docker/daprd/build-daprd.sh),
// one after the other in the same run, with the same flags and Component files: what each adds to an
// output binding call and a publish over HTTP and gRPC (beyond the same Redis SET done directly),
// events per second delivered into an app (an async function's side), start-up time to ready, and the
// sidecar's memory after it all. Each daprd figure is printed beside ours as its baseline.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { InvokeBindingRequestSchema, InvokeBindingResponseSchema, PublishEventRequestSchema } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb.js';
import { builtDaprdPath, DEFAULT_DAPRD_VERSION, installedDaprd } from '../dist/daemon/dapr-mode.js';
import { grpcCaller, postJson, timeCalls } from './dapr-clients.mjs';
import { figure, freePort, waitForPort } from './util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = 2000;
const EVENTS = 5000;
/** Publishes in flight while measuring deliveries. */
const IN_FLIGHT = 32;

export const daprdBenchmarks = [
  {
    name: 'sidecar-vs-daprd',
    description: `ofn-local's sidecar (baseline) beside daprd ${DEFAULT_DAPRD_VERSION} built from source: start-up to ready, ${CALLS} sequential binding calls and publishes over HTTP and gRPC, ${EVENTS} events delivered into an app, RSS after`,
    run: sidecarVsDaprd,
  },
];

function daprdBinary() {
  if (process.env.DAPRD && existsSync(process.env.DAPRD)) return process.env.DAPRD;
  const built = builtDaprdPath(DEFAULT_DAPRD_VERSION);
  return existsSync(built) ? built : installedDaprd();
}

async function sidecarVsDaprd() {
  const daprd = daprdBinary();
  if (!daprd) throw new Error('no daprd: run bash docker/daprd/build-daprd.sh (or set DAPRD)');
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  redis.once('error', () => undefined);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-bench-daprd-'));
  try {
    await waitForPort(redisPort);
    await writeFile(
      path.join(dir, 'c.yaml'),
      [
        `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: cache }\nspec:\n  type: bindings.redis\n  version: v1\n  metadata:\n    - { name: redisHost, value: "127.0.0.1:${redisPort}" }\n`,
        'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: bus }\nspec: { type: pubsub.in-memory, version: v1, metadata: [] }\n',
      ].join('---\n'),
    );
    const direct = await directRedis(redisPort);
    const ours = await measure('ours', [process.execPath, '--max-old-space-size=128', '--max-semi-space-size=2', path.join(root, 'dist', 'sidecar', 'ofn-sidecar.cjs')], dir);
    const real = await measure('daprd', [daprd, '--enable-metrics=false'], dir);
    const row = (name, metric, key, unit) => figure(`${name} (daprd; baseline ours)`, metric, real[key], ours[key], unit);
    return [
      row('start-up to ready', 'ms', 'startMs', 'ms'),
      row('output binding added, HTTP', 'p50', 'httpBindingP50', 'ms'),
      row('output binding added, HTTP', 'p99', 'httpBindingP99', 'ms'),
      row('output binding added, gRPC', 'p50', 'grpcBindingP50', 'ms'),
      row('output binding added, gRPC', 'p99', 'grpcBindingP99', 'ms'),
      row('publish, HTTP', 'p50', 'httpPublishP50', 'ms'),
      row('publish, HTTP', 'p99', 'httpPublishP99', 'ms'),
      row('publish, gRPC', 'p50', 'grpcPublishP50', 'ms'),
      row('publish, gRPC', 'p99', 'grpcPublishP99', 'ms'),
      row('events into an app', 'events/s', 'eventsPerSec', '/s'),
      row('sidecar memory after the runs', 'RSS', 'rssMb', 'MB'),
    ]
      // "Added": beyond the same Redis SET done directly.
      .map((f) => (f.name.includes('added') ? figure(f.name, f.metric, f.value - direct[f.metric], f.baseline - direct[f.metric], f.unit) : f))
      .concat([
        { name: 'redis SET directly (subtracted from the binding figures)', metric: 'p50', value: direct.p50, unit: 'ms' },
        { name: 'redis SET directly (subtracted from the binding figures)', metric: 'p99', value: direct.p99, unit: 'ms' },
      ]);
  } finally {
    redis.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

async function directRedis(port) {
  const client = new Redis({ port, lazyConnect: true });
  await client.connect();
  try {
    return await timeCalls(() => client.set('k', 'v'), CALLS);
  } finally {
    client.disconnect();
  }
}

/** One sidecar, started with daprd's flags beside a recording app: every figure of it. */
async function measure(label, command, dir) {
  const [httpPort, grpcPort, appPort] = [await freePort(), await freePort(), await freePort()];
  let delivered = 0;
  const app = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/dapr/subscribe') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ pubsubname: 'bus', topic: 'events', route: '/events' }]));
      if (req.url === '/events') delivered++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => app.listen(appPort, '127.0.0.1', r));
  const [program, ...pre] = command;
  const started = performance.now();
  const child = spawn(program, [...pre, '--app-id', `bench-${label}`, '--app-port', String(appPort), '--dapr-http-port', String(httpPort), '--dapr-grpc-port', String(grpcPort), '--dapr-listen-addresses', '127.0.0.1', '--resources-path', dir, '--log-level', 'warn'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const rpc = grpcCaller(grpcPort);
  try {
    // Ready as the kubelet's readiness probe sees it: /v1.0/healthz answers 204.
    for (;;) {
      const status = await new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: httpPort, path: '/v1.0/healthz' }, (res) => (res.resume(), resolve(res.statusCode)));
        req.on('error', () => resolve(0));
      });
      if (status === 204) break;
      if (child.exitCode !== null) throw new Error(`${label} exited during start-up`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const startMs = performance.now() - started;
    const post = (p, body) => postJson(httpPort, p, body, agent);
    await post('/v1.0/bindings/cache', { operation: 'create', data: 'warm', metadata: { key: 'k' } });
    const httpBinding = await timeCalls(() => post('/v1.0/bindings/cache', { operation: 'create', data: 'v', metadata: { key: 'k' } }), CALLS);
    const bindingRequest = create(InvokeBindingRequestSchema, { name: 'cache', operation: 'create', data: Buffer.from('"v"'), metadata: { key: 'k' } });
    await rpc('InvokeBinding', InvokeBindingRequestSchema, InvokeBindingResponseSchema, bindingRequest);
    const grpcBinding = await timeCalls(() => rpc('InvokeBinding', InvokeBindingRequestSchema, InvokeBindingResponseSchema, bindingRequest), CALLS);
    // Publishes to a topic nobody subscribes to: the publish path alone.
    const httpPublish = await timeCalls(() => post('/v1.0/publish/bus/quiet', { n: 1 }), CALLS);
    const quiet = create(PublishEventRequestSchema, { pubsubName: 'bus', topic: 'quiet', data: Buffer.from('{"n":1}'), dataContentType: 'application/json' });
    const grpcPublish = await timeCalls(() => rpc('PublishEvent', PublishEventRequestSchema, EmptySchema, quiet), CALLS);
    // Events into the app: EVENTS publishes over gRPC, IN_FLIGHT at a time, until all are delivered.
    const event = create(PublishEventRequestSchema, { pubsubName: 'bus', topic: 'events', data: Buffer.from('{"n":1}'), dataContentType: 'application/json' });
    const t0 = performance.now();
    let sent = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (sent < EVENTS) {
        sent++;
        await rpc('PublishEvent', PublishEventRequestSchema, EmptySchema, event);
      }
    }));
    while (delivered < EVENTS) {
      if (performance.now() - t0 > 120_000) throw new Error(`${label}: only ${delivered} of ${EVENTS} events delivered in 120 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const eventsPerSec = EVENTS / ((performance.now() - t0) / 1000);
    const rssMb = Number(readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
    return {
      startMs,
      httpBindingP50: httpBinding.p50,
      httpBindingP99: httpBinding.p99,
      grpcBindingP50: grpcBinding.p50,
      grpcBindingP99: grpcBinding.p99,
      httpPublishP50: httpPublish.p50,
      httpPublishP99: httpPublish.p99,
      grpcPublishP50: grpcPublish.p50,
      grpcPublishP99: grpcPublish.p99,
      eventsPerSec,
      rssMb,
    };
  } finally {
    rpc.close();
    agent.destroy();
    if (child.exitCode === null) {
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(kill);
    }
    app.closeAllConnections();
    await new Promise((r) => app.close(r));
  }
}



