import { afterEach, describe, expect, it, vi } from 'vitest';
import { Journal } from '../../../src/daemon/journal.js';
import type { JournalEntry, OfnEvent } from '../../../src/protocol/journal.js';

afterEach(() => {
  vi.useRealTimers();
});

const request = (path: string): OfnEvent => ({ type: 'request.completed', fn: 'default/a', method: 'GET', path, status: 200, durationMs: 0.37, cold: false, instance: 'default-a-1' });

describe('a journal entry', () => {
  it('is the event copied, then seq and ts: the same keys, order and JSON as `{ ...event, seq, ts }`', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 6, 20, 51, 35, 123) });
    const journal = new Journal();
    const events: OfnEvent[] = [
      request('/a'),
      { type: 'daemon.stopping' },
      { type: 'reload.finished', fn: 'default/a', path: 'fast', timings: { detectMs: 1, syncMs: 2, restartMs: 3, totalMs: 6 } },
      { type: 'daemon.error', source: 'gateway', code: 'E', message: 'm', hint: undefined },
    ];
    events.forEach((event, i) => {
      const entry = journal.append(event);
      const literal = { ...event, seq: i + 1, ts: '2026-12-06T20:51:35.123Z' };
      expect(Object.keys(entry)).toEqual(Object.keys(literal));
      expect(JSON.stringify(entry)).toBe(JSON.stringify(literal));
      expect(entry).not.toBe(event);
      expect(event).not.toHaveProperty('seq');
      expect(Object.getPrototypeOf(entry)).toBe(Object.prototype);
    });
  });

  it('gets the same ts string as the entries of the same millisecond, a new one in the next, and increasing seq', () => {
    const t0 = Date.UTC(2026, 11, 6, 20, 51, 35, 999);
    vi.useFakeTimers({ toFake: ['Date'], now: t0 });
    const journal = new Journal();
    const a = journal.append(request('/a'));
    const b = journal.append(request('/b'));
    vi.setSystemTime(t0 + 1);
    const c = journal.append(request('/c'));
    vi.setSystemTime(t0 - 5); // a clock set back: its own time, not the last one kept
    const d = journal.append(request('/d'));
    expect([a, b, c, d].map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect([a.ts, b.ts, c.ts, d.ts]).toEqual(['2026-12-06T20:51:35.999Z', '2026-12-06T20:51:35.999Z', '2026-12-06T20:51:36.000Z', '2026-12-06T20:51:35.994Z']);
  });

  it("has the ts toISOString gives, millisecond by millisecond, across seconds, and when the clock jumps or goes back", () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const journal = new Journal({ capacity: 10 });
    // Milliseconds in order (each padding width, a second's last and first), then jumps: back within
    // the second and across it, forward a day, before 1970, past year 9999 (six-digit years).
    const t0 = Date.UTC(2026, 11, 6, 20, 51, 35, 0);
    const times = [0, 1, 9, 10, 99, 100, 998, 999, 1000, 1001, 1999, 2000, 1500, 1400, 999, 86_400_000 + 5].map((d) => t0 + d);
    times.push(-1, -1000, -1001, 0, 253_402_300_799_999, 253_402_300_800_000, 253_402_300_800_042, 8_640_000_000_000_000);
    let seed = 7;
    for (let i = 0, t = t0; i < 3000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      t += seed % 7 === 0 ? -(seed % 1500) : seed % 40;
      times.push(t);
    }
    for (const t of times) {
      vi.setSystemTime(t);
      expect(journal.append({ type: 'daemon.stopping' }).ts).toBe(new Date(t).toISOString());
    }
  });

  it('reaches listeners and readers in order as the same object since() keeps, listeners told at once', () => {
    const journal = new Journal();
    const seen: JournalEntry[] = [];
    journal.subscribe((e) => seen.push(e));
    const first = journal.append(request('/a'));
    expect(seen).toEqual([first]);
    journal.append({ type: 'function.added', fn: 'default/b' });
    expect(seen.map((e) => e.seq)).toEqual([1, 2]);
    expect(journal.since(0)[0]).toBe(seen[0]);
    expect(journal.since(1)).toEqual([seen[1]]);
  });
});
