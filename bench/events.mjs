// OpenFunction Events benchmarks (issue 4): an event injected into an http EventSource on a bus,
// through a Trigger (condition on that input) to its subscriber's sink, beside the same events with
// the trigger bypassed, all measured in the same run. The "function" is a local HTTP server that
// answers 200 and records when each event arrived, so the figures are ofn-local's events path, not
// a container. Targets from the issue: <= 5 ms p50 end to end, >= 5k events/s on the embedded bus.
//  - latency: LAT_EVENTS sequential events, from the call to inject() to the event's arrival at the sink;
//  - throughput: N events injected with WINDOW inject() calls in flight (each resolves once its event
//    is on the bus: the engine's backpressure), until the last one arrived at the sink;
//  - baseline "trigger bypassed": an EventSource with `sink` and no bus (inject -> POST to the sink);
//  - floors: the same payloads POSTed by the bench with fetch (what delivery.ts uses), and the bus
//    alone (Bus.publish -> subscriber handler, no trigger, no HTTP);
//  - stages: where the trigger path spends its time, from onHop records stamped as they happen.
// Both for the embedded bus and for NATS JetStream (a nats-server started and stopped here).
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EmbeddedBus, EventsEngine, JetStreamBus } from '../dist/events/runtime/index.js';
import { loadEvents } from '../dist/model/events/index.js';
import { DiagnosticList } from '../dist/model/diagnostics.js';
import { figure, freePort, pct, waitForPort } from './util.mjs';

const LAT_EVENTS = 500;
const WARMUP = 100;
const N = { embedded: 10_000, nats: 10_000 };
const WINDOW = 64;
const NS = 'default';

export const eventsBenchmarks = [
  {
    name: 'events-embedded',
    description: `embedded bus: inject -> bus -> trigger -> sink, p50/p99 over ${LAT_EVENTS} sequential events and events/s over ${N.embedded} (${WINDOW} injects in flight); baseline: the same events to an EventSource sink with no bus and no trigger`,
    run: () => eventsBench('embedded'),
  },
  {
    name: 'events-nats',
    description: `NATS JetStream bus (local nats-server): inject -> bus -> trigger -> sink, p50/p99 over ${LAT_EVENTS} sequential events and events/s over ${N.nats} (${WINDOW} injects in flight); baseline: the same events to an EventSource sink with no bus and no trigger`,
    run: () => eventsBench('nats'),
  },
];

async function eventsBench(kind) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `ofn-bench-events-${kind}-`));
  const cleanups = [];
  try {
    let natsURL;
    if (kind === 'nats') {
      const nats = await startNats(path.join(dir, 'nats'));
      cleanups.push(nats.stop);
      natsURL = nats.url;
    }
    const sink = await sinkServer();
    cleanups.push(sink.close);

    const stamps = new Map(); // event id -> {bus, trigger, sink} now() of its hops
    const failures = [];
    const engine = new EventsEngine({
      model: model(sink.url, natsURL),
      stateDir: path.join(dir, 'state'),
      onHop: (h) => {
        if (h.status === 'failed' || h.status === 'retrying') failures.push(`${h.stage} ${h.target}: ${h.message}`);
        if (h.eventSource !== 'via') return;
        let s = stamps.get(h.id);
        if (!s) stamps.set(h.id, (s = {}));
        s[h.stage] = now();
      },
      log: (line) => failures.push(line),
    });
    await engine.start();
    cleanups.push(() => engine.stop());
    const check = () => {
      if (failures.length) throw new Error(`the engine reported: ${failures.slice(0, 3).join('; ')}`);
    };

    const inject = (source, phase, i) => engine.inject(NS, source, 'hit', payload(phase, i), 'application/json');
    const post = (phase, i) => postTo(`${sink.url}/bare`, payload(phase, i));

    // Warm every path (JIT, connections, NATS consumer) before measuring.
    for (const [phase, send] of [['w-via', (i) => inject('via', 'w-via', i)], ['w-direct', (i) => inject('direct', 'w-direct', i)], ['w-bare', (i) => post('w-bare', i)]]) {
      await sequential(sink, phase, WARMUP, send);
    }
    check();
    stamps.clear();

    // Latency, sequential: from the call to arrival at the sink.
    const viaLat = await sequential(sink, 'l-via', LAT_EVENTS, (i) => inject('via', 'l-via', i), true);
    const directLat = await sequential(sink, 'l-direct', LAT_EVENTS, (i) => inject('direct', 'l-direct', i));
    const bareLat = await sequential(sink, 'l-bare', LAT_EVENTS, (i) => post('l-bare', i));
    check();
    // Stages of the trigger path (latency phase only): inject -> bus hop (published, durable) ->
    // trigger hop (consumed, unwrapped, condition evaluated) -> arrival at the sink.
    const stages = { publish: [], consume: [], deliver: [] };
    for (const { id, t0, arrived } of viaLat.events) {
      const s = stamps.get(id);
      if (!s?.bus || !s.trigger) continue;
      stages.publish.push(s.bus - t0);
      stages.consume.push(s.trigger - s.bus);
      stages.deliver.push(arrived - s.trigger);
    }
    stamps.clear();

    // Throughput: N events, WINDOW inject() calls in flight, until the last arrived.
    const n = N[kind];
    const viaTp = await windowed(sink, 't-via', n, WINDOW, (i) => inject('via', 't-via', i));
    const directTp = await windowed(sink, 't-direct', n, WINDOW, (i) => inject('direct', 't-direct', i));
    const bareTp = await windowed(sink, 't-bare', n, WINDOW, (i) => post('t-bare', i));
    const bareSeqTp = await windowed(sink, 't-bare1', Math.min(n, 5000), 1, (i) => post('t-bare1', i));
    check();
    stamps.clear();
    await engine.stop();

    // The bus alone, no trigger and no HTTP: Bus.publish -> the subscriber's handler.
    const bus = kind === 'nats' ? new JetStreamBus(natsURL, 'bench', () => {}) : new EmbeddedBus(path.join(dir, 'bus-only'));
    cleanups.push(() => bus.close());
    const busAlone = await busOnly(bus, n);

    const label = kind === 'nats' ? 'nats' : 'embedded';
    const figures = [
      figure(`${label}: inject -> trigger -> sink`, 'p50', pct(viaLat.lat, 50), pct(directLat.lat, 50), 'ms'),
      figure(`${label}: inject -> trigger -> sink`, 'p99', pct(viaLat.lat, 99), pct(directLat.lat, 99), 'ms'),
      figure(`${label}: inject -> trigger -> sink`, 'events/s', viaTp.rate, directTp.rate, 'ev/s'),
      { name: `${label}: trigger path, inject() calls accepted`, metric: 'events/s', value: viaTp.injectRate, unit: 'ev/s' },
      { name: `${label}: stage inject -> on bus (bus hop)`, metric: 'p50', value: pct(stages.publish, 50), unit: 'ms' },
      { name: `${label}: stage on bus -> trigger evaluated`, metric: 'p50', value: pct(stages.consume, 50), unit: 'ms' },
      { name: `${label}: stage trigger -> at sink (POST)`, metric: 'p50', value: pct(stages.deliver, 50), unit: 'ms' },
      { name: `${label}: bus alone, publish -> handler`, metric: 'p50', value: busAlone.p50, unit: 'ms' },
      { name: `${label}: bus alone, publish -> handler`, metric: 'events/s', value: busAlone.rate, unit: 'ev/s' },
      { name: 'floor: bare fetch POST to the sink', metric: 'p50', value: pct(bareLat.lat, 50), unit: 'ms' },
      { name: 'floor: bare fetch POST to the sink', metric: 'p99', value: pct(bareLat.lat, 99), unit: 'ms' },
      { name: `floor: bare fetch POSTs, ${WINDOW} in flight`, metric: 'events/s', value: bareTp.rate, unit: 'ev/s' },
      { name: 'floor: bare fetch POSTs, one at a time', metric: 'events/s', value: bareSeqTp.rate, unit: 'ev/s' },
    ];
    if (kind === 'embedded') {
      // What the embedded bus does to disk per message, timed alone in the same folder.
      const fsCost = await fsCosts(path.join(dir, 'fs'));
      figures.push(
        { name: 'fs: appendFile of one log line (per publish)', metric: 'p50', value: fsCost.append, unit: 'ms' },
        { name: 'fs: writeFile + rename of an offset (per ack)', metric: 'p50', value: fsCost.offset, unit: 'ms' },
      );
    }
    return figures;
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** EventSource `via` (webhook `hit`) on the bus, Trigger `on-hit` -> the sink; EventSource `direct` with the sink and no bus. */
function model(sinkUrl, natsURL) {
  const docs = [
    doc('EventSource', 'via', { eventBus: 'default', http: { hit: {} } }),
    doc('EventSource', 'direct', { sink: { uri: `${sinkUrl}/direct` }, http: { hit: {} } }),
    doc('Trigger', 'on-hit', {
      eventBus: 'default',
      inputs: { hit: { eventSource: 'via', event: 'hit' } },
      subscribers: [{ condition: 'hit', sink: { uri: `${sinkUrl}/trigger` } }],
    }),
  ];
  if (natsURL) docs.push(doc('EventBus', 'default', { natsStreaming: { natsURL, natsStreamingClusterID: 'stan', subscriptionType: 'queue', durableSubscriptionName: 'ImDurable' } }));
  const diagnostics = new DiagnosticList();
  const m = loadEvents(docs, { diagnostics });
  const errors = diagnostics.items.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`bad bench model: ${errors.map((d) => d.message).join('; ')}`);
  return m;
}

function doc(kind, name, spec) {
  return {
    apiVersion: 'events.openfunction.io/v1alpha1',
    kind,
    name,
    namespace: NS,
    origin: { file: path.join(os.tmpdir(), `${name}.yaml`), doc: 0 },
    resource: { apiVersion: 'events.openfunction.io/v1alpha1', kind, metadata: { name, namespace: NS }, spec },
  };
}

function payload(phase, i) {
  return Buffer.from(`{"p":"${phase}","i":${i}}`);
}

/**
 * The stand-in function, on a worker thread (its own event loop and core, as a function would be a
 * process of its own): answers 200 and stamps each event's arrival with the monotonic clock the
 * bench uses too. `arrival(phase, i)` resolves with that time; `all(phase, n)` once n arrived.
 */
const SINK_WORKER = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const counts = new Map();
const watched = new Set();
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const t = Number(process.hrtime.bigint()) / 1e6;
    res.writeHead(200, { 'content-length': '0' }).end();
    const { p, i } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (watched.has(p)) parentPort.postMessage({ type: 'arrived', p, i, t });
    const c = counts.get(p) ?? { n: 0 };
    counts.set(p, c);
    if (++c.n === c.want) parentPort.postMessage({ type: 'all', p, t });
  });
});
server.keepAliveTimeout = 60000;
parentPort.on('message', (m) => {
  if (m.type === 'watch') {
    watched.add(m.p);
    parentPort.postMessage({ type: 'watching', p: m.p });
  }
  if (m.type === 'want') {
    const c = counts.get(m.p) ?? { n: 0 };
    counts.set(m.p, c);
    c.want = m.n;
    if (c.n >= m.n) parentPort.postMessage({ type: 'all', p: m.p, t: Number(process.hrtime.bigint()) / 1e6 });
  }
  if (m.type === 'close') { server.closeAllConnections(); server.close(() => parentPort.close()); }
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
`;

async function sinkServer() {
  const worker = new Worker(SINK_WORKER, { eval: true });
  const waiters = new Map(); // `${phase}/${i}` -> resolve
  const early = new Map(); // arrivals nobody waited for yet
  const alls = new Map(); // phase -> resolve
  const port = await new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m) => resolve(m.port));
  });
  worker.on('message', (m) => {
    if (m.type === 'arrived') {
      const key = `${m.p}/${m.i}`;
      const w = waiters.get(key);
      if (w) {
        waiters.delete(key);
        w(m.t);
      } else early.set(key, m.t);
    } else if (m.type === 'all' || m.type === 'watching') alls.get(`${m.type}/${m.p}`)?.(m.t);
  });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    watch(phase) {
      return new Promise((resolve) => {
        alls.set(`watching/${phase}`, resolve);
        worker.postMessage({ type: 'watch', p: phase });
      });
    },
    arrival(phase, i) {
      const key = `${phase}/${i}`;
      if (early.has(key)) {
        const t = early.get(key);
        early.delete(key);
        return Promise.resolve(t);
      }
      return new Promise((resolve) => waiters.set(key, resolve));
    },
    all(phase, want) {
      return new Promise((resolve) => {
        alls.set(`all/${phase}`, resolve);
        worker.postMessage({ type: 'want', p: phase, n: want });
      });
    },
    close: async () => {
      worker.postMessage({ type: 'close' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    },
  };
}

/** Milliseconds on the monotonic clock (shared with the sink's worker thread). */
function now() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Sequential events: each sent once the previous one arrived; latency from send to arrival. */
async function sequential(sink, phase, count, send, keep = false) {
  const lat = [];
  const events = [];
  await sink.watch(phase);
  for (let i = 0; i < count; i++) {
    const arrived = withTimeout(sink.arrival(phase, i), 30_000, `event ${phase}/${i} at the sink`);
    const t0 = now();
    const id = await send(i);
    const t = await arrived;
    lat.push(t - t0);
    if (keep) events.push({ id, t0, arrived: t });
  }
  return { lat, events };
}

/** `count` events with `window` sends in flight; rate from the first send to the last arrival. */
async function windowed(sink, phase, count, window, send) {
  const done = withTimeout(sink.all(phase, count), 300_000, `${count} events of ${phase} at the sink`);
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < count) await send(next++);
    }),
  );
  const accepted = now();
  const end = await done;
  return { rate: count / ((end - t0) / 1000), injectRate: count / ((accepted - t0) / 1000) };
}

/** Bus.publish -> handler: latency of LAT_EVENTS sequential messages, then `count` with WINDOW publishes in flight. */
async function busOnly(bus, count) {
  const topic = 'bench-bus-only';
  let onMessage = () => {};
  await bus.prepareTopic?.(topic);
  const sub = await bus.subscribe(topic, 'bench', async () => onMessage(now()));
  try {
    // A CloudEvent with an id of its own each time: JetStream drops a repeated id as a duplicate.
    let seq = 0;
    const msg = () => Buffer.from(`{"specversion":"1.0","id":"b-${seq++}","data":{"p":"b"}}`);
    const lat = [];
    for (let i = 0; i < WARMUP + LAT_EVENTS; i++) {
      const got = new Promise((resolve) => (onMessage = resolve));
      const t0 = now();
      await bus.publish(topic, msg());
      const t = await withTimeout(got, 30_000, 'a bus message');
      if (i >= WARMUP) lat.push(t - t0);
    }
    let n = 0;
    const all = new Promise((resolve) => (onMessage = (t) => ++n === count && resolve(t)));
    let next = 0;
    const t0 = now();
    await Promise.all(
      Array.from({ length: WINDOW }, async () => {
        while (next++ < count) await bus.publish(topic, msg());
      }),
    );
    const last = await withTimeout(all, 300_000, `${count} bus messages`);
    return { p50: pct(lat, 50), rate: count / ((last - t0) / 1000) };
  } finally {
    await sub.close();
  }
}

/** The embedded bus's disk work per message: an appendFile per publish, a writeFile + rename per acknowledgement. */
async function fsCosts(dir) {
  await mkdir(dir, { recursive: true });
  const log = path.join(dir, 't.log');
  const offset = path.join(dir, 't.g.offset');
  const append = [];
  const off = [];
  for (let i = 0; i < 2000; i++) {
    let t0 = now();
    await appendFile(log, `{"s":${i},"d":"eyJwIjoiYiJ9"}\n`);
    append.push(now() - t0);
    t0 = now();
    await writeFile(`${offset}.tmp`, String(i));
    await rename(`${offset}.tmp`, offset);
    off.push(now() - t0);
  }
  return { append: pct(append.slice(200), 50), offset: pct(off.slice(200), 50) };
}

async function postTo(url, body) {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
}

async function startNats(storeDir) {
  const port = await freePort();
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const failed = new Promise((_, reject) => child.once('error', (err) => reject(new Error(`nats-server: ${err.message}`))));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    await Promise.race([waitForPort(port), failed]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `nats://127.0.0.1:${port}`, stop };
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))),
  ]);
}




