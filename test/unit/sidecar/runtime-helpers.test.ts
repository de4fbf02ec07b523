import { describe, expect, it } from 'vitest';

import { retryDelay, withRetries, type RetryPolicy } from '../../../src/dapr-components/retry-policy.js';
import { Resiliency } from '../../../src/sidecar/runtime/resiliency.js';
import { keyPrefixFor, prefixedKey } from '../../../src/sidecar/runtime/state-keys.js';

describe('state key prefixes', () => {
  const ctx = { appId: 'app', storeName: 'store', namespace: 'ns' };
  it.each([
    [undefined, 'app||'],
    ['appid', 'app||'],
    ['name', 'store||'],
    ['namespace', 'ns.app||'],
    ['none', ''],
    ['custom', 'custom||'],
  ])('keyPrefix %s → %s', (setting, prefix) => {
    expect(keyPrefixFor(setting, ctx)).toBe(prefix);
  });
  it('falls back to the app id without NAMESPACE, none without an app id; refuses || in keys', () => {
    expect(keyPrefixFor('namespace', { appId: 'app', storeName: 's' })).toBe('app||');
    expect(keyPrefixFor(undefined, { appId: '', storeName: 's' })).toBe('');
    expect(() => prefixedKey('app||', 'a||b')).toThrow(/can't contain/);
  });
});

describe('retries', () => {
  const constant: RetryPolicy = { policy: 'constant', durationMs: 1, initialIntervalMs: 0, maxIntervalMs: 0, maxRetries: 2 };
  it('retries up to maxRetries, then rethrows', async () => {
    let calls = 0;
    await expect(withRetries(constant, async () => {
      calls++;
      throw new Error('no');
    })).rejects.toThrow('no');
    expect(calls).toBe(3);
  });
  it('stops as soon as an attempt succeeds or shouldRetry says no', async () => {
    let calls = 0;
    expect(await withRetries(constant, async () => (++calls < 2 ? Promise.reject(new Error('x')) : 'ok'))).toBe('ok');
    calls = 0;
    await expect(withRetries(constant, async () => {
      calls++;
      throw new Error('fatal');
    }, { shouldRetry: () => false })).rejects.toThrow();
    expect(calls).toBe(1);
  });
  it('backs off exponentially with jitter, capped at maxInterval', () => {
    const exp: RetryPolicy = { policy: 'exponential', durationMs: 0, initialIntervalMs: 100, maxIntervalMs: 300, maxRetries: -1 };
    expect(retryDelay(exp, 1, () => 0.5)).toBe(100);
    expect(retryDelay(exp, 2, () => 0.5)).toBe(150);
    expect(retryDelay(exp, 10, () => 0.5)).toBe(300);
  });
});

describe('Resiliency policies', () => {
  const doc = (policies: Record<string, { policy?: 'constant' | 'exponential'; duration?: string; maxRetries?: string }>, targets = {}) =>
    ({ apiVersion: 'dapr.io/v1alpha1', kind: 'Resiliency', metadata: { name: 'r' }, spec: { policies: { retries: policies }, targets: { components: targets } } }) as never;

  it('finds the default inbound pubsub policy by daprd naming, most specific first', () => {
    const r = new Resiliency([doc({ DefaultComponentInboundRetryPolicy: { duration: '1s', maxRetries: '1' }, DefaultPubsubComponentInboundRetryPolicy: { policy: 'constant', duration: '250ms', maxRetries: '5' } })]);
    expect(r.componentRetry('bus', 'Pubsub', 'Inbound')).toMatchObject({ policy: 'constant', durationMs: 250, maxRetries: 5 });
    expect(r.componentRetry('cron', 'Binding', 'Inbound')).toMatchObject({ durationMs: 1000, maxRetries: 1 });
    expect(r.componentRetry('bus', 'Pubsub', 'Outbound')).toBeUndefined();
  });

  it('uses a component target over defaults (and no retry when the target names none)', () => {
    const r = new Resiliency([doc({ fast: { duration: '10ms', maxRetries: '2' }, DefaultRetryPolicy: { maxRetries: '9' } }, { bus: { inbound: { retry: 'fast' } } })]);
    expect(r.componentRetry('bus', 'Pubsub', 'Inbound')).toMatchObject({ durationMs: 10, maxRetries: 2 });
    expect(r.componentRetry('bus', 'Pubsub', 'Outbound')).toBeUndefined();
    expect(r.componentRetry('other', 'Pubsub', 'Outbound')).toMatchObject({ maxRetries: 9, durationMs: 5000 });
  });
});
