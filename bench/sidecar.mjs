// Sidecar benchmarks: what ofn-local's Dapr sidecar adds to an output binding call and a publish, beside
// the same work done directly in the same run, and the sidecar process's memory.
import { spawn } from 'node:child_process';
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
import { grpcCaller, postJson, timeCalls } from './dapr-clients.mjs';
import { figure, freePort, waitForPort } from './util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = 3000;

export const sidecarBenchmarks = [
  {
    name: 'sidecar-latency',
    description: `${CALLS} sequential calls on one connection: Redis SET through bindings.redis over HTTP and over gRPC vs ioredis directly; publish to pubsub.in-memory over gRPC vs HTTP`,
    run: sidecarLatency,
  },
];

async function sidecarLatency() {
  const redisPort = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-bench-sidecar-'));
  const redis = spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  redis.once('error', () => undefined);
  let sidecar;
  try {
    await waitForPort(redisPort);
    await writeFile(
      path.join(dir, 'c.yaml'),
      [
        'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: cache }\nspec:\n  type: bindings.redis\n  version: v1\n  metadata:\n    - { name: redisHost, value: "127.0.0.1:' + redisPort + '" }\n',
        'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: bus }\nspec: { type: pubsub.in-memory, version: v1, metadata: [] }\n',
      ].join('---\n'),
    );
    const daprPort = await freePort();
    const grpcPort = await freePort();
    sidecar = spawn(process.execPath, ['--max-old-space-size=128', '--max-semi-space-size=2', path.join(root, 'dist', 'sidecar', 'ofn-sidecar.cjs'), '--app-id', 'bench', '--dapr-http-port', String(daprPort), '--dapr-grpc-port', String(grpcPort), '--resources-path', dir], { stdio: 'ignore' });
    await waitForPort(daprPort);
    await waitForPort(grpcPort);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (p, body) => postJson(daprPort, p, body, agent);
    await post('/v1.0/bindings/cache', { operation: 'create', data: 'warm', metadata: { key: 'k' } }); // the component may still be connecting
    const viaBinding = await timeCalls(() => post('/v1.0/bindings/cache', { operation: 'create', data: 'v', metadata: { key: 'k' } }), CALLS);
    const client = new Redis({ port: redisPort, lazyConnect: true });
    await client.connect();
    const direct = await timeCalls(() => client.set('k', 'v'), CALLS);
    client.disconnect();
    const publish = await timeCalls(() => post('/v1.0/publish/bus/t', { n: 1 }), CALLS);
    // The same calls over the gRPC API, one HTTP/2 connection, as the Go framework makes them.
    const rpc = grpcCaller(grpcPort);
    const bindingRequest = create(InvokeBindingRequestSchema, { name: 'cache', operation: 'create', data: Buffer.from('"v"'), metadata: { key: 'k' } });
    const publishRequest = create(PublishEventRequestSchema, { pubsubName: 'bus', topic: 't', data: Buffer.from('{"n":1}'), dataContentType: 'application/json' });
    await rpc('InvokeBinding', InvokeBindingRequestSchema, InvokeBindingResponseSchema, bindingRequest);
    const grpcBinding = await timeCalls(() => rpc('InvokeBinding', InvokeBindingRequestSchema, InvokeBindingResponseSchema, bindingRequest), CALLS);
    const grpcPublish = await timeCalls(() => rpc('PublishEvent', PublishEventRequestSchema, EmptySchema, publishRequest), CALLS);
    rpc.close();
    // The transports alone, same clients, no sidecar: an echo over grpc-js and over node:http. What a
    // path adds beyond its own transport is its figure minus its echo.
    const echo = await transportEchoes();
    const rssKb = Number((await import('node:fs')).readFileSync(`/proc/${sidecar.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
    agent.destroy();
    return [
      figure('output binding (redis SET)', 'p50', viaBinding.p50, direct.p50, 'ms'),
      figure('output binding (redis SET)', 'p99', viaBinding.p99, direct.p99, 'ms'),
      { name: 'output binding added', metric: 'p50 added', value: viaBinding.p50 - direct.p50, unit: 'ms' },
      figure('output binding over gRPC (baseline: HTTP)', 'p50', grpcBinding.p50, viaBinding.p50, 'ms'),
      figure('output binding over gRPC (baseline: HTTP)', 'p99', grpcBinding.p99, viaBinding.p99, 'ms'),
      { name: 'output binding over gRPC added', metric: 'p50 added', value: grpcBinding.p50 - direct.p50, unit: 'ms' },
      { name: 'publish (in-memory)', metric: 'p50', value: publish.p50, unit: 'ms' },
      { name: 'publish (in-memory)', metric: 'p99', value: publish.p99, unit: 'ms' },
      figure('publish over gRPC (baseline: HTTP)', 'p50', grpcPublish.p50, publish.p50, 'ms'),
      figure('publish over gRPC (baseline: HTTP)', 'p99', grpcPublish.p99, publish.p99, 'ms'),
      figure('transport echo, no sidecar: grpc-js (baseline: node:http)', 'p50', echo.grpc.p50, echo.http.p50, 'ms'),
      { name: 'output binding over gRPC beyond its transport', metric: 'p50', value: grpcBinding.p50 - echo.grpc.p50, unit: 'ms' },
      { name: 'output binding over HTTP beyond its transport', metric: 'p50', value: viaBinding.p50 - echo.http.p50, unit: 'ms' },
      { name: 'sidecar memory after the runs', metric: 'RSS', value: rssKb / 1024, unit: 'MB' },
    ];
  } finally {
    sidecar?.kill();
    redis.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One-byte-payload echo round trips over a grpc-js server and a node:http server in this process. */
async function transportEchoes() {
  const same = (b) => b;
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 }) // the sidecar's server options (src/sidecar/grpc/server.ts), so the floor stays its baseline;
  server.addService({ Echo: { path: '/bench.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same } }, { Echo: (call, cb) => cb(null, call.request) });
  const grpcPort = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  const httpServer = http.createServer((req, res) => req.resume().on('end', () => res.end('x')));
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const grpcEcho = () => new Promise((resolve, reject) => client.makeUnaryRequest('/bench.Echo/Echo', same, same, Buffer.from('x'), (err) => (err ? reject(err) : resolve())));
    await grpcEcho();
    const grpcFigures = await timeCalls(grpcEcho, CALLS);
    const httpFigures = await timeCalls(() => postJson(httpServer.address().port, '/', 'x', agent), CALLS);
    return { grpc: grpcFigures, http: httpFigures };
  } finally {
    client.close();
    agent.destroy();
    server.forceShutdown();
    await new Promise((r) => httpServer.close(r));
  }
}






