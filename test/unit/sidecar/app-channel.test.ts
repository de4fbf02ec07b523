import { describe, expect, it } from 'vitest';

import { bulkDeliveryOutcomes, deliveryOutcome } from '../../../src/sidecar/app-channel/delivery-outcome.js';
import { parseSubscriptions } from '../../../src/sidecar/app-channel/subscriptions.js';
import { silentLogger } from '../../../src/sidecar/logger.js';
import { eventHeaders } from '../../../src/sidecar/runtime/input-bindings.js';

const b = (s: string): Buffer => Buffer.from(s);

describe('pubsub delivery outcomes (daprd table)', () => {
  it.each([
    [200, '', 'SUCCESS'],
    [204, '', 'SUCCESS'],
    [200, 'ok', 'SUCCESS'],
    [200, '{"x":1}', 'SUCCESS'],
    [200, '{"status":""}', 'SUCCESS'],
    [200, '{"status":"SUCCESS"}', 'SUCCESS'],
    [200, '{"status":"RETRY"}', 'RETRY'],
    [200, '{"status":"DROP"}', 'DROP'],
    [200, '{"status":"success"}', 'RETRY'],
    [200, '{"status":"WHATEVER"}', 'RETRY'],
    [404, 'not here', 'DROP'],
    [500, 'boom', 'RETRY'],
    [400, '', 'RETRY'],
  ])('%i %s → %s', (status, body, outcome) => {
    expect(deliveryOutcome(status, b(body)).outcome).toBe(outcome);
  });

  it('reads bulk answers per entry; missing or unknown statuses retry', () => {
    const out = bulkDeliveryOutcomes(200, b('{"statuses":[{"entryId":"1","status":"SUCCESS"},{"entryId":"2","status":"DROP"},{"entryId":"3","status":"?"}]}'), ['1', '2', '3', '4']);
    expect(Object.fromEntries(out)).toEqual({ 1: 'SUCCESS', 2: 'DROP', 3: 'RETRY', 4: 'RETRY' });
    expect(Object.fromEntries(bulkDeliveryOutcomes(404, b(''), ['1']))).toEqual({ 1: 'DROP' });
  });
});

describe('GET /dapr/subscribe answers', () => {
  it('reads the SDK shapes: route, routes with rules and default, metadata, deadLetterTopic', () => {
    const subs = parseSubscriptions(
      200,
      b(JSON.stringify([
        { pubsubname: 'bus', topic: 'a', route: '/bus--a--default' },
        { pubsubName: 'bus', topic: 'b', routes: { rules: [{ match: 'event.type == "x"', path: '/x' }], default: '/d' }, route: '/ignored', metadata: { rawPayload: 'true' }, deadLetterTopic: 'dlq' },
        { pubsubname: 'bus', topic: 'no-route' },
        { topic: 'no-pubsub', route: '/r' },
      ])),
      silentLogger,
    );
    expect(subs).toEqual([
      expect.objectContaining({ pubsubname: 'bus', topic: 'a', rules: [{ path: '/bus--a--default' }], type: 'PROGRAMMATIC' }),
      expect.objectContaining({ topic: 'b', rules: [{ match: 'event.type == "x"', path: '/x' }, { path: '/d' }], metadata: { rawPayload: 'true' }, deadLetterTopic: 'dlq' }),
    ]);
  });

  it('treats 404, an empty body and non-arrays as no subscriptions', () => {
    expect(parseSubscriptions(404, b(''), silentLogger)).toEqual([]);
    expect(parseSubscriptions(200, b(''), silentLogger)).toEqual([]);
    expect(parseSubscriptions(200, b('{"x":1}'), silentLogger)).toEqual([]);
    expect(parseSubscriptions(500, b('[]'), silentLogger)).toEqual([]);
  });
});

describe('input binding event headers', () => {
  it('sends metadata as Go-canonical headers with a JSON content type', () => {
    expect(eventHeaders({ timeZone: 'Local', readTimeUTC: 't', topic: 'x', 'bad\nheader': 'v' })).toEqual({
      'content-type': 'application/json',
      Timezone: 'Local',
      Readtimeutc: 't',
      Topic: 'x',
    });
  });
});
