import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/shared/clock.js';

describe('systemClock.every', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shares one timer among everything ticking at the same period, and drops it with the last', () => {
    const calls: string[] = [];
    const stopA = systemClock.every(1000, () => calls.push('a'));
    const stopB = systemClock.every(1000, () => calls.push('b'));
    const stopC = systemClock.every(250, () => calls.push('c'));
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(calls.filter((c) => c !== 'c')).toEqual(['a', 'b']);
    expect(calls.filter((c) => c === 'c')).toHaveLength(4);
    stopA();
    vi.advanceTimersByTime(1000);
    expect(calls.filter((c) => c !== 'c')).toEqual(['a', 'b', 'b']);
    stopB();
    stopC();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps calling the others when one throws, and lets the error out as its own timer would', () => {
    const calls: string[] = [];
    const errors: unknown[] = [];
    const stopA = systemClock.every(500, () => {
      throw new Error('tick failed');
    });
    const stopB = systemClock.every(500, () => calls.push('b'));
    const onError = (err: unknown) => errors.push(err);
    process.on('uncaughtException', onError);
    try {
      vi.advanceTimersByTime(500);
      return Promise.resolve().then(() => {
        expect(calls).toEqual(['b']);
        expect(errors.map((e) => (e as Error).message)).toEqual(['tick failed']);
      });
    } finally {
      stopA();
      stopB();
      setImmediate(() => process.off('uncaughtException', onError));
    }
  });

  it('subscribes the same function twice as two ticks, each stopped alone', () => {
    let n = 0;
    const fn = () => n++;
    const stop1 = systemClock.every(100, fn);
    const stop2 = systemClock.every(100, fn);
    vi.advanceTimersByTime(100);
    expect(n).toBe(2);
    stop1();
    vi.advanceTimersByTime(100);
    expect(n).toBe(3);
    stop2();
    expect(vi.getTimerCount()).toBe(0);
  });
});
