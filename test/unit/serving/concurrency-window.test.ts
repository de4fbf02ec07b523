import { describe, expect, it } from 'vitest';
import { ConcurrencyWindow } from '../../../src/serving/autoscaler.js';

describe("the autoscaler's concurrency window", () => {
  it("keeps each second's peak for the window, then forgets it", () => {
    const w = new ConcurrencyWindow(3000);
    w.sample(2);
    w.sample(7);
    w.sample(1);
    w.roll(1000);
    expect(w.peak).toBe(7);
    w.sample(3);
    w.roll(2000);
    w.roll(3000);
    w.roll(4000);
    expect(w.peak).toBe(7);
    w.roll(4001); // the second of the 7 is now more than the window ago
    expect(w.peak).toBe(3);
    w.roll(5001); // and the 3's
    expect(w.peak).toBe(0);
  });
});
