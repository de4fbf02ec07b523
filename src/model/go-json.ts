/**
 * JSON text as the controller's encoder (json-iterator, default config) writes it: members in the
 * order of the object given (build objects in Go struct order), no spaces, and strings escaped
 * the Go way: `<`, `>`, `&`, U+2028, U+2029 and control characters other than \n, \r, \t as
 * `\u00XX`. `undefined` members are skipped: that is how callers express `omitempty`.
 */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${goString(k)}:${goJson(v)}`);
    return `{${members.join(',')}}`;
  }
  return 'null';
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function goString(text: string): string {
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
