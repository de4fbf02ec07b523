import { describe, expect, it } from 'vitest';
import { DaemonBus } from '../../../src/daemon/bus.js';
import type { OfnEvent } from '../../../src/protocol/journal.js';

describe('the daemon bus', () => {
  it('journals a journal event before any listener sees it, and tells only the listeners of its type', () => {
    const order: string[] = [];
    const bus = new DaemonBus((e) => order.push(`journal ${e.type}`));
    bus.on('function.added', (e) => void order.push(`listener ${e.fn}`));
    bus.on('function.removed', () => void order.push('wrong listener'));
    bus.emit({ type: 'function.added', fn: 'default/a' });
    expect(order).toEqual(['journal function.added', 'listener default/a']);
  });

  it('runs control listeners one after another and resolves when the last is done; journals nothing', async () => {
    const journal: OfnEvent[] = [];
    const bus = new DaemonBus((e) => journal.push(e));
    const order: string[] = [];
    let release = () => {};
    const first = new Promise<void>((resolve) => (release = resolve));
    bus.on('services.addresses', async () => {
      await first;
      order.push('first');
    });
    bus.on('services.addresses', () => void order.push('second'));
    const dispatched = bus.dispatch({ type: 'services.addresses', reach: new Map(), pods: new Map() });
    await Promise.resolve();
    expect(order).toEqual([]);
    release();
    await dispatched;
    expect(order).toEqual(['first', 'second']);
    expect(journal).toEqual([]);
  });

  it("rejects a dispatch with its listener's failure, and forgets a listener that stopped listening", async () => {
    const bus = new DaemonBus(() => undefined);
    const stop = bus.on('services.addresses', () => {
      throw new Error('cannot attach');
    });
    await expect(bus.dispatch({ type: 'services.addresses', reach: new Map(), pods: new Map() })).rejects.toThrow('cannot attach');
    stop();
    await expect(bus.dispatch({ type: 'services.addresses', reach: new Map(), pods: new Map() })).resolves.toBeUndefined();
  });

  it('answers a request with its one handler, as the handler returns it; a second handler or none at all is a wiring mistake', async () => {
    const journal: OfnEvent[] = [];
    const bus = new DaemonBus((e) => journal.push(e));
    expect(() => bus.request('build.compiled', { key: 'default/a' })).toThrow('nothing on the bus answers build.compiled');
    const stop = bus.handle('build.compiled', ({ key }) => key === 'default/go');
    // A question is answered at once, not as a promise.
    expect(bus.request('build.compiled', { key: 'default/go' })).toBe(true);
    expect(bus.request('build.compiled', { key: 'default/a' })).toBe(false);
    expect(() => bus.handle('build.compiled', () => true)).toThrow('the bus already has a handler for build.compiled');
    bus.handle('reload.slow', async ({ key, cause }) => {
      if (cause.length === 0) throw new Error(`${key}: no cause`);
    });
    await expect(bus.request('reload.slow', { key: 'default/a', cause: [], firstSeenAt: 0 })).rejects.toThrow('default/a: no cause');
    stop();
    expect(() => bus.request('build.compiled', { key: 'default/go' })).toThrow('nothing on the bus answers build.compiled');
    expect(journal).toEqual([]);
  });
});
