import { describe, expect, it } from 'vitest';
import { CAPTURE_MAX_BYTES, captureRecord, formatCapture, parseCapture } from '../../../src/sidecar/capture.js';
import { describeFilter, matches, toOutput } from '../../../src/testing/outputs.js';

const entry = (over: Partial<ReturnType<typeof captureRecord>> = {}, fn = 'default/orders') => ({
  type: 'output.sent' as const,
  seq: 7,
  ts: '2026-11-24T00:00:00.000Z',
  fn,
  instance: 'i1',
  ...captureRecord('topic', 'events', 'created', Buffer.from('{"id":1}'), 'application/json'),
  ...over,
});

describe('output capture', () => {
  it('round-trips a capture line and ignores every other line', () => {
    const rec = captureRecord('binding', 'audit', 'create', Buffer.from('{"a":1}'), 'application/json', { key: 'k' });
    expect(parseCapture(formatCapture(rec))).toEqual(rec);
    expect(parseCapture('time="x" level=info msg="hello"')).toBeUndefined();
    expect(parseCapture('@ofn-local.output {broken')).toBeUndefined();
  });

  it('keeps binary payloads as base64 and cuts big ones', () => {
    const bin = captureRecord('binding', 'b', 'create', Buffer.from([0xff, 0x00, 0x01]), 'application/octet-stream');
    expect(bin).toMatchObject({ encoding: 'base64', data: '/wAB', size: 3, truncated: false });
    const big = captureRecord('topic', 'p', 't', Buffer.alloc(CAPTURE_MAX_BYTES + 10, 'a'), 'text/plain');
    expect(big).toMatchObject({ size: CAPTURE_MAX_BYTES + 10, truncated: true });
    expect(big.data).toHaveLength(CAPTURE_MAX_BYTES);
    expect(toOutput(entry(bin)).data).toEqual(Buffer.from([0xff, 0x00, 0x01]));
  });
});

describe('output filters', () => {
  const topic = toOutput(entry());
  const binding = toOutput(entry(captureRecord('binding', 'audit', 'create', Buffer.from('{"id":2}'), 'application/json'), 'shop/orders'));

  it('match on function, component, target and a where() test', () => {
    expect(matches(topic, { fn: 'orders' })).toBe(true);
    expect(matches(topic, { fn: 'default/orders' })).toBe(true);
    expect(matches(binding, { fn: 'default/orders' })).toBe(false);
    expect(matches(topic, { topic: 'created', pubsub: 'events' })).toBe(true);
    expect(matches(topic, { binding: 'events' })).toBe(false);
    expect(matches(binding, { binding: 'audit', operation: 'create' })).toBe(true);
    expect(matches(binding, { topic: 'create' })).toBe(false);
    expect(matches(binding, { where: (o) => o.json<{ id: number }>().id === 2 })).toBe(true);
    // A where() that throws is a non-match.
    expect(matches(binding, { where: () => { throw new Error('x'); } })).toBe(false);
  });

  it('describe themselves for timeout messages', () => {
    expect(describeFilter({})).toBe('any output');
    expect(describeFilter({ topic: 't', where: () => true })).toBe('topic t, a where() test');
  });
});
