import { appendFileSync, createWriteStream, type WriteStream } from 'node:fs';
import { matchesQuery, type JournalEntry, type JournalQuery, type JournalReader, type OfnEvent } from '../protocol/journal.js';

export type JournalListener = (entry: JournalEntry) => void;

/** How long entries wait to be written to the file together (one write per request cost the gateway ~30 µs). */
const FLUSH_MS = 50;

/**
 * Append-only record of everything that happens: NDJSON on disk (`.ofn-local/journal.ndjson`) and a
 * bounded ring in memory that readers replay from a sequence number, then follow. The file gets
 * entries in batches (every 50 ms, at close, and at the process's exit); readers use the ring.
 */
export class Journal implements JournalReader {
  readonly #ring: JournalEntry[] = [];
  readonly #capacity: number;
  readonly #listeners = new Set<JournalListener>();
  /** Wakes each following reader once the journal closes. */
  readonly #onClose = new Set<() => void>();
  readonly #out?: WriteStream;
  readonly #file?: string;
  /** Lines not yet written to the file. */
  #pending: string[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #flushAtExit = () => this.#flushSync();
  #seq = 0;
  #closed = false;
  /** The millisecond `#ts` was made for (NaN: none yet). */
  #tsMs = NaN;
  #ts = '';
  /** The first millisecond of the second `#secondText` (its ISO text up to the milliseconds) is of. */
  #secondMs = NaN;
  #secondText = '';

  constructor(opts: { file?: string; capacity?: number } = {}) {
    this.#capacity = opts.capacity ?? 20_000;
    if (opts.file) {
      this.#file = opts.file;
      this.#out = createWriteStream(opts.file, { flags: 'a' });
      // A full disk loses the file copy, never the daemon: the ring in memory still serves readers.
      this.#out.on('error', () => undefined);
      process.once('exit', this.#flushAtExit);
    }
  }

  get lastSeq(): number {
    return this.#seq;
  }

  append(event: OfnEvent): JournalEntry {
    // The same keys in the same order as `{ ...event, seq, ts }` (events have no `__proto__` key, the
    // one Object.assign would set differently). V8 (Node 20) builds that literal, and a spread copy
    // given two more properties, with a map (hidden class) of its own per entry when the entries are
    // kept: ~3-4 µs an entry and a map for the collector to carry each, against ~0.3 µs this way.
    const entry = Object.assign({}, event) as JournalEntry;
    entry.seq = ++this.#seq;
    entry.ts = this.#timestamp();
    this.#ring.push(entry);
    // Trimmed a tenth at a time: shifting the whole ring on every entry cost each request through
    // the gateway (one request.completed each) a copy of 20,000 entries once the ring was full.
    if (this.#ring.length > this.#capacity + Math.ceil(this.#capacity / 10)) this.#ring.splice(0, this.#ring.length - this.#capacity);
    if (this.#out && !this.#out.writableEnded) {
      this.#pending.push(JSON.stringify(entry) + '\n');
      this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS).unref();
    }
    if (this.#listeners.size > 0) for (const l of this.#listeners) l(entry);
    return entry;
  }

  /**
   * Now as `new Date().toISOString()` gives it, made once per millisecond (entries of the same
   * millisecond, requests under load, share the string) and formatted once per second: a new
   * millisecond of the same second is that second's text with its last four characters (`sssZ`)
   * written anew. toISOString was a quarter of an entry's cost in the gateway's profile.
   */
  #timestamp(): string {
    const now = Date.now();
    if (now === this.#tsMs) return this.#ts;
    this.#tsMs = now;
    const ms = now - this.#secondMs;
    if (ms >= 0 && ms < 1000) {
      this.#ts = this.#secondText + (ms < 10 ? '00' : ms < 100 ? '0' : '') + ms + 'Z';
    } else {
      const text = new Date(now).toISOString();
      this.#secondMs = Math.floor(now / 1000) * 1000;
      this.#secondText = text.slice(0, -4);
      this.#ts = text;
    }
    return this.#ts;
  }

  /** Entries with seq > `afterSeq` still in memory. */
  since(afterSeq = 0): JournalEntry[] {
    const first = this.#ring[0]?.seq ?? afterSeq + 1;
    return this.#ring.slice(Math.max(0, afterSeq + 1 - first));
  }

  /** Replays entries after `afterSeq` (if given), then calls `listener` for each new one. */
  subscribe(listener: JournalListener, afterSeq?: number): () => void {
    if (afterSeq !== undefined) for (const e of this.since(afterSeq)) listener(e);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The entries kept after `query.after` that match `query`; with `follow`, then each new one until
   * `signal` aborts or the journal closes. What the control API streams, and the daemon's side of `DaemonApi`.
   */
  async *read(query: JournalQuery, signal?: AbortSignal): AsyncGenerator<JournalEntry> {
    const after = query.after ?? 0;
    if (!query.follow) {
      for (const e of this.since(after)) if (matchesQuery(e, query)) yield e;
      return;
    }
    if (this.#closed || signal?.aborted) return;
    let queue: JournalEntry[] = [];
    let wake: (() => void) | undefined;
    const stop = () => wake?.();
    const unsubscribe = this.subscribe((e) => {
      if (!matchesQuery(e, query)) return;
      queue.push(e);
      wake?.();
    }, after);
    this.#onClose.add(stop);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      while (!signal?.aborted) {
        if (queue.length === 0) {
          if (this.#closed) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        // Taken a batch at a time: a replay of the whole ring is one swap, not a shift per entry.
        const batch = queue;
        queue = [];
        for (const e of batch) {
          if (signal?.aborted) return;
          yield e;
        }
      }
    } finally {
      unsubscribe();
      this.#onClose.delete(stop);
      signal?.removeEventListener('abort', stop);
    }
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pending.length === 0 || !this.#out || this.#out.writableEnded) return;
    const lines = this.#pending.join('');
    this.#pending = [];
    this.#out.write(lines);
  }

  /** The process is exiting with lines not yet written: the stream cannot write any more, so append them directly. */
  #flushSync(): void {
    if (this.#pending.length === 0 || !this.#file) return;
    try {
      appendFileSync(this.#file, this.#pending.join(''));
    } catch {
      // the file copy is best effort (see the constructor)
    }
    this.#pending = [];
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const stop of this.#onClose) stop();
    this.#listeners.clear();
    this.#flush();
    process.removeListener('exit', this.#flushAtExit);
    const out = this.#out;
    if (out) await new Promise<void>((resolve) => out.end(resolve));
  }
}
