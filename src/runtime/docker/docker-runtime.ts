import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { errorMessage } from '../../errors.js';
import { RuntimeError } from '../errors.js';
import { POD_NAMES_DIR, type ContainerLimits, type Instance, type InstanceSpec, type LogSink, type Runtime, type ZeroMode } from '../runtime.js';
import { LABEL_FUNCTION, LABEL_GENERATION, LABEL_PROJECT, LABEL_ROOT, projectFilter } from './labels.js';
import { splitLines } from '../split-lines.js';
import { SIDECAR_NODE_FLAGS } from '../process/process-runtime.js';
import { CONTROL_TOKEN_ENV } from '../../sidecar/http/public-server.js';
import { APP_IDS_ENV } from '../../sidecar/app-ids.js';
import { waitForAppAnswer } from '../app-answer.js';
import { waitForSidecarHealth } from '../sidecar-health.js';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';

/** daprd's public port in pods: health (and, with the control token, the API for the daemon). */
const SIDECAR_PUBLIC_PORT = 3501;
/** How long a pod's sidecar may take to load its components (then the pod fails to start, and is tried again). */
const POD_SIDECAR_TIMEOUT_MS = 60_000;
/** Where a daprd container finds its `--config` file. */
const POD_CONFIG_DIR = '/ofn-local/config';
/** Processes a function or sidecar container may have: a fork bomb stops there, not at the host's limit. */
const PIDS_LIMIT = 1024;

/** The HostConfig fields of a container's limits. */
function limitsConfig(limits: ContainerLimits | undefined): Pick<Docker.HostConfig, 'Memory' | 'NanoCpus' | 'PidsLimit'> {
  return {
    PidsLimit: PIDS_LIMIT,
    ...(limits?.memoryBytes ? { Memory: limits.memoryBytes } : {}),
    ...(limits?.nanoCpus ? { NanoCpus: limits.nanoCpus } : {}),
  };
}

export interface DockerRuntimeOptions {
  docker: Docker;
  projectId: string;
  /** Absolute project folder, recorded as a label so `docker ps` shows whose containers these are. */
  root: string;
  onLog: LogSink;
  /**
   * How the gateway reaches an instance. `container-ip` (Linux: the host routes to bridge networks)
   * avoids docker-proxy on every request; `published` maps the app port to 127.0.0.1 (Docker Desktop).
   */
  addressMode?: 'container-ip' | 'published';
  /**
   * The container the daemon itself runs in (the Testcontainers module): it joins the project
   * network so it reaches instances by their addresses there.
   */
  joinContainer?: string;
  /** The token the daemon's requests to sidecars carry (see sidecar/http/public-server.ts); random by default. */
  controlToken?: string;
}

interface Entry {
  instance: Instance;
  container: Docker.Container;
  /** The Dapr sidecar container sharing the function container's network namespace. */
  sidecar?: Docker.Container;
  /** daprd waiting for its app to answer before it starts (app-answer.ts); aborted when the instance stops. */
  sidecarWait?: AbortController;
  /** daprd is not running by design (not started yet, or being started again): it counts as alive. */
  sidecarPending?: boolean;
  /** daprd has looked at the app's port in this run (its "application discovered" line). */
  daprdDiscovered?: boolean;
  /** A pod instance (InstanceSpec.pod): the container holding its network. */
  holder?: Docker.Container;
  /** A pod instance: stops the loop that starts its app again when it exits. */
  keepRunning?: AbortController;
}

/** One container per instance, all on one network per project, all carrying the project label. */
export class DockerRuntime implements Runtime {
  readonly kind = 'docker' as const;
  readonly networkName: string;
  readonly #opts: Required<DockerRuntimeOptions>;
  readonly #entries = new Map<string, Entry>();
  #counter = 0;

  constructor(opts: DockerRuntimeOptions) {
    this.#opts = { addressMode: process.platform === 'linux' ? 'container-ip' : 'published', joinContainer: '', controlToken: randomBytes(24).toString('hex'), ...opts };
    this.networkName = `ofn-local-${opts.projectId}`;
  }

  async prepare(): Promise<void> {
    const { docker, projectId, root } = this.#opts;
    // What a crashed run left goes, except its volumes: a broker's data outlives the daemon.
    await removeProjectResources(docker, projectId, { volumes: false });
    await docker.createNetwork({
      Name: this.networkName,
      Driver: 'bridge',
      Labels: { [LABEL_PROJECT]: projectId, [LABEL_ROOT]: root },
    });
    if (this.#opts.joinContainer) await docker.getNetwork(this.networkName).connect({ Container: this.#opts.joinContainer });
  }

  /**
   * Where containers on the project network reach this process: the network's gateway (the host),
   * or the daemon's own container when it runs in one (joinContainer).
   */
  async hostAddress(): Promise<{ bind: string; reach: string }> {
    const { docker, joinContainer, addressMode } = this.#opts;
    // Docker Desktop: the bridge is inside its VM; containers reach the host's loopback by this name.
    if (addressMode === 'published') return { bind: '127.0.0.1', reach: 'host.docker.internal' };
    if (joinContainer) {
      const info = await docker.getContainer(joinContainer).inspect();
      const ip = info.NetworkSettings.Networks[this.networkName]?.IPAddress ?? '127.0.0.1';
      return { bind: ip, reach: ip };
    }
    const net = (await docker.getNetwork(this.networkName).inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
    const ip = net.IPAM?.Config?.find((c) => c.Gateway)?.Gateway ?? '127.0.0.1';
    return { bind: ip, reach: ip };
  }

  async start(spec: InstanceSpec): Promise<Instance> {
    if (!spec.image) throw new RuntimeError('ERR_INSTANCE_START', `no image for ${spec.namespace}/${spec.name}`);
    if (spec.pod) return this.#startPod(spec, spec.pod);
    const { docker, projectId } = this.#opts;
    const id = containerName(projectId, spec, ++this.#counter);
    const ports = this.#ports(spec);
    let container: Docker.Container;
    try {
      container = await docker.createContainer({
        ...appContainer(id, spec),
        Labels: this.#labels(spec),
        ExposedPorts: ports.ExposedPorts,
        HostConfig: {
          NetworkMode: this.networkName,
          // The name Docker Desktop users know for the host, on Linux too.
          ExtraHosts: ['host.docker.internal:host-gateway'],
          // The sidecar shares this container's network: its public port is published here too.
          PortBindings: ports.PortBindings,
          Binds: spec.liveAppDir && spec.appDir ? [`${spec.appDir}:/workspace`] : undefined,
          ...limitsConfig(spec.limits),
        },
        NetworkingConfig: {
          EndpointsConfig: { [this.networkName]: { Aliases: [`${spec.name}.${spec.namespace}`] } },
        },
      });
    } catch (err) {
      throw imageAware(err, spec.image);
    }
    const instance: Instance = { id, spec, address: { host: '127.0.0.1', port: 0 }, state: 'stopped' };
    const entry: Entry = { instance, container };
    this.#entries.set(id, entry);
    try {
      if (spec.sidecar) entry.sidecar = await this.#createSidecar(id, spec);
      await this.#run(entry);
    } catch (err) {
      // Nothing half-made stays behind: the caller never got this instance to remove.
      await this.remove(instance).catch(() => undefined);
      throw err;
    }
    return instance;
  }

  /** A pod (InstanceSpec.pod): holder, sidecar, then the app; see #runPod. */
  async #startPod(spec: InstanceSpec, { holderImage, aliases = [] }: NonNullable<InstanceSpec['pod']>): Promise<Instance> {
    const { docker } = this.#opts;
    const id = containerName(this.#opts.projectId, spec, ++this.#counter);
    const ports = this.#ports(spec);
    const instance: Instance = { id, spec, address: { host: '127.0.0.1', port: 0 }, state: 'stopped' };
    let holder: Docker.Container | undefined;
    try {
      // The pod's network lives as long as the pod, not as long as one run of its app.
      holder = await docker.createContainer({
        name: `${id}-pod`,
        Image: holderImage,
        Entrypoint: ['sleep'],
        Cmd: ['infinity'],
        Labels: this.#labels(spec),
        ExposedPorts: ports.ExposedPorts,
        HostConfig: {
          NetworkMode: this.networkName,
          Init: true,
          ExtraHosts: ['host.docker.internal:host-gateway'],
          PortBindings: ports.PortBindings,
          PidsLimit: 16,
        },
        NetworkingConfig: { EndpointsConfig: { [this.networkName]: { Aliases: [`${spec.name}.${spec.namespace}`, ...aliases] } } },
      });
      const container = await docker.createContainer({
        ...appContainer(id, spec),
        Labels: this.#labels(spec),
        HostConfig: { NetworkMode: `container:${id}-pod`, ...limitsConfig(spec.limits) },
      });
      const entry: Entry = { instance, container, holder };
      this.#entries.set(id, entry);
      if (spec.sidecar) entry.sidecar = await this.#createSidecar(id, spec, `${id}-pod`);
      await this.#runPod(entry);
    } catch (err) {
      if (this.#entries.has(id)) await this.remove(instance).catch(() => undefined);
      else await holder?.remove({ force: true }).catch(ignoreMissing);
      // Our own errors (a sidecar that never got healthy) as they are; the engine's named with the image.
      throw err instanceof RuntimeError ? err : imageAware(err, spec.image!);
    }
    return instance;
  }

  /**
   * Starts a pod: its holder, then its sidecar, healthy (components loaded, API up) before the app
   * starts, since an app may dial its sidecar once at start and give up (dapr/go-sdk waits 1 s);
   * then the app, started again whenever it exits.
   */
  async #runPod(entry: Entry): Promise<void> {
    const { instance, holder, sidecar, container } = entry;
    await holder!.start();
    const info = await holder!.inspect();
    const published = this.#opts.addressMode === 'published';
    const hostPort = (port: number) => Number(info.NetworkSettings.Ports[`${port}/tcp`]?.[0]?.HostPort);
    const host = published ? '127.0.0.1' : (info.NetworkSettings.Networks[this.networkName]?.IPAddress ?? '127.0.0.1');
    const port = instance.spec.port > 0 ? (published ? hostPort(instance.spec.port) : instance.spec.port) : 0;
    instance.address = { host, port };
    if (sidecar) {
      instance.dapr = { host, port: published ? hostPort(SIDECAR_PUBLIC_PORT) : SIDECAR_PUBLIC_PORT, controlToken: this.#opts.controlToken };
      await this.#attachLogs(sidecar, instance, `${instance.id}/daprd`);
      await sidecar.start();
      await waitForSidecarHealth(instance, {
        timeoutMs: POD_SIDECAR_TIMEOUT_MS,
        path: '/v1.0/healthz/outbound',
        check: async () => {
          if (!(await sidecar.inspect().catch(() => undefined))?.State.Running) throw new RuntimeError('ERR_INSTANCE_START', `the Dapr sidecar of ${instance.id} exited while starting`);
        },
      });
    }
    await this.#attachLogs(container, instance, instance.id);
    await container.start();
    instance.state = 'running';
    const keep = new AbortController();
    entry.keepRunning = keep;
    void this.#keepAppRunning(entry, keep.signal);
  }

  /** restartPolicy Always: the pod's app started again each time it exits, after 1 s, 2 s, 4 s ... 30 s (back to 1 s once it ran a minute). */
  async #keepAppRunning(entry: Entry, signal: AbortSignal): Promise<void> {
    const { instance, container } = entry;
    const fn = `${instance.spec.namespace}/${instance.spec.name}`;
    let delay = 1000;
    while (!signal.aborted) {
      const startedAt = Date.now();
      const exit = (await container.wait().catch(() => undefined)) as { StatusCode?: number } | undefined;
      if (signal.aborted || !exit) return;
      if (Date.now() - startedAt > 60_000) delay = 1000;
      this.#opts.onLog({ fn, instance: instance.id, stream: 'stderr', line: `ofn-local: ${instance.id} exited with code ${exit.StatusCode ?? '?'}; starting it again in its pod in ${delay / 1000} s (restartPolicy Always)` });
      try {
        await sleep(delay, undefined, { signal });
        await this.#attachLogs(container, instance, instance.id);
        await container.start();
      } catch {
        return;
      }
      delay = Math.min(delay * 2, 30_000);
    }
  }

  /**
   * The ports of the container that owns an instance's network: the app's (none for a Deployment that
   * declares none) and its sidecar's public one; published on 127.0.0.1 in `published` address mode.
   */
  #ports(spec: InstanceSpec): { ExposedPorts: Record<string, object>; PortBindings?: Record<string, { HostIp: string; HostPort: string }[]> } {
    const ports = [...(spec.port > 0 ? [`${spec.port}/tcp`] : []), ...(spec.sidecar ? [`${SIDECAR_PUBLIC_PORT}/tcp`] : [])];
    return {
      ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])),
      ...(this.#opts.addressMode === 'published' ? { PortBindings: Object.fromEntries(ports.map((p) => [p, [{ HostIp: '127.0.0.1', HostPort: '' }]])) } : {}),
    };
  }

  #labels(spec: InstanceSpec): Record<string, string> {
    return {
      [LABEL_PROJECT]: this.#opts.projectId,
      [LABEL_ROOT]: this.#opts.root,
      [LABEL_FUNCTION]: `${spec.namespace}/${spec.name}`,
      [LABEL_GENERATION]: String(spec.generation),
    };
  }

  async resume(instance: Instance): Promise<void> {
    const entry = this.#entry(instance);
    if (entry.holder) throw new RuntimeError('ERR_INSTANCE_START', `${instance.id} runs a Deployment's pod, which is never put at zero`);
    if (instance.state === 'paused') {
      await entry.container.unpause();
      if (!entry.sidecarPending) await entry.sidecar?.unpause();
      instance.state = 'running';
    } else if (instance.state === 'stopped') {
      await this.#run(entry);
    }
  }

  async suspend(instance: Instance, mode: ZeroMode): Promise<void> {
    const entry = this.#entry(instance);
    if (instance.state !== 'running') return;
    if (entry.holder) throw new RuntimeError('ERR_INSTANCE_START', `${instance.id} runs a Deployment's pod, which is never put at zero`);
    if (mode === 'pause') {
      // A daprd still waiting for its app has not started: there is nothing of it to freeze.
      if (!entry.sidecarPending) await entry.sidecar?.pause();
      await entry.container.pause();
      instance.state = 'paused';
    } else {
      entry.sidecarWait?.abort();
      entry.sidecarWait = undefined;
      entry.sidecarPending = false;
      // SIGTERM, then SIGKILL after 2 s: a graceful stop, as a pod's termination would be.
      await entry.sidecar?.stop({ t: 2 }).catch(ignoreNotModified);
      await entry.container.stop({ t: 2 }).catch(ignoreNotModified);
      instance.state = 'stopped';
    }
  }

  async remove(instance: Instance): Promise<void> {
    const entry = this.#entries.get(instance.id);
    this.#entries.delete(instance.id);
    instance.state = 'removed';
    entry?.sidecarWait?.abort();
    entry?.keepRunning?.abort();
    if (entry?.sidecar) await entry.sidecar.remove({ force: true }).catch(ignoreMissing);
    if (entry) await entry.container.remove({ force: true }).catch(ignoreMissing);
    if (entry?.holder) await entry.holder.remove({ force: true }).catch(ignoreMissing);
  }

  async signal(instance: Instance, signal: NodeJS.Signals): Promise<void> {
    await this.#entry(instance).container.kill({ signal });
  }

  async dispose(): Promise<void> {
    const { docker, projectId } = this.#opts;
    for (const { instance } of this.#entries.values()) instance.state = 'removed';
    this.#entries.clear();
    await removeProjectResources(docker, projectId);
  }

  async sidecarAlive(instance: Instance): Promise<boolean> {
    const { sidecar, sidecarPending } = this.#entry(instance);
    // daprd waiting for its app counts as alive: it starts once the app answers.
    if (!sidecar || sidecarPending) return true;
    const info = await sidecar.inspect().catch(() => undefined);
    return Boolean(info?.State.Running);
  }

  async restartSidecar(instance: Instance): Promise<void> {
    const entry = this.#entry(instance);
    if (!entry.sidecar || entry.sidecarPending) return;
    await this.#attachLogs(entry.sidecar, instance, `${instance.id}/daprd`);
    await entry.sidecar.start().catch(ignoreNotModified);
  }

  /** Whether the container's process still runs; the readiness wait stops early when it does not. */
  async isAlive(instance: Instance): Promise<boolean> {
    const entry = this.#entry(instance);
    // A pod's app between two runs is being started again in its pod: the pod lives while its holder does.
    if (entry.holder && entry.keepRunning && !entry.keepRunning.signal.aborted) return Boolean((await entry.holder.inspect().catch(() => undefined))?.State.Running);
    const info = await entry.container.inspect().catch(() => undefined);
    return Boolean(info?.State.Running);
  }

  async #run(entry: Entry): Promise<void> {
    const { container, instance } = entry;
    await this.#attachLogs(container, instance, instance.id);
    try {
      await container.start();
    } catch (err) {
      throw new RuntimeError('ERR_INSTANCE_START', `could not start ${instance.id}: ${errorMessage(err)}`, {}, undefined, {
        cause: err,
      });
    }
    // The real daprd beside an HTTP app waits for the app to answer (#startDaprd); ofn-local's own
    // sidecar, and daprd beside a gRPC app, start beside it.
    const daprd = Boolean(instance.spec.sidecar?.program);
    if (entry.sidecar && (!daprd || instance.spec.sidecar?.appProtocol === 'grpc')) {
      entry.daprdDiscovered = false;
      // Joins the function container's network namespace, which exists only while it runs.
      await this.#attachLogs(entry.sidecar, instance, `${instance.id}/daprd`, daprd ? this.#watchDaprd(entry) : undefined);
      await entry.sidecar.start();
    }
    const info = await container.inspect();
    const controlToken = this.#opts.controlToken;
    if (this.#opts.addressMode === 'published') {
      const hostPort = (port: number) => Number(info.NetworkSettings.Ports[`${port}/tcp`]?.[0]?.HostPort);
      instance.address = { host: '127.0.0.1', port: hostPort(instance.spec.port) };
      if (entry.sidecar) instance.dapr = { host: '127.0.0.1', port: hostPort(SIDECAR_PUBLIC_PORT), controlToken };
    } else {
      const net = info.NetworkSettings.Networks[this.networkName];
      instance.address = { host: net?.IPAddress ?? '127.0.0.1', port: instance.spec.port };
      // The sidecar shares the function container's network: same address, its public port.
      if (entry.sidecar) instance.dapr = { host: instance.address.host, port: SIDECAR_PUBLIC_PORT, controlToken };
    }
    instance.state = 'running';
    if (entry.sidecar && daprd) this.#startDaprd(entry, entry.sidecar);
  }

  #watchDaprd(entry: Entry): (line: string) => void {
    return (line) => {
      if (line.includes('application discovered on port')) entry.daprdDiscovered = true;
    };
  }

  /**
   * The real daprd asks the app for its subscriptions and input bindings once, as soon as the app's
   * port accepts a connection (app-answer.ts). An HTTP app serves once it listens: daprd starts when
   * it answers. A gRPC app (the Go framework) needs daprd's API before it serves, so daprd started
   * with it (#run); if daprd found the port open before the app answered, its one question may have
   * met a listener that did not serve yet, and it is started again once the app answers.
   */
  #startDaprd(entry: Entry, sidecar: Docker.Container): void {
    const { instance } = entry;
    const spec = instance.spec.sidecar!;
    const early = spec.appProtocol === 'grpc';
    const wait = new AbortController();
    entry.sidecarWait = wait;
    if (!early) entry.sidecarPending = true;
    const logId = `${instance.id}/daprd`;
    const target = { ...instance.address, protocol: spec.appProtocol, appId: spec.appId, apiToken: spec.env?.APP_API_TOKEN };
    waitForAppAnswer(target, wait.signal)
      .then(async () => {
        if (entry.sidecarWait !== wait || wait.signal.aborted) return;
        if (early) {
          if (!entry.daprdDiscovered) return;
          entry.sidecarPending = true;
          this.#opts.onLog({ fn: `${instance.spec.namespace}/${instance.spec.name}`, instance: logId, stream: 'stderr', line: 'ofn-local: starting daprd again: it looked at the app before the app served, and it asks for input bindings and subscriptions only once' });
          await sidecar.stop({ t: 2 }).catch(ignoreNotModified);
          if (entry.sidecarWait !== wait || wait.signal.aborted) return;
        }
        entry.daprdDiscovered = false;
        await this.#attachLogs(sidecar, instance, logId, this.#watchDaprd(entry));
        await sidecar.start();
      })
      .catch((err: unknown) => {
        if (!wait.signal.aborted) this.#opts.onLog({ fn: `${instance.spec.namespace}/${instance.spec.name}`, instance: `${instance.id}/daprd`, stream: 'stderr', line: `cannot start daprd: ${errorMessage(err)}` });
      })
      .finally(() => {
        if (entry.sidecarWait === wait) entry.sidecarPending = false;
      });
  }

  /**
   * The sidecar: ofn-local's daprd-compatible program with daprd's flags, in its own container that
   * shares the function container's network, so the function finds it on 127.0.0.1:3500 as in a pod.
   * Its API listens on that loopback only (daprd's `dapr.io/sidecar-listen-addresses` default in
   * pods): other functions on the project network reach nothing but its public health port.
   */
  async #createSidecar(id: string, spec: InstanceSpec, network = id): Promise<Docker.Container> {
    const sc = spec.sidecar!;
    if (!sc.image) throw new RuntimeError('ERR_INSTANCE_START', `no sidecar image for ${spec.namespace}/${spec.name}`);
    const { docker } = this.#opts;
    return docker.createContainer({
      name: `${id}-daprd`,
      Image: sc.image,
      Cmd: [
        ...(sc.program ?? ['node', ...SIDECAR_NODE_FLAGS, '/ofn/ofn-sidecar.cjs']),
        ...['--app-id', sc.appId, ...appPortFlag(spec), '--app-protocol', sc.appProtocol],
        ...['--dapr-http-port', '3500', '--dapr-grpc-port', '50001', '--resources-path', '/components'],
        ...['--dapr-listen-addresses', '127.0.0.1', '--dapr-public-port', String(SIDECAR_PUBLIC_PORT)],
        // The real daprd's Configuration; its internal gRPC API (calls from other app ids' daprds)
        // listens on the pod's address, as in a cluster.
        ...(sc.daprd ? ['--config', `${POD_CONFIG_DIR}/${path.basename(sc.daprd.configFile)}`] : []),
      ],
      Env: [
        `NAMESPACE=${spec.namespace}`,
        `${CONTROL_TOKEN_ENV}=${this.#opts.controlToken}`,
        ...(sc.appIdsFile ? [`${APP_IDS_ENV}=/ofn-local/app-ids/${path.basename(sc.appIdsFile)}`] : []),
        ...Object.entries(sc.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ],
      Labels: this.#labels(spec),
      ...(sc.limits?.user ? { User: sc.limits.user } : {}),
      HostConfig: {
        NetworkMode: `container:${network}`,
        // The app ids' file is rewritten (renamed in) while the sidecar runs: its folder is mounted, not the file.
        Binds: [
          `${sc.resourcesDir}:/components:ro`,
          ...(sc.appIdsFile ? [`${path.dirname(sc.appIdsFile)}:/ofn-local/app-ids:ro`] : []),
          ...(sc.daprd ? [`${path.dirname(sc.daprd.configFile)}:${POD_CONFIG_DIR}:ro`] : []),
          ...(sc.daprd?.namesDir ? [`${sc.daprd.namesDir}:${POD_NAMES_DIR}`] : []),
        ],
        ...limitsConfig(sc.limits),
      },
    });
  }

  /** Attaches before start so no line is lost; a stopped container needs a fresh attach on each start. */
  async #attachLogs(container: Docker.Container, instance: Instance, logId: string, watch?: (line: string) => void): Promise<void> {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    const err = new PassThrough();
    this.#opts.docker.modem.demuxStream(stream, out, err);
    stream.on('end', () => (out.end(), err.end()));
    const fn = `${instance.spec.namespace}/${instance.spec.name}`;
    splitLines(out, (line) => (watch?.(line), this.#opts.onLog({ fn, instance: logId, stream: 'stdout', line })));
    splitLines(err, (line) => this.#opts.onLog({ fn, instance: logId, stream: 'stderr', line }));
  }

  #entry(instance: Instance): Entry {
    const entry = this.#entries.get(instance.id);
    if (!entry) throw new RuntimeError('ERR_INSTANCE_START', `unknown instance ${instance.id}`);
    return entry;
  }
}

/**
 * Removes every container and network carrying the project label, and nothing else; with
 * `volumes`, its volumes too (backing services' data). A start after a crash keeps the volumes, so
 * a broker's records survive the daemon; a stop or a sweep removes them.
 */
export async function removeProjectResources(docker: Docker, projectId: string, opts: { volumes?: boolean } = { volumes: true }): Promise<number> {
  const filters = projectFilter(projectId);
  const containers = await docker.listContainers({ all: true, filters });
  // Sidecars first: they live in their function container's network namespace.
  const isSidecar = (c: Docker.ContainerInfo) => c.Names.some((n) => n.endsWith('-daprd'));
  await Promise.all(containers.filter(isSidecar).map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(ignoreMissing)));
  await Promise.all(containers.filter((c) => !isSidecar(c)).map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(ignoreMissing)));
  const networks = await docker.listNetworks({ filters });
  await Promise.all(
    networks.map(async (n) => {
      const network = docker.getNetwork(n.Id);
      // Whatever else joined (the daemon's own container under Testcontainers) leaves first.
      const attached = Object.keys(((await network.inspect().catch(() => ({}))) as { Containers?: Record<string, unknown> }).Containers ?? {});
      await Promise.all(attached.map((c) => network.disconnect({ Container: c, Force: true }).catch(() => undefined)));
      await network.remove().catch(ignoreMissing);
    }),
  );
  if (opts.volumes) {
    const { Volumes } = await docker.listVolumes({ filters });
    await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(ignoreMissing)));
  }
  return containers.length;
}

/** What the app's container runs, and as whom: the same in a function's instance and in a Deployment's pod. */
function appContainer(id: string, spec: InstanceSpec): Pick<Docker.ContainerCreateOptions, 'name' | 'Image' | 'Cmd' | 'Entrypoint' | 'WorkingDir' | 'User' | 'Env'> {
  return {
    name: id,
    Image: spec.image,
    // The image's own command, unless the spec names one (a compiled function under its restart supervisor).
    ...(spec.command ? { Cmd: spec.command } : {}),
    // A Deployment container's `command` (Kubernetes replaces the ENTRYPOINT with it, and the image's CMD is dropped).
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    ...(spec.limits?.user ? { User: spec.limits.user } : {}),
    Env: Object.entries({ ...spec.env, POD_NAME: id }).map(([k, v]) => `${k}=${v}`),
  };
}

/**
 * `--app-port`: the sidecar's own (a Deployment's dapr.io/app-port), else the instance's port; left out
 * for an app without an app channel (as daprd runs then).
 */
function appPortFlag(spec: InstanceSpec): string[] {
  const port = spec.sidecar?.appPort ?? spec.port;
  return port > 0 ? ['--app-port', String(port)] : [];
}

function containerName(projectId: string, spec: InstanceSpec, n: number): string {
  return `ofn-local-${projectId}-${spec.namespace}-${spec.name}-${n}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function ignoreMissing(err: unknown): void {
  if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
}

function ignoreNotModified(err: unknown): void {
  if (statusOf(err) !== 304) throw err;
}

function imageAware(err: unknown, image: string): RuntimeError {
  if (statusOf(err) === 404) {
    return new RuntimeError('ERR_IMAGE_MISSING', `image ${image} is not on this engine`, {}, 'build it, or pull it', {
      cause: err,
    });
  }
  return new RuntimeError('ERR_INSTANCE_START', `could not create a container from ${image}: ${errorMessage(err)}`, {}, undefined, {
    cause: err,
  });
}
