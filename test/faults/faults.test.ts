import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import Docker from 'dockerode';
import path from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { kafkaJarsAvailable, runtimesToTest } from '../helpers/brokers.js';
import { hasDocker } from '../helpers/engine.js';
import { request, waitFor } from '../helpers/http.js';
import { killInstance, killService, killSidecar } from '../helpers/kill.js';
import { cli, killEverything } from '../helpers/host-processes.js';
import { tempProject } from '../helpers/temp-project.js';
import { fieldOf, sinkServer } from '../helpers/sink.js';

// Each part of a running project is killed mid-load (a function instance, its sidecar, the broker),
// and what was lost is counted. docs/reliability.md states these
// numbers; every run prints its tally. test/fixtures/projects/faults: a sync function with an
// output, an async function from Kafka to an output, and Kafka as a backing service.

const hasKafka = kafkaJarsAvailable('the fault tests');
const runtimes = runtimesToTest(hasDocker);

interface Tally {
  runtime: string;
  fault: string;
  /** Requests or records sent (records: acknowledged by the broker). */
  sent: number;
  /** Requests answered with an error (sync) — the request, not an output, failed. */
  failed: number;
  /** Outputs of answered requests, or acknowledged records, that never reached the sink. */
  lost: number;
  /** Records delivered more than once (at-least-once). */
  duplicates: number;
}

const tallies: Tally[] = [];

describe.skipIf(!hasKafka).each(runtimes)('faults mid-load (%s runtime)', (runtime) => {
  let daemon: Daemon;
  let dir: string;
  let cleanup: () => Promise<void>;
  let sink: Awaited<ReturnType<typeof sinkServer>>;
  let producer: Producer;
  const entries: JournalEntry[] = [];

  beforeAll(async () => {
    sink = await sinkServer();
    ({ dir, cleanup } = await tempProject('test/fixtures/projects/faults'));
    const host = runtime === 'docker' ? 'host.docker.internal' : '127.0.0.1';
    const manifest = path.join(dir, 'functions.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://${host}:${sink.port}`));
    daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 90_000, runtime, zeroMode: 'stop', onEvent: (e) => entries.push(e) });
    expect(daemon.failures()).toEqual([]);
    const kafka = entries.find((e) => e.type === 'service.started' && e.name === 'kafka');
    // Sends wait out a broker restart (tens of seconds on two cores) instead of failing.
    producer = new Kafka({
      brokers: [kafka?.type === 'service.started' ? kafka.address : ''],
      logLevel: logLevel.NOTHING,
      retry: { retries: 40, initialRetryTime: 300, maxRetryTime: 3000 },
    }).producer();
    await producer.connect();
  }, 300_000);

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await daemon?.stop();
    await cleanup?.();
    await sink?.close();
    if (tallies.some((t) => t.runtime === runtime)) {
      console.log(
        [`faults mid-load (${runtime} runtime):`, 'fault | sent | failed | lost | duplicates', ...tallies.filter((t) => t.runtime === runtime).map((t) => `${t.fault} | ${t.sent} | ${t.failed} | ${t.lost} | ${t.duplicates}`)].join('\n'),
      );
    }
  });

  /**
   * Four clients post to the sync function until `fault()` has run and 40 more answers came after
   * `recovered()`. Returns the tally: requests that failed, and answered requests whose output is
   * not at the sink.
   */
  async function syncLoad(name: string, fault: () => Promise<void>, recovered: (from: number) => boolean): Promise<Tally> {
    const run = randomBytes(3).toString('hex');
    const answered: string[] = [];
    const reasons: string[] = [];
    let failed = 0;
    let n = 0;
    let stop = false;
    const url = `http://127.0.0.1:${daemon.gatewayPort}/default/forwarder`;
    const worker = async () => {
      while (!stop) {
        const id = `${run}-${n++}`;
        const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) }).catch((err: Error) => ({ status: 0, body: err.message }));
        if (res.status === 200) answered.push(id);
        else {
          failed++;
          reasons.push(`${res.status} ${res.body.trim()}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, worker));
    try {
      await waitFor(() => answered.length >= 40, 60_000, '40 answers before the fault');
      const from = entries.length;
      await fault();
      await waitFor(() => recovered(from), 90_000, `recovery from: ${name}`);
      const after = answered.length;
      await waitFor(() => answered.length >= after + 40, 60_000, '40 answers after recovery');
    } finally {
      stop = true;
      await load;
    }
    const delivered = () => new Set(fieldOf<string>(sink, 'id', '/forwarded'));
    await waitFor(() => answered.every((id) => delivered().has(id)), 20_000, 'every answered output').catch(() => undefined);
    const tally = { runtime, fault: name, sent: n, failed, lost: answered.filter((id) => !delivered().has(id)).length, duplicates: 0 };
    tallies.push(tally);
    if (reasons.length) console.log(`${name} (${runtime}): failed requests:\n  ${[...new Set(reasons)].join('\n  ')}`);
    return tally;
  }

  /** Produces 60 records to the consumer's topic, `fault()` after the first 20 reached the sink; counts what reached it. */
  async function asyncStream(name: string, fault: () => Promise<void>): Promise<Tally> {
    const run = randomBytes(3).toString('hex');
    const acked: string[] = [];
    const mine = () => fieldOf<string>(sink, 'id', '/consumed').filter((id) => String(id).startsWith(`${run}-`));
    const send = async (seq: number) => {
      const id = `${run}-${seq}`;
      await producer.send({ topic: 'orders', messages: [{ value: JSON.stringify({ id }) }] });
      acked.push(id);
    };
    for (let seq = 0; seq < 20; seq++) await send(seq);
    await waitFor(() => mine().length >= 20, 60_000, 'the first 20 records at the sink');
    await fault();
    for (let seq = 20; seq < 60; seq++) {
      await send(seq);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => acked.every((id) => mine().includes(id)), 120_000, 'every acknowledged record at the sink').catch(() => undefined);
    const got = mine();
    const tally = { runtime, fault: name, sent: acked.length, failed: 0, lost: acked.filter((id) => !got.includes(id)).length, duplicates: got.length - new Set(got).size };
    tallies.push(tally);
    return tally;
  }

  const readyAgain = (fn: string, from: number) => entries.slice(from).some((e) => e.type === 'instance.ready' && e.fn === `default/${fn}`);

  it('a function instance killed mid-load: only the requests it was answering fail, no answered output is lost', async () => {
    const tally = await syncLoad('sync function killed', () => killInstance(runtime, dir, 'forwarder').then(() => undefined), (from) => readyAgain('forwarder', from));
    expect(tally.lost).toBe(0);
    // At most the four requests in flight at the kill (one per client) fail; the rest wait for or retry on the new instance.
    expect(tally.failed).toBeLessThanOrEqual(4);
  }, 240_000);

  it('a sidecar killed mid-load: no request fails, no output is lost', async () => {
    const tally = await syncLoad('sync sidecar killed', () => killSidecar(runtime, dir, 'forwarder').then(() => undefined), (from) => readyAgain('forwarder', from));
    expect(tally).toMatchObject({ failed: 0, lost: 0 });
  }, 240_000);

  it('an async function killed mid-stream: no record is lost (at-least-once)', async () => {
    const tally = await asyncStream('async function killed', () => killInstance(runtime, dir, 'consumer').then(() => undefined));
    expect(tally.lost).toBe(0);
  }, 240_000);

  it("an async function's sidecar killed mid-stream: no record is lost", async () => {
    const tally = await asyncStream('async sidecar killed', () => killSidecar(runtime, dir, 'consumer').then(() => undefined));
    expect(tally.lost).toBe(0);
  }, 240_000);

  it('the Kafka broker killed mid-stream: ofn-local starts it again and no acknowledged record is lost', async () => {
    const from = entries.length;
    // The producer's sends wait for the broker while it is down and coming back.
    const tally = await asyncStream('Kafka broker killed', () => killService(runtime, daemon.projectId, daemon.stateDir, 'kafka').then(() => undefined));
    expect(entries.slice(from).some((e) => e.type === 'instance.failed' && e.fn === 'service/kafka')).toBe(true);
    expect(tally.lost).toBe(0);
    expect(daemon.status().services?.find((s) => s.name === 'kafka')).toMatchObject({ state: 'running', restarts: 1 });
  }, 300_000);
});

/**
 * The daemon itself killed (SIGKILL) mid-stream, records produced while it is down, then `up` again:
 * what the broker acknowledged reaches the sink once the project runs again.
 */
describe.skipIf(!hasKafka).each(runtimes)('the daemon killed mid-stream (%s runtime)', (runtime) => {
  it('loses no acknowledged record across the crash and the next up', async () => {
    const sink = await sinkServer();
    const { dir, cleanup } = await tempProject('test/fixtures/projects/faults');
    const host = runtime === 'docker' ? 'host.docker.internal' : '127.0.0.1';
    const manifest = path.join(dir, 'functions.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('http://sink.example', `http://${host}:${sink.port}`));
    const up = () => cli(dir, ['up', '--detach', '--port', '0', '--runtime', runtime, '--no-watch']);
    const info = async () => JSON.parse(await readFile(path.join(dir, '.ofn-local', 'daemon.json'), 'utf8')) as { pid: number };
    const kafkaAddress = async () => {
      const status = JSON.parse((await cli(dir, ['status', '--json'])).stdout) as { services?: { name: string; address: string }[] };
      return status.services!.find((svc) => svc.name === 'kafka')!.address;
    };
    const run = randomBytes(3).toString('hex');
    const acked: string[] = [];
    const mine = () => fieldOf<string>(sink, 'id', '/consumed').filter((id) => String(id).startsWith(`${run}-`));
    const produce = async (broker: string, from: number, to: number) => {
      const producer = new Kafka({ brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 10 } }).producer();
      await producer.connect();
      try {
        for (let seq = from; seq < to; seq++) {
          await producer.send({ topic: 'orders', messages: [{ value: JSON.stringify({ id: `${run}-${seq}` }) }] });
          acked.push(`${run}-${seq}`);
        }
      } finally {
        await producer.disconnect();
      }
    };
    let address = '';
    try {
      expect((await up()).code).toBe(0);
      address = await kafkaAddress();
      await produce(address, 0, 20);
      await waitFor(() => mine().length >= 20, 60_000, 'the first 20 records at the sink');
      process.kill((await info()).pid, 'SIGKILL');
      // The broker outlives the daemon (a process or a container of its own): records go on being acknowledged.
      await produce(address, 20, 40).catch(() => undefined);
      const up2 = await up();
      expect(up2.code, up2.stderr).toBe(0);
      await produce(await kafkaAddress(), 40, 60);
      await waitFor(() => acked.every((id) => mine().includes(id)), 120_000, 'every acknowledged record at the sink').catch(() => undefined);
      const got = mine();
      const tally = { runtime, fault: 'daemon killed, up again', sent: acked.length, failed: 60 - acked.length, lost: acked.filter((id) => !got.includes(id)).length, duplicates: got.length - new Set(got).size };
      tallies.push(tally);
      console.log(`faults (${runtime} runtime): daemon killed, up again | ${tally.sent} | ${tally.failed} | ${tally.lost} | ${tally.duplicates} (Kafka at ${address}, then ${await kafkaAddress()})`);
      expect(tally.lost).toBe(0);
    } finally {
      await cli(dir, ['down']);
      await killEverything(dir, runtime === 'docker' ? new Docker() : undefined);
      await cleanup();
      await sink.close();
    }
  }, 400_000);
});

/**
 * The broker under a running EventSource killed: ofn-local starts it again and the source's client
 * reconnects; every order produced, before and while the broker was coming back, reaches the
 * function its Trigger sends it to (test/fixtures/projects/events: Kafka `shop.order`, with the
 * clock ticking, to `order-sink`).
 */
describe.skipIf(!hasKafka).each(runtimes)('an EventSource whose broker is killed (%s runtime)', (runtime) => {
  it('reconnects, and every order produced reaches the sink function', async () => {
    const { dir, cleanup } = await tempProject('test/fixtures/projects/events');
    const entries: JournalEntry[] = [];
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 90_000, runtime, zeroMode: 'stop', onEvent: (e) => entries.push(e) });
    const kafkaAt = entries.find((e) => e.type === 'service.started' && e.name === 'kafka');
    const producer = new Kafka({ brokers: [kafkaAt?.type === 'service.started' ? kafkaAt.address : ''], logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 300, maxRetryTime: 3000 } }).producer();
    const run = randomBytes(3).toString('hex');
    const orders = () =>
      new Set(
        entries.flatMap((e) => {
          if (e.type !== 'output.sent' || e.fn !== 'default/order-sink') return [];
          const order = (JSON.parse(e.data) as { event?: { order?: string } }).event?.order;
          return typeof order === 'string' && order.startsWith(`${run}-`) ? [order] : [];
        }),
      );
    const acked: string[] = [];
    const send = async (n: number) => {
      await producer.send({ topic: 'orders', messages: [{ value: JSON.stringify({ order: `${run}-${n}` }) }] });
      acked.push(`${run}-${n}`);
    };
    try {
      expect(daemon.failures()).toEqual([]);
      await producer.connect();
      // The trigger needs a recent tick as well as the order.
      await waitFor(() => entries.some((e) => e.type === 'event.hop' && e.eventSource === 'clock' && e.stage === 'trigger'), 30_000, 'a tick through the trigger');
      for (let n = 0; n < 10; n++) await send(n);
      await waitFor(() => orders().size >= 10, 60_000, 'the first ten orders at the sink');
      const from = entries.length;
      await killService(runtime, daemon.projectId, daemon.stateDir, 'kafka');
      for (let n = 10; n < 20; n++) await send(n);
      await waitFor(() => acked.every((o) => orders().has(o)), 120_000, 'every order at the sink').catch(() => undefined);
      expect(entries.slice(from).some((e) => e.type === 'instance.failed' && e.fn === 'service/kafka')).toBe(true);
      const lost = acked.filter((o) => !orders().has(o)).length;
      tallies.push({ runtime, fault: 'EventSource broker killed', sent: acked.length, failed: 20 - acked.length, lost, duplicates: 0 });
      console.log(`faults (${runtime} runtime): EventSource broker killed | ${acked.length} | ${20 - acked.length} | ${lost}`);
      expect(lost).toBe(0);
    } finally {
      await producer.disconnect().catch(() => undefined);
      await daemon.stop();
      await cleanup();
    }
  }, 400_000);
});
