// Python functions: edit to serving (the interpreter restarted in place by ofn-local's launcher)
// beside a bare restart of the same interpreter on the same code, on both runtimes, and cold start
// from zero beside a Node and a Go function's. The baselines run beside the idle instance, after
// the edits.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { Daemon } from '../dist/daemon/daemon.js';
import { engineAvailable } from '../dist/runtime/docker/engine.js';
import { figure, freePort, pct } from './util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = 20;

export const pythonBenchmarks = [
  {
    name: 'python-hot-reload-process',
    description: `Python function (functions-framework 3.8), edit to first response with the new code, ${ROUNDS} edits, process runtime; baseline: a bare start of the same interpreter and framework on the same code + first response`,
    run: () => pythonHotReload('process'),
  },
  {
    name: 'python-hot-reload-docker',
    description: `Python function, edit to first response with the new code, ${ROUNDS} edits, docker runtime; baseline: the same interpreter and framework started by hand in the same container (docker exec) + first response`,
    run: () => pythonHotReload('docker'),
  },
  {
    name: 'python-cold-start',
    description: `scale from zero (stopped container) to first byte through the gateway, ${ROUNDS} rounds: a Python function beside a Node one and a Go one`,
    run: pythonColdStart,
  },
];

async function withCopy(fixture, fn) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-bench-py-'));
  await cp(path.join(root, 'fixtures', fixture), dir, { recursive: true });
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const greeting = (word) => `def greet(name):\n    return "${word}"\n`;

async function pythonHotReload(runtime) {
  if (runtime === 'docker' && !(await engineAvailable())) throw new Error('no Docker engine');
  return withCopy('python-hello', async (dir) => {
    const file = path.join(dir, 'src', 'greeting.py');
    await writeFile(file, greeting('start'));
    const edits = [];
    const floor = [];
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 3_600_000, readyTimeoutMs: 120_000, runtime, zeroMode: 'stop', watch: true });
    try {
      const failures = daemon.failures();
      if (failures.length) throw new Error(failures.join('; '));
      const url = `http://127.0.0.1:${daemon.gatewayPort}/default/python-hello`;
      while ((await text(url)) !== 'start') await sleep(20);
      for (let i = 0; i < ROUNDS; i++) {
        const word = `edit${i}`;
        const t0 = performance.now();
        await writeFile(file, greeting(word));
        while ((await text(url)) !== word) await sleep(5);
        edits.push(performance.now() - t0);
        await sleep(300);
      }
      const { instance } = daemon.pool('default', 'python-hello').instances[0];
      const launcher = instance.spec.command;
      // The same interpreter, framework and code, started bare (no launcher supervising it).
      for (let i = 0; i < ROUNDS; i++) floor.push(runtime === 'docker' ? await dockerBareStart(instance.id, launcher, i) : await processBareStart(instance.spec.appDir, launcher));
    } finally {
      await daemon.stop();
    }
    const name = `Python edit to serving (${runtime})`;
    return [figure(name, 'p50', pct(edits, 50), pct(floor, 50), 'ms'), figure(name, 'p90', pct(edits, 90), pct(floor, 90), 'ms')];
  });
}

/** A fresh interpreter running the framework on the instance's app folder, to its first answer. */
async function processBareStart(appDir, command) {
  const port = await freePort();
  const [python, launcher, ...args] = command;
  const t0 = performance.now();
  const child = spawn(python, [launcher, '--serve', ...args], { cwd: appDir, env: { ...process.env, PORT: String(port), OFN_LOCAL_LISTEN_HOST: '127.0.0.1' }, stdio: 'ignore' });
  try {
    while ((await text(`http://127.0.0.1:${port}/`)) === '') await sleep(5);
    return performance.now() - t0;
  } finally {
    child.kill('SIGKILL');
  }
}

/** The same in the instance's container (`docker exec` on another port), to its first answer. */
async function dockerBareStart(id, command, i) {
  const container = new Docker().getContainer(id);
  const port = 9100 + i;
  const ip = Object.values((await container.inspect()).NetworkSettings.Networks)[0].IPAddress;
  const [python, launcher, ...args] = command;
  const line = [python, launcher, '--serve', ...args].map((a) => `'${a}'`).join(' ');
  const t0 = performance.now();
  const exec = await container.exec({ Cmd: ['sh', '-c', `PORT=${port} ${line} & echo $! > /tmp/bench-${port}; wait`], WorkingDir: '/workspace' });
  await exec.start({ Detach: true });
  while ((await text(`http://${ip}:${port}/`)) === '') await sleep(5);
  const ms = performance.now() - t0;
  const kill = await container.exec({ Cmd: ['sh', '-c', `kill -9 $(cat /tmp/bench-${port})`] });
  await kill.start({ Detach: true });
  return ms;
}

async function pythonColdStart() {
  if (!(await engineAvailable())) throw new Error('no Docker engine');
  const rounds = async (fixture, name, host) =>
    withCopy(fixture, async (dir) => {
      const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 3_600_000, readyTimeoutMs: 120_000, runtime: 'docker', zeroMode: 'stop' });
      try {
        const failures = daemon.failures();
        if (failures.length) throw new Error(failures.join('; '));
        const pool = daemon.pool('default', name);
        const url = `http://127.0.0.1:${daemon.gatewayPort}/`;
        await text(url, host);
        const times = [];
        for (let i = 0; i < ROUNDS; i++) {
          await pool.scaleToZero('bench');
          const t0 = performance.now();
          await text(url, host);
          times.push(performance.now() - t0);
        }
        return times;
      } finally {
        await daemon.stop();
      }
    });
  const python = await rounds('python-hello', 'python-hello', 'python-hello.default.ofn.localhost');
  const node = await rounds('hello-node', 'hello-node', 'hello-node.default.ofn.localhost');
  const figures = [figure('cold start Python vs Node (docker, stopped)', 'p50', pct(python, 50), pct(node, 50), 'ms'), figure('cold start Python vs Node (docker, stopped)', 'p90', pct(python, 90), pct(node, 90), 'ms')];
  try {
    const go = await rounds('go-hello', 'go-hello', 'go-hello.default.ofn.localhost');
    figures.push(figure('cold start Python vs Go (docker, stopped)', 'p50', pct(python, 50), pct(go, 50), 'ms'), figure('cold start Python vs Go (docker, stopped)', 'p90', pct(python, 90), pct(go, 90), 'ms'));
  } catch (err) {
    process.stdout.write(`  (no Go figure: ${err instanceof Error ? err.message : String(err)})\n`);
  }
  return figures;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function text(url, host) {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false, headers: host ? { host } : {} }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(res.statusCode === 200 ? body : ''));
      })
      .on('error', () => resolve(''));
  });
}
