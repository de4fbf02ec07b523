import { afterEach, describe, expect, it } from 'vitest';

import { EventsEngine, EventsError, type EventHop } from '../../../src/events/runtime/index.js';
import { eventDoc, modelOf, sinkServer, tempDir, waitFor } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CE = 'application/cloudevents+json';
const GOOD = { specversion: '1.0', id: 'order-1', source: 'shop', type: 'order.created', data: { n: 1 } };

/** An engine with webhook `hook` of EventSource `es`, on the default bus and to a sink. */
async function engine(): Promise<{ engine: EventsEngine; hops: EventHop[]; received: () => string[] }> {
  const sink = await sinkServer();
  cleanups.push(() => sink.close());
  const t = await tempDir();
  cleanups.push(t.remove);
  const hops: EventHop[] = [];
  const model = modelOf([eventDoc('EventSource', 'es', 'default', { eventBus: 'default', sink: { uri: `${sink.url}/in` }, http: { hook: {} } })]);
  const e = new EventsEngine({ model, stateDir: t.dir, retry: { attempts: 2, initialMs: 10, maxMs: 20 }, onHop: (h) => hops.push(h) });
  cleanups.push(() => e.stop());
  await e.start();
  return { engine: e, hops, received: () => sink.received.map((r) => r.body) };
}

async function refusal(p: Promise<string>): Promise<EventsError> {
  const err = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(err).toBeInstanceOf(EventsError);
  expect((err as EventsError).code).toBe('ERR_EVENTS_INVALID_EVENT');
  // The gateway answers a webhook with this status.
  expect((err as EventsError).status).toBe(400);
  return err as EventsError;
}

describe('webhook events that would not be delivered are refused before they get an id', () => {
  it('structured mode: not JSON, not an object, or without a required attribute', async () => {
    const { engine: e, hops } = await engine();
    const hook = (body: string, headers: Record<string, string> = {}) => e.handleWebhook('default', 'es', 'hook', Buffer.from(body), CE, headers);

    expect((await refusal(hook('order 1'))).message).toMatch(/^the body is not JSON \(.+\), yet its content-type application\/cloudevents\+json says it is a structured CloudEvent$/);
    expect((await refusal(hook('[1,2]'))).message).toBe('a structured CloudEvent (content-type application/cloudevents+json) is a JSON object; this body is an array');
    const { specversion: _s, id: _i, ...noVersionNoId } = GOOD;
    expect((await refusal(hook(JSON.stringify(noVersionNoId)))).message).toBe(
      'the CloudEvent lacks the required attributes specversion and id (every CloudEvent has specversion, id, source and type)',
    );
    expect((await refusal(hook(JSON.stringify({ ...GOOD, type: '' })))).message).toBe(
      'the CloudEvent lacks the required attribute type (every CloudEvent has specversion, id, source and type)',
    );
    // The SDK's own checks: attribute types and names.
    expect((await refusal(hook(JSON.stringify({ ...GOOD, id: 7 })))).message).toBe('the CloudEvent is not valid: invalid payload (id must be string)');
    expect((await refusal(hook(JSON.stringify({ ...GOOD, 'Bad-Name': 1 })))).message).toMatch(/^the CloudEvent is not valid: invalid attribute name: "Bad-Name"/);
    // Refused events never reached the bus or the sink.
    expect(hops).toEqual([]);
  });

  it('binary mode: ce-* headers without all of the required ones', async () => {
    const { engine: e, hops } = await engine();
    const err = await refusal(
      e.handleWebhook('default', 'es', 'hook', Buffer.from('{"n":1}'), 'application/json', { 'ce-id': 'order-1', 'ce-specversion': '1.0' }),
    );
    expect(err.message).toBe('a binary-mode CloudEvent (ce-* headers) needs ce-specversion, ce-id, ce-source and ce-type; this request lacks ce-source and ce-type');
    expect(hops).toEqual([]);
  });

  it('accepts a well-formed CloudEvent in either mode and a plain payload, and delivers them', async () => {
    const { engine: e, hops, received } = await engine();
    const ids = [
      await e.handleWebhook('default', 'es', 'hook', Buffer.from(JSON.stringify(GOOD)), `${CE}; charset=utf-8`),
      await e.handleWebhook('default', 'es', 'hook', Buffer.from('{"n":2}'), 'application/json', {
        'ce-specversion': '1.0',
        'ce-id': 'order-2',
        'ce-source': 'shop',
        'ce-type': 'order.created',
      }),
      await e.handleWebhook('default', 'es', 'hook', Buffer.from('plain'), 'text/plain'),
    ];
    await waitFor(() => received().length === 3, 'three deliveries to the sink');
    for (const id of ids) expect(hops.filter((h) => h.id === id).map((h) => `${h.stage}:${h.status}`)).toEqual(['source:ok', 'bus:ok', 'sink:ok']);
  });

  it('an injected event (ofn-local events publish, the test API) gets the same check', async () => {
    const { engine: e } = await engine();
    expect((await refusal(e.inject('default', 'es', 'hook', Buffer.from('{"id":"x"}'), CE))).message).toBe(
      'the CloudEvent lacks the required attributes specversion, source and type (every CloudEvent has specversion, id, source and type)',
    );
  });
});
