/**
 * Knative-style concurrency autoscaling, as a pure decision. The pool samples its in-flight
 * requests; this says how many instances it should have.
 */
export interface ScaleInput {
  /** Highest number of concurrent requests seen within the stable window. */
  peakConcurrency: number;
  /** Concurrent requests per instance (`autoscaling.knative.dev/target`). */
  target: number;
  min: number;
  /** Upper bound already resolved (Knative's 0 = unlimited is capped by the caller). */
  max: number;
  /** Time since the last request ended (0 while requests are in flight). */
  idleMs: number;
  /** No traffic for this long scales down to `min` (Knative's stable window + grace). */
  idleWindowMs: number;
}

export function desiredInstances(input: ScaleInput): number {
  const { peakConcurrency, target, min, max, idleMs, idleWindowMs } = input;
  if (peakConcurrency === 0 && idleMs >= idleWindowMs) return clamp(min, 0, max);
  const wanted = Math.ceil(peakConcurrency / Math.max(target, 1));
  return clamp(Math.max(wanted, min, 1), 0, max);
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(Math.max(n, lo), hi);
}

/**
 * The concurrency the autoscaler decides on: the peak of each second (in flight + held), kept for
 * the idle window. Times are given by the caller (the pool's clock).
 */
export class ConcurrencyWindow {
  readonly #peaks: { at: number; peak: number }[] = [];
  #current = 0;

  constructor(private readonly windowMs: number) {}

  /** Records the concurrency now; the second's peak keeps the highest. */
  sample(concurrency: number): void {
    if (concurrency > this.#current) this.#current = concurrency;
  }

  /** Closes the current second at `now` and forgets seconds older than the window. */
  roll(now: number): void {
    this.#peaks.push({ at: now, peak: this.#current });
    this.#current = 0;
    while (this.#peaks.length > 0 && now - this.#peaks[0]!.at > this.windowMs) this.#peaks.shift();
  }

  /** The highest concurrency seen within the window. */
  get peak(): number {
    return Math.max(0, ...this.#peaks.map((p) => p.peak));
  }
}
