/**
 * A JSON reader that keeps number tokens as written (Go's `decoder.UseNumber()`), so a
 * value daprd-style re-serialisation writes back (`1.0`, `12345678901234567890`) is
 * unchanged. Objects are plain objects; numbers are JsonNumber.
 */
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

class Reader {
  pos = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new SyntaxError(`invalid JSON at offset ${this.pos}: ${what}`);
  }

  ws(): void {
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(): PreciseJson {
    this.ws();
    const c = this.s[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === 't' && this.s.startsWith('true', this.pos)) return (this.pos += 4), true;
    if (c === 'f' && this.s.startsWith('false', this.pos)) return (this.pos += 5), false;
    if (c === 'n' && this.s.startsWith('null', this.pos)) return (this.pos += 4), null;
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.pos, this.pos + 400));
    if (!m) this.fail(`unexpected ${c === undefined ? 'end of input' : JSON.stringify(c)}`);
    this.pos += m[0].length;
    return new JsonNumber(m[0]);
  }

  string(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c === '"') {
        this.pos++;
        return JSON.parse(this.s.slice(start, this.pos)) as string;
      }
      if (c === '\\') this.pos += 2;
      else this.pos++;
    }
    return this.fail('unterminated string');
  }

  array(): PreciseJson[] {
    this.pos++;
    const out: PreciseJson[] = [];
    this.ws();
    if (this.s[this.pos] === ']') return this.pos++, out;
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.pos++];
      if (c === ']') return out;
      if (c !== ',') this.fail('expected , or ]');
    }
  }

  object(): { [key: string]: PreciseJson } {
    this.pos++;
    const out: { [key: string]: PreciseJson } = {};
    this.ws();
    if (this.s[this.pos] === '}') return this.pos++, out;
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('expected a key');
      const key = this.string();
      this.ws();
      if (this.s[this.pos++] !== ':') this.fail('expected :');
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.ws();
      const c = this.s[this.pos++];
      if (c === '}') return out;
      if (c !== ',') this.fail('expected , or }');
    }
  }
}

/** Parses one JSON text (whitespace around it allowed); throws SyntaxError. */
export function parsePreciseJson(text: string): PreciseJson {
  const r = new Reader(text);
  const v = r.value();
  r.ws();
  if (r.pos !== text.length) r.fail('trailing data');
  return v;
}

export function tryParsePreciseJson(text: string): { ok: true; value: PreciseJson } | { ok: false; error: string } {
  try {
    return { ok: true, value: parsePreciseJson(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
