import { describe, expect, it } from 'vitest';
import { desiredInstances } from '../../../src/serving/autoscaler.js';

const base = { target: 100, min: 0, max: 10, idleMs: 0, idleWindowMs: 30_000 };

describe('desiredInstances', () => {
  it('keeps one instance while there is traffic below the target', () => {
    expect(desiredInstances({ ...base, peakConcurrency: 5 })).toBe(1);
  });
  it('adds instances per target of concurrency, capped at max', () => {
    expect(desiredInstances({ ...base, target: 2, peakConcurrency: 5 })).toBe(3);
    expect(desiredInstances({ ...base, target: 1, max: 3, peakConcurrency: 50 })).toBe(3);
  });
  it('scales to min after the idle window', () => {
    expect(desiredInstances({ ...base, peakConcurrency: 0, idleMs: 30_000 })).toBe(0);
    expect(desiredInstances({ ...base, min: 2, peakConcurrency: 0, idleMs: 60_000 })).toBe(2);
  });
  it('does not scale to zero before the idle window ends', () => {
    expect(desiredInstances({ ...base, peakConcurrency: 0, idleMs: 10_000 })).toBe(1);
  });
});
