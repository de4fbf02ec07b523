/**
 * A subset of CEL for subscription routing rules (`match: event.type == "order"`):
 * field access on `event` (dotted or `["key"]`), string/number/bool/null literals,
 * lists, `== != < <= > >=`, `&& || !`, `in`, parentheses, `has(event.x)` and the string
 * methods `startsWith`, `endsWith`, `contains`, `matches`. Anything else is refused when
 * the subscription is read, with a message naming the expression. Like CEL, reading a
 * missing field is an error (the message is then dead-lettered or retried).
 */
import { JsonNumber } from '../../shared/go-compat/json.js';

type Token =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'id'; v: string }
  | { t: 'op'; v: string };

type Node =
  | { k: 'lit'; v: unknown }
  | { k: 'ident'; name: string }
  | { k: 'member'; obj: Node; key: string }
  | { k: 'index'; obj: Node; index: Node }
  | { k: 'list'; items: Node[] }
  | { k: 'unary'; op: '!' | '-'; arg: Node }
  | { k: 'binary'; op: string; left: Node; right: Node }
  | { k: 'has'; arg: Node }
  | { k: 'call'; target: Node; method: string; args: Node[] };

export class RouteMatchError extends Error {
  override name = 'RouteMatchError';
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') {
          const n = src[j + 1];
          text += n === 'n' ? '\n' : n === 't' ? '\t' : (n ?? '');
          j += 2;
        } else text += src[j++];
      }
      if (j >= src.length) throw new RouteMatchError(`unterminated string in ${src}`);
      out.push({ t: 'str', v: text });
      i = j + 1;
      continue;
    }
    const num = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?u?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[0].replace(/u$/, '')) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = /^(==|!=|<=|>=|&&|\|\||[<>!()[\].,])/.exec(src.slice(i));
    if (op) {
      out.push({ t: 'op', v: op[0] });
      i += op[0].length;
      continue;
    }
    throw new RouteMatchError(`unsupported character ${JSON.stringify(c)} in match expression ${JSON.stringify(src)}`);
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly src: string,
  ) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t?.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw new RouteMatchError(`expected "${v}" in match expression ${JSON.stringify(this.src)}`);
    this.i++;
  }

  parse(): Node {
    const node = this.or();
    if (this.i < this.toks.length) throw new RouteMatchError(`unexpected input in match expression ${JSON.stringify(this.src)}`);
    return node;
  }

  private or(): Node {
    let left = this.and();
    while (this.isOp('||')) {
      this.i++;
      left = { k: 'binary', op: '||', left, right: this.and() };
    }
    return left;
  }
  private and(): Node {
    let left = this.rel();
    while (this.isOp('&&')) {
      this.i++;
      left = { k: 'binary', op: '&&', left, right: this.rel() };
    }
    return left;
  }
  private rel(): Node {
    const left = this.unary();
    const t = this.peek();
    if (t?.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.i++;
      return { k: 'binary', op: t.v, left, right: this.unary() };
    }
    if (t?.t === 'id' && t.v === 'in') {
      this.i++;
      return { k: 'binary', op: 'in', left, right: this.unary() };
    }
    return left;
  }
  private unary(): Node {
    if (this.isOp('!')) {
      this.i++;
      return { k: 'unary', op: '!', arg: this.unary() };
    }
    return this.postfix(this.primary());
  }
  private postfix(node: Node): Node {
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const t = this.peek();
        if (t?.t !== 'id') throw new RouteMatchError(`expected a field name in ${JSON.stringify(this.src)}`);
        this.i++;
        if (this.isOp('(')) {
          this.i++;
          const args: Node[] = [];
          if (!this.isOp(')')) {
            args.push(this.or());
            while (this.isOp(',')) {
              this.i++;
              args.push(this.or());
            }
          }
          this.expect(')');
          if (!['startsWith', 'endsWith', 'contains', 'matches', 'size'].includes(t.v)) {
            throw new RouteMatchError(`function ${t.v}() is not supported in match expression ${JSON.stringify(this.src)}`);
          }
          node = { k: 'call', target: node, method: t.v, args };
        } else node = { k: 'member', obj: node, key: t.v };
      } else if (this.isOp('[')) {
        this.i++;
        const index = this.or();
        this.expect(']');
        node = { k: 'index', obj: node, index };
      } else return node;
    }
  }
  private primary(): Node {
    const t = this.peek();
    if (!t) throw new RouteMatchError(`unexpected end of match expression ${JSON.stringify(this.src)}`);
    this.i++;
    if (t.t === 'str' || t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (t.v === 'has') {
        this.expect('(');
        const arg = this.or();
        this.expect(')');
        if (arg.k !== 'member') throw new RouteMatchError(`has() needs a field selection in ${JSON.stringify(this.src)}`);
        return { k: 'has', arg };
      }
      if (t.v !== 'event') throw new RouteMatchError(`unknown identifier ${t.v} in match expression ${JSON.stringify(this.src)} (only "event" is defined)`);
      return { k: 'ident', name: t.v };
    }
    if (t.v === '(') {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (t.v === '[') {
      const items: Node[] = [];
      if (!this.isOp(']')) {
        items.push(this.or());
        while (this.isOp(',')) {
          this.i++;
          items.push(this.or());
        }
      }
      this.expect(']');
      return { k: 'list', items };
    }
    if (t.v === '-') return { k: 'unary', op: '-', arg: this.primary() };
    throw new RouteMatchError(`unexpected "${t.v}" in match expression ${JSON.stringify(this.src)}`);
  }
}

function plain(v: unknown): unknown {
  return v instanceof JsonNumber ? v.valueOf() : v;
}

function field(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || !Object.hasOwn(obj, key)) {
    throw new RouteMatchError(`no such key: ${key}`);
  }
  return plain((obj as Record<string, unknown>)[key]);
}

function equal(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(plain(x), plain(b[i])));
  return a === b;
}

function evaluate(node: Node, event: unknown): unknown {
  switch (node.k) {
    case 'lit':
      return node.v;
    case 'ident':
      return event;
    case 'member':
      return field(evaluate(node.obj, event), node.key);
    case 'index': {
      const obj = evaluate(node.obj, event);
      const idx = evaluate(node.index, event);
      if (Array.isArray(obj) && typeof idx === 'number') {
        if (idx < 0 || idx >= obj.length) throw new RouteMatchError(`index out of range: ${idx}`);
        return plain(obj[idx]);
      }
      return field(obj, String(idx));
    }
    case 'list':
      return node.items.map((n) => evaluate(n, event));
    case 'has': {
      if (node.arg.k !== 'member') return false;
      const obj = evaluate(node.arg.obj, event);
      return obj !== null && typeof obj === 'object' && Object.hasOwn(obj, node.arg.key);
    }
    case 'unary': {
      const v = evaluate(node.arg, event);
      if (node.op === '!') {
        if (typeof v !== 'boolean') throw new RouteMatchError('! needs a boolean');
        return !v;
      }
      if (typeof v !== 'number') throw new RouteMatchError('- needs a number');
      return -v;
    }
    case 'call': {
      const target = evaluate(node.target, event);
      const args = node.args.map((a) => evaluate(a, event));
      if (node.method === 'size') {
        if (typeof target === 'string' || Array.isArray(target)) return target.length;
        if (target !== null && typeof target === 'object') return Object.keys(target).length;
        throw new RouteMatchError('size() needs a string, list or map');
      }
      if (typeof target !== 'string' || typeof args[0] !== 'string') throw new RouteMatchError(`${node.method}() needs strings`);
      if (node.method === 'startsWith') return target.startsWith(args[0]);
      if (node.method === 'endsWith') return target.endsWith(args[0]);
      if (node.method === 'contains') return target.includes(args[0]);
      return new RegExp(args[0]).test(target);
    }
    case 'binary': {
      if (node.op === '&&' || node.op === '||') {
        const l = evaluate(node.left, event);
        if (typeof l !== 'boolean') throw new RouteMatchError(`${node.op} needs booleans`);
        if (node.op === '&&' && !l) return false;
        if (node.op === '||' && l) return true;
        const r = evaluate(node.right, event);
        if (typeof r !== 'boolean') throw new RouteMatchError(`${node.op} needs booleans`);
        return r;
      }
      const l = evaluate(node.left, event);
      const r = evaluate(node.right, event);
      switch (node.op) {
        case '==':
          return equal(l, r);
        case '!=':
          return !equal(l, r);
        case 'in':
          if (Array.isArray(r)) return r.some((x) => equal(plain(x), l));
          if (r !== null && typeof r === 'object') return typeof l === 'string' && Object.hasOwn(r, l);
          throw new RouteMatchError('in needs a list or a map');
        default: {
          if (!((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string'))) {
            throw new RouteMatchError(`${node.op} needs two numbers or two strings`);
          }
          if (node.op === '<') return l < r;
          if (node.op === '<=') return l <= r;
          if (node.op === '>') return l > r;
          return l >= r;
        }
      }
    }
  }
}

export interface CompiledMatch {
  source: string;
  /** True/false for the event (the CloudEvent as a map); throws RouteMatchError. */
  test(event: unknown): boolean;
}

/** Compiles a match expression; throws RouteMatchError for syntax outside the subset. */
export function compileMatch(source: string): CompiledMatch {
  const ast = new Parser(tokenize(source), source).parse();
  return {
    source,
    test(event) {
      const result = evaluate(ast, event);
      if (typeof result !== 'boolean') throw new RouteMatchError(`the result of match expression ${source} was not a boolean`);
      return result;
    },
  };
}
