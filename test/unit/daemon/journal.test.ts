import { describe, expect, it } from 'vitest';
import { Journal } from '../../../src/daemon/journal.js';
import type { JournalEntry } from '../../../src/protocol/journal.js';

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

describe('reading the journal', () => {
  const collect = async (it: AsyncIterable<JournalEntry>, n = Infinity): Promise<JournalEntry[]> => {
    const out: JournalEntry[] = [];
    for await (const e of it) {
      out.push(e);
      if (out.length >= n) break;
    }
    return out;
  };

  it('gives the entries kept after a sequence number that match the query, then ends', async () => {
    const journal = new Journal();
    journal.append({ type: 'build.started', fn: 'default/a' });
    journal.append({ type: 'build.log', fn: 'default/a', line: 'one' });
    journal.append({ type: 'build.log', fn: 'default/b', line: 'two' });
    journal.append({ type: 'build.log', fn: 'default/a', line: 'three' });
    const lines = await collect(journal.read({ fn: 'default/a', types: ['build.log'] }));
    expect(lines.map((e) => (e.type === 'build.log' ? e.line : e.type))).toEqual(['one', 'three']);
    expect((await collect(journal.read({ after: 2 }))).map((e) => e.seq)).toEqual([3, 4]);
  });

  it('follows: the kept entries, then each new one, until the signal aborts or the journal closes', async () => {
    const journal = new Journal();
    journal.append({ type: 'function.added', fn: 'default/a' });
    const stop = new AbortController();
    const reader = journal.read({ follow: true, types: ['function.added'] }, stop.signal)[Symbol.asyncIterator]();
    expect((await reader.next()).value).toMatchObject({ seq: 1, fn: 'default/a' });
    const next = reader.next();
    journal.append({ type: 'function.removed', fn: 'default/a' });
    journal.append({ type: 'function.added', fn: 'default/b' });
    expect((await next).value).toMatchObject({ seq: 3, fn: 'default/b' });
    const ended = reader.next();
    stop.abort();
    expect(await ended).toMatchObject({ done: true });

    const closing = collect(journal.read({ follow: true, after: 3 }));
    journal.append({ type: 'daemon.stopping' });
    await journal.close();
    expect((await closing).map((e) => e.type)).toEqual(['daemon.stopping']);
  });
});

describe("the journal's file", () => {
  const lines = async (file: string) => (await import('node:fs/promises')).readFile(file, 'utf8').then((t) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalEntry), () => [] as JournalEntry[]);

  it('gets the entries in order, a batch at a time, and what is left at close', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-journal-'));
    try {
      const file = path.join(dir, 'journal.ndjson');
      const journal = new Journal({ file });
      for (let i = 0; i < 3; i++) journal.append({ type: 'function.added', fn: `default/f${i}` });
      await expect.poll(async () => (await lines(file)).map((e) => e.seq)).toEqual([1, 2, 3]);
      journal.append({ type: 'request.completed', fn: 'default/f0', method: 'GET', path: '/a "b"\u00e9', status: 200, durationMs: 0.1 + 0.2, cold: false, instance: undefined });
      journal.append({ type: 'function.added', fn: 'default/last' });
      await journal.close();
      expect((await lines(file)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      // Byte for byte: one JSON line per entry as since() keeps it (keys in the event's order, then seq and ts).
      const { readFile } = await import('node:fs/promises');
      expect(await readFile(file, 'utf8')).toBe(journal.since(0).map((e) => JSON.stringify(e) + '\n').join(''));
      expect(await readFile(file, 'utf8')).toContain('"durationMs":0.30000000000000004,"cold":false,"seq":4,"ts":"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
