/**
 * Hot reload's fast path for a pool's running instances: each one's code is swapped in place while
 * its new requests are held and its in-flight ones finish; the slow path (a new build rolled in
 * beside the old one) is the pool's rollTo.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Instance } from '../runtime/runtime.js';
import type { Slot } from './types.js';

export interface InPlaceReload {
  /** Swaps the code inside one running instance. */
  reloadOne: (instance: Instance) => Promise<void>;
  /** A program restarted in place: nothing may be in flight when it stops. */
  drainFirst?: boolean;
  /** How long in-flight requests may take to finish. */
  timeoutMs: number;
  /** Forget kept-alive connections to an instance (its code changed under them). */
  dropIdleSockets?: (address: { host: string; port: number }) => void;
  /** Held requests may go on (an instance serves again). */
  dispatch: () => void;
}

/**
 * Reloads every slot in place at once. Meanwhile that instance's new requests are held; its
 * in-flight ones finish on the old code; its idle sockets are dropped before the held requests go
 * on, so they reach the new code. Throws the first failure after every slot was tried (a failed
 * instance keeps serving its old code).
 */
export async function reloadSlotsInPlace(slots: readonly Slot[], o: InPlaceReload): Promise<void> {
  const failures: unknown[] = [];
  const idle = (slot: Slot) => () => slot.inFlight === 0 || slot.retiring;
  await Promise.all(
    slots.map(async (slot) => {
      slot.reloading = true;
      try {
        if (o.drainFirst) {
          await until(idle(slot), o.timeoutMs);
          o.dropIdleSockets?.(slot.instance.address);
        }
        await o.reloadOne(slot.instance);
        await until(idle(slot), o.timeoutMs);
        o.dropIdleSockets?.(slot.instance.address);
      } catch (err) {
        failures.push(err);
      } finally {
        slot.reloading = false;
        o.dispatch();
      }
    }),
  );
  if (failures.length > 0) throw failures[0];
}

/** Polls a condition on real time (it waits for other work to finish, not for the pool's clock). */
export async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(5);
  }
}
