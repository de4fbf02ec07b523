import type { PoolOptions } from '../../src/serving/pool.js';
import type { PoolRuntime } from '../../src/serving/types.js';

/**
 * A pool's options for unit tests: one function `default/fn`, one instance, a long idle window,
 * instances stopped at zero, nothing emitted; `overrides` set what a test is about.
 */
export function testPoolOptions(runtime: PoolRuntime, overrides: Partial<PoolOptions> = {}): PoolOptions {
  return {
    namespace: 'default',
    name: 'fn',
    runtime,
    scale: { min: 1, max: 1, target: 100, containerConcurrency: 0 },
    idleWindowMs: 600_000,
    zeroMode: 'stop',
    readyTimeoutMs: 10_000,
    maxInstancesCap: 1,
    emit: () => undefined,
    recentLogs: () => [],
    ...overrides,
  };
}
