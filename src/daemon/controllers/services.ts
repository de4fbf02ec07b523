/**
 * The backing services of `ofn-local.yaml` (brokers), started before any function: Docker runs them
 * on the project network under their names (components' `redis:6379` works unchanged); the process
 * runtime runs them as host processes and the Component files are pointed at their ports. Keeps them
 * up (ServiceLiveness), and tells the bus where they are (`services.addresses`) after every change.
 */
import type Docker from 'dockerode';
import type { BaseImage } from '../../builders/base-image.js';
import type { BackingServiceConfig } from '../../model/project-config.js';
import { startDockerService } from '../../services/docker-services.js';
import { ServiceLiveness, type ServiceStatus, type SupervisedService } from '../../services/liveness.js';
import { startHostService } from '../../services/process-services.js';
import type { OfnEvent } from '../../protocol/journal.js';
import type { ServiceAddresses } from '../bus.js';
import { clusterHostNames } from '../dapr-resources.js';
import { throwIfStopped, type ControllerContext } from './context.js';

/** A started service: liveness checks and restarts it; a host process is stopped by the controller. */
export type StartedService = SupervisedService & { address: { host: string; port: number }; stop?(): Promise<void> };

/** How services are started and removed: containers on the project network, or host processes. */
export interface ServiceStarters {
  /** Starts one service; `aliases` are its other names, `journal` takes its build or output lines. */
  start(svc: BackingServiceConfig, aliases: string[], journal: (event: OfnEvent) => void): Promise<StartedService>;
  /** Whether instances reach a service by its name (containers on the project network), else by the address rendered into their Component files. */
  readonly byName: boolean;
  /** Removes what is left of the project's services (their containers) once they are stopped. */
  removeAll(): Promise<void>;
}

export interface ServicesControllerOptions extends ControllerContext {
  starters: ServiceStarters;
  /** How often liveness checks the services. */
  checkIntervalMs: number;
}

export class ServicesController {
  readonly #o: ServicesControllerOptions;
  readonly #started: StartedService[] = [];
  /** `name:port` of each service (under every name it answers to) → where this process reaches it. */
  readonly #reach = new Map<string, string>();
  /** The same, for the Component files of instances that do not reach services by name. */
  readonly #pods = new Map<string, string>();
  readonly #services: BackingServiceConfig[] = [];
  /** Restarts a backing service that died; a container's new address reaches the bus. */
  readonly #liveness: ServiceLiveness;

  constructor(o: ServicesControllerOptions) {
    this.#o = o;
    this.#liveness = new ServiceLiveness({
      emit: (e) => o.bus.emit(e),
      onAddress: (name, address) => {
        const svc = this.#services.find((s) => s.name === name);
        if (!svc) return;
        for (const host of this.#hostNames(svc.name)) this.#reach.set(`${host}:${svc.port}`, `${address.host}:${address.port}`);
        void this.#announce().catch(() => undefined);
      },
    });
    o.bus.handle('services.replace', ({ services }) => this.replace(services));
  }

  /** Starts the services in order, then checks them every `checkIntervalMs`. */
  async start(services: BackingServiceConfig[]): Promise<void> {
    for (const svc of services) {
      throwIfStopped(this.#o.signal);
      const started = await this.#o.starters.start(svc, this.#hostNames(svc.name).slice(1), (e) => this.#o.bus.emit(e));
      this.#services.push(svc);
      this.#started.push(started);
      const at = `${started.address.host}:${started.address.port}`;
      for (const name of this.#hostNames(svc.name)) {
        if (!this.#o.starters.byName) this.#pods.set(`${name}:${svc.port}`, at);
        this.#reach.set(`${name}:${svc.port}`, at);
      }
      this.#liveness.add(svc.name, svc.type, started, started.address);
      this.#o.bus.emit({ type: 'service.started', name: svc.name, serviceType: svc.type, address: at });
    }
    await this.#announce();
    this.#liveness.start(this.#o.checkIntervalMs);
  }

  /** The services' states for `status()`. */
  statuses(): ServiceStatus[] {
    return this.#liveness.statuses();
  }

  /** Checks every service once (what the liveness timer does each round). */
  check(): Promise<void> {
    return this.#liveness.check();
  }

  /** Stops the services (the daemon's stop: the runtime removes their containers with the project's). */
  async stop(): Promise<void> {
    await this.#liveness.stop();
    const errors: unknown[] = [];
    await Promise.all(this.#started.splice(0).map((svc) => svc.stop?.().catch((e: unknown) => errors.push(e))));
    if (errors.length) throw new AggregateError(errors, 'errors while stopping the backing services');
  }

  /** `ofn-local.yaml` changed its services: everything is stopped and removed, then the new ones start. */
  async replace(services: BackingServiceConfig[]): Promise<void> {
    await this.#liveness.stop();
    await Promise.all(this.#started.splice(0).map((svc) => svc.stop?.().catch(() => undefined)));
    this.#services.length = 0;
    this.#reach.clear();
    this.#pods.clear();
    await this.#o.starters.removeAll();
    await this.#announce();
    await this.start(services);
  }

  /**
   * The names a backing service answers to: its own, and the in-cluster names a manifest written for
   * a cluster uses (`<name>.<ns>.svc.cluster.local`, `<name>.<ns>.svc`, `<name>.<ns>`) for each
   * namespace of the project, as a Service of that name would be reached there.
   */
  #hostNames(name: string): string[] {
    const project = this.#o.project();
    const namespaces = new Set([...project.functions.map((f) => f.namespace), ...project.others.map((o) => o.namespace).filter(Boolean)]);
    return [name, ...[...namespaces].flatMap((ns) => clusterHostNames(ns, name))];
  }

  #announce(): Promise<void> {
    const addresses: ServiceAddresses = { reach: new Map(this.#reach), pods: new Map(this.#pods) };
    return this.#o.bus.dispatch({ type: 'services.addresses', ...addresses });
  }
}

/** Backing services as containers on the project network (the docker runtime). */
export function containerStarters(o: { docker: Docker; projectId: string; root: string; network: string; baseImage: (log: (line: string) => void) => Promise<BaseImage> }): ServiceStarters {
  return {
    byName: true,
    start: (svc, aliases, journal) => {
      const log = (line: string) => journal({ type: 'build.log', fn: `service/${svc.name}`, line });
      return startDockerService(svc, { docker: o.docker, projectId: o.projectId, root: o.root, network: o.network, aliases, base: () => o.baseImage(log), log });
    },
    removeAll: async () => {
      const filters = { label: [`io.ofn-local.project=${o.projectId}`, 'io.ofn-local.service'] };
      const containers = await o.docker.listContainers({ all: true, filters });
      await Promise.all(containers.map((c) => o.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    },
  };
}

/** Backing services as host processes on free ports (the process runtime). */
export function processStarters(stateDir: string): ServiceStarters {
  return {
    byName: false,
    start: (svc, _aliases, journal) => startHostService(svc, stateDir, (line, stream) => journal({ type: 'instance.log', fn: `service/${svc.name}`, instance: svc.name, stream, line })),
    removeAll: async () => undefined,
  };
}
