/**
 * KEDA for the project: each async function with `scaleOptions.keda.triggers` gets a scaler
 * (src/daemon/async-scaler.ts) once a pool serves it (`function.serving` on the bus), replacing the
 * previous one; a removed function's scaler stops (`function.removed`). Brokers named in the
 * triggers are reached where the backing services are (the last `services.addresses`).
 */
import type { probeFor } from '../../scaling/index.js';
import type { Clock } from '../../shared/clock.js';
import { AsyncScaler, kedaSettings, type BacklogStatus, type ScaledPool } from '../async-scaler.js';
import type { BusEventOf } from '../bus.js';
import { describe, fnKey, type ControllerContext } from './context.js';

export interface ScalingControllerOptions extends Omit<ControllerContext, 'project'> {
  /** Seconds without backlog before scaling to zero, for every function (overrides cooldownPeriod). */
  cooldownSeconds?: number;
  /** For tests: the scalers' clock and trigger probes (the system's and the brokers' by default). */
  clock?: Clock;
  probeFor?: typeof probeFor;
}

export class ScalingController {
  readonly #o: ScalingControllerOptions;
  readonly #scalers = new Map<string, AsyncScaler>();
  #reach: ReadonlyMap<string, string> = new Map();

  constructor(o: ScalingControllerOptions) {
    this.#o = o;
    o.bus.on('services.addresses', (addresses) => {
      this.#reach = addresses.reach;
    });
    o.bus.on('function.serving', (e) => this.#attach(e));
    o.bus.on('function.removed', (e) => {
      void this.#scalers.get(e.fn)?.stop();
      this.#scalers.delete(e.fn);
    });
  }

  /** The backlog the function's scaler last read, when it has one. */
  backlog(key: string): BacklogStatus | undefined {
    return this.#scalers.get(key)?.backlog;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#scalers.values()].map((sc) => sc.stop()));
  }

  /** The scaler of an async function with keda triggers (replacing the previous one), first poll included. */
  async #attach({ fn, pool }: { fn: BusEventOf<'function.serving'>['fn']; pool: ScaledPool }): Promise<void> {
    const key = fnKey(fn);
    await this.#scalers.get(key)?.stop();
    this.#scalers.delete(key);
    const settings = fn.runtime === 'async' ? kedaSettings(fn, this.#o.cooldownSeconds) : undefined;
    if (!settings || this.#o.signal.aborted) return;
    let scaler: AsyncScaler;
    try {
      scaler = new AsyncScaler({
        fn,
        pool,
        settings,
        resolveHost: (hp) => this.#reach.get(hp) ?? hp,
        emit: (e) => this.#o.bus.emit(e),
        ...(this.#o.clock ? { clock: this.#o.clock } : {}),
        ...(this.#o.probeFor ? { probeFor: this.#o.probeFor } : {}),
      });
    } catch (err) {
      // An unsupported trigger: the function keeps its replicas, as without a scaler.
      this.#o.bus.emit({ type: 'daemon.error', source: key, code: 'ERR_SCALER', message: describe(err), hint: 'it keeps its replicas; supported triggers: kafka, redis-streams, nats-jetstream' });
      await pool.scaleTo(Math.max(1, fn.scale.min), 'no scaler');
      return;
    }
    this.#scalers.set(key, scaler);
    await scaler.poll();
  }
}
