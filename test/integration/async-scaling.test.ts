import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfnProject } from '../../src/testing/index.js';
import { hasDocker } from '../helpers/engine.js';
import { kafkaJarsAvailable, runtimesToTest } from '../helpers/brokers.js';
import { tempProject } from '../helpers/temp-project.js';

const hasKafka = kafkaJarsAvailable('the KEDA scaling tests');
const runtimes = runtimesToTest(hasDocker);

describe.skipIf(!hasKafka).each(runtimes)('async functions scale on their Kafka lag, KEDA-like (%s runtime)', (runtime) => {
  let project: OfnProject;
  let cleanup: () => Promise<void>;
  let kafka: Kafka;

  beforeAll(async () => {
    const p = await tempProject('test/fixtures/projects/keda');
    cleanup = p.cleanup;
    project = await OfnProject.start(p.dir, { runtime, cooldownSeconds: 3 });
    kafka = new Kafka({ brokers: [project.serviceAddress('kafka')], logLevel: logLevel.NOTHING });
  }, 300_000);
  afterAll(async () => {
    await project?.stop();
    await cleanup?.();
  });

  const fn = async () => (await project.status()).functions.find((f) => f.name === 'lag-consumer')!;

  it('goes to zero with no backlog, as KEDA does right after creation', async () => {
    await expect.poll(async () => (await fn()).state, { timeout: 20_000 }).toBe('scaled-to-zero');
    const status = await fn();
    expect(status.replicas).toBe(0);
    expect(status.backlog).toMatchObject({ trigger: 'kafka', threshold: 5, pollingInterval: 1, cooldownPeriod: 3 });
  });

  it('wakes on lag, consumes every message kept while at zero, and returns to zero after the cooldown', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'orders', messages: Array.from({ length: 12 }, (_, i) => ({ value: JSON.stringify({ n: i }) })) });
    await producer.disconnect();
    // 12 messages with lagThreshold 5 ask for 3 replicas; maxReplicas 2 caps it.
    await expect.poll(() => project.journal('function.scaled').find((e) => e.fn === 'default/lag-consumer' && e.to === 2)?.reason, { timeout: 30_000 }).toMatch(/^keda: backlog \d+ on /);
    await project.waitFor({ binding: 'done' }, { count: 12, timeoutMs: 60_000 });
    const seen = new Set(project.outputs({ binding: 'done' }).map((o) => o.json<{ done: { n: number } }>().done.n));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    await expect.poll(async () => (await fn()).backlog?.value, { timeout: 20_000 }).toBe(0);
    await expect.poll(async () => (await fn()).state, { timeout: 30_000 }).toBe('scaled-to-zero');
  });

  it('invoke sends an async function at zero an event through its input binding, waking it', async () => {
    expect((await fn()).state).toBe('scaled-to-zero');
    project.clearOutputs();
    const res = await project.invoke('lag-consumer', { n: 99 });
    expect(res.status).toBe(200);
    expect((await project.waitFor({ binding: 'done' })).json()).toEqual({ done: { n: 99 } });
  });
});
