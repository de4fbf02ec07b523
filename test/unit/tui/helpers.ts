import { EventEmitter } from 'node:events';
import type { JournalEntry, JournalQuery, JournalReader, OfnEvent } from '../../../src/protocol/journal.js';
import type { DaemonStatus } from '../../../src/protocol/status.js';
import type { TuiClient } from '../../../src/tui/controller.js';

/** Journal entries with increasing seq and timestamps from `start` (ms), `stepMs` apart. */
export function journal(start = Date.parse('2025-01-02T10:00:00.000Z'), stepMs = 100) {
  let seq = 0;
  let t = start;
  return {
    entry(e: OfnEvent, atMs?: number): JournalEntry {
      if (atMs !== undefined) t = atMs;
      else t += stepMs;
      return { ...e, seq: ++seq, ts: new Date(t).toISOString() } as JournalEntry;
    },
    get now() {
      return t;
    },
  };
}

export const STATUS: DaemonStatus = {
  project: 'demo-1a2b3c4d',
  root: '/home/dev/demo',
  runtime: 'process',
  dapr: 'embedded',
  gateway: 'http://localhost:8480',
  functions: [
    { name: 'hello', namespace: 'default', runtime: 'knative', state: 'pending', replicas: 0, url: 'http://localhost:8480/default/hello', hostUrl: 'http://hello.default.ofn.localhost:8480/', minReplicas: 0, maxReplicas: 5 },
    { name: 'orders', namespace: 'shop', runtime: 'knative', state: 'scaled-to-zero', replicas: 0, url: 'http://localhost:8480/shop/orders', hostUrl: 'http://orders.shop.ofn.localhost:8480/', minReplicas: 0, maxReplicas: 3 },
  ],
};

/** A client that records calls and hands out journal entries pushed into it. */
export class FakeClient implements TuiClient {
  readonly calls: string[] = [];
  readonly #bus = new EventEmitter();
  readonly #backlog: JournalEntry[] = [];
  readonly journal: JournalReader = { read: (query, signal) => this.#read(query, signal) };
  constructor(public statusValue: DaemonStatus = STATUS) {}

  status(): Promise<DaemonStatus> {
    this.calls.push('status');
    return Promise.resolve(this.statusValue);
  }

  scaleToZero(ns: string, name: string): Promise<unknown> {
    this.calls.push(`scaleToZero ${ns}/${name}`);
    return Promise.resolve({ ok: true });
  }

  rebuild(ns: string, name: string): Promise<unknown> {
    this.calls.push(`rebuild ${ns}/${name}`);
    return Promise.resolve({ ok: true });
  }

  push(e: JournalEntry): void {
    this.#backlog.push(e);
    this.#bus.emit('entry', e);
  }

  async *#read(query: JournalQuery, signal?: AbortSignal): AsyncGenerator<JournalEntry> {
    this.calls.push(`journal after=${query.after ?? 0}`);
    const queue: JournalEntry[] = this.#backlog.filter((e) => e.seq > (query.after ?? 0));
    let wake: (() => void) | undefined;
    const on = (e: JournalEntry) => {
      queue.push(e);
      wake?.();
    };
    this.#bus.on('entry', on);
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        const next = queue.shift();
        if (next) yield next;
        else await new Promise<void>((r) => (wake = r));
      }
    } finally {
      this.#bus.off('entry', on);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Waits until `check` passes (frames arrive asynchronously). */
export async function until(check: () => void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export const KEYS = { up: '\x1b[A', down: '\x1b[B', enter: '\r', escape: '\x1b', ctrlC: '\x03', backspace: '\x7f' };

/** A terminal's output for ink outside ink-testing-library: records writes, can be resized. */
export class FakeStdout extends EventEmitter {
  readonly writes: string[] = [];
  isTTY = false;
  constructor(
    public columns = 100,
    public rows = 30,
  ) {
    super();
  }
  write = (s: string): boolean => {
    this.writes.push(s);
    return true;
  };
  /** The last frame ink drew, without escape sequences. */
  lastFrame(): string {
    for (let i = this.writes.length - 1; i >= 0; i--) {
      const text = this.writes[i]!.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '');
      if (text.trim()) return text;
    }
    return '';
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

/** A terminal's input for ink: keys written here reach useInput. */
export class FakeStdin extends EventEmitter {
  isTTY = true;
  #pending: string[] = [];
  rawMode = false;
  setRawMode(on: boolean): void {
    this.rawMode = on;
  }
  setEncoding(): void {}
  ref(): void {}
  unref(): void {}
  resume(): void {}
  pause(): void {}
  read(): string | null {
    return this.#pending.shift() ?? null;
  }
  press(s: string): void {
    this.#pending.push(s);
    this.emit('readable');
  }
}
