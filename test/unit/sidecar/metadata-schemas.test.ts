import { describe, expect, it } from 'vitest';

import { cronMetadata } from '../../../src/dapr-components/bindings/cron/index.js';
import { httpBindingMetadata } from '../../../src/dapr-components/bindings/http/index.js';
import { mqttBindingMetadata } from '../../../src/dapr-components/bindings/mqtt3/index.js';
import { COMPONENT_PLUGINS, findPlugin } from '../../../src/dapr-components/index.js';
import { isTruthy } from '../../../src/dapr-components/metadata.js';
import { jetStreamMetadata } from '../../../src/dapr-components/pubsub/jetstream/index.js';
import { redisPubSubMetadata } from '../../../src/dapr-components/pubsub/redis/index.js';
import { redisStateMetadata } from '../../../src/dapr-components/state/redis/index.js';

describe('component metadata schemas', () => {
  it('match names case-insensitively, coerce strings and apply defaults', () => {
    const md = redisPubSubMetadata.parse({ REDISHOST: 'localhost:6379', enabletls: 'TRUE', processingTimeout: '1s', redeliverInterval: '250', queueDepth: '5' });
    expect(md).toMatchObject({ redisHost: 'localhost:6379', enableTLS: true, processingTimeout: 1000, redeliverInterval: 250, queueDepth: 5, concurrency: 10, redisDB: 0 });
  });

  it('treat an empty value as unset', () => {
    expect(redisStateMetadata.parse({ redisHost: 'h:1', redisPassword: '' }).redisPassword).toBeUndefined();
  });

  it('name the failing field in errors', () => {
    const bad = redisPubSubMetadata.safeParse({ redisHost: 'h', processingTimeout: 'soon', queueDepth: 'many' });
    expect(bad.success).toBe(false);
    const text = JSON.stringify(bad.error?.issues);
    expect(text).toContain('processingTimeout');
    expect(text).toContain('queueDepth');
    expect(redisStateMetadata.safeParse({}).success).toBe(false);
  });

  it('use Dapr truthiness for booleans', () => {
    expect(['1', 'true', 'T', 'yes', 'on', 'Y'].every(isTruthy)).toBe(true);
    expect(['0', 'false', 'no', 'off', 'maybe'].some(isTruthy)).toBe(false);
  });

  it('validate the cron schedule at load time', () => {
    expect(cronMetadata.safeParse({ schedule: '@every 2s' }).success).toBe(true);
    const bad = cronMetadata.safeParse({ schedule: 'every now and then' });
    expect(JSON.stringify(bad.error?.issues)).toContain('invalid schedule format');
    expect(JSON.stringify(cronMetadata.safeParse({}).error?.issues)).toContain('schedule not set');
  });

  it('require url, topic and consumerID for bindings.mqtt3 and url for bindings.http', () => {
    const mqtt = mqttBindingMetadata.safeParse({ url: 'tcp://localhost:1883' });
    expect(JSON.stringify(mqtt.error?.issues)).toMatch(/missing topic.*missing consumerID|missing consumerID.*missing topic/);
    expect(mqttBindingMetadata.parse({ url: 'tcp://h:1', topic: 't', consumerID: 'c', backOffMaxRetries: '-1' }).backOffMaxRetries).toBe(-1);
    expect(httpBindingMetadata.safeParse({ url: 'not a url' }).success).toBe(false);
    expect(httpBindingMetadata.parse({ url: 'http://x', maxResponseBodySize: '1Ki', errorIfNot2XX: 'false' })).toMatchObject({ maxResponseBodySize: 1024, errorIfNot2XX: false });
  });

  it('default the JetStream deliver policy to all (upstream code), and reject unknown ones', () => {
    expect(jetStreamMetadata.parse({ natsURL: 'nats://x' }).deliverPolicy).toBe('all');
    expect(jetStreamMetadata.safeParse({ natsURL: 'nats://x', deliverPolicy: 'sometimes' }).success).toBe(false);
  });

  it('registers every type of the brief, aliases included', () => {
    for (const type of [
      'state.in-memory', 'pubsub.in-memory', 'bindings.cron', 'bindings.http', 'bindings.localstorage', 'state.redis', 'pubsub.redis',
      'bindings.redis', 'bindings.mqtt3', 'bindings.mqtt', 'pubsub.mqtt3', 'pubsub.mqtt', 'pubsub.jetstream',
    ]) {
      expect(findPlugin(type), type).toBeDefined();
    }
    expect(COMPONENT_PLUGINS['bindings.mqtt']).toBe(COMPONENT_PLUGINS['bindings.mqtt3']);
    expect(findPlugin('state.postgresql')).toBeUndefined();
    expect(findPlugin('toString')).toBeUndefined();
  });
});
