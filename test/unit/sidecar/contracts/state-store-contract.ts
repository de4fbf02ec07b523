/**
 * The state store contract every implementation passes (run by in-memory in the unit
 * tests and by redis in the integration tests). Behaviour that differs between stores
 * upstream (ETag for a missing key, ETag format) is a parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { StateEtagError, type StateStore } from '../../../../src/dapr-components/component.js';

export interface StateStoreTarget {
  store: StateStore;
  dispose(): Promise<void>;
}

export interface StateStoreTraits {
  /** Upstream: redis ignores an ETag for a key that does not exist; in-memory rejects it. */
  etagOnMissingKey: 'ignored' | 'mismatch';
  /** redis ETags are integers (a non-integer is invalid, 400); in-memory ones are UUIDs. */
  etagFormat: 'integer' | 'uuid';
}

const set = (store: StateStore, key: string, value: unknown, extra: { etag?: string; concurrency?: 'first-write' | 'last-write'; ttl?: number } = {}) =>
  store.set({
    key,
    value: Buffer.from(JSON.stringify(value)),
    etag: extra.etag,
    metadata: extra.ttl !== undefined ? { ttlInSeconds: String(extra.ttl) } : {},
    options: extra.concurrency ? { concurrency: extra.concurrency } : {},
  });

const read = async (store: StateStore, key: string) => {
  const item = await store.get({ key, metadata: {} });
  return item ? { value: JSON.parse(item.data.toString()) as unknown, etag: item.etag } : undefined;
};

export function describeStateStore(name: string, make: () => Promise<StateStoreTarget>, traits: StateStoreTraits): void {
  describe(`state store contract: ${name}`, () => {
    let target: StateStoreTarget;
    let store: StateStore;
    let n = 0;
    const key = (): string => `contract||k${Date.now()}-${n++}`;

    beforeAll(async () => {
      target = await make();
      store = target.store;
    });
    afterAll(async () => {
      await target?.dispose();
    });

    it('declares ETAG, TRANSACTIONAL and TTL', () => {
      expect(store.features).toEqual(expect.arrayContaining(['ETAG', 'TRANSACTIONAL', 'TTL']));
    });

    it('saves, reads back with an ETag, and answers undefined for a missing key', async () => {
      const k = key();
      await set(store, k, { a: 1 });
      const got = await read(store, k);
      expect(got?.value).toEqual({ a: 1 });
      expect(got?.etag).toBeTruthy();
      if (traits.etagFormat === 'integer') expect(got?.etag).toMatch(/^\d+$/);
      expect(await read(store, key())).toBeUndefined();
    });

    it('changes the ETag on every write and accepts the current one', async () => {
      const k = key();
      await set(store, k, 1);
      const first = await read(store, k);
      await set(store, k, 2, { etag: first?.etag });
      const second = await read(store, k);
      expect(second?.value).toBe(2);
      expect(second?.etag).not.toBe(first?.etag);
    });

    it('rejects a stale ETag on save and on delete with a mismatch', async () => {
      const k = key();
      await set(store, k, 1);
      const stale = (await read(store, k))?.etag;
      await set(store, k, 2);
      await expect(set(store, k, 3, { etag: stale })).rejects.toSatisfy((e: unknown) => e instanceof StateEtagError && e.kind === 'mismatch');
      await expect(store.delete({ key: k, etag: stale, metadata: {}, options: {} })).rejects.toBeInstanceOf(StateEtagError);
      expect((await read(store, k))?.value).toBe(2);
    });

    it(`treats an ETag for a missing key as ${traits.etagOnMissingKey === 'ignored' ? 'ignored (the write succeeds)' : 'a mismatch'}`, async () => {
      const k = key();
      const attempt = set(store, k, 'x', { etag: traits.etagFormat === 'integer' ? '1234' : 'not-there' });
      if (traits.etagOnMissingKey === 'ignored') {
        await attempt;
        expect((await read(store, k))?.value).toBe('x');
      } else {
        await expect(attempt).rejects.toBeInstanceOf(StateEtagError);
      }
    });

    if (traits.etagFormat === 'integer') {
      it('answers invalid (not mismatch) for an ETag that is not an integer', async () => {
        const k = key();
        await set(store, k, 1);
        await expect(set(store, k, 2, { etag: 'abc' })).rejects.toSatisfy((e: unknown) => e instanceof StateEtagError && e.kind === 'invalid');
      });
    }

    it('deletes (also a key that does not exist) and deletes with the current ETag', async () => {
      const k = key();
      await set(store, k, 1);
      const etag = (await read(store, k))?.etag;
      await store.delete({ key: k, etag, metadata: {}, options: {} });
      expect(await read(store, k)).toBeUndefined();
      await store.delete({ key: k, metadata: {}, options: {} });
    });

    it('applies a transaction atomically: a stale ETag leaves every key untouched', async () => {
      const a = key();
      const b = key();
      await set(store, a, 'a1');
      await set(store, b, 'b1');
      const staleB = (await read(store, b))?.etag;
      await set(store, b, 'b2');
      const ops = [
        { operation: 'upsert' as const, request: { key: a, value: Buffer.from('"a2"'), metadata: {}, options: {} } },
        { operation: 'delete' as const, request: { key: b, etag: staleB, metadata: {}, options: {} } },
      ];
      await expect(store.transact!(ops, {})).rejects.toThrow();
      expect((await read(store, a))?.value).toBe('a1');
      expect((await read(store, b))?.value).toBe('b2');
      ops[1]!.request.etag = (await read(store, b))?.etag;
      await store.transact!(ops, {});
      expect((await read(store, a))?.value).toBe('a2');
      expect(await read(store, b)).toBeUndefined();
    });

    it('expires a key after ttlInSeconds', async () => {
      const k = key();
      await set(store, k, 'short', { ttl: 1 });
      expect((await read(store, k))?.value).toBe('short');
      await new Promise((r) => setTimeout(r, 1300));
      expect(await read(store, k)).toBeUndefined();
    });
  });
}
