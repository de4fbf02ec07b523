/**
 * bindings.kafka and pubsub.kafka against a real broker, when one answers at
 * OFN_LOCAL_KAFKA (host:port); skipped with a message otherwise (Kafka is not installed
 * on every machine).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { kafkaBroker, stopAllBrokers } from '../../helpers/brokers.js';
import { api, cleanup, component, startApp, startSidecar, waitUntil } from './harness.js';
import { describeSidecars } from '../../helpers/daprd.js';

const broker = await kafkaBroker();
if (!broker) console.warn('skipping kafka tests: no Kafka broker answers at OFN_LOCAL_KAFKA (set it to host:port to run them)');

afterAll(async () => {
  await cleanup();
  await stopAllBrokers();
});

describe.skipIf(!broker)('kafka', () => {
  describeSidecars((kind) => {
    // Topics and groups of their own per sidecar: the broker is shared.
    const suffix = `${kind}-${process.pid}-${Date.now()}`;
    afterAll(cleanup);

    it('round-trips through pubsub.kafka with at-least-once delivery and record metadata', async () => {
      let calls = 0;
      const topic = `ofn-pubsub-${suffix}`;
      const app = await startApp((req) => {
        if (req.path === '/dapr/subscribe') return { body: JSON.stringify([{ pubsubname: 'k', topic, route: '/in' }]) };
        if (req.path === '/in') return ++calls === 1 ? { status: 500 } : { body: '{"status":"SUCCESS"}' };
        return { status: 404 };
      });
      const sidecar = await startSidecar({ kind, appId: `kafka-app-${suffix}`, appPort: app.port, resources: { 'c.yaml': component('k', 'pubsub.kafka', { brokers: broker!, authType: 'none', initialOffset: 'oldest' }) } });
      await sidecar.ready;
      await new Promise((r) => setTimeout(r, 2000));
      expect((await api(sidecar, 'POST', `/v1.0/publish/k/${topic}?metadata.partitionKey=key-1`, { n: 1 })).status).toBe(204);
      await waitUntil(() => calls >= 2, 30_000, 'retried delivery', sidecar.logText);
      const got = app.received('/in')[1]!;
      expect(got.headers.__key).toBe('key-1');
      expect(got.headers.__topic).toBe(topic);
      expect(JSON.parse(got.body)).toMatchObject({ data: { n: 1 } });
    }, 60_000);

    it('sends through bindings.kafka output and reads it back through the input side', async () => {
      const topic = `ofn-binding-${suffix}`;
      const app = await startApp();
      const sidecar = await startSidecar({ kind,
        appId: `kafka-binding-${suffix}`,
        appPort: app.port,
        resources: { 'c.yaml': component('kb', 'bindings.kafka', { brokers: broker!, authType: 'none', topics: topic, publishTopic: topic, consumerGroup: `g-${suffix}`, initialOffset: 'oldest' }) },
      });
      await sidecar.ready;
      expect((await api(sidecar, 'POST', '/v1.0/bindings/kb', { operation: 'create', data: { hello: 'kafka' }, metadata: { partitionKey: 'p' } })).status).toBe(204);
      await waitUntil(() => app.received('/kb').length >= 1, 30_000, 'the input event', sidecar.logText);
      expect(app.received('/kb')[0]!.body).toBe('{"hello":"kafka"}');
    }, 60_000);
  });
});
