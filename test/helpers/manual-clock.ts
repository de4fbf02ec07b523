import type { Clock } from '../../src/shared/clock.js';

interface Timer {
  due: number;
  every?: number;
  fn: () => void;
}

/** A clock the test moves: `advance(ms)` runs every timer that falls due, in time order. */
export class ManualClock implements Clock {
  #now: number;
  readonly #timers = new Set<Timer>();

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  every(ms: number, fn: () => void): () => void {
    const timer: Timer = { due: this.#now + ms, every: ms, fn };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  after(ms: number, fn: () => void): () => void {
    const timer: Timer = { due: this.#now + ms, fn };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  /** Moves time forward by `ms`, one due timer at a time (a timer may add or cancel others). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = [...this.#timers].filter((t) => t.due <= end).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.#now = next.due;
      if (next.every) next.due += next.every;
      else this.#timers.delete(next);
      next.fn();
    }
    this.#now = end;
  }
}
