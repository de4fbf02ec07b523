/**
 * JSON as Go programs read and write it, so what ofn-local writes is byte-identical to what the
 * cluster's Go parts write.
 *
 * Writing: two things differ between the Go values and encoders we imitate, and callers name both.
 * - `keys`: a Go map is written with its keys sorted (`'sorted'`: daprd re-serialising a decoded
 *   value); a Go struct in field order (`'given'`: build the object in struct order). `undefined`
 *   members are skipped either way: that is how callers express `omitempty`.
 * - `encoder`: `'encoding/json'` (daprd) escapes like JSON.stringify plus `<`, `>`, `&`, U+2028 and
 *   U+2029, writes numbers as JSON.stringify does (Go's float format: `1e-7`, `1e+21`, the same
 *   shortest digits) and refuses NaN, infinities and values JSON has no form for; `'json-iterator'` (the OpenFunction controller, default config) escapes every
 *   control character but \n, \r, \t as `\u00XX` along with the same five, writes numbers as
 *   JavaScript does and writes `null` for anything else.
 *
 * Reading: `parsePreciseJson` keeps number tokens as written (Go's `decoder.UseNumber()`), so a
 * value written back (`1.0`, `12345678901234567890`) is unchanged. A repeated key keeps the last
 * value, as Go's decoder does.
 */
import { parse } from 'lossless-json';

/** A JSON number kept as its text; compares and serialises (JSON.stringify) as a number. */
export class JsonNumber {
  constructor(readonly text: string) {}
  valueOf(): number {
    return Number(this.text);
  }
  toJSON(): number {
    return Number(this.text);
  }
}

export type PreciseJson = null | boolean | string | JsonNumber | PreciseJson[] | { [key: string]: PreciseJson };

export interface GoJsonOptions {
  keys: 'sorted' | 'given';
  encoder: 'encoding/json' | 'json-iterator';
}

/** A decoded map as encoding/json writes it back (daprd: state values, CloudEvents, binding data). */
export const ENCODING_JSON_MAP: GoJsonOptions = { keys: 'sorted', encoder: 'encoding/json' };
/** A struct as the OpenFunction controller's json-iterator writes it (FUNC_CONTEXT). */
export const JSON_ITERATOR_STRUCT: GoJsonOptions = { keys: 'given', encoder: 'json-iterator' };

export function goJson(value: unknown, options: GoJsonOptions): string {
  const iterator = options.encoder === 'json-iterator';
  const string = iterator ? iteratorString : encodingJsonString;
  const write = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (v instanceof JsonNumber) return v.text;
    if (Buffer.isBuffer(v)) return string(v.toString('base64'));
    switch (typeof v) {
      case 'string':
        return string(v);
      case 'number':
        if (iterator) return Number.isFinite(v) ? String(v) : 'null';
        return encodingJsonNumber(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'object': {
        if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
        const entries = Object.entries(v as Record<string, unknown>).filter(([, m]) => m !== undefined);
        if (options.keys === 'sorted') entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, m]) => `${string(k)}:${write(m)}`).join(',')}}`;
      }
      default:
        if (iterator) return 'null';
        throw new TypeError(`cannot encode a ${typeof v} as JSON`);
    }
  };
  return write(value);
}

const HTML_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

function encodingJsonString(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (c) => HTML_ESCAPES[c] as string);
}

function encodingJsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`cannot encode ${n} as JSON`);
  return JSON.stringify(n);
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function iteratorString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (ch < ' ' || ch === '<' || ch === '>' || ch === '&' || ch === '\u2028' || ch === '\u2029') {
      out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** Parses one JSON text (whitespace around it allowed), numbers as JsonNumber; throws SyntaxError. */
export function parsePreciseJson(text: string): PreciseJson {
  return parse(text, undefined, {
    parseNumber: (token) => new JsonNumber(token),
    onDuplicateKey: ({ newValue }) => newValue,
  }) as PreciseJson;
}

export function tryParsePreciseJson(text: string): { ok: true; value: PreciseJson } | { ok: false; error: string } {
  try {
    return { ok: true, value: parsePreciseJson(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
