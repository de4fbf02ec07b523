/**
 * Backlog probes against real brokers: Kafka (a KRaft broker from OFN_LOCAL_KAFKA_LIBS, or the one
 * at OFN_LOCAL_KAFKA), Redis and NATS with JetStream (Debian's servers). Each source is skipped with
 * a message when its broker is missing, a failure with OFN_LOCAL_REQUIRE_BROKERS=1.
 */
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { AckPolicy, connect, type JsMsg } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeFor, ScalingError, type BacklogProbe, type KafkaLagProbe } from '../../src/scaling/index.js';
import { brokerAvailable, kafkaBroker, startBroker, stopAllBrokers, type StartedBroker } from '../helpers/brokers.js';
import { waitFor } from '../helpers/http.js';

const kafkaAddress = await kafkaBroker();
if (!kafkaAddress) console.warn('skipping the Kafka backlog tests: no Kafka broker (set OFN_LOCAL_KAFKA_LIBS=$(bash docker/kafka/fetch-kafka.sh) or OFN_LOCAL_KAFKA)');
const hasRedis = brokerAvailable('redis');
const hasNats = brokerAvailable('nats');
const suffix = `${process.pid}-${Date.now()}`;

/** Probes opened by a test, closed after it whatever happens. */
const open: BacklogProbe[] = [];
const track = <P extends BacklogProbe>(p: P): P => (open.push(p), p);

afterAll(async () => {
  await Promise.all(open.map((p) => p.close()));
  await stopAllBrokers();
});

async function probeError(p: BacklogProbe): Promise<ScalingError> {
  const err = await p.backlog().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScalingError);
  return err as ScalingError;
}

describe.skipIf(!kafkaAddress)('kafka consumer-group lag', () => {
  const topic = `backlog-${suffix}`;
  const group = `workers-${suffix}`;
  // The manifest says kafka:9092, as OpenFunction's samples do; resolveHost points it at the broker.
  const resolveHost = (hostPort: string) => (hostPort === 'kafka:9092' ? kafkaAddress! : hostPort);
  const trigger = (extra: Record<string, string> = {}) =>
    probeFor({ type: 'kafka', metadata: { bootstrapServers: 'kafka:9092', consumerGroup: group, topic, lagThreshold: '2', ...extra } }, resolveHost);
  const kafka = new Kafka({ clientId: 'backlog-test', brokers: [kafkaAddress ?? '127.0.0.1:1'], logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    // 10 messages: 6 on partition 0, 4 on partition 1.
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i < 6 ? 0 : 1, value: `m${i}` })) });
    await producer.disconnect();
  }, 120_000);

  it('counts every message for a group that consumed none (offsetResetPolicy earliest)', async () => {
    const t = trigger({ offsetResetPolicy: 'earliest', allowIdleConsumers: 'true' });
    const probe = track(t.probe as KafkaLagProbe);
    expect(await probe.backlog()).toBe(10);
    expect(probe.describe).toContain(kafkaAddress!);
  }, 60_000);

  it("counts 1 per partition without a committed offset under KEDA's default policy (latest), capped metric vs activity", async () => {
    expect(await track(trigger().probe).read()).toEqual(expect.objectContaining({ value: 2, activity: 2 }));
    // allowIdleConsumers false (default): 10 of lag, threshold 2, 2 partitions: metric capped at 4.
    expect(await track(trigger({ offsetResetPolicy: 'earliest' }).probe).read()).toEqual(expect.objectContaining({ value: 4, activity: 10 }));
  }, 60_000);

  it('shows the rest once a consumer committed some', async () => {
    const consumer = kafka.consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    // Read everything, commit only the first 3 of partition 0 and the first 2 of partition 1.
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen} of 10 messages within 60 s`)), 60_000);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          if (offset < (partition === 0 ? 3 : 2)) await consumer.commitOffsets([{ topic, partition, offset: String(offset + 1) }]);
          if (++seen === 10) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    const probe = track(trigger({ allowIdleConsumers: 'true' }).probe as KafkaLagProbe);
    expect(await probe.backlog()).toBe(5);
    expect((await probe.offsets()).map((p) => [p.partition, p.latest, p.committed]).sort()).toEqual([
      [0, 6, 3],
      [1, 4, 2],
    ]);
    // Without a topic KEDA sums the topics the group committed offsets for: the same one here.
    expect(await track(probeFor({ type: 'kafka', metadata: { bootstrapServers: kafkaAddress!, consumerGroup: group, allowIdleConsumers: 'true' } }).probe).backlog()).toBe(5);
  }, 90_000);

  it('reports an unknown topic as a probe error', async () => {
    const err = await probeError(track(trigger({ topic: `missing-${suffix}` }).probe));
    expect(err.code).toBe('ERR_PROBE');
    expect(err.message).toContain(`missing-${suffix}`);
  }, 60_000);
});

describe.skipIf(!hasRedis)('redis stream pending entries and lag', () => {
  let broker: StartedBroker;
  let redis: Redis;
  const stream = `orders-${suffix}`;
  const probe = (extra: Record<string, string>) => track(probeFor({ type: 'redis-streams', metadata: { address: 'redis:6379', stream, ...extra } }, (h) => (h === 'redis:6379' ? broker.url : h)).probe);

  beforeAll(async () => {
    broker = await startBroker('redis');
    redis = new Redis({ host: broker.host, port: broker.port });
  });
  afterAll(async () => {
    await redis?.quit();
    await broker?.stop();
  });

  it('follows XADD, XGROUP CREATE and XREADGROUP without ack', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await redis.xadd(stream, '*', 'n', String(i)))!);
    // Before the group exists: lag mode counts the stream (KEDA: XLEN), pending mode is an error.
    expect(await probe({ consumerGroup: 'workers', lagCount: '2' }).backlog()).toBe(6);
    expect((await probeError(probe({ consumerGroup: 'workers' }))).message).toMatch(/NOGROUP/);
    await redis.xgroup('CREATE', stream, 'workers', '0');
    const pending = probe({ consumerGroup: 'workers' });
    const lag = probe({ consumerGroup: 'workers', lagCount: '2' });
    expect(await pending.backlog()).toBe(0);
    expect(await lag.backlog()).toBe(6);
    await redis.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 4, 'STREAMS', stream, '>');
    expect(await pending.backlog()).toBe(4);
    expect(await lag.backlog()).toBe(2);
    await redis.xack(stream, 'workers', ids[0]!);
    expect(await pending.backlog()).toBe(3);
    // Deleting an undelivered entry leaves Redis without a lag (nil): counted from last-delivered-id.
    await redis.xdel(stream, ids[4]!);
    expect(await lag.backlog()).toBe(1);
    // No consumer group: the stream length.
    expect(await probe({ streamLength: '10' }).backlog()).toBe(5);
    // No stream at all: lag 0, as KEDA.
    expect(await track(probeFor({ type: 'redis-streams', metadata: { address: broker.url, stream: `none-${suffix}`, consumerGroup: 'g', lagCount: '1' } }).probe).backlog()).toBe(0);
  });

  it('reports a server that is gone as a probe error', async () => {
    const p = probe({ consumerGroup: 'workers' });
    expect(await p.backlog()).toBe(3);
    await broker.stop();
    expect((await probeError(p)).code).toBe('ERR_PROBE');
  });
});

describe.skipIf(!hasNats)('nats jetstream consumer pending', () => {
  let broker: StartedBroker;
  const stream = 'ORDERS';
  const probe = (consumer: string) =>
    track(probeFor({ type: 'nats-jetstream', metadata: { natsServerMonitoringEndpoint: 'nats:8222', account: '$G', stream, consumer } }, (h) => (h === 'nats:4222' ? `${broker.host}:${broker.port}` : h)).probe);

  beforeAll(async () => {
    broker = await startBroker('nats');
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('counts num_pending + num_ack_pending of a durable consumer', async () => {
    const nc = await connect({ servers: broker.url });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: stream, subjects: ['orders.>'] });
      await jsm.consumers.add(stream, { durable_name: 'worker', ack_policy: AckPolicy.Explicit });
      const js = nc.jetstream();
      for (let i = 0; i < 5; i++) await js.publish('orders.new', new TextEncoder().encode(`o${i}`));
      const p = probe('worker');
      expect(await p.backlog()).toBe(5);
      // Deliver two without acknowledging them: still backlog (num_ack_pending), then ack them.
      const consumer = await js.consumers.get(stream, 'worker');
      const got: JsMsg[] = [];
      for await (const m of await consumer.fetch({ max_messages: 2, expires: 5000 })) {
        got.push(m);
        if (got.length === 2) break;
      }
      expect(got).toHaveLength(2);
      const info = await jsm.consumers.info(stream, 'worker');
      expect([info.num_pending, info.num_ack_pending]).toEqual([3, 2]);
      expect(await p.backlog()).toBe(5);
      for (const m of got) await m.ackAck();
      await waitFor(async () => (await p.backlog()) === 3, 10_000, 'the acknowledged messages to leave the backlog');
      expect((await probeError(probe('nobody'))).message).toMatch(/nobody/);
    } finally {
      await nc.close();
    }
  });
});
