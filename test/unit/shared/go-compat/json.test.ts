import { describe, expect, it } from 'vitest';

import { ENCODING_JSON_MAP as ENCODING_JSON, goJson, JSON_ITERATOR_STRUCT as JSON_ITERATOR, JsonNumber, parsePreciseJson, tryParsePreciseJson } from '../../../../src/shared/go-compat/json.js';

describe('goJson, encoding/json with sorted keys (daprd re-serialising a decoded value)', () => {
  it("sorts keys, escapes HTML characters and writes floats in Go's form (as daprd 1.14 answers)", () => {
    expect(goJson({ b: '<&>', a: [1, 1e-7, 1.5e-10, 1e21, 0.1, null, true] }, ENCODING_JSON)).toBe('{"a":[1,1e-7,1.5e-10,1e+21,0.1,null,true],"b":"\\u003c\\u0026\\u003e"}');
  });

  it('writes \\b and \\f short, U+2028/U+2029 escaped, Buffers as base64, JsonNumbers as written', () => {
    expect(goJson({ s: 'x\by\fz\u2028', b: Buffer.from('hi'), n: new JsonNumber('1.0') }, ENCODING_JSON)).toBe('{"b":"aGk=","n":1.0,"s":"x\\by\\fz\\u2028"}');
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => goJson(Number.NaN, ENCODING_JSON)).toThrow(TypeError);
    expect(() => goJson({ a: Infinity }, ENCODING_JSON)).toThrow(TypeError);
    expect(() => goJson(10n, ENCODING_JSON)).toThrow(TypeError);
  });
});

describe('goJson, json-iterator with keys as given (the controller writing FUNC_CONTEXT from Go structs)', () => {
  it('keeps the given order, escapes HTML and control characters as \\u00XX, skips undefined members', () => {
    expect(goJson({ a: '<b>&', c: 'x\by', d: 'line\nnext', e: undefined, f: [1, true, null] }, JSON_ITERATOR)).toBe(
      '{"a":"\\u003cb\\u003e\\u0026","c":"x\\u0008y","d":"line\\nnext","f":[1,true,null]}',
    );
    expect(goJson({ z: 1, a: 2 }, JSON_ITERATOR)).toBe('{"z":1,"a":2}');
  });

  it('writes numbers as JavaScript does and null for what JSON cannot hold', () => {
    expect(goJson([1e-7, Number.NaN, Infinity, 10n], JSON_ITERATOR)).toBe('[1e-7,null,null,null]');
  });
});

describe('parsePreciseJson', () => {
  it('keeps number tokens as written', () => {
    const value = parsePreciseJson('{"x": 1.0, "big": 12345678901234567890, "s": "\\u00e9"}');
    expect(goJson(value, ENCODING_JSON)).toBe('{"big":12345678901234567890,"s":"é","x":1.0}');
    expect((value as Record<string, JsonNumber>)['x']).toBeInstanceOf(JsonNumber);
    expect(Number((value as Record<string, JsonNumber>)['x'])).toBe(1);
  });

  it("keeps the last of repeated keys, as Go's decoder does, in the first one's place", () => {
    expect(goJson(parsePreciseJson('{"a":1,"b":2,"a":3}'), JSON_ITERATOR)).toBe('{"a":3,"b":2}');
  });

  it('keeps __proto__ as a plain member', () => {
    const value = parsePreciseJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses what is not one JSON text', () => {
    for (const bad of ['{"a":1} x', '[1,2,]', '{"a":1,}', '01', '1.', '.5', '+1', 'NaN', '"abc', '"\\x"', '', ' ']) {
      expect(() => parsePreciseJson(bad), bad).toThrow(SyntaxError);
      expect(tryParsePreciseJson(bad).ok, bad).toBe(false);
    }
    expect(tryParsePreciseJson(' \t[\n1\r] ')).toMatchObject({ ok: true });
  });
});
