// The gateway's own cost, measured in rounds that alternate direct and gateway runs so that load
// from other processes on a shared machine falls on both alike: `node bench/gateway.mjs [rounds]
// [process|docker]` (default 5 rounds, the process runtime: no Docker needed). Each round runs the
// load generator (its own process) at c=16 and c=1 straight to the instance, then through the gateway.
// Prints each round and the median, with the CPU each process spends per request at c=16: the load
// generator's, the gateway's (this process, the daemon's) and, on the process runtime, the function's
// (its processes, read from /proc). On 2 cores these bound c=16: direct needs generator + function,
// through the gateway the gateway's share comes on top. `npm run bench -- warm-overhead` is the
// one-shot Docker figure. Profile the gateway with `node --cpu-prof --cpu-prof-dir=<dir> bench/gateway.mjs`.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon } from '../dist/daemon/daemon.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 5);
const runtime = process.argv[3] ?? 'process';
const C16 = 10_000;
const C1 = 3000;
const TICK_US = 1e6 / 100; // /proc reports CPU in clock ticks (USER_HZ, 100 on Linux)

const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-bench-gateway-'));
await cp(path.join(root, 'fixtures', 'hello-node'), dir, { recursive: true });
const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 3_600_000, readyTimeoutMs: 60_000, runtime, zeroMode: 'stop', watch: false });
try {
  const viaGateway = `http://127.0.0.1:${daemon.gatewayPort}/default/hello-node`;
  await load(viaGateway, 1, 10);
  const { address } = daemon.pool('default', 'hello-node').instances[0].instance;
  const direct = `http://${address.host}:${address.port}/default/hello-node`;
  await load(direct, 16, 2000); // warm both paths
  await load(viaGateway, 16, 2000);
  const rows = [];
  for (let i = 0; i < rounds; i++) {
    const fn0 = functionTicks();
    const d16 = await load(direct, 16, C16);
    const fn1 = functionTicks();
    const self = process.cpuUsage();
    const g16 = await load(viaGateway, 16, C16);
    const used = process.cpuUsage(self);
    const fn2 = functionTicks();
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
      generatorUs: (d16.cpuUs + g16.cpuUs) / 2,
      functionUs: runtime === 'process' ? (((fn1 - fn0) + (fn2 - fn1)) * TICK_US) / (2 * C16) : NaN,
    });
    print(`round ${i + 1}`, rows.at(-1));
  }
  const median = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  print('median', Object.fromEntries(Object.keys(rows[0]).map((k) => [k, median(k)])));
} finally {
  await daemon.stop();
  await rm(dir, { recursive: true, force: true });
}

function print(label, r) {
  console.log(
    `${label.padEnd(8)} c=1 p50 ${r.g1.toFixed(3)} ms vs ${r.d1.toFixed(3)} direct (+${r.added1.toFixed(3)} ms)   c=16 ${Math.round(r.g16)} req/s vs ${Math.round(r.d16)} direct (${(r.share16 * 100).toFixed(0)} %)   ` +
      `CPU µs/request: generator ${r.generatorUs.toFixed(0)}, gateway ${r.gatewayUs.toFixed(0)}, function ${Number.isNaN(r.functionUs) ? '-' : r.functionUs.toFixed(0)}`,
  );
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
