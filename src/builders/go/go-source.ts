/**
 * Reading just enough of Go files to build a function as OpenFunction's Go builder does: a
 * go.mod's directives, and a .go file's package clause and imports (the builder parses nothing
 * more: Go's parser in imports-only mode). Pure: text in, data out.
 */

export interface GoModRequire {
  path: string;
  version: string;
  /** Marked `// indirect`. */
  indirect: boolean;
}

export interface GoModReplace {
  /** Left side: module path, and version when the directive names one. */
  path: string;
  version?: string;
  /** Right side: a module path (with version) or a local directory (without). */
  target: string;
  targetVersion?: string;
}

export interface GoMod {
  /** The `module` path; undefined when go.mod has no module line. */
  module?: string;
  /** The `go` directive (e.g. "1.17", "1.22.3"). */
  go?: string;
  toolchain?: string;
  requires: GoModRequire[];
  replaces: GoModReplace[];
}

/** Parses a go.mod. Lenient: unknown or malformed lines are skipped (the Go tool reports those). */
export function parseGoMod(text: string): GoMod {
  const mod: GoMod = { requires: [], replaces: [] };
  let block: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const { code, comment } = splitLineComment(raw);
    const words = goModWords(code);
    if (words.length === 0) continue;
    if (block !== undefined) {
      if (words[0] === ')') {
        block = undefined;
        continue;
      }
      applyDirective(mod, block, words, comment);
      continue;
    }
    const [verb, ...rest] = words;
    if (rest.length === 1 && rest[0] === '(') {
      block = verb;
      continue;
    }
    applyDirective(mod, verb!, rest, comment);
  }
  return mod;
}

function applyDirective(mod: GoMod, verb: string, args: string[], comment: string): void {
  switch (verb) {
    case 'module':
      if (args[0] !== undefined) mod.module = args[0];
      break;
    case 'go':
      if (args[0] !== undefined) mod.go = args[0];
      break;
    case 'toolchain':
      if (args[0] !== undefined) mod.toolchain = args[0];
      break;
    case 'require':
      if (args.length >= 2) {
        mod.requires.push({ path: args[0]!, version: args[1]!, indirect: /^\s*indirect\b/.test(comment) });
      }
      break;
    case 'replace': {
      const arrow = args.indexOf('=>');
      if (arrow < 1 || arrow > 2 || args.length <= arrow + 1) break;
      const replace: GoModReplace = { path: args[0]!, target: args[arrow + 1]! };
      if (arrow === 2) replace.version = args[1];
      if (args[arrow + 2] !== undefined) replace.targetVersion = args[arrow + 2];
      mod.replaces.push(replace);
      break;
    }
    default:
      break;
  }
}

/** Splits a go.mod line at its `//` comment (outside quotes). */
function splitLineComment(line: string): { code: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') {
      quote = c;
    } else if (c === '/' && line[i + 1] === '/') {
      return { code: line.slice(0, i), comment: line.slice(i + 2) };
    }
  }
  return { code: line, comment: '' };
}

/** Words of a go.mod line; quoted strings are unquoted; `(`, `)` and `=>` are words of their own. */
function goModWords(code: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      words.push(c);
      i++;
    } else if (c === '=' && code[i + 1] === '>') {
      words.push('=>');
      i += 2;
    } else if (c === '"' || c === '`') {
      const lit = readStringLiteral(code, i);
      if (!lit) return words;
      words.push(lit.value);
      i = lit.end;
    } else {
      let j = i;
      while (j < code.length && !/[\s()"`]/.test(code[j]!) && !(code[j] === '=' && code[j + 1] === '>')) j++;
      words.push(code.slice(i, j));
      i = j;
    }
  }
  return words;
}

export interface GoImport {
  path: string;
  /** `_`, `.` or an alias, when the import names one. */
  name?: string;
}

export type GoHeader =
  | { ok: true; packageName: string; imports: GoImport[] }
  | { ok: false; error: string; line: number };

/**
 * The package clause and import declarations at the top of a .go file, read as Go's parser does
 * in imports-only mode (comments, build constraints and the rest of the file are not looked at).
 */
export function parseGoHeader(source: string): GoHeader {
  const lx = new HeaderLexer(source);
  const kw = lx.next();
  if (kw?.kind !== 'ident' || kw.text !== 'package') {
    return { ok: false, error: 'expected "package <name>" as the first statement', line: kw?.line ?? lx.line };
  }
  const name = lx.next();
  if (name?.kind !== 'ident' || name.text === '_') {
    return { ok: false, error: 'expected a package name after "package"', line: name?.line ?? lx.line };
  }
  lx.skipSemicolons();
  const imports: GoImport[] = [];
  for (;;) {
    const save = lx.pos;
    const t = lx.next();
    if (t?.kind !== 'ident' || t.text !== 'import') {
      lx.pos = save;
      break;
    }
    const first = lx.peek();
    if (first?.kind === 'punct' && first.text === '(') {
      lx.next();
      for (;;) {
        lx.skipSemicolons();
        const close = lx.peek();
        if (close?.kind === 'punct' && close.text === ')') {
          lx.next();
          break;
        }
        const spec = readImportSpec(lx);
        if ('error' in spec) return { ok: false, error: spec.error, line: spec.line };
        imports.push(spec);
      }
    } else {
      const spec = readImportSpec(lx);
      if ('error' in spec) return { ok: false, error: spec.error, line: spec.line };
      imports.push(spec);
    }
    lx.skipSemicolons();
  }
  return { ok: true, packageName: name.text, imports };
}

function readImportSpec(lx: HeaderLexer): GoImport | { error: string; line: number } {
  let t = lx.next();
  let name: string | undefined;
  if (t?.kind === 'ident' || (t?.kind === 'punct' && t.text === '.')) {
    name = t.text;
    t = lx.next();
  }
  if (t?.kind !== 'string') return { error: 'expected an import path in quotes', line: t?.line ?? lx.line };
  return name === undefined ? { path: t.text } : { path: t.text, name };
}

interface Token {
  kind: 'ident' | 'string' | 'punct';
  text: string;
  line: number;
}

class HeaderLexer {
  pos = 0;
  constructor(private readonly src: string) {}

  get line(): number {
    return lineAt(this.src, this.pos);
  }

  peek(): Token | undefined {
    const save = this.pos;
    const t = this.next();
    this.pos = save;
    return t;
  }

  skipSemicolons(): void {
    for (;;) {
      const t = this.peek();
      if (t?.kind === 'punct' && t.text === ';') this.next();
      else return;
    }
  }

  next(): Token | undefined {
    const s = this.src;
    // Whitespace and comments.
    for (;;) {
      while (this.pos < s.length && /\s/.test(s[this.pos]!)) this.pos++;
      if (s.startsWith('//', this.pos)) {
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl < 0 ? s.length : nl;
      } else if (s.startsWith('/*', this.pos)) {
        const end = s.indexOf('*/', this.pos + 2);
        this.pos = end < 0 ? s.length : end + 2;
      } else {
        break;
      }
    }
    if (this.pos >= s.length) return undefined;
    const line = lineAt(s, this.pos);
    const c = s[this.pos]!;
    if (c === '"' || c === '`') {
      const lit = readStringLiteral(s, this.pos);
      if (!lit) {
        this.pos = s.length;
        return { kind: 'punct', text: c, line };
      }
      this.pos = lit.end;
      return { kind: 'string', text: lit.value, line };
    }
    const ident = /^[\p{L}_][\p{L}\p{Nd}_]*/u.exec(s.slice(this.pos, this.pos + 256));
    if (ident) {
      this.pos += ident[0].length;
      return { kind: 'ident', text: ident[0], line };
    }
    this.pos++;
    return { kind: 'punct', text: c, line };
  }
}

function lineAt(s: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < s.length; i++) if (s[i] === '\n') line++;
  return line;
}

/** A Go string literal at `start` ("..." with escapes, or `raw`); undefined when unterminated. */
function readStringLiteral(s: string, start: number): { value: string; end: number } | undefined {
  const q = s[start];
  if (q === '`') {
    const end = s.indexOf('`', start + 1);
    return end < 0 ? undefined : { value: s.slice(start + 1, end), end: end + 1 };
  }
  let value = '';
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\n') return undefined;
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\') {
      const e = s[i + 1];
      const simple: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'", r: '\r' };
      if (e !== undefined && simple[e] !== undefined) {
        value += simple[e];
        i++;
        continue;
      }
      if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = s.slice(i + 2, i + 2 + len);
        if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === len) {
          value += String.fromCodePoint(parseInt(hex, 16));
          i += 1 + len;
          continue;
        }
      }
      value += c;
      continue;
    }
    value += c;
  }
  return undefined;
}

/**
 * Compares Go versions as written in a `go` directive ("1.17", "1.21.0", "1.22rc1"): negative when
 * a < b. A pre-release sorts before its release.
 */
export function compareGoVersions(a: string, b: string): number {
  const pa = goVersionParts(a);
  const pb = goVersionParts(b);
  for (let i = 0; i < 3; i++) {
    const d = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (pa.pre === pb.pre) return 0;
  if (pa.pre === '') return 1;
  if (pb.pre === '') return -1;
  return pa.pre < pb.pre ? -1 : 1;
}

function goVersionParts(v: string): { nums: number[]; pre: string } {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(v.trim().replace(/^go/, ''));
  if (!m) return { nums: [0, 0, 0], pre: v };
  return { nums: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)], pre: m[4] ?? '' };
}

/** Whether `name` is a Go identifier (letters, Unicode digits and `_`, not starting with a digit). */
export function isGoIdentifier(name: string): boolean {
  return /^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name) && !GO_KEYWORDS.has(name);
}

/** Whether `name` is an exported Go identifier (its first letter is upper case). */
export function isExportedGoIdentifier(name: string): boolean {
  return isGoIdentifier(name) && /^\p{Lu}/u.test(name);
}

const GO_KEYWORDS = new Set([
  'break', 'case', 'chan', 'const', 'continue', 'default', 'defer', 'else', 'fallthrough', 'for', 'func', 'go', 'goto',
  'if', 'import', 'interface', 'map', 'package', 'range', 'return', 'select', 'struct', 'switch', 'type', 'var',
]);

/** Removes // and /* comments from Go source, keeping strings and line breaks. */
export function stripGoComments(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === '`' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && c !== '`') j++;
        if (src[j] === '\n' && c !== '`') break;
        j++;
      }
      out += src.slice(i, j + 1);
      i = j;
    } else if (c === '/' && src[i + 1] === '/') {
      const nl = src.indexOf('\n', i);
      i = (nl < 0 ? src.length : nl) - 1;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const body = src.slice(i, end < 0 ? src.length : end + 2);
      out += body.replace(/[^\n]/g, ' ');
      i = (end < 0 ? src.length : end + 2) - 1;
    } else {
      out += c;
    }
  }
  return out;
}
