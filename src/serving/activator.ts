/**
 * Knative's activator for one function: requests that find no instance with room are held here
 * until one is ready (from zero, or added for capacity), or fail after the ready timeout. Time comes
 * from the pool's clock, so held requests' deadlines are unit-testable.
 */
import type { Clock } from '../shared/clock.js';

interface Held<T> {
  resolve: (lease: T) => void;
  reject: (err: Error) => void;
  /** Cancels the deadline. */
  cancel: () => void;
}

export class Activator<T> {
  readonly #held: Held<T>[] = [];

  constructor(private readonly clock: Clock) {}

  /** Requests waiting for an instance. */
  get length(): number {
    return this.#held.length;
  }

  /** Holds one request; `timeout()` gives the error it fails with once `timeoutMs` passed. */
  hold(timeoutMs: number, timeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const held: Held<T> = {
        resolve,
        reject,
        cancel: this.clock.after(timeoutMs, () => {
          const i = this.#held.indexOf(held);
          if (i >= 0) this.#held.splice(i, 1);
          reject(timeout());
        }),
      };
      this.#held.push(held);
    });
  }

  /** Hands held requests, oldest first, to what `next()` gives, until it gives nothing. */
  dispatch(next: () => T | undefined): void {
    while (this.#held.length > 0) {
      const lease = next();
      if (lease === undefined) return;
      const held = this.#held.shift()!;
      held.cancel();
      held.resolve(lease);
    }
  }

  /** Fails every held request with `err`. */
  rejectAll(err: Error): void {
    for (const held of this.#held.splice(0)) {
      held.cancel();
      held.reject(err);
    }
  }
}
