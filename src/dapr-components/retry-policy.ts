/**
 * Retry schedules: Resiliency `constant`/`exponential` policies and the components'
 * `backOff*` settings share this shape. `maxRetries` -1 = forever.
 */
export interface RetryPolicy {
  policy: 'constant' | 'exponential';
  /** constant: the delay between attempts. */
  durationMs: number;
  /** exponential: first delay, doubled (with jitter) up to maxIntervalMs. */
  initialIntervalMs: number;
  maxIntervalMs: number;
  maxRetries: number;
}

export const NO_RETRY: RetryPolicy = { policy: 'constant', durationMs: 0, initialIntervalMs: 0, maxIntervalMs: 0, maxRetries: 0 };

/** Delay before retry number `attempt` (1-based). */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  if (policy.policy === 'constant') return policy.durationMs;
  const base = policy.initialIntervalMs * 1.5 ** (attempt - 1);
  // ±50 % jitter as in cenkalti/backoff's randomization factor 0.5.
  const jittered = base * (0.5 + random());
  return Math.min(policy.maxIntervalMs, Math.round(jittered));
}

/**
 * Runs `attempt` until it succeeds, `shouldRetry` says no, retries run out, or the signal
 * aborts; rethrows the last error.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  opts: { signal?: AbortSignal; shouldRetry?: (err: unknown) => boolean; onRetry?: (err: unknown, attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const exhausted = policy.maxRetries >= 0 && n > policy.maxRetries;
      if (exhausted || opts.signal?.aborted || (opts.shouldRetry && !opts.shouldRetry(err))) throw err;
      const delay = retryDelay(policy, n);
      opts.onRetry?.(err, n, delay);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        opts.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
      if (opts.signal?.aborted) throw err;
    }
  }
}
