// Benchmark of the terminal UI: its process's CPU and memory while 2k journal entries per second flow
// for 30 s. The real UI (runTui) renders into a fake terminal fed by a fake client that makes journal
// entries at the given rate (parsed from JSON lines, as the real client does). Baseline: the same
// process, the same stream, consumed without the UI. Each side runs in a fresh child process.
//   node bench/tui.mjs                 both, printed as a table (or through `npm run bench -- tui`)
//   node bench/tui.mjs --child ui      one side, a `RESULT {json}` line on stdout
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { figure } from './util.mjs';

const RATE = 2000;
const SECONDS = Number(process.env.OFN_BENCH_TUI_SECONDS ?? 30);
const WARMUP_S = 2;
const here = fileURLToPath(import.meta.url);

export const benchmark = {
  name: 'tui',
  description: `the terminal UI's process while ${RATE} journal entries/s flow for ${SECONDS} s (a 120x40 terminal, colours on, React's production build as the CLI loads it); baseline: the same process consuming the same stream without the UI`,
  run,
};

async function run() {
  const ui = await child('ui');
  const base = await child('baseline');
  const name = `tui ${RATE}/s for ${SECONDS} s`;
  return [
    figure(name, 'CPU (one core = 100)', ui.cpuPct, base.cpuPct, '%'),
    figure(name, 'RSS peak', ui.rssPeakMb, base.rssPeakMb, 'MB'),
    { name, metric: 'RSS growth, 10 s to the end', value: ui.rssGrowthMb, unit: 'MB', baseline: base.rssGrowthMb },
    figure(name, 'live heap at the end (after GC)', ui.heapMb, base.heapMb, 'MB'),
    { name, metric: 'live heap growth, 10 s to the end', value: ui.heapGrowthMb, unit: 'MB', baseline: base.heapGrowthMb },
    figure(name, 'event loop delay p99', ui.loopP99Ms, base.loopP99Ms, 'ms'),
    { name, metric: 'entries consumed/s', value: ui.consumedPerS, unit: '/s', baseline: base.consumedPerS, ratio: ui.consumedPerS / base.consumedPerS },
    { name, metric: 'writes to the terminal/s', value: ui.writesPerS, unit: '/s' },
    { name, metric: 'terminal output', value: ui.outKbPerS, unit: 'KB/s' },
    { name, metric: 'entries behind at the end', value: ui.behind, unit: 'entries' },
  ];
}


function child(mode) {
  const env = { ...process.env };
  // ink draws only the last frame when it believes it runs in CI.
  for (const k of Object.keys(env)) if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_') || k === 'GITHUB_ACTIONS' || k === 'BUILD_NUMBER') delete env[k];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', here, '--child', mode], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.once('error', reject);
    p.once('exit', (code) => {
      const result = /^RESULT (\{.*\})/m.exec(out);
      if (code !== 0 || !result) return reject(new Error(`the ${mode} child exited with ${code}: ${err.trim().slice(-2000)}`));
      resolve(JSON.parse(result[1]));
    });
  });
}

/** Bytes of heap still in use after a full collection (what a leak would grow). */
function liveHeap() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

/** Journal entries at `rate` per second: mostly requests over 5 functions, some output, now and then scaling and reloads. */
class FloodClient {
  produced = 0;
  #fns = ['default/api', 'default/orders', 'shop/cart', 'shop/pay', 'jobs/report'];
  #seq = 0;
  /** The protocol's JournalReader, as DaemonClient offers it. */
  journal = { read: (query, signal) => this.#read(query, signal) };

  status() {
    return Promise.resolve({
      project: 'bench-1a2b3c4d',
      root: '/bench/project',
      runtime: 'process',
      dapr: 'embedded',
      gateway: 'http://localhost:8480',
      functions: this.#fns.map((key) => {
        const [namespace, name] = key.split('/');
        return { name, namespace, runtime: 'knative', state: 'ready', replicas: 1, minReplicas: 1, maxReplicas: 3, url: `http://localhost:8480/${key}`, hostUrl: `http://${name}.${namespace}.ofn.localhost:8480/` };
      }),
    });
  }
  scaleToZero() {
    return Promise.resolve({ ok: true });
  }
  rebuild() {
    return Promise.resolve({ ok: true });
  }

  #line() {
    const seq = ++this.#seq;
    const fn = this.#fns[seq % this.#fns.length];
    const ts = new Date().toISOString();
    const r = seq % 100;
    let e;
    if (r < 80) e = { type: 'request.completed', fn, method: seq % 3 ? 'GET' : 'POST', path: `/${fn}/items/${seq % 1000}`, status: seq % 97 === 0 ? 500 : 200, durationMs: 1 + (seq % 37) / 3, cold: false, instance: `${fn.replace('/', '-')}-1` };
    else if (r < 97) e = { type: 'instance.log', fn, instance: `${fn.replace('/', '-')}-1`, stream: seq % 10 ? 'stdout' : 'stderr', line: `handled item ${seq} in ${seq % 37} ms \x1b[32mok\x1b[0m` };
    else if (r === 97) e = { type: 'function.scaled', fn, from: 1, to: 2, reason: 'concurrency' };
    else if (r === 98) e = { type: 'function.scaled', fn, from: 2, to: 1, reason: 'idle' };
    else e = { type: 'reload.finished', fn, path: 'fast', timings: { detectMs: 5, syncMs: 3, restartMs: 150, totalMs: 158 } };
    return JSON.stringify({ ...e, seq, ts });
  }

  async *#read(_query, signal) {
    const start = performance.now();
    const queue = [];
    let wake;
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) * RATE) / 1000);
      for (; this.produced < due; this.produced++) queue.push(this.#line());
      wake?.();
    }, 10);
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        if (queue.length === 0) {
          await new Promise((r) => (wake = r));
          continue;
        }
        // As the real client does: one JSON line, parsed.
        yield JSON.parse(queue.shift());
      }
    } finally {
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

class FakeStdout extends EventEmitter {
  columns = 120;
  rows = 40;
  isTTY = true;
  writes = 0;
  bytes = 0;
  write(s) {
    this.writes++;
    this.bytes += s.length;
    return true;
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  setRawMode() {}
  setEncoding() {}
  ref() {}
  unref() {}
  resume() {}
  pause() {}
  read() {
    return null;
  }
}

async function measure(mode) {
  const client = new FloodClient();
  const ac = new AbortController();
  const stdout = new FakeStdout();
  let consumed = () => 0;
  let behind = () => 0;
  let work;
  if (mode === 'ui') {
    // As the CLI loads it (React's production build).
    const { loadTui } = await import('../dist/tui/load.js');
    const { runTui } = await loadTui();
    const { TuiStore } = await import('../dist/tui/store.js');
    const store = new TuiStore();
    work = runTui({ client, mode: 'attach', stdout, stdin: new FakeStdin(), color: true, alternateScreen: false, store, signal: ac.signal });
    consumed = () => store.lastSeq;
    behind = () => client.produced - store.getSnapshot().project.lastSeq;
  } else {
    let n = 0;
    work = (async () => {
      for await (const e of client.journal.read({ follow: true }, ac.signal)) if (e.seq) n++;
    })();
    consumed = () => n;
  }
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const consumed0 = consumed();
  const writes0 = stdout.writes;
  const bytes0 = stdout.bytes;
  let rssPeak = 0;
  let rssAt10;
  let heapAt10;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    rssPeak = Math.max(rssPeak, rss);
    if (rssAt10 === undefined && performance.now() - t0 >= 10_000) {
      rssAt10 = rss;
      heapAt10 = liveHeap();
    }
  }, 250);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  clearInterval(sampler);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const rssEnd = process.memoryUsage().rss;
  const heapEnd = liveHeap();
  loop.disable();
  const result = {
    mode,
    cpuPct: ((cpu.user + cpu.system) / 1000 / (wallS * 1000)) * 100,
    rssPeakMb: Math.max(rssPeak, rssEnd) / 2 ** 20,
    rssGrowthMb: (rssEnd - (rssAt10 ?? rssEnd)) / 2 ** 20,
    heapMb: heapEnd / 2 ** 20,
    heapGrowthMb: (heapEnd - (heapAt10 ?? heapEnd)) / 2 ** 20,
    loopP99Ms: loop.percentile(99) / 1e6,
    consumedPerS: (consumed() - consumed0) / wallS,
    writesPerS: (stdout.writes - writes0) / wallS,
    outKbPerS: (stdout.bytes - bytes0) / 1024 / wallS,
    behind: behind(),
  };
  ac.abort();
  await work;
  return result;
}

if (process.argv[1] === here) {
  const at = process.argv.indexOf('--child');
  if (at > 0) {
    const result = await measure(process.argv[at + 1]);
    process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
  }
  process.stdout.write(`# ${benchmark.name}: ${benchmark.description}\n`);
  for (const f of await run()) {
    const v = (x) => (x === undefined ? '-' : `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ${f.unit}`);
    process.stdout.write(`  ${f.metric.padEnd(30)} ${v(f.value).padStart(14)}   baseline ${v(f.baseline).padStart(14)}   ${f.ratio === undefined ? '' : `x${f.ratio.toFixed(2)}`}\n`);
  }
}
