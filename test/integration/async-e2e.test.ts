import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfnProject, type Output } from '../../src/testing/index.js';
import { hasDocker } from '../helpers/engine.js';
import { kafkaJarsAvailable, runtimesToTest } from '../helpers/brokers.js';
import { tempProject } from '../helpers/temp-project.js';
import { frameworkPids, functionContainers, killInstance } from '../helpers/kill.js';

// End to end through a real broker: cron -> ticker -> Kafka -> sink -> output binding
// (test/fixtures/projects/kafka-chain), and a sink instance killed mid-stream.

const hasKafka = kafkaJarsAvailable('the async end-to-end tests');
const runtimes = runtimesToTest(hasDocker);

/** What sink passed on: ticker's `{tick}` records and the test's `{run, seq}` ones. */
interface Received {
  tick?: number;
  run?: string;
  seq?: number;
}

const json = (o: Output): Received => o.json<Received>();

/** Polls until `done()` holds; on timeout throws what `why()` says. */
async function until(done: () => boolean, timeoutMs: number, why: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(await why());
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!hasKafka).each(runtimes)('async functions end to end through Kafka (%s runtime)', (runtime) => {
  let project: OfnProject;
  let root: string;
  let cleanup: () => Promise<void>;
  let kafka: Kafka;

  beforeAll(async () => {
    const p = await tempProject('test/fixtures/projects/kafka-chain');
    root = p.dir;
    cleanup = p.cleanup;
    project = await OfnProject.start(p.dir, { runtime });
    kafka = new Kafka({ brokers: [project.serviceAddress('kafka')], logLevel: logLevel.NOTHING });
  }, 300_000);
  afterAll(async () => {
    await project?.stop();
    await cleanup?.();
  });

  it('cron -> ticker -> Kafka -> sink: the ticks arrive, in order, as ticker sent them', async () => {
    const ticks = { fn: 'sink', binding: 'received', where: (o: Output) => json(o).tick !== undefined };
    await project.waitFor(ticks, { count: 5, timeoutMs: 30_000 });
    const received = project.outputs(ticks).map((o) => json(o).tick!);
    // What ticker gave its Kafka output binding, as the sidecar captured it. Its capture line can
    // reach the journal after the sink's (two sidecars' stdout): wait until it has caught up.
    const sentTicks = () => project.outputs({ fn: 'ticker', binding: 'kafka-server' }).map((o) => json(o).tick!);
    await until(() => sentTicks().length >= received.length, 10_000, async () => `ticker's captured outputs ${sentTicks().join(',')} lag the sink's ${received.join(',')}`);
    const sent = sentTicks();
    expect(received.length).toBeGreaterThanOrEqual(5);
    expect(received).toEqual(sent.slice(0, received.length));
    // One tick a second, numbered by the ticker from 1, one partition: consecutive and in order.
    expect(received).toEqual(Array.from({ length: received.length }, (_, i) => received[0]! + i));
    expect(received[0]).toBe(1);
  }, 60_000);

  it('a sink instance killed mid-stream loses no Kafka record: ofn-local restarts it and every record arrives (at-least-once)', async () => {
    const N = 60;
    const run = randomBytes(4).toString('hex');
    const ours = { fn: 'sink', binding: 'received', where: (o: Output) => json(o).run === run };
    const seen = () => new Set(project.outputs(ours).map((o) => json(o).seq!));
    const producer: Producer = kafka.producer();
    await producer.connect();
    let killed = '';
    try {
      const send = (seq: number) => producer.send({ topic: 'ticks', messages: [{ value: JSON.stringify({ run, seq }) }] });
      // The first records, then the kill while the sink is consuming, then the rest while it is down
      // and coming back (the broker keeps them; the consumer group resumes from its committed offset).
      for (let seq = 0; seq < 20; seq++) await send(seq);
      await project.waitFor(ours, { count: 5, timeoutMs: 30_000 });
      killed = await killInstance(runtime, root, 'sink');
      for (let seq = 20; seq < N; seq++) {
        await send(seq);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await producer.disconnect();
    }
    const instances = async () => (runtime === 'docker' ? (await functionContainers(root, 'sink')).length : frameworkPids(root, 'sink').length);
    await until(
      () => seen().size === N,
      60_000,
      async () => {
        const got = seen();
        const missing = Array.from({ length: N }, (_, i) => i).filter((i) => !got.has(i));
        const running = await instances();
        const restarted = running === 0 ? 'no instance of sink runs: ofn-local did not replace the one killed' : `${running} instance(s) of sink run`;
        const tail = project.logs('sink', { sidecar: true }).slice(-5).join('\n  ');
        return `after killing ${killed}, ${got.size} of ${N} records reached the sink (missing ${missing.join(',')}); ${restarted}; last sink output:\n  ${tail}`;
      },
    );
    // Duplicates are allowed (redelivery after the kill), losses are not.
    expect([...seen()].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    const sink = (await project.status()).functions.find((f) => f.name === 'sink')!;
    expect(sink).toMatchObject({ state: 'ready', replicas: 1 });
    // A new instance took over: the one killed is gone, exactly one runs.
    expect(await instances()).toBe(1);
    // And the chain keeps flowing through the new instance.
    project.clearOutputs();
    await project.waitFor({ fn: 'sink', binding: 'received', where: (o) => json(o).tick !== undefined }, { count: 2, timeoutMs: 20_000 });
  }, 150_000);
});
