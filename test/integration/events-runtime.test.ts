/**
 * The events runtime against real brokers: Kafka (a KRaft broker from OFN_LOCAL_KAFKA_LIBS, or the
 * one at OFN_LOCAL_KAFKA), Mosquitto, Redis and NATS with JetStream (Debian's servers). Each part is
 * skipped with a message when its broker is missing, a failure with OFN_LOCAL_REQUIRE_BROKERS=1.
 * Manifests name the brokers as a cluster would (`kafka:9092`, `tcp://mqtt:1883`, `redis:6379`,
 * `nats://nats:4222`); resolveAddress points them at the brokers started here.
 */
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import { connect } from 'nats';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { EventsEngine, type EventHop, type EventsEngineOptions } from '../../src/events/runtime/index.js';
import { brokerAvailable, kafkaBroker, startBroker, stopAllBrokers, type StartedBroker } from '../helpers/brokers.js';
import { eventDoc, modelOf, sinkServer, stagesOf, tempDir, waitFor, type SinkServer } from '../unit/events/helpers.js';

const kafkaAddress = await kafkaBroker();
if (!kafkaAddress) console.warn('skipping the Kafka event source test: no Kafka broker (set OFN_LOCAL_KAFKA_LIBS=$(bash docker/kafka/fetch-kafka.sh) or OFN_LOCAL_KAFKA)');
const hasRedis = brokerAvailable('redis');
const hasMqtt = brokerAvailable('mosquitto');
const hasNats = brokerAvailable('nats');
const suffix = `${process.pid}-${Date.now()}`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});
afterAll(async () => {
  await stopAllBrokers();
});

async function sink(): Promise<SinkServer> {
  const s = await sinkServer();
  cleanups.push(() => s.close());
  return s;
}

async function broker(kind: 'redis' | 'mosquitto' | 'nats'): Promise<StartedBroker> {
  const b = await startBroker(kind);
  cleanups.push(() => b.stop());
  return b;
}

async function startEngine(opts: Omit<EventsEngineOptions, 'onHop' | 'stateDir'>): Promise<{ engine: EventsEngine; hops: EventHop[]; logs: string[] }> {
  const t = await tempDir();
  cleanups.push(t.remove);
  const hops: EventHop[] = [];
  const logs: string[] = [];
  const engine = new EventsEngine({ ...opts, stateDir: t.dir, onHop: (h) => hops.push(h), log: (l) => logs.push(l) });
  cleanups.push(() => engine.stop());
  await engine.start();
  return { engine, hops, logs };
}

function running(engine: EventsEngine, event: string): () => boolean {
  return () => engine.status().some((s) => s.event === event && s.state === 'running');
}

describe.skipIf(!kafkaAddress)('a cron source and a Kafka source on the embedded bus, a Trigger over both', () => {
  it('delivers only once both inputs hold: `tick && order`', async () => {
    const topic = `orders-${suffix}`;
    const kafka = new Kafka({ clientId: 'events-runtime-test', brokers: [kafkaAddress!], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());

    const out = await sink();
    const model = modelOf([
      eventDoc('EventSource', 'clock', 'default', { eventBus: 'default', cron: { tick: { schedule: '@every 1s' } } }),
      eventDoc('EventSource', 'shop', 'default', { eventBus: 'default', kafka: { order: { brokers: 'kafka:9092', topic, authRequired: false } } }),
      eventDoc('Trigger', 'both', 'default', {
        eventBus: 'default',
        inputs: { tick: { eventSource: 'clock', event: 'tick' }, order: { eventSource: 'shop', event: 'order' } },
        subscribers: [{ condition: 'tick && order', sink: { uri: `${out.url}/both` } }],
      }),
    ]);
    const { engine, hops, logs } = await startEngine({ model, resolveAddress: (a) => (a === 'kafka:9092' ? kafkaAddress! : a) });
    await waitFor(running(engine, 'order'), `the kafka source running (${logs.join('; ')})`, 60_000);

    // Ticks alone: evaluated, never delivered.
    await waitFor(() => hops.filter((h) => h.stage === 'trigger' && h.status === 'unmatched' && h.eventSource === 'clock').length >= 2, 'two unmatched ticks', 10_000);
    expect(out.received).toEqual([]);

    // The consumer group may still be joining: send until the source reports an order.
    let n = 0;
    while (!hops.some((h) => h.stage === 'source' && h.eventSource === 'shop')) {
      await producer.send({ topic, messages: [{ value: JSON.stringify({ order: n++ }) }] });
      await new Promise((r) => setTimeout(r, 500));
      if (n > 60) throw new Error(`no order reached the source: ${logs.join('; ')}`);
    }
    await waitFor(() => out.received.some((r) => r.body.startsWith('{"order"')), 'an order at the sink', 10_000);
    const order = hops.find((h) => h.stage === 'source' && h.eventSource === 'shop')!;
    // The sink's hop is recorded once its answer is back, a moment after the sink has the event.
    await waitFor(() => stagesOf(hops, order.id).length === 4, 'the first order through every hop', 10_000);
    expect(stagesOf(hops, order.id)).toEqual(['source:ok', 'bus:ok', 'trigger:ok', 'sink:ok']);
    expect(order.target).toBe('kafka/order');
    const first = out.received[0]!;
    expect(first).toMatchObject({ path: '/both', contentType: 'application/json' });
    expect(first.body).toMatch(/^\{"order":\d+\}$/);
    // From now on both hold: the next tick is delivered too (an empty cron payload).
    await waitFor(() => out.received.some((r) => r.body === ''), 'a tick at the sink', 5000);
  }, 120_000);
});

describe.skipIf(!hasMqtt)('an MQTT source', () => {
  it("delivers each message's payload to the EventSource's sink", async () => {
    const mosquitto = await broker('mosquitto');
    const out = await sink();
    const model = modelOf([
      eventDoc('EventSource', 'sensors', 'default', { sink: { uri: `${out.url}/m` }, mqtt: { temp: { url: 'tcp://mqtt:1883', topic: 'sensors/temp' } } }),
    ]);
    const { engine, hops } = await startEngine({ model, resolveAddress: (a) => (a === 'mqtt:1883' ? `${mosquitto.host}:${mosquitto.port}` : a) });
    await waitFor(running(engine, 'temp'), 'the mqtt source running');
    const client = await mqtt.connectAsync(mosquitto.url, { clientId: `pub-${suffix}` });
    cleanups.push(() => client.endAsync());
    await client.publishAsync('sensors/temp', '21.5', { qos: 1 });
    await client.publishAsync('sensors/temp', '22', { qos: 1 });
    await waitFor(() => out.received.length === 2, 'two readings at the sink');
    expect(out.received.map((r) => [r.path, r.body])).toEqual([
      ['/m', '21.5'],
      ['/m', '22'],
    ]);
    expect(hops.filter((h) => h.stage === 'source').map((h) => h.target)).toEqual(['mqtt/temp', 'mqtt/temp']);
  }, 60_000);

  it('shows the source failed while its broker is gone, running again once it is back, and delivers after', async () => {
    const mosquitto = await broker('mosquitto');
    const out = await sink();
    const model = modelOf([
      eventDoc('EventSource', 'sensors', 'default', { sink: { uri: `${out.url}/m` }, mqtt: { humid: { url: 'tcp://mqtt:1883', topic: 'sensors/humid' } } }),
    ]);
    const { engine, logs } = await startEngine({ model, resolveAddress: (a) => (a === 'mqtt:1883' ? `${mosquitto.host}:${mosquitto.port}` : a) });
    await waitFor(running(engine, 'humid'), 'the mqtt source running');
    const state = () => engine.status().find((s) => s.event === 'humid');
    await mosquitto.restart(async () => {
      await waitFor(() => state()?.state === 'failed', 'the source shown failed while the broker is down');
      expect(state()?.error).toMatch(/^lost its broker connection \(the connection to the MQTT broker was lost\); reconnecting$/);
    });
    await waitFor(running(engine, 'humid'), 'the source running again');
    expect(logs.filter((l) => l.includes('sensors')).join('\n')).toMatch(/lost its broker connection[\s\S]*connected again/);
    const client = await mqtt.connectAsync(mosquitto.url, { clientId: `pub2-${suffix}` });
    cleanups.push(() => client.endAsync());
    await client.publishAsync('sensors/humid', '40', { qos: 1 });
    await waitFor(() => out.received.length === 1, 'a reading after the outage');
  }, 60_000);
});

describe.skipIf(!hasRedis)('a Redis source (the stream named after the event)', () => {
  it('delivers each entry, in order, and resumes after its consumer group', async () => {
    const redis = await broker('redis');
    const out = await sink();
    const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    await client.connect();
    cleanups.push(async () => client.disconnect());
    // Written before the source starts: the group reads the stream from its start.
    await client.xadd('cache-updates', '*', 'data', 'early');
    const model = modelOf([
      eventDoc('EventSource', 'cache', 'default', { sink: { uri: out.url }, redis: { 'cache-updates': { redisHost: 'redis:6379', redisPassword: '' } } }),
    ]);
    const { engine } = await startEngine({ model, resolveAddress: (a) => (a === 'redis:6379' ? redis.url : a) });
    await waitFor(running(engine, 'cache-updates'), 'the redis source running');
    for (const v of ['a', 'b', 'c']) await client.xadd('cache-updates', '*', 'data', v);
    await waitFor(() => out.received.length === 4, 'four entries at the sink');
    expect(out.received.map((r) => r.body)).toEqual(['early', 'a', 'b', 'c']);
    const groups = (await client.xinfo('GROUPS', 'cache-updates')) as unknown[][];
    expect(JSON.stringify(groups)).toContain('default-esc-redis-cache-updates');
  }, 60_000);

  it('shows the source failed while Redis is gone and running again once it is back', async () => {
    const redis = await broker('redis');
    const out = await sink();
    const model = modelOf([eventDoc('EventSource', 'cache', 'default', { sink: { uri: out.url }, redis: { evictions: { redisHost: 'redis:6379', redisPassword: '' } } })]);
    const { engine } = await startEngine({ model, resolveAddress: (a) => (a === 'redis:6379' ? redis.url : a) });
    await waitFor(running(engine, 'evictions'), 'the redis source running');
    const state = () => engine.status().find((s) => s.event === 'evictions');
    await redis.restart(async () => {
      await waitFor(() => state()?.state === 'failed', 'the source shown failed while Redis is down');
      expect(state()?.error).toBe('lost its broker connection (the connection to Redis was lost); reconnecting');
    });
    await waitFor(running(engine, 'evictions'), 'the source running again');
  }, 60_000);
});

describe.skipIf(!hasNats)('an EventBus with natsStreaming: NATS JetStream', () => {
  it('carries events to triggers and shows them to any JetStream reader of the topic', async () => {
    const nats = await broker('nats');
    const out = await sink();
    const model = modelOf([
      eventDoc('EventBus', 'default', 'default', {
        natsStreaming: { natsURL: 'nats://nats:4222', natsStreamingClusterID: 'stan', subscriptionType: 'queue', durableSubscriptionName: 'ImDurable' },
      }),
      eventDoc('EventSource', 'hooks', 'default', { eventBus: 'default', http: { push: {} } }),
      eventDoc('Trigger', 'on-push', 'default', {
        eventBus: 'default',
        inputs: { push: { eventSource: 'hooks', event: 'push' } },
        subscribers: [{ condition: 'push', sink: { uri: out.url }, topic: 'pushes' }],
      }),
    ]);
    const { engine, hops } = await startEngine({ model, resolveAddress: (a) => (a === 'nats:4222' ? `${nats.host}:${nats.port}` : a) });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await engine.handleWebhook('default', 'hooks', 'push', Buffer.from(`{"n":${i}}`), 'application/json'));
    await waitFor(() => out.received.length === 5, 'five deliveries', 20_000);
    expect(out.received.map((r) => r.body)).toEqual([0, 1, 2, 3, 4].map((i) => `{"n":${i}}`));
    await waitFor(() => ids.every((id) => stagesOf(hops, id).includes('topic:ok')), 'the republishes');
    expect(stagesOf(hops, ids[0]!)).toEqual(['source:ok', 'bus:ok', 'trigger:ok', 'sink:ok', 'topic:ok']);
    expect(hops.find((h) => h.stage === 'bus')!.message).toBe(`nats://${nats.host}:${nats.port}`);

    // What a function's pubsub.jetstream sees on the topic: Dapr's CloudEvent from the source's app id.
    const nc = await connect({ servers: nats.url });
    cleanups.push(() => nc.close());
    const jsm = await nc.jetstreamManager();
    const stream = await jsm.streams.find('default-hooks-push');
    const last = await jsm.streams.getMessage(stream, { last_by_subj: 'default-hooks-push' });
    const ce = JSON.parse(new TextDecoder().decode(last.data)) as Record<string, unknown>;
    expect(ce).toMatchObject({
      id: ids[4],
      source: 'esw-hooks-http-push-default',
      type: 'com.dapr.event.sent',
      topic: 'default-hooks-push',
      pubsubname: 'ebfes-hooks',
      datacontenttype: 'application/json',
      data: { n: 4 },
    });
    const pushes = await jsm.streams.getMessage(await jsm.streams.find('pushes'), { last_by_subj: 'pushes' });
    expect(JSON.parse(new TextDecoder().decode(pushes.data))).toMatchObject({ source: 't-on-push-default', ofnlocalid: ids[4], data: { n: 4 } });
  }, 60_000);
});
