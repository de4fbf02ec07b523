// The gateway's own cost, measured in rounds that alternate direct and gateway runs so that load
// from other processes on a shared machine falls on both alike: `node bench/gateway.mjs [rounds]
// [process|docker]` (default 5 rounds, the process runtime: no Docker needed). Each round runs the
// load generator (its own process) at c=16 and c=1 straight to the instance, then through the gateway.
// Prints each round and the median, with the CPU each process spends per request at c=16: the load
// generator's, the gateway's (this process, the daemon's) and, on the process runtime, the function's
// (its processes, read from /proc). On 2 cores these bound c=16: direct needs generator + function,
// through the gateway the gateway's share comes on top. Each round also runs the same load at c=16
// through a bare proxy in this process (node:http server, undici client, pipelining 1, hop-by-hop
// headers dropped; no routing, pool or journal) to the same instance: the gateway's CPU per request
// beyond it ("own") is the gateway's own cost. `npm run bench -- warm-overhead` is the one-shot Docker
// figure. Profile the gateway with `node --cpu-prof --cpu-prof-dir=<dir> bench/gateway.mjs`. A run
// that has not finished after OFN_LOCAL_BENCH_TIMEOUT_MS (15 min) stops with a message.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { Daemon } from '../dist/daemon/daemon.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 5);
const runtime = process.argv[3] ?? 'process';
const C16 = 10_000;
const C1 = 3000;
const TICK_US = 1e6 / 100; // /proc reports CPU in clock ticks (USER_HZ, 100 on Linux)
const TIMEOUT_MS = Number(process.env.OFN_LOCAL_BENCH_TIMEOUT_MS ?? 15 * 60_000);
setTimeout(() => {
  console.error(`bench/gateway.mjs did not finish within ${TIMEOUT_MS / 60_000} min (OFN_LOCAL_BENCH_TIMEOUT_MS)`);
  process.exit(1);
}, TIMEOUT_MS).unref();

const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-bench-gateway-'));
await cp(path.join(root, 'fixtures', 'hello-node'), dir, { recursive: true });
let bare;
let bareUpstream;
const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 3_600_000, readyTimeoutMs: 60_000, runtime, zeroMode: 'stop', watch: false });
try {
  const viaGateway = `http://127.0.0.1:${daemon.gatewayPort}/default/hello-node`;
  await load(viaGateway, 1, 10);
  const { address } = daemon.pool('default', 'hello-node').instances[0].instance;
  const direct = `http://${address.host}:${address.port}/default/hello-node`;
  bare = await bareProxy(address);
  const viaBare = `http://127.0.0.1:${bare.address().port}/default/hello-node`;
  await load(direct, 16, 2000); // warm every path
  await load(viaGateway, 16, 2000);
  await load(viaBare, 16, 2000);
  const rows = [];
  for (let i = 0; i < rounds; i++) {
    const fn0 = functionTicks();
    const d16 = await load(direct, 16, C16);
    const fn1 = functionTicks();
    const self = process.cpuUsage();
    const g16 = await load(viaGateway, 16, C16);
    const used = process.cpuUsage(self);
    const fn2 = functionTicks();
    const selfBare = process.cpuUsage();
    const b16 = await load(viaBare, 16, C16);
    const usedBare = process.cpuUsage(selfBare);
    const d1 = await load(direct, 1, C1);
    const g1 = await load(viaGateway, 1, C1);
    rows.push({
      added1: g1.p50 - d1.p50,
      g1: g1.p50,
      d1: d1.p50,
      share16: g16.rps / d16.rps,
      g16: g16.rps,
      d16: d16.rps,
      gatewayUs: (used.user + used.system) / C16,
      bareUs: (usedBare.user + usedBare.system) / C16,
      ownUs: (used.user + used.system - usedBare.user - usedBare.system) / C16,
      b16: b16.rps,
      generatorUs: (d16.cpuUs + g16.cpuUs) / 2,
      functionUs: runtime === 'process' ? (((fn1 - fn0) + (fn2 - fn1)) * TICK_US) / (2 * C16) : NaN,
    });
    print(`round ${i + 1}`, rows.at(-1));
  }
  const median = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  print('median', Object.fromEntries(Object.keys(rows[0]).map((k) => [k, median(k)])));
} finally {
  bare?.close();
  await bareUpstream?.close();
  await daemon.stop();
  await rm(dir, { recursive: true, force: true });
}

function print(label, r) {
  console.log(
    `${label.padEnd(8)} c=1 p50 ${r.g1.toFixed(3)} ms vs ${r.d1.toFixed(3)} direct (+${r.added1.toFixed(3)} ms)   c=16 ${Math.round(r.g16)} req/s vs ${Math.round(r.d16)} direct (${(r.share16 * 100).toFixed(0)} %)   ` +
      `CPU µs/request: generator ${r.generatorUs.toFixed(0)}, gateway ${r.gatewayUs.toFixed(0)} (bare proxy ${r.bareUs.toFixed(0)} at ${Math.round(r.b16)} req/s, own ${r.ownUs.toFixed(0)}), ` +
      `function ${Number.isNaN(r.functionUs) ? '-' : r.functionUs.toFixed(0)}`,
  );
}

/**
 * The floor the gateway is measured against: a node:http server passing each request to `address`
 * through an undici Pool (kept-alive connections, pipelining 1, as the gateway's client), hop-by-hop
 * headers dropped both ways, the body streamed through. In this process, as the gateway is.
 */
function bareProxy(address) {
  bareUpstream = new Pool(`http://${address.host}:${address.port}`, { pipelining: 1 });
  const hop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-connection']);
  const server = http.createServer((req, res) => {
    const headers = {};
    for (const name in req.headers) if (!hop.has(name)) headers[name] = req.headers[name];
    bareUpstream.dispatch(
      { method: req.method, path: req.url, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req },
      {
        onRequestStart() {},
        onResponseStart(_c, status, answer) {
          const out = {};
          for (const name in answer) if (!hop.has(name)) out[name] = answer[name];
          res.writeHead(status, out);
        },
        onResponseData(controller, chunk) {
          if (!res.write(chunk)) {
            controller.pause();
            res.once('drain', () => controller.resume());
          }
        },
        onResponseEnd() {
          res.end();
        },
        onResponseError(_c, err) {
          if (!res.headersSent) res.writeHead(502);
          res.end(String(err));
        },
      },
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** CPU ticks so far of this process's live descendants: the function's processes (load generators come and go between readings). */
function functionTicks() {
  if (runtime !== 'process') return 0;
  const parent = new Map();
  const ticks = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  let sum = 0;
  for (const [pid, t] of ticks) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        sum += t;
        break;
      }
    }
  }
  return sum;
}

function load(url, concurrency, requests) {
  const child = spawn(process.execPath, [path.join(root, 'bench', 'load-generator.mjs'), url, String(concurrency), String(requests)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`the load generator failed (exit ${code}) on ${url}`)))),
  );
}
