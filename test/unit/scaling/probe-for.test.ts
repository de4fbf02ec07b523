import { describe, expect, it } from 'vitest';
import {
  KafkaLagProbe,
  NatsJetStreamProbe,
  parseXinfoGroups,
  probeFor,
  RedisStreamsProbe,
  ScalingError,
  splitHostPort,
} from '../../../src/scaling/index.js';

const resolveHost = (hostPort: string) => ({ 'kafka:9092': '172.18.0.3:9094', 'redis:6379': '127.0.0.1:40001', 'nats:4222': '127.0.0.1:40002' })[hostPort] ?? hostPort;

function thrown(fn: () => unknown): ScalingError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScalingError) return err;
    throw err;
  }
  throw new Error('expected a ScalingError');
}

describe('probeFor', () => {
  it('maps the OpenFunction kafka sample trigger, rewriting the bootstrap server', () => {
    const t = probeFor({ type: 'kafka', metadata: { bootstrapServers: 'kafka:9092', consumerGroup: 'kafka-input', topic: 'sample-topic', lagThreshold: '20' } }, resolveHost);
    expect(t).toMatchObject({ type: 'kafka', threshold: 20, activationThreshold: 0, ignored: [] });
    expect(t.probe).toBeInstanceOf(KafkaLagProbe);
    expect((t.probe as KafkaLagProbe).options).toMatchObject({ bootstrapServers: ['172.18.0.3:9094'], consumerGroup: 'kafka-input', topic: 'sample-topic', offsetResetPolicy: 'latest', allowIdleConsumers: false });
    expect(t.probe.describe).toContain('sample-topic');
  });

  it("applies KEDA's kafka defaults and options", () => {
    const t = probeFor({ type: 'kafka', metadata: { bootstrapServers: 'a:1, b:2', consumerGroup: 'g', offsetResetPolicy: 'earliest', activationLagThreshold: '3', allowIdleConsumers: 'true', partitionLimitation: '0,2-4', tls: 'enable' } });
    expect(t).toMatchObject({ threshold: 10, activationThreshold: 3, ignored: ['tls'] });
    expect((t.probe as KafkaLagProbe).options).toMatchObject({ bootstrapServers: ['a:1', 'b:2'], offsetResetPolicy: 'earliest', allowIdleConsumers: true, partitionLimitation: [0, 2, 3, 4] });
  });

  it('refuses bad kafka metadata the way KEDA does, naming the field', () => {
    const missing = thrown(() => probeFor({ type: 'kafka', metadata: { bootstrapServers: 'kafka:9092', topic: 't' } }, resolveHost, { file: 'fn.yaml', path: 'spec.scaleOptions.keda.triggers[0]' }));
    expect(missing.code).toBe('ERR_SCALER_METADATA');
    expect(missing.message).toContain('no consumerGroup given');
    expect(missing.where).toEqual({ file: 'fn.yaml', path: 'spec.scaleOptions.keda.triggers[0].metadata.consumerGroup' });
    expect(thrown(() => probeFor({ type: 'kafka', metadata: { bootstrapServers: 'k:1', consumerGroup: 'g', lagThreshold: '0' } })).message).toContain('lagThreshold must be a positive number');
    expect(thrown(() => probeFor({ type: 'kafka', metadata: { bootstrapServers: 'k:1', consumerGroup: 'g', lagThreshold: '1.5' } })).message).toContain('integer');
    expect(thrown(() => probeFor({ type: 'kafka', metadata: { bootstrapServers: 'k:1', consumerGroup: 'g', offsetResetPolicy: 'middle' } })).message).toContain('latest, earliest');
    expect(thrown(() => probeFor({ type: 'kafka', metadata: { bootstrapServers: 'k:1', consumerGroup: 'g', allowIdleConsumers: 'true', limitToPartitionsWithLag: 'true', topic: 't' } })).message).toContain('simultaneously');
    expect(thrown(() => probeFor({ type: 'kafka', metadata: { bootstrapServersFromEnv: 'BROKERS', consumerGroup: 'g' } })).message).toContain('bootstrapServersFromEnv is not supported');
  });

  it('picks the redis-streams count as KEDA does: pending by default, lag with lagCount, length without a group', () => {
    const pending = probeFor({ type: 'redis-streams', metadata: { address: 'redis:6379', stream: 's', consumerGroup: 'g' } }, resolveHost);
    expect(pending).toMatchObject({ threshold: 5, activationThreshold: 0 });
    expect((pending.probe as RedisStreamsProbe).options).toEqual({ address: '127.0.0.1:40001', stream: 's', consumerGroup: 'g', mode: 'pending' });
    const lag = probeFor({ type: 'redis-streams', metadata: { host: 'redis', port: '6379', stream: 's', consumerGroup: 'g', lagCount: '7', pendingEntriesCount: '3', activationLagCount: '2' } }, resolveHost);
    expect(lag).toMatchObject({ threshold: 7, activationThreshold: 2 });
    expect((lag.probe as RedisStreamsProbe).options).toMatchObject({ address: '127.0.0.1:40001', mode: 'lag' });
    const length = probeFor({ type: 'redis-streams', metadata: { address: 'r:1', stream: 's', streamLength: '50', databaseIndex: '2' } });
    expect(length).toMatchObject({ threshold: 50 });
    expect((length.probe as RedisStreamsProbe).options).toMatchObject({ mode: 'length', databaseIndex: 2 });
    expect(thrown(() => probeFor({ type: 'redis-streams', metadata: { stream: 's' } })).message).toContain('no address given');
  });

  it('maps nats-jetstream to the client port on the monitoring endpoint host', () => {
    const t = probeFor({ type: 'nats-jetstream', metadata: { natsServerMonitoringEndpoint: 'nats:8222', account: '$G', stream: 'orders', consumer: 'worker', lagThreshold: '4' } }, resolveHost);
    expect(t).toMatchObject({ type: 'nats-jetstream', threshold: 4, activationThreshold: 0 });
    expect(t.probe).toBeInstanceOf(NatsJetStreamProbe);
    expect((t.probe as NatsJetStreamProbe).options).toEqual({ server: '127.0.0.1:40002', stream: 'orders', consumer: 'worker', account: '$G' });
    expect(thrown(() => probeFor({ type: 'nats-jetstream', metadata: { natsServerMonitoringEndpoint: 'nats:8222', stream: 'o', consumer: 'w' } })).message).toContain('no account');
  });

  it('gives a typed error naming an unsupported type and the supported ones', () => {
    const err = thrown(() => probeFor({ type: 'rabbitmq', metadata: {} }, undefined, { path: 'spec.scaleOptions.keda.triggers[1]' }));
    expect(err.code).toBe('ERR_SCALER_UNSUPPORTED');
    expect(err.message).toContain('"rabbitmq"');
    expect(err.message).toContain('kafka, redis-streams, nats-jetstream');
    expect(err.where.path).toBe('spec.scaleOptions.keda.triggers[1].type');
  });
});

describe('helpers', () => {
  it('splits host:port', () => {
    expect(splitHostPort('kafka:9092', 1)).toEqual({ host: 'kafka', port: 9092 });
    expect(splitHostPort('nats://n', 4222)).toEqual({ host: 'n', port: 4222 });
    expect(splitHostPort('[::1]:6379', 1)).toEqual({ host: '::1', port: 6379 });
  });

  it("parses XINFO GROUPS' flat reply, with and without lag", () => {
    const reply = [
      ['name', 'g', 'consumers', 1, 'pending', 2, 'last-delivered-id', '5-0', 'entries-read', 5, 'lag', 3],
      ['name', 'h', 'consumers', 0, 'pending', 0, 'last-delivered-id', '0-0', 'entries-read', null, 'lag', null],
    ];
    expect(parseXinfoGroups(reply)).toEqual([
      { name: 'g', pending: 2, lastDeliveredId: '5-0', lag: 3 },
      { name: 'h', pending: 0, lastDeliveredId: '0-0' },
    ]);
  });
});
