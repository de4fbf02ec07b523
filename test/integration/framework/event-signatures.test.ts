import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { buildBundle, cleanUp, fixture, startFramework } from './support/framework-process.js';

beforeAll(() => buildBundle());
afterEach(cleanUp);

const binaryHeaders = {
  'ce-specversion': '1.0',
  'ce-id': 'evt-1',
  'ce-type': 'dev.ofn.test',
  'ce-source': '/tests',
  'ce-subject': 'binary',
  'content-type': 'application/json',
};

describe('cloudevent signature', () => {
  it('reads a binary-mode event and sends the return value', async () => {
    const fw = await startFramework({ source: fixture('events'), target: 'describeEvent', signatureType: 'cloudevent' });
    const res = await fetch(fw.url, {
      method: 'POST',
      headers: { ...binaryHeaders, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      body: JSON.stringify({ hello: 'binary' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      isCloudEvent: true,
      id: 'evt-1',
      type: 'dev.ofn.test',
      source: '/tests',
      specversion: '1.0',
      subject: 'binary',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      data: { hello: 'binary' },
    });
  });

  it('reads a structured-mode event', async () => {
    const fw = await startFramework({ source: fixture('events'), target: 'describeEvent', signatureType: 'cloudevent' });
    const event = { specversion: '1.0', id: 'evt-2', type: 'dev.ofn.structured', source: '/tests', data: { n: 2 } };
    const res = await fetch(fw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      body: JSON.stringify(event),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ isCloudEvent: true, id: 'evt-2', type: 'dev.ofn.structured', data: { n: 2 } });
  });

  it('answers through the callback of a (cloudevent, callback) function', async () => {
    const fw = await startFramework({ source: fixture('events'), target: 'withCallback', signatureType: 'cloudevent' });
    const res = await fetch(fw.url, { method: 'POST', headers: binaryHeaders, body: '{"p":1}' });
    expect(await res.json()).toEqual({ echoed: { p: 1 } });
  });

  it('answers 204 when the function returns nothing, and only accepts POST', async () => {
    const fw = await startFramework({ source: fixture('events'), target: 'nothing', signatureType: 'cloudevent' });
    const res = await fetch(fw.url, { method: 'POST', headers: binaryHeaders, body: '{}' });
    expect(res.status).toBe(204);
    expect((await fetch(fw.url)).status).toBe(404);
  });

  it('answers 500 with the error status header when the function rejects', async () => {
    const fw = await startFramework({ source: fixture('events'), target: 'failingEvent', signatureType: 'cloudevent' });
    const res = await fetch(fw.url, { method: 'POST', headers: binaryHeaders, body: '{}' });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-openfunction-status')).toBe('error');
    expect(await res.text()).toBe('cannot handle this event');
  });
});

describe('event signature (legacy)', () => {
  it('splits {context, data} bodies and reads binary CloudEvents', async () => {
    const fw = await startFramework({ source: fixture('events'), target: 'legacy', signatureType: 'event' });
    const split = await fetch(fw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ context: { eventId: 'e1' }, data: { v: 1 } }),
    });
    expect(await split.json()).toEqual({ context: { eventId: 'e1' }, data: { v: 1 } });

    const flat = await fetch(fw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ eventId: 'e2', data: { v: 2 } }),
    });
    expect(await flat.json()).toEqual({ context: { eventId: 'e2' }, data: { v: 2 } });

    const binary = await fetch(fw.url, { method: 'POST', headers: binaryHeaders, body: '{"v":3}' });
    expect(await binary.json()).toMatchObject({ context: { id: 'evt-1', type: 'dev.ofn.test' }, data: { v: 3 } });
  });
});
