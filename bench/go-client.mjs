// What the sidecar adds to a Go function's output binding call, measured from a Go program (the
// client Go functions use: dapr/go-sdk over gRPC) and over HTTP from the same program with net/http,
// each beside a Redis SET sent straight from that program. The grpc-js figures of sidecar.mjs carry
// the Node client's own HTTP/2 cost; this is the comparison the Go framework sees. With daprd
// available, the same program measures it too, as a reference.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { builtDaprdPath, DEFAULT_DAPRD_VERSION, installedDaprd } from '../dist/daemon/dapr-mode.js';
import { figure, freePort, waitForPort } from './util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = 3000;

export const goClientBenchmarks = [
  {
    name: 'sidecar-latency-go',
    description: `${CALLS} sequential Redis SETs through bindings.redis from a Go program: dapr/go-sdk over gRPC, net/http over HTTP, and RESP straight to Redis (the baseline each "added" subtracts); ofn-local's sidecar, and daprd ${DEFAULT_DAPRD_VERSION} when built`,
    run: goClientLatency,
  },
];

function goBinary() {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/go/bin'];
  return dirs.map((d) => path.join(d, 'go')).find((g) => existsSync(g));
}

function daprdBinary() {
  if (process.env.DAPRD && existsSync(process.env.DAPRD)) return process.env.DAPRD;
  const built = builtDaprdPath(DEFAULT_DAPRD_VERSION);
  return existsSync(built) ? built : installedDaprd();
}

async function goClientLatency() {
  const go = goBinary();
  if (!go) throw new Error('this benchmark needs Go (on PATH or in /usr/local/go/bin) to build its client');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-bench-go-client-'));
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  redis.once('error', () => undefined);
  try {
    // The client is built in a copy, so the repository's go.sum stays as committed.
    await cp(path.join(root, 'bench', 'go-latency'), path.join(dir, 'client'), { recursive: true });
    const built = spawnSync(go, ['build', '-o', path.join(dir, 'go-latency'), '.'], { cwd: path.join(dir, 'client'), env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' }, encoding: 'utf8', timeout: 300_000 });
    if (built.status !== 0) throw new Error(`building the Go client failed: ${built.stderr || built.error?.message}`);
    await waitForPort(redisPort);
    const components = path.join(dir, 'components');
    await mkdir(components);
    await writeFile(path.join(components, 'cache.yaml'), `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: cache }\nspec:\n  type: bindings.redis\n  version: v1\n  metadata:\n    - { name: redisHost, value: "127.0.0.1:${redisPort}" }\n`);
    const client = path.join(dir, 'go-latency');
    const ours = await measure(client, [process.execPath, '--max-old-space-size=128', '--max-semi-space-size=2', path.join(root, 'dist', 'sidecar', 'ofn-sidecar.cjs')], components, redisPort);
    const daprd = daprdBinary();
    const real = daprd ? await measure(client, [daprd, '--enable-metrics=false'], components, redisPort) : undefined;
    const floor = await transportFloors(client, redisPort);
    const added = (m, via, q) => m[via][q] - m.direct[q];
    const rows = [];
    for (const q of ['p50', 'p99']) {
      rows.push(figure('Go client, ours: binding added over gRPC (baseline: over HTTP)', q, added(ours, 'grpc', q), added(ours, 'http', q), 'ms'));
    }
    if (real) {
      for (const q of ['p50', 'p99']) rows.push(figure('Go client, daprd: binding added over gRPC (baseline: over HTTP)', q, added(real, 'grpc', q), added(real, 'http', q), 'ms'));
      rows.push(figure('Go client: gRPC added, ours (baseline: daprd)', 'p50', added(ours, 'grpc', 'p50'), added(real, 'grpc', 'p50'), 'ms'));
      rows.push(figure('Go client: HTTP added, ours (baseline: daprd)', 'p50', added(ours, 'http', 'p50'), added(real, 'http', 'p50'), 'ms'));
    }
    // The transports alone, same Go client: a grpc-js server and a node:http server answering at once.
    rows.push(figure('Go client, transport floor: grpc-js server (baseline: node:http server)', 'p50', floor.grpc.p50, floor.http.p50, 'ms'));
    rows.push(figure('Go client, ours beyond its transport: gRPC (baseline: HTTP)', 'p50', ours.grpc.p50 - floor.grpc.p50, ours.http.p50 - floor.http.p50, 'ms'));
    rows.push({ name: 'Redis SET straight from Go (subtracted)', metric: 'p50', value: ours.direct.p50, unit: 'ms' });
    return rows;
  } finally {
    redis.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The Go client against servers that answer at once: InvokeBinding on a grpc-js server (an empty
 * response) and the binding path on a node:http server. What each transport costs with no sidecar.
 */
async function transportFloors(client, redisPort) {
  const same = (b) => b;
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 }) // the sidecar's server options (src/sidecar/grpc/server.ts), so the floor stays its baseline;
  const method = { path: '/dapr.proto.runtime.v1.Dapr/InvokeBinding', requestStream: false, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same };
  server.addService({ InvokeBinding: method }, { InvokeBinding: (_call, cb) => cb(null, Buffer.alloc(0)) });
  const grpcPort = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const web = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
  await new Promise((r) => web.listen(0, '127.0.0.1', r));
  try {
    // Spawned without waiting synchronously: these servers live in this process's event loop.
    const out = await new Promise((resolve, reject) => {
      const child = spawn(client, ['-grpc', String(grpcPort), '-http', String(web.address().port), '-redis', String(redisPort), '-calls', String(CALLS)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`the Go client failed against the bare servers: ${stderr}`))));
    });
    return JSON.parse(out.trim().split('\n').pop());
  } finally {
    server.forceShutdown();
    await new Promise((r) => web.close(r));
  }
}

/** One sidecar with daprd's flags and no app, measured by the Go client; then stopped. */
async function measure(client, command, components, redisPort) {
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const [program, ...pre] = command;
  const sidecar = spawn(program, [...pre, '--app-id', 'bench', '--dapr-http-port', String(httpPort), '--dapr-grpc-port', String(grpcPort), '--dapr-listen-addresses', '127.0.0.1', '--resources-path', components, '--log-level', 'warn'], { stdio: 'ignore' });
  sidecar.once('error', () => undefined);
  try {
    await waitForPort(httpPort);
    await waitForPort(grpcPort);
    const run = spawnSync(client, ['-grpc', String(grpcPort), '-http', String(httpPort), '-redis', String(redisPort), '-calls', String(CALLS)], { encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`the Go client failed: ${run.stderr || run.error?.message}`);
    return JSON.parse(run.stdout.trim().split('\n').pop());
  } finally {
    sidecar.kill();
    await new Promise((r) => (sidecar.exitCode !== null ? r() : sidecar.once('exit', r)));
  }
}
