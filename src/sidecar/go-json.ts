/**
 * JSON text as Go's encoding/json writes it, which is what daprd stores and sends when it
 * re-serialises a decoded value: object keys sorted, `<`, `>`, `&`, U+2028 and U+2029
 * escaped, exponents with at least two digits (`1e-07`). Keeping this makes values written
 * by ofn-local's sidecar byte-identical to daprd's.
 */
import { JsonNumber } from './json-precise.js';

const HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

function goString(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (c) => HTML_ESCAPES[c] as string);
}

function goNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`cannot encode ${n} as JSON`);
  const text = JSON.stringify(n);
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof JsonNumber) return value.text;
  if (Buffer.isBuffer(value)) return goString(value.toString('base64'));
  switch (typeof value) {
    case 'string':
      return goString(value);
    case 'number':
      return goNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => goJson(v)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${goString(k)}:${goJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`cannot encode a ${typeof value} as JSON`);
  }
}

/** JSON.parse that returns undefined instead of throwing. */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
