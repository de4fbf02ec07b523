import { describe, expect, it } from 'vitest';
import { Journal } from '../../../src/daemon/journal.js';

describe('the journal ring', () => {
  it('keeps at least its capacity of newest entries, bounded, and replays from a sequence number after trims', () => {
    const journal = new Journal({ capacity: 100 });
    for (let i = 0; i < 1000; i++) journal.append({ type: 'function.added', fn: `default/f${i}` });
    const all = journal.since(0);
    expect(all.length).toBeGreaterThanOrEqual(100);
    expect(all.length).toBeLessThanOrEqual(110);
    expect(all.at(-1)?.seq).toBe(1000);
    // Sequence numbers stay contiguous, and a reader resuming after one gets exactly what followed.
    expect(all.every((e, i) => i === 0 || e.seq === all[i - 1]!.seq + 1)).toBe(true);
    expect(journal.since(995).map((e) => e.seq)).toEqual([996, 997, 998, 999, 1000]);
  });
});
