import { describe, expect, it } from 'vitest';

import {
  buildEnvelope,
  hasExpired,
  rawPayloadEnvelope,
  serializeEnvelope,
  type EnvelopeRequest,
} from '../../../src/dapr-components/pubsub/cloudevent-envelope.js';

const base = (over: Partial<EnvelopeRequest> = {}): EnvelopeRequest => ({
  appId: 'publisher',
  pubsubName: 'bus',
  topic: 'orders',
  contentType: 'application/json',
  data: Buffer.from('{"b":1,"a":1.50}'),
  metadata: {},
  componentHasTtl: false,
  now: new Date('2024-05-01T10:00:00Z'),
  ...over,
});

describe('the CloudEvent envelope made at publish time', () => {
  it('wraps JSON as data, with daprd defaults, keys sorted and numbers kept as sent', () => {
    const ce = buildEnvelope(base(), undefined);
    expect(ce).toMatchObject({
      specversion: '1.0',
      source: 'publisher',
      type: 'com.dapr.event.sent',
      datacontenttype: 'application/json',
      topic: 'orders',
      pubsubname: 'bus',
      traceid: '',
      traceparent: '',
      tracestate: '',
    });
    expect(ce.id).toMatch(/^[0-9a-f-]{36}$/);
    const text = serializeEnvelope(ce).toString();
    expect(text).toMatch(/^\{"data":\{"a":1\.50,"b":1\},"datacontenttype":"application\/json","id":/);
    expect(Object.keys(JSON.parse(text) as object)).toEqual([...Object.keys(JSON.parse(text) as object)].sort());
  });

  it('uses text data for text/plain or no content type, base64 for octet-stream, and text when JSON does not parse', () => {
    expect(buildEnvelope(base({ contentType: '', data: Buffer.from('hi') }), undefined)).toMatchObject({ data: 'hi', datacontenttype: 'text/plain' });
    expect(buildEnvelope(base({ contentType: 'application/octet-stream', data: Buffer.from([1, 2]) }), undefined)).toMatchObject({ data_base64: 'AQI=' });
    expect(buildEnvelope(base({ data: Buffer.from('{oops') }), undefined)).toMatchObject({ data: '{oops' });
  });

  it('applies cloudevent.* metadata overrides', () => {
    const ce = buildEnvelope(base({ metadata: { 'cloudevent.id': 'id-1', 'cloudevent.source': 'src', 'cloudevent.type': 'order.created', 'cloudevent.subject': 's', 'cloudevent.traceparent': 'tp' } }), undefined);
    expect(ce).toMatchObject({ id: 'id-1', source: 'src', type: 'order.created', subject: 's', traceid: 'tp', traceparent: 'tp' });
  });

  it('keeps a CloudEvent body as sent, overwriting topic and pubsubname and filling defaults', () => {
    const ce = buildEnvelope(base({ contentType: 'application/cloudevents+json', data: Buffer.from('{"id":"x","specversion":"1.0","type":"t","source":"s","data":{"k":1},"topic":"wrong","traceid":"keep"}') }), undefined);
    expect(ce).toMatchObject({ id: 'x', type: 't', source: 's', topic: 'orders', pubsubname: 'bus', traceid: 'keep', tracestate: '' });
    expect(typeof ce.time).toBe('string');
    expect(() => buildEnvelope(base({ contentType: 'application/cloudevents+json', data: Buffer.from('nope') }), undefined)).toThrow();
  });

  it('adds expiration for a TTL when the component has no native TTL, and knows when it has passed', () => {
    const ce = buildEnvelope(base(), 30);
    expect(ce.expiration).toBe('2024-05-01T10:00:30Z');
    expect(buildEnvelope(base({ componentHasTtl: true }), 30).expiration).toBeUndefined();
    expect(hasExpired(ce, new Date('2024-05-01T10:00:31Z'))).toBe(true);
    expect(hasExpired(ce, new Date('2024-05-01T10:00:29Z'))).toBe(false);
  });

  it('wraps raw payloads for rawPayload subscriptions as base64', () => {
    const ce = rawPayloadEnvelope(Buffer.from('raw'), 't', 'bus', { traceparent: 'tp' });
    expect(ce).toMatchObject({ datacontenttype: 'application/octet-stream', source: 'Dapr', type: 'com.dapr.event.sent', data_base64: 'cmF3', traceid: 'tp', traceparent: 'tp', topic: 't', pubsubname: 'bus' });
  });
});
