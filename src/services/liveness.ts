import { errorMessage } from '../errors.js';
import type { OfnEvent } from '../protocol/journal.js';
import type { ServiceStatus } from '../protocol/status.js';

/** A backing service as the liveness loop sees it (a host process or a container). */
export interface SupervisedService {
  alive(): Promise<boolean>;
  /** Starts it again where components expect it; resolves to its address. */
  restart(): Promise<{ host: string; port: number }>;
}

/** What the status shows of a service: the protocol's (src/protocol/status.ts). */
export type { ServiceStatus };

interface Entry {
  svc: SupervisedService;
  status: ServiceStatus;
}

/**
 * Keeps the backing services up, as the kubelet keeps a broker's pod up: a service whose process or
 * container is gone is journaled (`instance.failed` of `service/<name>`) and started again on the
 * same port, name and data folder; while a restart fails it is tried again each round.
 */
export class ServiceLiveness {
  readonly #entries = new Map<string, Entry>();
  readonly #emit: (event: OfnEvent) => void;
  readonly #onAddress: (name: string, address: { host: string; port: number }) => void;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;

  constructor(opts: { emit: (event: OfnEvent) => void; onAddress?: (name: string, address: { host: string; port: number }) => void }) {
    this.#emit = opts.emit;
    this.#onAddress = opts.onAddress ?? (() => undefined);
  }

  add(name: string, type: string, svc: SupervisedService, address: { host: string; port: number }): void {
    this.#entries.set(name, { svc, status: { name, type, address: `${address.host}:${address.port}`, state: 'running', restarts: 0 } });
  }

  statuses(): ServiceStatus[] {
    return [...this.#entries.values()].map((e) => ({ ...e.status }));
  }

  /** Checks every service once (the timer's round; tests call it directly). */
  check(): Promise<void> {
    this.#checking ??= this.#round().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  start(intervalMs: number): void {
    this.#timer ??= setInterval(() => void this.check(), intervalMs);
    this.#timer.unref();
  }

  /** Stops checking and forgets the services (they are being stopped). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#checking;
    this.#entries.clear();
  }

  async #round(): Promise<void> {
    for (const [name, entry] of [...this.#entries]) {
      if (entry.status.state === 'running' && (await entry.svc.alive().catch(() => true))) continue;
      if (this.#entries.get(name) !== entry) continue;
      if (entry.status.state === 'running') {
        entry.status.state = 'restarting';
        this.#emit({ type: 'instance.failed', fn: `service/${name}`, instance: name, message: `backing service ${name} (${entry.status.type}) is gone; starting it again` });
      }
      try {
        const address = await entry.svc.restart();
        if (this.#entries.get(name) !== entry) continue;
        entry.status = { ...entry.status, address: `${address.host}:${address.port}`, state: 'running', restarts: entry.status.restarts + 1 };
        this.#onAddress(name, address);
        this.#emit({ type: 'service.started', name, serviceType: entry.status.type, address: entry.status.address });
      } catch (err) {
        if (entry.status.state !== 'failed') {
          this.#emit({ type: 'instance.failed', fn: `service/${name}`, instance: name, message: `backing service ${name} did not start again: ${errorMessage(err)} (trying again)` });
        }
        entry.status.state = 'failed';
      }
    }
  }
}
