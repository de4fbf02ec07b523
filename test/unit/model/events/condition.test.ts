import { describe, expect, it } from 'vitest';
import { ConditionError, checkCondition, compileCondition, isConditionName } from '../../../../src/model/events/index.js';

/** Every combination of true/false for `names`. */
function combinations(names: string[]): Record<string, boolean>[] {
  return Array.from({ length: 2 ** names.length }, (_, bits) =>
    Object.fromEntries(names.map((name, i) => [name, ((bits >> i) & 1) === 1])),
  );
}

describe('compileCondition', () => {
  it('tick && order', () => {
    const condition = compileCondition('tick && order', ['tick', 'order']);
    for (const v of combinations(['tick', 'order'])) expect(condition(v), JSON.stringify(v)).toBe(v['tick']! && v['order']!);
  });

  it('a || !b', () => {
    const condition = compileCondition('a || !b', ['a', 'b']);
    for (const v of combinations(['a', 'b'])) expect(condition(v), JSON.stringify(v)).toBe(v['a']! || !v['b']);
  });

  it('parentheses group before && binds', () => {
    const grouped = compileCondition('(a || b) && c', ['a', 'b', 'c']);
    const plain = compileCondition('a || b && c', ['a', 'b', 'c']);
    for (const v of combinations(['a', 'b', 'c'])) {
      expect(grouped(v), JSON.stringify(v)).toBe((v['a']! || v['b']!) && v['c']!);
      expect(plain(v), JSON.stringify(v)).toBe(v['a']! || (v['b']! && v['c']!));
    }
    expect(grouped({ a: true, b: false, c: false })).toBe(false);
    expect(plain({ a: true, b: false, c: false })).toBe(true);
  });

  it('exclusive or written with !, && and ||', () => {
    const condition = compileCondition('(a || b) && !(a && b)', ['a', 'b']);
    for (const v of combinations(['a', 'b'])) expect(condition(v), JSON.stringify(v)).toBe(v['a'] !== v['b']);
  });

  it('counts an input missing from the values as false, and ignores values that are not inputs', () => {
    const condition = compileCondition('a || !b', ['a', 'b']);
    expect(condition({})).toBe(true);
    expect(condition({ b: true })).toBe(false);
    expect(condition({ b: true, other: true })).toBe(false);
  });

  it('compiles once and evaluates many times, fast', () => {
    const condition = compileCondition('(a && b) || (c && !a)', ['a', 'b', 'c']);
    let fired = 0;
    for (let i = 0; i < 100_000; i++) if (condition({ a: i % 2 === 0, b: i % 3 === 0, c: i % 5 === 0 })) fired++;
    // a&&b: i%6==0 (16667); c&&!a: odd multiples of 5 (10000).
    expect(fired).toBe(26_667);
  });

  it('throws ConditionError with the problem for an expression that is not a condition', () => {
    expect(() => compileCondition('a && nope', ['a'])).toThrow(ConditionError);
    try {
      compileCondition('a && nope', ['a']);
    } catch (err) {
      const e = err as ConditionError;
      expect(e.code).toBe('ERR_CONDITION');
      expect(e.expression).toBe('a && nope');
      expect(e.problem).toEqual({
        message: '"nope" is not an input of this Trigger (inputs: a); a condition can only name inputs: fix the name or add the input under spec.inputs',
        column: 6,
      });
    }
  });
});

describe('checkCondition', () => {
  it.each([
    ['a && b', undefined],
    ['!a', undefined],
    ['a == true', undefined],
    ['', 'empty: expected a CEL expression over the inputs, e.g. "a && b"'],
    ['a &&', 'not valid CEL: Unexpected token: EOF'],
    ['a && (b', 'not valid CEL: Expected RPAREN, got EOF'],
    ['a && c', '"c" is not an input of this Trigger (inputs: a, b)'],
    ['a.x', 'Cannot index type \'bool\''],
    ['"yes"', 'expected a boolean expression over the inputs, e.g. "a && b"; this one is of type string'],
  ])('%j', (expression, message) => {
    const problem = checkCondition(expression, ['a', 'b']);
    if (message === undefined) expect(problem).toBeUndefined();
    else expect(problem?.message).toContain(message);
  });

  it('gives the column of a parse error', () => {
    expect(checkCondition('a && )', ['a'])).toMatchObject({ column: 6 });
  });
});

describe('isConditionName', () => {
  it.each([
    ['order', true],
    ['order_created', true],
    ['_x1', true],
    ['order-created', false],
    ['a.b', false],
    ['in', false],
    ['true', false],
    ['1st', false],
    ['', false],
  ])('%j: %s', (name, expected) => {
    expect(isConditionName(name)).toBe(expected);
  });
});
