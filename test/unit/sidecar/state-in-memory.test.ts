import { describe, expect, it } from 'vitest';

import { StateEtagError } from '../../../src/dapr-components/component.js';
import { InMemoryStateStore } from '../../../src/dapr-components/state/in-memory/store.js';
import { describeStateStore } from './contracts/state-store-contract.js';

describeStateStore('state.in-memory', async () => ({ store: new InMemoryStateStore(), dispose: async () => {} }), {
  etagOnMissingKey: 'mismatch',
  etagFormat: 'uuid',
});

describe('state.in-memory specifics', () => {
  it('rejects first-write without an ETag when the key exists', async () => {
    const store = new InMemoryStateStore();
    const req = { key: 'k', value: Buffer.from('1'), metadata: {}, options: { concurrency: 'first-write' as const } };
    await store.set(req);
    await expect(store.set(req)).rejects.toBeInstanceOf(StateEtagError);
  });

  it('reports ttlExpireTime and expires on an injected clock', async () => {
    let now = Date.parse('2024-05-01T10:00:00Z');
    const store = new InMemoryStateStore(() => now);
    await store.set({ key: 'k', value: Buffer.from('1'), metadata: { ttlInSeconds: '60' }, options: {} });
    expect((await store.get({ key: 'k', metadata: {} }))?.metadata).toEqual({ ttlExpireTime: '2024-05-01T10:01:00Z' });
    now += 61_000;
    expect(await store.get({ key: 'k', metadata: {} })).toBeUndefined();
  });

  it('refuses a ttlInSeconds that is not an integer', async () => {
    const store = new InMemoryStateStore();
    await expect(store.set({ key: 'k', value: Buffer.from('1'), metadata: { ttlInSeconds: 'soon' }, options: {} })).rejects.toThrow(/ttlInSeconds/);
  });
});
