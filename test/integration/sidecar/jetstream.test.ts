/** pubsub.jetstream against a real nats-server -js: the contract, and through the sidecar with redelivery on failure. */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { brokerAvailable, startBroker, type StartedBroker } from '../../helpers/brokers.js';
import { jetStreamMetadata } from '../../../src/dapr-components/pubsub/jetstream/index.js';
import { JetStreamPubSub } from '../../../src/dapr-components/pubsub/jetstream/pubsub.js';
import { silentLogger } from '../../../src/sidecar/logger.js';
import { describePubSub } from '../../unit/sidecar/contracts/pubsub-contract.js';
import { api, cleanup, component, startApp, startSidecar, waitUntil } from './harness.js';
import { describeSidecars } from '../../helpers/daprd.js';

const available = brokerAvailable('nats');

describe.skipIf(!available)('jetstream', () => {
  let nats: StartedBroker;
  let nc: NatsConnection;

  const ensureStream = async (subject: string): Promise<void> => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: subject.replace(/[^A-Za-z0-9_-]/g, '_'), subjects: [subject] });
  };

  beforeAll(async () => {
    nats = await startBroker('nats');
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await cleanup();
    await nats?.stop();
  });

  describePubSub('pubsub.jetstream', async () => {
    const pubsub = new JetStreamPubSub({ ...jetStreamMetadata.parse({ natsURL: nats.url }), name: 'contract', backOffMs: [] } as never, silentLogger);
    await pubsub.init();
    return { pubsub, prepareTopic: ensureStream, dispose: () => pubsub.close() };
  });

  describeSidecars((kind) => {
    // What one sidecar's tests started ends before the other's start: they share the broker.
    afterAll(cleanup);
    it('delivers through the sidecar with metadata Topic, and redelivers a NAKed message', async () => {
      await ensureStream('js-orders');
      let calls = 0;
      const app = await startApp((req) => {
        if (req.path === '/dapr/subscribe') return { body: JSON.stringify([{ pubsubname: 'js', topic: 'js-orders', route: '/orders' }]) };
        if (req.path === '/orders') return ++calls === 1 ? { body: '{"status":"RETRY"}' } : { body: '{"status":"SUCCESS"}' };
        return { status: 404 };
      });
      const sidecar = await startSidecar({ kind,
        appId: 'js-app',
        appPort: app.port,
        resources: { 'c.yaml': component('js', 'pubsub.jetstream', { natsURL: nats.url, durableName: `js-app-${kind}`, ackWait: '200ms', maxDeliver: '5' }) },
      });
      await sidecar.ready;
      expect((await api(sidecar, 'POST', '/v1.0/publish/js/js-orders', { n: 1 })).status).toBe(204);
      await waitUntil(() => calls >= 2, 8000, 'redelivery after NAK', sidecar.logText);
      const first = app.received('/orders')[0]!;
      expect(first.headers.topic).toBe('js-orders');
      expect(JSON.parse(first.body)).toMatchObject({ data: { n: 1 }, source: 'js-app' });
    });

    it('fails the subscription with a clear message when no stream covers the topic', async () => {
      const app = await startApp((req) => (req.path === '/dapr/subscribe' ? { body: JSON.stringify([{ pubsubname: 'js', topic: 'nowhere', route: '/x' }]) } : {}));
      const sidecar = await startSidecar({ kind, appId: 'js-missing', appPort: app.port, resources: { 'c.yaml': component('js', 'pubsub.jetstream', { natsURL: nats.url }) } });
      await sidecar.ready;
      // Each says it in its own words (daprd passes on the NATS client's).
      expect(sidecar.logText()).toMatch(kind === 'embedded' ? /no JetStream stream covers subject nowhere/ : /failed to subscribe to topic nowhere: nats: no stream matches subject/);
    });
  });
});
