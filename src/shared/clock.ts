/**
 * Time, injected where logic depends on it (the pools' activator, autoscaler and liveness loop), so
 * that logic is tested with a clock the test moves instead of by waiting.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called; never keeps the process alive. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms` unless the returned function is called first. */
  after(ms: number, fn: () => void): () => void;
}

/**
 * One interval timer per period, shared by everything that ticks at that period (every pool's
 * one-second tick, the async scalers of one polling interval): a project of many functions keeps a
 * handful of timers, not one per function. A callback's first call comes within one period.
 */
const shared = new Map<number, { timer: NodeJS.Timeout; calls: Set<() => void> }>();

function sharedEvery(ms: number, fn: () => void): () => void {
  let entry = shared.get(ms);
  if (!entry) {
    const calls = new Set<() => void>();
    const timer = setInterval(() => {
      for (const call of [...calls]) {
        try {
          call();
        } catch (err) {
          // As from a timer of its own: the error is the process's, the others still run.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }, ms);
    timer.unref();
    entry = { timer, calls };
    shared.set(ms, entry);
  }
  // The same function twice is two subscriptions, as two timers would be.
  const call = () => fn();
  entry.calls.add(call);
  const own = entry;
  return () => {
    own.calls.delete(call);
    if (own.calls.size === 0 && shared.get(ms) === own) {
      clearInterval(own.timer);
      shared.delete(ms);
    }
  };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every: sharedEvery,
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
