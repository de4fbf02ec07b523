import { describe, expect, it } from 'vitest';
import type { Instance } from '../../../src/runtime/runtime.js';
import { reloadSlotsInPlace } from '../../../src/serving/rollout.js';
import type { Slot } from '../../../src/serving/types.js';

const slot = (id: string, inFlight = 0): Slot => ({ instance: { id, address: { host: '127.0.0.1', port: 1 } } as Instance, inFlight, retiring: false });

describe('hot reload in place', () => {
  it('holds new requests on each instance while its code is swapped, then lets them on and drops its idle sockets', async () => {
    const slots = [slot('a'), slot('b')];
    const seen: string[] = [];
    await reloadSlotsInPlace(slots, {
      reloadOne: async (instance) => {
        seen.push(`reload ${instance.id} (reloading: ${slots.find((s) => s.instance.id === instance.id)!.reloading})`);
      },
      timeoutMs: 1000,
      dropIdleSockets: (address) => seen.push(`drop ${address.port}`),
      dispatch: () => seen.push('dispatch'),
    });
    expect(seen.filter((l) => l.startsWith('reload')).sort()).toEqual(['reload a (reloading: true)', 'reload b (reloading: true)']);
    expect(seen.filter((l) => l === 'dispatch')).toHaveLength(2);
    expect(slots.every((s) => s.reloading === false)).toBe(true);
  });

  it('with drainFirst, lets in-flight requests finish before the program restarts', async () => {
    const busy = slot('a', 1);
    const order: string[] = [];
    setTimeout(() => {
      order.push('request finished');
      busy.inFlight = 0;
    }, 30);
    await reloadSlotsInPlace([busy], { reloadOne: async () => void order.push('restart'), drainFirst: true, timeoutMs: 5000, dispatch: () => undefined });
    expect(order).toEqual(['request finished', 'restart']);
  });

  it('tries every instance and throws the first failure; a failed one serves again', async () => {
    const slots = [slot('a'), slot('b')];
    const tried: string[] = [];
    await expect(
      reloadSlotsInPlace(slots, {
        reloadOne: async (instance) => {
          tried.push(instance.id);
          if (instance.id === 'a') throw new Error('syntax error in a');
        },
        timeoutMs: 1000,
        dispatch: () => undefined,
      }),
    ).rejects.toThrow('syntax error in a');
    expect(tried.sort()).toEqual(['a', 'b']);
    expect(slots[0]!.reloading).toBe(false);
  });
});
