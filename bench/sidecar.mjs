// Sidecar benchmarks: what ofn-local's Dapr sidecar adds to an output binding call and a publish, beside
// the same work done directly in the same run, and the sidecar process's memory.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { figure, freePort, waitForPort } from './util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = 3000;

export const sidecarBenchmarks = [
  {
    name: 'sidecar-latency',
    description: `${CALLS} sequential calls on one keep-alive connection: Redis SET through bindings.redis vs ioredis directly; publish to pubsub.in-memory`,
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
    sidecar = spawn(process.execPath, ['--max-old-space-size=128', '--max-semi-space-size=2', path.join(root, 'dist', 'sidecar', 'ofn-sidecar.cjs'), '--app-id', 'bench', '--dapr-http-port', String(daprPort), '--resources-path', dir], { stdio: 'ignore' });
    await waitForPort(daprPort);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (p, body) => request(daprPort, p, body, agent);
    await post('/v1.0/bindings/cache', { operation: 'create', data: 'warm', metadata: { key: 'k' } }); // the component may still be connecting
    const viaBinding = await timeCalls(() => post('/v1.0/bindings/cache', { operation: 'create', data: 'v', metadata: { key: 'k' } }));
    const client = new Redis({ port: redisPort, lazyConnect: true });
    await client.connect();
    const direct = await timeCalls(() => client.set('k', 'v'));
    client.disconnect();
    const publish = await timeCalls(() => post('/v1.0/publish/bus/t', { n: 1 }));
    const rssKb = Number((await import('node:fs')).readFileSync(`/proc/${sidecar.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
    agent.destroy();
    return [
      figure('output binding (redis SET)', 'p50', viaBinding.p50, direct.p50, 'ms'),
      figure('output binding (redis SET)', 'p99', viaBinding.p99, direct.p99, 'ms'),
      { name: 'output binding added', metric: 'p50 added', value: viaBinding.p50 - direct.p50, unit: 'ms' },
      { name: 'publish (in-memory)', metric: 'p50', value: publish.p50, unit: 'ms' },
      { name: 'publish (in-memory)', metric: 'p99', value: publish.p99, unit: 'ms' },
      { name: 'sidecar memory after the runs', metric: 'RSS', value: rssKb / 1024, unit: 'MB' },
    ];
  } finally {
    sidecar?.kill();
    redis.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

async function timeCalls(fn) {
  const lat = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await fn();
    lat.push(performance.now() - t0);
  }
  lat.sort((a, b) => a - b);
  return { p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.floor(lat.length * 0.99)] };
}

function request(port, p, body, agent) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode} for ${p}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}



