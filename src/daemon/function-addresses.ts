/**
 * Each sync function's in-cluster host names (`<name>.<ns>.svc.cluster.local`, …) → its local
 * stand-in (a gateway port of its own), as pods (sidecars, function containers) or this process
 * reach it: sinks and Component files written for a cluster reach the function unchanged.
 */
import type { Project } from '../model/types.js';
import { clusterHostNames } from './dapr-resources.js';

export interface FunctionAddressesOptions {
  project(): Project;
  /** The function's stand-in port on the gateway, listening on these hosts. */
  serviceAddress(namespace: string, name: string, hosts: string[]): Promise<number>;
  /** Where pods reach this process (`reach`), and what the stand-in must listen on for them (`bind`). */
  podHost(): Promise<{ bind: string; reach: string }>;
}

export class FunctionAddresses {
  readonly #o: FunctionAddressesOptions;
  #podHost: Promise<{ bind: string; reach: string }> | undefined;

  constructor(o: FunctionAddressesOptions) {
    this.#o = o;
  }

  async of(from: 'pod' | 'daemon'): Promise<Map<string, string>> {
    const podHost = await (this.#podHost ??= this.#o.podHost()).catch((err: unknown) => {
      this.#podHost = undefined; // asked again next time
      throw err;
    });
    const map = new Map<string, string>();
    for (const fn of this.#o.project().functions) {
      if (fn.runtime !== 'knative') continue;
      const port = await this.#o.serviceAddress(fn.namespace, fn.name, ['127.0.0.1', podHost.bind]);
      for (const host of clusterHostNames(fn.namespace, fn.name)) map.set(host, `${from === 'pod' ? podHost.reach : '127.0.0.1'}:${port}`);
    }
    return map;
  }
}
