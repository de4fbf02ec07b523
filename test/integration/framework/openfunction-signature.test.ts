import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { buildBundle, cleanUp, fixture, startFramework } from './support/framework-process.js';
import { FakeSidecar } from './support/fake-sidecar.js';

beforeAll(() => buildBundle());

const sidecar = new FakeSidecar();
afterEach(async () => {
  await cleanUp();
  await sidecar.stop();
  sidecar.requests.length = 0;
});

const funcContext = {
  name: 'function-front',
  version: 'v1.0.0',
  runtime: 'Knative',
  port: '8080',
  outputs: {
    'kafka-server': {
      uri: 'kafka-server',
      componentName: 'kafka-server',
      componentType: 'bindings.kafka',
      operation: 'create',
      metadata: { partitionKey: 'p1' },
    },
    'mqtt-pub': { uri: 'pub/topic', componentName: 'mqtt-pubsub', componentType: 'pubsub.mqtt' },
  },
};

describe('openfunction signature (sync runtime)', () => {
  it('replies 204 when the function does not answer', async () => {
    const fw = await startFramework({ source: fixture('openfunction'), target: 'noResponse', signatureType: 'openfunction' });
    const res = await fetch(fw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(204);
  });

  it('lets the function answer through ctx.res and reads FUNC_CONTEXT through ctx', async () => {
    const fw = await startFramework({
      source: fixture('openfunction'),
      target: 'withRes',
      signatureType: 'openfunction',
      env: { FUNC_CONTEXT: JSON.stringify(funcContext), DAPR_HTTP_PORT: '3999' },
    });
    const res = await fetch(`${fw.url}/any/path`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"msg":"hi"}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'function-front',
      version: 'v1.0.0',
      data: { msg: 'hi' },
      method: 'POST',
      locals: {},
      sidecarPort: { HTTP: '3999', GRPC: '50001' },
    });
  });

  it('sends to bindings and pubsub outputs through the Dapr sidecar HTTP API', async () => {
    await sidecar.start();
    sidecar.metadataFailures = 1;
    const fw = await startFramework({
      source: fixture('openfunction'),
      target: 'forward',
      signatureType: 'openfunction',
      env: { FUNC_CONTEXT: JSON.stringify(funcContext), DAPR_HTTP_PORT: String(sidecar.port) },
    });
    const res = await fetch(fw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":7}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { status: 'fulfilled', value: { delivered: true } },
      { status: 'fulfilled', value: true },
    ]);

    const calls = sidecar.requests.filter((r) => r.url !== '/v1.0/metadata');
    expect(sidecar.requests.filter((r) => r.url === '/v1.0/metadata').length).toBe(2);
    expect(calls).toHaveLength(2);
    const binding = calls.find((r) => r.url === '/v1.0/bindings/kafka-server');
    expect(binding).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(JSON.parse(binding!.body)).toEqual({ operation: 'create', data: { n: 7 }, metadata: { partitionKey: 'p1' } });
    const publish = calls.find((r) => r.url.startsWith('/v1.0/publish/'));
    expect(publish).toMatchObject({ method: 'POST', url: '/v1.0/publish/mqtt-pubsub/pub/topic?', body: '{"n":7}' });

    // Only the named output.
    sidecar.requests.length = 0;
    const one = await fetch(`${fw.url}/?output=mqtt-pub`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":8}',
    });
    expect(await one.json()).toEqual([{ status: 'fulfilled', value: true }]);
    expect(sidecar.requests.map((r) => r.url)).toEqual(['/v1.0/publish/mqtt-pubsub/pub/topic?']);
  });

  it('answers 500 with X-OpenFunction-Status: error, then serves the next request', async () => {
    const fw = await startFramework({ source: fixture('openfunction'), target: 'fails', signatureType: 'openfunction' });
    const res = await fetch(fw.url, { method: 'POST' });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-openfunction-status')).toBe('error');
    expect(await res.text()).toBe('openfunction failure');
    await expect.poll(() => fw.stderr()).toContain('Error: openfunction failure');

    // Upstream keeps ctx.error across requests; here every request starts clean.
    const again = await fetch(fw.url, { method: 'POST' });
    expect(again.status).toBe(500);
    expect(fw.process.exitCode).toBeNull();
  });
});
