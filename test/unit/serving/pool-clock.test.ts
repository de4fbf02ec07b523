import { afterEach, describe, expect, it } from 'vitest';
import type { OfnEvent } from '../../../src/protocol/journal.js';
import { FunctionPool } from '../../../src/serving/pool.js';
import { testPoolOptions } from '../../helpers/test-pool.js';
import type { Instance, InstanceSpec } from '../../../src/runtime/runtime.js';
import { waitFor } from '../../helpers/http.js';
import { InProcessRuntime } from '../../helpers/in-process-runtime.js';
import { ManualClock } from '../../helpers/manual-clock.js';

// The activator and the concurrency autoscaler on a clock the test moves: the idle window, the
// held requests' deadline and the minReplicas retry are decided without waiting for them.

/** In-process instances whose starts can fail (`failStarts`) or never finish (`hangStarts`). */
class SocketRuntime extends InProcessRuntime {
  failStarts = false;
  /** Starts that never finish (an image that takes forever to pull). */
  hangStarts = false;
  attempts = 0;
  override async start(spec: InstanceSpec): Promise<Instance> {
    this.attempts++;
    if (this.hangStarts) return new Promise<Instance>(() => undefined);
    if (this.failStarts) throw new Error('the image does not run');
    return super.start(spec);
  }
}

describe('a pool on a clock the test moves', () => {
  let pool: FunctionPool | undefined;
  let runtime: SocketRuntime | undefined;
  afterEach(async () => {
    await pool?.dispose();
    await runtime?.dispose();
  });

  async function setup(scale: { min: number; max: number; target: number }): Promise<{ clock: ManualClock; events: OfnEvent[] }> {
    runtime = new SocketRuntime();
    const clock = new ManualClock();
    const events: OfnEvent[] = [];
    pool = new FunctionPool(
      testPoolOptions(runtime, {
        scale: { ...scale, containerConcurrency: 0 },
        idleWindowMs: 60_000,
        readyTimeoutMs: 30_000,
        maxInstancesCap: 10,
        emit: (e) => events.push(e),
        clock,
      }),
    );
    await pool.setSpec({ namespace: 'default', name: 'fn', port: 8080, env: {}, generation: 1 });
    return { clock, events };
  }

  /** Moves the clock a second at a time, as the pool's ticker would see it. */
  const seconds = (clock: ManualClock, n: number) => {
    for (let i = 0; i < n; i++) clock.advance(1000);
  };

  it('wakes from zero on a request, stays through the idle window, and goes back to zero after it', async () => {
    const { clock, events } = await setup({ min: 0, max: 3, target: 100 });
    const lease = await pool!.acquire();
    expect(lease.cold).toBe(true);
    pool!.release(lease.slot);
    seconds(clock, 58);
    expect(pool!.replicas).toBe(1);
    // The window holds the second in which the request ran: zero a window after that second.
    seconds(clock, 5);
    await waitFor(() => pool!.replicas === 0, 5000, 'scaled to zero');
    expect(pool!.state).toBe('scaled-to-zero');
    expect(events.filter((e) => e.type === 'function.scaled').map((e) => e.type === 'function.scaled' && [e.from, e.to, e.reason])).toEqual([
      [0, 1, 'request at zero'],
      [1, 0, 'idle'],
    ]);
  });

  it('adds instances when concurrency passes the target and shrinks to the peak the window saw, then to min', async () => {
    const { clock } = await setup({ min: 1, max: 3, target: 1 });
    await pool!.ensureMin();
    const leases = await Promise.all([pool!.acquire(), pool!.acquire(), pool!.acquire()]);
    await waitFor(() => pool!.replicas === 3, 5000, 'three instances');
    for (const l of leases) pool!.release(l.slot);
    // The window still holds the peak of three: nothing shrinks within it.
    seconds(clock, 30);
    expect(pool!.replicas).toBe(3);
    seconds(clock, 32);
    await waitFor(() => pool!.replicas === 1, 5000, 'back to min');
  });

  it('fails a held request once its deadline passes on the clock, saying why', async () => {
    const { clock } = await setup({ min: 0, max: 1, target: 100 });
    runtime!.hangStarts = true;
    const held = pool!.acquire();
    clock.advance(29_999);
    const early = await Promise.race([held.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 50))]);
    expect(early).toBe('pending');
    clock.advance(1);
    await expect(held).rejects.toThrow('no instance of default/fn became ready within 30000 ms');
  });

  it('retries minReplicas every few seconds while starts fail, and serves once one succeeds', async () => {
    const { clock } = await setup({ min: 1, max: 1, target: 100 });
    runtime!.failStarts = true;
    await pool!.ensureMin().catch(() => undefined);
    const first = runtime!.attempts;
    seconds(clock, 2);
    expect(runtime!.attempts).toBe(first);
    seconds(clock, 2);
    await waitFor(() => runtime!.attempts === first + 1, 5000, 'a second attempt');
    runtime!.failStarts = false;
    seconds(clock, 4);
    await waitFor(() => pool!.replicas === 1, 5000, 'minReplicas met');
  });
});
