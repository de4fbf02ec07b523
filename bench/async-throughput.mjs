// Event throughput through one async function (process runtime), each beside a baseline in the same
// run: events/s from the first event the function handled to the last.
//  - in-memory: N events published through the function's sidecar (pubsub.in-memory) -> function;
//    baseline: the same N POSTed straight to the function's app port, as daprd delivers them.
//  - kafka: N records produced to a topic the function consumes through bindings.kafka;
//    baseline: a plain kafkajs consumer reading the same N.
// The function counts the events of each phase and prints a line at its first and at its N-th;
// the times are taken where those lines reach the daemon's journal.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Daemon } from '../dist/daemon/daemon.js';
import { figure } from './util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = 5000;
const WARMUP = 300;
const CONCURRENCY = 16;
const PHASE_TIMEOUT_MS = 180_000;

export const asyncThroughputBenchmarks = [
  {
    name: 'async-throughput-in-memory',
    description: `${N} events published through the sidecar's pubsub.in-memory (concurrency ${CONCURRENCY}) -> async function, events/s; baseline: the same ${N} POSTed straight to the app port as daprd delivers them`,
    run: inMemory,
  },
  {
    name: 'async-throughput-kafka',
    description: `${N} records on a Kafka topic consumed by an async function through bindings.kafka, events/s; baseline: a plain kafkajs consumer reading the same ${N}`,
    run: () => kafka(KAFKA, NODE_SOURCES, 'kafka binding'),
  },
  {
    name: 'async-throughput-go-kafka',
    description: `${N} records on a Kafka topic consumed by an async Go function (gRPC app channel) through bindings.kafka, events/s; baseline: a plain kafkajs consumer reading the same ${N}`,
    run: () => kafka(GO_KAFKA, GO_SOURCES, 'kafka binding to a Go function'),
  },
];

const FUNCTION_JS = `// Counts the events of each bench phase; prints at the first and at the last one.
const seen = new Map();
exports.count = async (ctx, data) => {
  const e = typeof data === 'string' ? JSON.parse(data) : Buffer.isBuffer(data) ? JSON.parse(data.toString()) : data;
  const n = (seen.get(e.phase) || 0) + 1;
  seen.set(e.phase, n);
  if (n === 1) console.log('bench first ' + e.phase);
  if (n === e.of) console.log('bench done ' + e.phase);
};
`;

const NODE_SOURCES = {
  'index.js': FUNCTION_JS,
  'package.json': '{ "name": "counter", "version": "1.0.0", "main": "index.js" }\n',
};

/** The same counter in Go, on OpenFunction's Go framework (its sidecar talks gRPC to it). */
const GO_SOURCES = {
  'counter.go': `package counter

import (
	"encoding/json"
	"fmt"
	"sync"

	ofctx "github.com/OpenFunction/functions-framework-go/context"
)

var (
	mu   sync.Mutex
	seen = map[string]int{}
)

// Count counts the events of each bench phase; prints at the first and at the last one.
func Count(ctx ofctx.Context, in []byte) (ofctx.Out, error) {
	var e struct {
		Phase string \`json:"phase"\`
		Of    int    \`json:"of"\`
	}
	_ = json.Unmarshal(in, &e)
	mu.Lock()
	seen[e.Phase]++
	n := seen[e.Phase]
	mu.Unlock()
	if n == 1 {
		fmt.Println("bench first " + e.Phase)
	}
	if n == e.Of {
		fmt.Println("bench done " + e.Phase)
	}
	return ctx.ReturnOnSuccess(), nil
}
`,
  'go.mod': 'module example.com/counter\n\ngo 1.17\n\nrequire github.com/OpenFunction/functions-framework-go v0.5.0\n',
};

const manifest = (name, input, components) => `apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: ${name}
spec:
  version: "v1.0.0"
  image: "<your registry name>/${name}:v1"
  build:
    builder: openfunction/builder-node:latest
    env: { FUNC_NAME: count, FUNC_TYPE: openfunction }
    srcRepo: { url: "./src" }
  serving:
    annotations:
      dapr.io/app-protocol: http
    triggers:
      dapr:
        - ${input}
${components}`;

const IN_MEMORY = manifest(
  'mem-counter',
  '{ name: bus, type: pubsub.in-memory, topic: events }',
  `    pubsub:
      bus: { type: pubsub.in-memory, version: v1, metadata: [] }
`,
);

const KAFKA = manifest(
  'kafka-counter',
  '{ name: events-in, type: bindings.kafka }',
  `    bindings:
      events-in:
        type: bindings.kafka
        version: v1
        metadata:
          - { name: brokers, value: "kafka:9092" }
          - { name: topics, value: bench-events }
          - { name: consumerGroup, value: kafka-counter }
          - { name: authRequired, value: "false" }
          - { name: initialOffset, value: oldest }
`,
);

const GO_KAFKA = KAFKA.replace('builder-node:latest', 'builder-go:latest')
  .replace('env: { FUNC_NAME: count, FUNC_TYPE: openfunction }', 'env: { FUNC_NAME: Count }')
  .replace('    annotations:\n      dapr.io/app-protocol: http\n', '')
  .replace('kafka-counter', 'go-kafka-counter')
  .replace('consumerGroup, value: kafka-counter', 'consumerGroup, value: go-kafka-counter');

/** A project of one async function in a temp folder, started on the process runtime. */
async function withFunction(manifestYaml, services, fn, sources = NODE_SOURCES) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-bench-async-'));
  await mkdir(path.join(dir, 'src'));
  for (const [name, text] of Object.entries(sources)) await writeFile(path.join(dir, 'src', name), text);
  if (sources['go.mod']) await writeFile(path.join(dir, 'src', 'go.sum'), await readFile(path.join(root, 'test', 'fixtures', 'projects', 'go-async', 'ticker', 'go.sum')));
  await writeFile(path.join(dir, 'function.yaml'), manifestYaml);
  if (services) await writeFile(path.join(dir, 'ofn-local.yaml'), services);
  const marks = new Map();
  const waiters = new Map();
  const addresses = new Map();
  const onEvent = (e) => {
    if (e.type === 'service.started') addresses.set(e.name, e.address);
    if (e.type !== 'instance.log') return;
    const m = /^bench (first|done) (\S+)$/.exec(e.line);
    if (!m) return;
    const key = `${m[1]} ${m[2]}`;
    if (!marks.has(key)) marks.set(key, performance.now());
    waiters.get(key)?.();
  };
  const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 3_600_000, readyTimeoutMs: 60_000, runtime: 'process', zeroMode: 'stop', watch: false, onEvent });
  /** Resolves with the time of the function's line `bench <what> <phase>`. */
  const mark = (what, phase) =>
    new Promise((resolve, reject) => {
      const key = `${what} ${phase}`;
      if (marks.has(key)) return resolve(marks.get(key));
      const timer = setTimeout(() => reject(new Error(`the function never printed "bench ${key}" within ${PHASE_TIMEOUT_MS} ms`)), PHASE_TIMEOUT_MS);
      waiters.set(key, () => (clearTimeout(timer), waiters.delete(key), resolve(marks.get(key))));
    });
  /** Events/s of a phase as the function saw it: from its first event to its last. */
  const rate = async (phase, count) => {
    const [first, done] = await Promise.all([mark('first', phase), mark('done', phase)]);
    return (count - 1) / ((done - first) / 1000);
  };
  try {
    const pool = daemon.pool('default', daemon.status().functions[0].name);
    return await fn({ instance: pool.instances[0].instance, rate, address: (name) => addresses.get(name) });
  } finally {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function inMemory() {
  return withFunction(IN_MEMORY, undefined, async ({ instance, rate }) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    try {
      const dapr = instance.dapr;
      const app = instance.address;
      // Ready means the app listens; the sidecar subscribes a moment later (healthz answers then).
      await untilOk(() => request(dapr, 'GET', '/v1.0/healthz', undefined, {}, agent));
      const [sub] = JSON.parse(await request(app, 'GET', '/dapr/subscribe', undefined, {}, agent));
      const viaSidecar = (phase, count) =>
        inParallel(count, (i) => request(dapr, 'POST', '/v1.0/publish/bus/events', JSON.stringify({ phase, i, of: count }), { 'content-type': 'application/json' }, agent));
      // What daprd sends the app for each message: a structured CloudEvent on the subscription's route.
      const direct = (phase, count) =>
        inParallel(count, (i) =>
          request(app, 'POST', sub.route, JSON.stringify(cloudEvent({ phase, i, of: count })), { 'content-type': 'application/cloudevents+json' }, agent),
        );
      await viaSidecar('warm-sidecar', WARMUP);
      await rate('warm-sidecar', WARMUP);
      await direct('warm-direct', WARMUP);
      await rate('warm-direct', WARMUP);
      await viaSidecar('sidecar', N);
      const through = await rate('sidecar', N);
      await direct('direct', N);
      const baseline = await rate('direct', N);
      return [figure(`in-memory pubsub, ${N} events`, 'throughput', through, baseline, 'events/s')];
    } finally {
      agent.destroy();
    }
  });
}

async function kafka(manifestYaml, sources, name) {
  const libs = process.env.OFN_LOCAL_KAFKA_LIBS;
  if (!libs || !existsSync(libs)) throw new Error('no Kafka jars (export OFN_LOCAL_KAFKA_LIBS=$(bash docker/kafka/fetch-kafka.sh))');
  return withFunction(manifestYaml, 'services:\n  kafka: { type: kafka }\n', async ({ rate, address }) => {
    const client = new Kafka({ brokers: [address('kafka')], logLevel: logLevel.NOTHING });
    const producer = client.producer();
    await producer.connect();
    const produce = async (phase, count) => {
      for (let from = 0; from < count; from += 500) {
        const messages = Array.from({ length: Math.min(500, count - from) }, (_, k) => ({ value: JSON.stringify({ phase, i: from + k, of: count }) }));
        await producer.send({ topic: 'bench-events', messages });
      }
    };
    try {
      await produce('warm', WARMUP);
      await rate('warm', WARMUP);
      await produce('function', N);
      const through = await rate('function', N);
      // The same N records, read by a consumer of its own group with no sidecar and no function.
      const baseline = await plainConsumer(client, 'function', N);
      return [figure(`${name}, ${N} records`, 'throughput', through, baseline, 'events/s')];
    } finally {
      await producer.disconnect();
    }
  }, sources);
}

/** Events/s of a plain kafkajs consumer over the records of `phase`, first to last. */
async function plainConsumer(client, phase, count) {
  const consumer = client.consumer({ groupId: `bench-baseline-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: ['bench-events'], fromBeginning: true });
    let seen = 0;
    let first = 0;
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the plain consumer read ${seen} of ${count} records`)), PHASE_TIMEOUT_MS);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const e = JSON.parse(message.value.toString());
          if (e.phase !== phase) return;
          if (++seen === 1) first = performance.now();
          if (seen === count) (clearTimeout(timer), resolve(performance.now()));
        },
      });
    });
    const last = await done;
    return (count - 1) / ((last - first) / 1000);
  } finally {
    await consumer.disconnect();
  }
}

async function untilOk(call) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function cloudEvent(data) {
  return { specversion: '1.0', id: randomUUID(), source: 'bench', type: 'com.dapr.event.sent', datacontenttype: 'application/json', topic: 'events', pubsubname: 'bus', data };
}

async function inParallel(count, send) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await send(next++);
    }),
  );
}

function request({ host, port }, method, p, body, headers, agent) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path: p, method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode < 300 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode} for ${method} ${p}: ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

