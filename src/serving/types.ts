/** What the serving modules share: an instance in a pool, a request's hold on one, the runtime they drive. */
import type { Instance, Runtime } from '../runtime/runtime.js';

export interface PoolRuntime extends Runtime {
  isAlive(instance: Instance): Promise<boolean>;
}

export interface Slot {
  instance: Instance;
  inFlight: number;
  /** Set on instances of an older generation: removed once idle. */
  retiring: boolean;
  /** Its code is being reloaded in place: new requests wait. */
  reloading?: boolean;
  /** Its Dapr sidecar died and is being restarted: new requests wait, as for a pod that is not ready. */
  sidecarDown?: boolean;
}

export interface Lease {
  slot: Slot;
  /** True when the request waited for an instance to start (a cold start). */
  cold: boolean;
}
