/**
 * bindings.mqtt3 / bindings.mqtt and pubsub.mqtt3 / pubsub.mqtt against a real Mosquitto,
 * including the two shapes OpenFunction's Node async samples use (MQTT binding in →
 * localstorage out; MQTT pubsub in → pubsub out on the same component), driven by the
 * @dapr/dapr 2.5.0 DaprServer/DaprClient the functions framework uses.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import mqtt, { type MqttClient } from 'mqtt';
import { CommunicationProtocolEnum, DaprClient, DaprServer, LogLevel } from 'dapr-sdk-2-5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { brokerAvailable, freePort, startBroker, type StartedBroker } from '../../helpers/brokers.js';
import { mqttPubSubMetadata } from '../../../src/dapr-components/pubsub/mqtt3/index.js';
import { MqttPubSub } from '../../../src/dapr-components/pubsub/mqtt3/pubsub.js';
import { silentLogger } from '../../../src/sidecar/logger.js';
import { describePubSub } from '../../unit/sidecar/contracts/pubsub-contract.js';
import { api, cleanup, component, startApp, startSidecar, waitUntil } from './harness.js';
import { describeSidecars } from '../../helpers/daprd.js';

const available = brokerAvailable('mosquitto');
const quiet = { logger: { level: LogLevel.Error } };

async function watcher(url: string, topic: string): Promise<{ client: MqttClient; messages: { topic: string; payload: string }[] }> {
  const client = await mqtt.connectAsync(url, { clientId: `watcher-${Math.random().toString(16).slice(2)}` });
  const messages: { topic: string; payload: string }[] = [];
  client.on('message', (t, p) => messages.push({ topic: t, payload: p.toString() }));
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, messages };
}

describe.skipIf(!available)('mqtt', () => {
  let broker: StartedBroker;
  let filesRoot: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    broker = await startBroker('mosquitto');
    filesRoot = await mkdtemp(path.join(os.tmpdir(), 'ofn-mqtt-files-'));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync().catch(() => {})));
    await cleanup();
    await broker?.stop();
    await rm(filesRoot, { recursive: true, force: true });
  });

  describePubSub('pubsub.mqtt3', async () => {
    const md = mqttPubSubMetadata.parse({ url: broker.url, consumerID: `contract-${process.pid}` });
    const pubsub = new MqttPubSub({ ...md, consumerID: md.consumerID!, qos: 1 }, silentLogger);
    await pubsub.init();
    return { pubsub, dispose: () => pubsub.close() };
  }, { wildcards: true });

  describeSidecars((kind) => {
    // What one sidecar's tests started ends before the other's start: they share the broker.
    afterAll(cleanup);
    it('binding in → function → localstorage out, as the framework test does (bindings.mqtt alias, {uuid} client id)', async () => {
      const appPort = await freePort();
      const sidecar = await startSidecar({ kind,
        appId: 'async-dapr',
        appPort,
        resources: {
          'c.yaml': [
            component('mqtt-in', 'bindings.mqtt', { url: broker.url, topic: 'default', consumerID: '{uuid}' }),
            component('local', 'bindings.localstorage', { rootPath: filesRoot }),
          ].join('---\n'),
        },
      });
      const daprPort = String(sidecar.httpPort);
      const server = new DaprServer('127.0.0.1', String(appPort), '127.0.0.1', daprPort, CommunicationProtocolEnum.HTTP, quiet);
      const client = new DaprClient('127.0.0.1', daprPort, CommunicationProtocolEnum.HTTP, quiet);
      await server.binding.receive('mqtt-in', async (data: unknown) => {
        await client.binding.send('local', 'create', data, { fileName: 'from-mqtt.json' });
      });
      await server.start();
      try {
        await sidecar.ready;
        const md = (await client.metadata.get()) as { components: { name: string; capabilities: string[] }[] };
        expect(md.components.find((c) => c.name === 'mqtt-in')?.capabilities).toEqual(['INPUT_BINDING', 'OUTPUT_BINDING']);
        const pub = await mqtt.connectAsync(broker.url);
        clients.push(pub);
        await pub.publishAsync('default', JSON.stringify({ temperature: 21 }), { qos: 1 });
        // The file is there as soon as it is created, before its content is written (daprd's localstorage): wait for the content.
        const content = () => readFile(path.join(filesRoot, 'from-mqtt.json'), 'utf8').catch(() => '');
        await waitUntil(async () => (await content()) !== '', 8000, 'the file', sidecar.logText);
        expect(JSON.parse(await content())).toEqual({ temperature: 21 });
      } finally {
        await server.stop();
      }
    });

    it('publishes through the output binding as JSON-encoded data, topic overridable per request', async () => {
      const sidecar = await startSidecar({ kind, appId: 'mqtt-out', resources: { 'c.yaml': component('out', 'bindings.mqtt3', { url: broker.url, topic: 'out-default', consumerID: 'out-client', direction: 'output' }) } });
      const w = await watcher(broker.url, 'out-#'.replace('-#', '/#'));
      const w2 = await watcher(broker.url, 'out-default');
      clients.push(w.client, w2.client);
      expect((await api(sidecar, 'POST', '/v1.0/bindings/out', { operation: 'create', data: 'hello' })).status).toBe(204);
      expect((await api(sidecar, 'POST', '/v1.0/bindings/out', { operation: 'create', data: { a: 1 }, metadata: { topic: 'out/special' } })).status).toBe(204);
      await waitUntil(() => w2.messages.length === 1 && w.messages.length === 1, 5000, 'both messages');
      expect(w2.messages[0]?.payload).toBe('"hello"');
      expect(w.messages[0]).toEqual({ topic: 'out/special', payload: '{"a":1}' });
      const md = (await api(sidecar, 'GET', '/v1.0/metadata')).json() as { components: { capabilities: string[] }[] };
      expect(md.components[0]?.capabilities).toEqual(['OUTPUT_BINDING']);
    });

    it('retries a failing input event per backOffMaxRetries, then succeeds', async () => {
      let calls = 0;
      const app = await startApp((req) => {
        if (req.path !== '/flaky-in') return { status: 404 };
        if (req.method === 'OPTIONS') return { status: 200 };
        return ++calls === 1 ? { status: 500 } : { status: 200 };
      });
      const sidecar = await startSidecar({ kind,
        appId: 'mqtt-retry',
        appPort: app.port,
        resources: { 'c.yaml': component('flaky-in', 'bindings.mqtt3', { url: broker.url, topic: 'flaky', consumerID: 'flaky-client', backOffMaxRetries: '3', backOffDuration: '50ms' }) },
      });
      await sidecar.ready;
      expect(app.received('/flaky-in', 'OPTIONS')).toHaveLength(1);
      const pub = await mqtt.connectAsync(broker.url);
      clients.push(pub);
      // Retained: the binding may subscribe a moment after the sidecar reports healthy (daprd's
      // mqtt3 does), and a retained message still reaches it then.
      await pub.publishAsync('flaky', 'x', { qos: 1, retain: true });
      try {
        await waitUntil(() => calls >= 2, 10_000, 'the retry', sidecar.logText);
      } finally {
        await pub.publishAsync('flaky', '', { qos: 1, retain: true }); // clears the retained message
      }
      expect(app.received('/flaky-in')[0]?.headers.topic).toBe('flaky');
    });

    it('pubsub in → function → pubsub out on the same component (the Node async pubsub sample)', async () => {
      const appPort = await freePort();
      const sidecar = await startSidecar({ kind,
        appId: 'sample-node-async-pubsub-default',
        appPort,
        resources: { 'c.yaml': component('mqtt-pubsub', 'pubsub.mqtt', { url: broker.url, consumerID: '{uuid}' }) },
      });
      const daprPort = String(sidecar.httpPort);
      const server = new DaprServer('127.0.0.1', String(appPort), '127.0.0.1', daprPort, CommunicationProtocolEnum.HTTP, quiet);
      const client = new DaprClient('127.0.0.1', daprPort, CommunicationProtocolEnum.HTTP, quiet);
      await server.pubsub.subscribe('mqtt-pubsub', 'sub', async (data: unknown) => {
        await client.pubsub.publish('mqtt-pubsub', 'pub', data as object);
      });
      await server.start();
      try {
        await sidecar.ready;
        const w = await watcher(broker.url, 'pub');
        clients.push(w.client);
        // An outside producer publishes a CloudEvent (as a sidecar would) to the input topic.
        expect((await api(sidecar, 'POST', '/v1.0/publish/mqtt-pubsub/sub', { hello: 'mqtt' })).status).toBe(204);
        await waitUntil(() => w.messages.length === 1, 8000, 'the forwarded message', sidecar.logText);
        const ce = JSON.parse(w.messages[0]!.payload) as { data: unknown; topic: string; source: string; type: string };
        expect(ce).toMatchObject({ data: { hello: 'mqtt' }, topic: 'pub', source: 'sample-node-async-pubsub-default', type: 'com.dapr.event.sent' });
      } finally {
        await server.stop();
      }
    });

    it('delivers `retained` metadata as a header and matches wildcard subscriptions', async () => {
      const app = await startApp((req) => (req.path === '/dapr/subscribe' ? { body: JSON.stringify([{ pubsubname: 'm', topic: 'home/+/temp', route: '/temps' }]) } : {}));
      const sidecar = await startSidecar({ kind, appId: 'wild', appPort: app.port, resources: { 'c.yaml': component('m', 'pubsub.mqtt3', { url: broker.url }) } });
      await sidecar.ready;
      await api(sidecar, 'POST', '/v1.0/publish/m/home/kitchen/temp', { c: 20 });
      await api(sidecar, 'POST', '/v1.0/publish/m/home/kitchen/humidity', { h: 1 });
      await waitUntil(() => app.received('/temps').length === 1, 5000, 'the wildcard delivery', sidecar.logText);
      const got = app.received('/temps')[0]!;
      expect(got.headers.retained).toBe('false');
      expect(got.headers.pubsubname).toBe('m');
      expect(JSON.parse(got.body)).toMatchObject({ topic: 'home/kitchen/temp', data: { c: 20 } });
      await new Promise((r) => setTimeout(r, 200));
      expect(app.received('/temps')).toHaveLength(1);
    });
  });
});
