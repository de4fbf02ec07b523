// Go functions: edit to serving beside `go build` + a restart of the same binary by hand, cold
// start from zero beside a Node function's, and the first build with an empty module cache beside a
// rebuild with a warm one (report only). The baselines run after the daemon stopped, so nothing
// here fights the daemon for its instances.
import http from 'node:http';
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Daemon } from '../dist/daemon/daemon.js';
import { engineAvailable } from '../dist/runtime/docker/engine.js';
import { figure, freePort, pct } from './util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = 20;
const run = promisify(execFile);

export const goBenchmarks = [
  {
    name: 'go-hot-reload',
    description: `Go function, edit to first response with the new code, ${ROUNDS} edits, process runtime; baseline: go build of the same main module + a restart of the binary + first response`,
    run: goHotReload,
  },
  {
    name: 'go-cold-start',
    description: `scale from zero (stopped container) to first byte through the gateway, ${ROUNDS} rounds: a Go function beside a Node one`,
    run: goColdStart,
  },
  {
    name: 'go-first-build',
    description: 'first build of the Go fixture with an empty module and build cache, beside a rebuild of a one-line change with them warm (report only)',
    run: goFirstBuild,
  },
];

async function withCopy(fixture, fn) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-bench-go-'));
  await cp(path.join(root, 'fixtures', fixture), dir, { recursive: true });
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const source = (word) => `package gohello

import (
	"fmt"
	"net/http"

	"github.com/OpenFunction/functions-framework-go/functions"
)

func init() {
	functions.HTTP("Hello", Hello, functions.WithFunctionPath("/"))
}

func Hello(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, "${word}")
}
`;

async function goHotReload() {
  return withCopy('go-hello', async (dir) => {
    const file = path.join(dir, 'src', 'hello.go');
    await writeFile(file, source('start'));
    const edits = [];
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 3_600_000, readyTimeoutMs: 120_000, runtime: 'process', zeroMode: 'stop', watch: true });
    try {
      const url = `http://127.0.0.1:${daemon.gatewayPort}/`;
      const host = 'go-hello.default.ofn.localhost';
      while ((await text(url, host)) !== 'start') await sleep(20);
      for (let i = 0; i < ROUNDS; i++) {
        const word = `edit${i}`;
        const t0 = performance.now();
        await writeFile(file, source(word));
        while ((await text(url, host)) !== word) await sleep(5);
        edits.push(performance.now() - t0);
        await sleep(300); // the previous instance retires before the next edit
      }
    } finally {
      await daemon.stop();
    }
    // By hand: the same main module and caches, go build, then the binary started fresh.
    const mainDir = path.join(dir, '.ofn-local', 'go', 'default-go-hello');
    const floor = [];
    for (let i = 0; i < ROUNDS; i++) {
      await writeFile(file, source(`floor${i}`));
      const port = await freePort();
      const binary = path.join(os.tmpdir(), `ofn-local-bench-go-${process.pid}`);
      const t0 = performance.now();
      await run('go', ['build', '-mod=mod', '-o', binary, '.'], { cwd: mainDir, env: { ...process.env, CGO_ENABLED: '0' } });
      const child = spawn(binary, [], { env: { ...process.env, FUNC_CONTEXT: JSON.stringify({ name: 'go-hello', version: 'v1.0.0', runtime: 'Knative', port: String(port) }), CONTEXT_MODE: 'self-host' }, stdio: 'ignore' });
      try {
        while ((await text(`http://127.0.0.1:${port}/`)) !== `floor${i}`) await sleep(5);
        floor.push(performance.now() - t0);
      } finally {
        child.kill('SIGKILL');
        await rm(binary, { force: true });
      }
    }
    const name = 'Go edit to serving (process)';
    return [figure(name, 'p50', pct(edits, 50), pct(floor, 50), 'ms'), figure(name, 'p90', pct(edits, 90), pct(floor, 90), 'ms')];
  });
}

async function goColdStart() {
  if (!(await engineAvailable())) throw new Error('no Docker engine');
  const rounds = async (fixture, name, host) =>
    withCopy(fixture, async (dir) => {
      const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 3_600_000, readyTimeoutMs: 120_000, runtime: 'docker', zeroMode: 'stop' });
      try {
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
  const go = await rounds('go-hello', 'go-hello', 'go-hello.default.ofn.localhost');
  const node = await rounds('hello-node', 'hello-node', 'hello-node.default.ofn.localhost');
  return [figure('cold start Go vs Node (docker, stopped)', 'p50', pct(go, 50), pct(node, 50), 'ms'), figure('cold start Go vs Node (docker, stopped)', 'p90', pct(go, 90), pct(node, 90), 'ms')];
}

async function goFirstBuild() {
  const caches = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-bench-gocache-'));
  const saved = { GOMODCACHE: process.env.GOMODCACHE, GOCACHE: process.env.GOCACHE };
  process.env.GOMODCACHE = path.join(caches, 'mod');
  process.env.GOCACHE = path.join(caches, 'build');
  try {
    return await withCopy('go-hello', async (dir) => {
      const time = async () => {
        const t0 = performance.now();
        const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 3_600_000, readyTimeoutMs: 120_000, runtime: 'process', zeroMode: 'stop' });
        const failures = daemon.failures();
        await daemon.stop();
        if (failures.length) throw new Error(failures.join('; '));
        return performance.now() - t0;
      };
      const cold = await time();
      const file = path.join(dir, 'src', 'hello.go');
      await writeFile(file, (await readFile(file, 'utf8')).replace('hello from Go', 'hello from Go, again'));
      const warm = await time();
      return [{ name: 'Go first build (empty caches)', metric: 'start to ready', value: cold, unit: 'ms' }, { name: 'Go rebuild, one-line change (warm caches)', metric: 'start to ready', value: warm, unit: 'ms' }];
    });
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    // The module cache is read-only without -modcacherw; the builder sets it, so this removes cleanly.
    await rm(caches, { recursive: true, force: true });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function text(url, host) {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false, headers: host ? { host } : {} }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', () => resolve(''));
  });
}
