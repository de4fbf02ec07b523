import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { FakeSidecar } from './support/fake-sidecar.js';
import { buildBundle, cleanUp, fixture, startFramework } from './support/framework-process.js';

beforeAll(() => buildBundle());

// The test plays daprd: it calls the app's routes as the sidecar would, and the fake sidecar records
// what the function sends back through the Dapr HTTP API.
const sidecar = new FakeSidecar();
afterEach(async () => {
  await cleanUp();
  await sidecar.stop();
  sidecar.requests.length = 0;
});

const context = {
  name: 'sample-node-async',
  version: 'v2.0.0',
  inputs: {
    'mqtt-in': { uri: 'mqtt-in', componentName: 'mqtt-in', componentType: 'bindings.mqtt' },
    'mqtt-pubsub': { uri: 'Sub', componentName: 'MQTT-pubsub', componentType: 'pubsub.mqtt' },
  },
  outputs: { 'mqtt-out': { uri: 'mqtt-out', componentName: 'mqtt-out', componentType: 'bindings.mqtt', operation: 'create' } },
  runtime: 'Async',
  port: '8080',
};

async function start(target: string) {
  await sidecar.start();
  return startFramework({
    source: fixture('async'),
    target,
    signatureType: 'openfunction',
    env: { FUNC_CONTEXT: JSON.stringify(context), DAPR_HTTP_PORT: String(sidecar.port) },
  });
}

describe('async runtime (Dapr app server)', () => {
  it('lists pubsub inputs for daprd, with the SDK route names', async () => {
    const fw = await start('tryAsync');
    const subs = await (await fetch(`${fw.url}/dapr/subscribe`)).json();
    expect(subs).toEqual([{ pubsubname: 'MQTT-pubsub', topic: 'Sub', route: '/mqtt-pubsub--sub--default' }]);
  });

  it('answers the input binding probe and passes binding data to the function, which sends it on', async () => {
    const fw = await start('tryAsync');
    expect((await fetch(`${fw.url}/mqtt-in`, { method: 'OPTIONS' })).status).toBe(200);
    const res = await fetch(`${fw.url}/mqtt-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    expect(res.status).toBe(200);
    const sent = sidecar.requests.find((r) => r.url === '/v1.0/bindings/mqtt-out');
    expect(JSON.parse(sent!.body)).toEqual({ operation: 'create', data: { n: 1 }, metadata: {} });
  });

  it("passes a topic event's data (not the envelope) and acks with SUCCESS", async () => {
    const fw = await start('tryAsync');
    const envelope = { specversion: '1.0', id: '1', source: 'x', type: 'com.dapr.event.sent', topic: 'Sub', pubsubname: 'MQTT-pubsub', data: { hello: 'topic' } };
    const res = await fetch(`${fw.url}/mqtt-pubsub--sub--default`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(envelope) });
    expect(await res.json()).toEqual({ status: 'SUCCESS' });
    const sent = sidecar.requests.find((r) => r.url === '/v1.0/bindings/mqtt-out');
    expect(JSON.parse(sent!.body).data).toEqual({ hello: 'topic' });
  });

  it('answers 500 COULD_NOT_PROCESS_CALLBACK on a binding and DROP on a topic when the function throws', async () => {
    const fw = await start('failing');
    const b = await fetch(`${fw.url}/mqtt-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(b.status).toBe(500);
    expect(((await b.json()) as { error: string }).error).toBe('COULD_NOT_PROCESS_CALLBACK');
    const t = await fetch(`${fw.url}/mqtt-pubsub--sub--default`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data":1}' });
    expect(await t.json()).toEqual({ status: 'DROP' });
    await expect.poll(() => fw.stderr()).toContain('async failure');
  });
});
