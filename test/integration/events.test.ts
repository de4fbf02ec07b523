import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfnProject } from '../../src/testing/index.js';
import { hasDocker } from '../helpers/engine.js';
import { kafkaJarsAvailable, runtimesToTest } from '../helpers/brokers.js';
import { tempProject } from '../helpers/temp-project.js';

const hasKafka = kafkaJarsAvailable('the events end-to-end tests');
const runtimes = runtimesToTest(hasDocker);
const WINDOW_MS = 4000;

describe.skipIf(!hasKafka).each(runtimes)('OpenFunction Events: sources, a NATS bus and triggers delivering to functions (%s runtime)', (runtime) => {
  let project: OfnProject;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const p = await tempProject('test/fixtures/projects/events');
    cleanup = p.cleanup;
    project = await OfnProject.start(p.dir, { runtime, eventInputWindowMs: WINDOW_MS });
  }, 300_000);
  afterAll(async () => {
    await project?.stop();
    await cleanup?.();
  });

  const hops = (id: string) => project.journal('event.hop').filter((h) => h.id === id);

  // Upstream semantics: while `tick && order` holds, every event that arrives (ticks too) goes to the
  // subscriber; outputs are picked by their payload.
  const isOrder = (n: number) => (o: { json<T>(): T }) => (o.json<{ event?: { order?: number }; counted?: { order?: number } }>().event ?? o.json<{ counted?: { order?: number } }>().counted)?.order === n;

  it('a Kafka order with the clock ticking reaches the sink function (woken from zero) and, republished, an async function', { timeout: 120_000 }, async () => {
    expect((await project.status()).functions.find((f) => f.name === 'order-sink')?.replicas).toBe(0);
    // The cron source ticks every 2 s: `tick` is true once one has arrived.
    await expect.poll(() => project.journal('event.hop').some((h) => h.eventSource === 'clock' && h.stage === 'trigger'), { timeout: 20_000 }).toBe(true);
    const kafka = new Kafka({ brokers: [project.serviceAddress('kafka')], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'orders', messages: [{ value: JSON.stringify({ order: 1 }) }] });
    await producer.disconnect();

    const seen = await project.waitFor({ fn: 'order-sink', binding: 'seen', where: isOrder(1) }, { timeoutMs: 60_000 });
    expect(seen.json()).toEqual({ path: '/', event: { order: 1 } });
    const counted = await project.waitFor({ fn: 'metrics', binding: 'counted', where: isOrder(1) }, { timeoutMs: 30_000 });
    expect(counted.json()).toEqual({ counted: { order: 1 } });

    const id = project.journal('event.hop').find((h) => h.eventSource === 'shop' && h.stage === 'source')!.id;
    const path = () => hops(id).map((h) => `${h.stage} ${h.status}`);
    // The sink's hop is recorded once its answer is in, just after what it sent.
    await expect.poll(path, { timeout: 10_000 }).toEqual(expect.arrayContaining(['bus ok', 'trigger ok', 'topic ok', 'sink ok']));
    expect(path()[0]).toBe('source ok');
    // The order reached no subscriber of the doorbell's triggers.
    expect(hops(id).some((h) => h.trigger === 'default/flaky-trigger')).toBe(false);
  });

  it('a sink that keeps failing gets its retries, then the event goes to the dead-letter sink', { timeout: 90_000 }, async () => {
    const res = await fetch(`${project.gateway}/_events/default/doorbell/ring`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"visitor":"ada"}' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const buried = await project.waitFor({ fn: 'dead-letters', binding: 'buried', where: (o) => o.json<{ buried: { visitor?: string } }>().buried.visitor === 'ada' }, { timeoutMs: 60_000 });
    expect(buried.json()).toEqual({ buried: { visitor: 'ada' } });
    const flaky = hops(id).filter((h) => h.trigger === 'default/flaky-trigger');
    expect(flaky.filter((h) => h.stage === 'sink').map((h) => `${h.status} ${h.attempt} ${h.message}`)).toEqual([
      'retrying 1 HTTP 500',
      'retrying 2 HTTP 500',
      'retrying 3 HTTP 500',
      'retrying 4 HTTP 500',
      'retrying 5 HTTP 500',
      'failed 6 HTTP 500',
    ]);
    await expect.poll(() => hops(id).find((h) => h.trigger === 'default/flaky-trigger' && h.stage === 'dead-letter')?.status, { timeout: 10_000 }).toBe('ok');
  });

  it('the input window: `ring && order` holds while a webhook ring is recent, not after', async () => {
    project.clearOutputs();
    await new Promise((r) => setTimeout(r, WINDOW_MS + 500));
    const ring = await fetch(`${project.gateway}/_events/default/doorbell/ring`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"at":"door"}' });
    expect(ring.status).toBe(202);
    await project.emit('shop', 'order', { order: 2 });
    const first = await project.waitFor({ fn: 'order-sink', where: (o) => o.json<{ path: string }>().path === '/window' && isOrder(2)(o) }, { timeoutMs: 30_000 });
    expect(first.json()).toEqual({ path: '/window', event: { order: 2 } });

    await new Promise((r) => setTimeout(r, WINDOW_MS + 1000));
    const late = await project.emit('shop', 'order', { order: 3 });
    await expect.poll(() => hops(late).find((h) => h.stage === 'trigger' && h.trigger === 'default/window-trigger')?.status, { timeout: 20_000 }).toBe('unmatched');
    expect(project.outputs({ fn: 'order-sink', where: (o) => o.json<{ path: string; event: { order: number } }>().event.order === 3 && o.json<{ path: string }>().path === '/window' })).toEqual([]);
  });
});
