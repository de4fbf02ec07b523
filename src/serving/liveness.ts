/**
 * The kubelet's part for one pool: each round, an instance that died on its own (a crash, a kill, the
 * OOM killer) is taken out, even with no request to notice it (async functions get none), and a
 * dead Dapr sidecar is restarted beside its running function, the instance out of rotation meanwhile.
 */
import { errorMessage } from '../errors.js';
import type { FunctionState, OfnEvent } from '../protocol/journal.js';
import { waitForSidecarHealth } from '../runtime/sidecar-health.js';
import type { Clock } from '../shared/clock.js';
import type { PoolRuntime, Slot } from './types.js';

/** What liveness needs of its pool. */
export interface LivenessHost {
  readonly key: string;
  readonly runtime: PoolRuntime;
  readonly clock: Clock;
  readonly readyTimeoutMs: number;
  /** The pool's slots now (they change while a round awaits). */
  slots(): readonly Slot[];
  emit(event: OfnEvent): void;
  setState(state: FunctionState, reason?: string): void;
  /** Takes a slot out and removes its instance. */
  markDead(slot: Slot, reason: string): Promise<void>;
  /** Held requests may go on (a slot is serving again). */
  dispatch(): void;
}

export class Liveness {
  #checking = false;

  constructor(private readonly host: LivenessHost) {}

  /** One round, unless the previous one is still going. */
  check(): void {
    if (this.#checking) return;
    this.#checking = true;
    void this.#round().finally(() => (this.#checking = false));
  }

  async #round(): Promise<void> {
    const { host } = this;
    const present = (slot: Slot) => host.slots().includes(slot);
    for (const slot of [...host.slots()]) {
      if (slot.retiring || slot.reloading || slot.sidecarDown || slot.instance.state === 'paused') continue;
      const alive = slot.instance.state === 'running' && (await host.runtime.isAlive(slot.instance).catch(() => true));
      if (!alive && present(slot)) {
        await host.markDead(slot, `instance ${slot.instance.id} exited`);
        continue;
      }
      if (!slot.instance.spec.sidecar || !present(slot)) continue;
      const sidecarAlive = await host.runtime.sidecarAlive(slot.instance).catch(() => true);
      if (!sidecarAlive) void this.restartSidecar(slot);
    }
  }

  /**
   * The instance's sidecar died while its function runs: as the kubelet does, restart that container
   * and keep the pod out of rotation until the sidecar is healthy again. The function keeps its
   * in-flight requests (its Dapr client waits for the sidecar and sends again). If the sidecar does
   * not come back, the whole instance is replaced.
   */
  async restartSidecar(slot: Slot): Promise<void> {
    const { host } = this;
    const { instance } = slot;
    const started = host.clock.now();
    slot.sidecarDown = true;
    host.emit({ type: 'instance.failed', fn: host.key, instance: instance.id, part: 'sidecar', message: `the Dapr sidecar of ${instance.id} exited; restarting it (no new requests reach the instance meanwhile)` });
    if (!host.slots().some((s) => !s.retiring && !s.sidecarDown)) host.setState('pending', 'Dapr sidecar restarting');
    try {
      await host.runtime.restartSidecar(instance);
      await waitForSidecarHealth(instance, {
        timeoutMs: host.readyTimeoutMs,
        check: async () => {
          if (!(await host.runtime.isAlive(instance))) throw new Error(`instance ${instance.id} exited while its sidecar restarted`);
          // Dead again (say its port was taken meanwhile): a fresh instance, with fresh ports, instead.
          if (!(await host.runtime.sidecarAlive(instance))) throw new Error(`the sidecar of ${instance.id} exited again as it restarted`);
        },
      });
      if (!host.slots().includes(slot)) return;
      slot.sidecarDown = false;
      host.emit({ type: 'instance.ready', fn: host.key, instance: instance.id, cold: false, durationMs: host.clock.now() - started });
      host.setState('ready');
      host.dispatch();
    } catch (err) {
      slot.sidecarDown = false;
      await host.markDead(slot, `the Dapr sidecar did not come back: ${errorMessage(err)}`);
    }
  }
}
