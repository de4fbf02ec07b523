import { describe, expect, it } from 'vitest';

import { compileMatch, RouteMatchError } from '../../../src/sidecar/app-channel/route-match.js';
import { parsePreciseJson } from '../../../src/shared/go-compat/json.js';

const event = parsePreciseJson('{"type":"order","source":"shop","data":{"amount":120,"tags":["a","b"],"nested":{"ok":true}}}');

describe('routing rule expressions (CEL subset)', () => {
  it.each([
    ['event.type == "order"', true],
    ["event.type != 'order'", false],
    ['event.type == "order" && event.data.amount > 100', true],
    ['event.type == "refund" || event.data.amount >= 120', true],
    ['!(event.data.amount < 100)', true],
    ['event.source in ["shop", "store"]', true],
    ['"a" in event.data.tags', true],
    ['has(event.data.nested)', true],
    ['has(event.data.missing)', false],
    ['event.data.nested.ok', true],
    ['event["type"].startsWith("ord")', true],
    ['event.data.tags[1] == "b"', true],
    ['size(event.data.tags) == 2'.replace('size(event.data.tags)', 'event.data.tags.size()'), true],
  ])('%s → %s', (expr, expected) => {
    expect(compileMatch(expr).test(event)).toBe(expected);
  });

  it('errors on missing fields at evaluation, like CEL', () => {
    expect(() => compileMatch('event.nope == "x"').test(event)).toThrow(/no such key: nope/);
  });

  it('refuses syntax outside the subset when compiled, naming the expression', () => {
    expect(() => compileMatch('event.type =~ "x"')).toThrow(RouteMatchError);
    expect(() => compileMatch('request.type == "x"')).toThrow(/unknown identifier request/);
    expect(() => compileMatch('event.type.lowerAscii() == "x"')).toThrow(/lowerAscii\(\) is not supported/);
    expect(() => compileMatch('event.type == "x"').test({ type: 'x' })).not.toThrow();
    expect(() => compileMatch('event.type').test({ type: 'x' })).toThrow(/not a boolean/);
  });
});
