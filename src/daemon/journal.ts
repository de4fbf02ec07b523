import { createWriteStream, type WriteStream } from 'node:fs';
import type { JournalEntry, OfnEvent } from './events.js';

export type JournalListener = (entry: JournalEntry) => void;

/**
 * Append-only record of everything that happens: NDJSON on disk (`.ofn-local/journal.ndjson`) and a
 * bounded ring in memory that readers replay from a sequence number, then follow.
 */
export class Journal {
  readonly #ring: JournalEntry[] = [];
  readonly #capacity: number;
  readonly #listeners = new Set<JournalListener>();
  readonly #out?: WriteStream;
  #seq = 0;

  constructor(opts: { file?: string; capacity?: number } = {}) {
    this.#capacity = opts.capacity ?? 20_000;
    if (opts.file) {
      this.#out = createWriteStream(opts.file, { flags: 'a' });
      // A full disk loses the file copy, never the daemon: the ring in memory still serves readers.
      this.#out.on('error', () => undefined);
    }
  }

  get lastSeq(): number {
    return this.#seq;
  }

  append(event: OfnEvent): JournalEntry {
    const entry = { ...event, seq: ++this.#seq, ts: new Date().toISOString() } as JournalEntry;
    this.#ring.push(entry);
    // Trimmed a tenth at a time: shifting the whole ring on every entry cost each request through
    // the gateway (one request.completed each) a copy of 20,000 entries once the ring was full.
    if (this.#ring.length > this.#capacity + Math.ceil(this.#capacity / 10)) this.#ring.splice(0, this.#ring.length - this.#capacity);
    if (this.#out && !this.#out.writableEnded) this.#out.write(JSON.stringify(entry) + '\n');
    for (const l of this.#listeners) l(entry);
    return entry;
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

  async close(): Promise<void> {
    this.#listeners.clear();
    const out = this.#out;
    if (out) await new Promise<void>((resolve) => out.end(resolve));
  }
}
