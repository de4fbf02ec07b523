import { describe, expect, it } from 'vitest';
import { accessAllowed, operationMatches, type AccessControlList } from '../../../src/shared/access-control.js';

const app1 = { appId: 'app1', namespace: 'default', trustDomain: 'public' };

describe('operation patterns', () => {
  it.each([
    ['/op1', '/op1', true],
    ['/op1/a', '/op1', false],
    ['/op2/a', '/op2/*', true],
    ['/op2/a/b', '/op2/*', false],
    ['/op2', '/op2/*', false],
    ['/op3/a/b/c', '/op3/**', true],
    ['/op3', '/op3/**', false],
    ['/a/x/c', '/a/*/c', true],
    ['/order-7', '/order-*', true],
    ['/orders', '/order-*', false],
  ])('%s against %s: %s', (op, pattern, expected) => {
    expect(operationMatches(op, pattern)).toBe(expected);
  });
});

describe('access decisions as daprd makes them', () => {
  const list: AccessControlList = {
    defaultAction: 'deny',
    trustDomain: 'public',
    policies: [
      {
        appId: 'app1',
        namespace: 'default',
        trustDomain: 'public',
        defaultAction: 'allow',
        operations: [
          { name: '/op1', verbs: ['POST', 'GET'], action: 'deny' },
          { name: '/op2/*', verbs: ['*'], action: 'allow' },
        ],
      },
    ],
  };

  it('allows everything without a list', () => {
    expect(accessAllowed(undefined, app1, 'anything', 'DELETE', true)).toBe(true);
  });

  it("uses the matched operation's verb, else the policy's default", () => {
    expect(accessAllowed(list, app1, 'op1', 'POST', true)).toBe(false);
    expect(accessAllowed(list, app1, 'OP1', 'get', true)).toBe(false); // HTTP operations and verbs are case-insensitive
    expect(accessAllowed(list, app1, 'op1', 'PUT', true)).toBe(true); // no verb matched: the policy's default (allow)
    expect(accessAllowed(list, app1, 'op2/x', 'DELETE', true)).toBe(true);
    expect(accessAllowed(list, app1, 'elsewhere', 'POST', true)).toBe(true);
  });

  it('uses the operation action over gRPC, where there is no verb', () => {
    expect(accessAllowed(list, app1, 'op1', undefined, false)).toBe(false);
    expect(accessAllowed(list, app1, 'op2/x', undefined, false)).toBe(true);
  });

  it('applies the global default to an unknown caller, or one from another trust domain or namespace', () => {
    expect(accessAllowed(list, { ...app1, appId: 'app2' }, 'op2/x', 'POST', true)).toBe(false);
    expect(accessAllowed(list, { ...app1, trustDomain: 'private' }, 'op2/x', 'POST', true)).toBe(false);
    expect(accessAllowed(list, { ...app1, namespace: 'prod' }, 'op2/x', 'POST', true)).toBe(false);
  });

  it("falls back to the global default when the policy names no default and no operation matches", () => {
    const noDefault: AccessControlList = { ...list, policies: [{ ...list.policies[0]!, defaultAction: '' }] };
    expect(accessAllowed(noDefault, app1, 'elsewhere', 'POST', true)).toBe(false);
  });
});
