// The benchmarks of `npm run bench`. Each returns figures {name, metric, value, unit, baseline, ratio}.
import Docker from 'dockerode';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon } from '../dist/daemon/daemon.js';
import { engineAvailable } from '../dist/runtime/docker/engine.js';
import { asyncThroughputBenchmarks } from './async-throughput.mjs';
import { eventsBenchmarks } from './events.mjs';
import { goBenchmarks } from './go.mjs';
import { pythonBenchmarks } from './python.mjs';
import { buildpacksBenchmarks } from './buildpacks.mjs';
import { sidecarBenchmarks } from './sidecar.mjs';
import { daprdBenchmarks } from './daprd.mjs';
import { goClientBenchmarks } from './go-client.mjs';
import { benchmark as tuiBenchmark } from './tui.mjs';
import { figure, pct } from './util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = 20;

export const benchmarks = [
  ...sidecarBenchmarks,
  ...daprdBenchmarks,
  ...goClientBenchmarks,
  ...asyncThroughputBenchmarks,
  ...eventsBenchmarks,
  ...goBenchmarks,
  ...pythonBenchmarks,
  ...buildpacksBenchmarks,
  tuiBenchmark,
  {
    name: 'cold-start-stop',
    description: `scale from zero (stopped container) to first byte through the gateway, ${ROUNDS} rounds; baseline: docker start of the same container + first request direct`,
    run: () => coldStart('stop'),
  },
  {
    name: 'cold-start-pause',
    description: `wake from zero (paused container) to first byte through the gateway, ${ROUNDS} rounds; baseline: docker unpause + first request direct`,
    run: () => coldStart('pause'),
  },
  {
    name: 'hot-reload-process',
    description: `edit to first response with the new code, ${ROUNDS} edits, process runtime; baseline: a bare restart of the framework process + first response`,
    run: () => hotReload('process'),
  },
  {
    name: 'hot-reload-docker',
    description: `edit to first response with the new code, ${ROUNDS} edits, docker runtime; baseline: docker restart of the same container + first response`,
    run: () => hotReload('docker'),
  },
  {
    name: 'warm-overhead',
    description: 'warm requests through the gateway vs directly to the container, keep-alive, concurrency 16',
    run: warmOverhead,
  },
];

async function withProject(zeroMode, fn, runtime = 'docker', watch = false) {
  if (runtime === 'docker' && !(await engineAvailable())) throw new Error('no Docker engine');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-bench-'));
  await cp(path.join(root, 'fixtures', 'hello-node'), dir, { recursive: true });
  const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 3_600_000, readyTimeoutMs: 60_000, runtime, zeroMode, watch });
  try {
    return await fn(daemon, dir);
  } finally {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function coldStart(zeroMode) {
  return withProject(zeroMode, async (daemon) => {
    const docker = new Docker();
    const pool = daemon.pool('default', 'hello-node');
    const url = `http://127.0.0.1:${daemon.gatewayPort}/default/hello-node`;
    await get(url);
    const gateway = [];
    for (let i = 0; i < ROUNDS; i++) {
      await pool.scaleToZero('bench');
      const t0 = performance.now();
      await get(url);
      gateway.push(performance.now() - t0);
    }
    // The floor: the same container, driven by hand.
    const { instance } = pool.instances[0];
    const container = docker.getContainer(instance.id);
    const floor = [];
    for (let i = 0; i < ROUNDS; i++) {
      if (zeroMode === 'pause') await container.pause();
      else await container.stop({ t: 2 });
      const t0 = performance.now();
      if (zeroMode === 'pause') await container.unpause();
      else await container.start();
      const info = await container.inspect();
      const ip = Object.values(info.NetworkSettings.Networks)[0].IPAddress;
      await untilAnswers(`http://${ip}:8080/`);
      floor.push(performance.now() - t0);
    }
    const name = `cold start from ${zeroMode === 'pause' ? 'paused' : 'stopped'}`;
    return [
      figure(name, 'p50', pct(gateway, 50), pct(floor, 50), 'ms'),
      figure(name, 'p90', pct(gateway, 90), pct(floor, 90), 'ms'),
    ];
  });
}

async function warmOverhead() {
  return withProject('stop', async (daemon) => {
    const pool = daemon.pool('default', 'hello-node');
    const viaGateway = `http://127.0.0.1:${daemon.gatewayPort}/default/hello-node`;
    await get(viaGateway);
    const { address } = pool.instances[0].instance;
    const direct = `http://${address.host}:${address.port}/default/hello-node`;
    const opts = { concurrency: 16, requests: 20_000 };
    await load(direct, { concurrency: 16, requests: 2000 }); // warm both paths
    await load(viaGateway, { concurrency: 16, requests: 2000 });
    const d = await load(direct, opts);
    const g = await load(viaGateway, opts);
    // Single-request latency without queueing, to see the gateway's own cost per hop.
    const d1 = await load(direct, { concurrency: 1, requests: 3000 });
    const g1 = await load(viaGateway, { concurrency: 1, requests: 3000 });
    return [
      figure('warm c=16', 'requests/s', g.rps, d.rps, 'req/s'),
      figure('warm c=16', 'p50', g.p50, d.p50, 'ms'),
      figure('warm c=16', 'p99', g.p99, d.p99, 'ms'),
      figure('warm c=1', 'p50', g1.p50, d1.p50, 'ms'),
      figure('warm c=1', 'p99', g1.p99, d1.p99, 'ms'),
      { name: 'gateway overhead c=1', metric: 'p50 added', value: g1.p50 - d1.p50, unit: 'ms' },
    ];
  });
}

async function hotReload(runtime) {
  return withProject(
    'stop',
    async (daemon, dir) => {
      const url = `http://127.0.0.1:${daemon.gatewayPort}/default/hello-node`;
      await get(url);
      const edits = [];
      for (let i = 0; i < ROUNDS; i++) {
        const word = `edit${i}`;
        const t0 = performance.now();
        await writeFile(path.join(dir, 'index.js'), `exports.helloWorld = (req, res) => res.send('${word}');\n`);
        while ((await text(url)) !== word) await new Promise((r) => setTimeout(r, 5));
        edits.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 200)); // let the old worker go before the next edit
      }
      const floor = [];
      const { instance } = daemon.pool('default', 'hello-node').instances[0];
      for (let i = 0; i < ROUNDS; i++) floor.push(runtime === 'docker' ? await dockerRestart(instance.id) : await processRestart(instance.spec.appDir));
      const name = `edit to serving (${runtime})`;
      return [figure(name, 'p50', pct(edits, 50), pct(floor, 50), 'ms'), figure(name, 'p90', pct(edits, 90), pct(floor, 90), 'ms')];
    },
    runtime,
    true,
  );
}

/**
 * Floor for Docker: a copy of the instance's container (same image, command, env and mounts) that the
 * daemon does not manage, restarted and waited for. Restarting the daemon's own container would fight
 * its liveness loop, which replaces a container that stops under it.
 */
async function dockerRestart(id) {
  const docker = new Docker();
  const info = await docker.getContainer(id).inspect();
  const copy = await docker.createContainer({
    Image: info.Config.Image,
    Cmd: info.Config.Cmd,
    Env: info.Config.Env,
    User: info.Config.User,
    WorkingDir: info.Config.WorkingDir,
    HostConfig: { Binds: info.HostConfig.Binds, NetworkMode: info.HostConfig.NetworkMode },
  });
  try {
    await copy.start();
    const ip = Object.values((await copy.inspect()).NetworkSettings.Networks)[0].IPAddress;
    await untilAnswers(`http://${ip}:8080/`);
    const t0 = performance.now();
    await copy.restart({ t: 0 });
    const ipAfter = Object.values((await copy.inspect()).NetworkSettings.Networks)[0].IPAddress;
    await untilAnswers(`http://${ipAfter}:8080/`);
    return performance.now() - t0;
  } finally {
    await copy.remove({ force: true }).catch(() => undefined);
  }
}

/** Floor for processes: a fresh framework process on the same app, to its first answer. */
async function processRestart(appDir) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'dist', 'framework', 'ofn-framework.cjs')], { cwd: appDir, env: { ...process.env, PORT: String(port), FUNCTION_TARGET: 'helloWorld' }, stdio: 'ignore' });
  await untilAnswers(`http://127.0.0.1:${port}/`);
  const ms = performance.now() - t0;
  child.kill();
  return ms;
}

function text(url) {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', () => resolve(''));
  });
}



const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function get(url, a = undefined) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: a ?? false }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode} from ${url}`))));
    });
    req.on('error', reject);
  });
}

async function untilAnswers(url) {
  for (;;) {
    try {
      await get(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

/** Load from a process of its own (bench/load-generator.mjs), for the gateway and its baseline alike. */
async function load(url, { concurrency, requests }) {
  const child = spawn(process.execPath, [path.join(root, 'bench', 'load-generator.mjs'), url, String(concurrency), String(requests)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the load generator failed (exit ${code}) on ${url}`);
  return JSON.parse(out);
}
