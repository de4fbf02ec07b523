import type Docker from 'dockerode';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FRAMEWORK_BUNDLE, PARENT_BOUND_BUNDLE, SIDECAR_BUNDLE } from '../builders/framework-files.js';
import { errorMessage, OfnError } from '../errors.js';
import type { FunctionPool } from '../serving/pool.js';
import { Gateway } from '../gateway/gateway.js';
import { loadProject } from '../model/index.js';
import { loadProjectConfig } from '../model/project-config.js';
import type { Project } from '../model/types.js';
import { connectEngine, engineAvailable } from '../runtime/docker/engine.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { ProcessRuntime } from '../runtime/process/process-runtime.js';
import type { LogLine, RuntimeKind, ZeroMode } from '../runtime/runtime.js';
import { parseCapture } from '../sidecar/capture.js';
import { DaemonBus } from './bus.js';
import { BuildController } from './controllers/build.js';
import { ChangesController } from './controllers/changes.js';
import { fnKey, SerialQueues, throwIfStopped } from './controllers/context.js';
import { DeploymentsController } from './controllers/deployments.js';
import { EventsController } from './controllers/events.js';
import { InstancesController } from './controllers/instances.js';
import { ProjectController } from './controllers/project.js';
import { ReloadController } from './controllers/reload.js';
import { ScalingController } from './controllers/scaling.js';
import { containerStarters, processStarters, ServicesController } from './controllers/services.js';
import type { DaprMode } from './dapr-mode.js';
import { FunctionAddresses } from './function-addresses.js';
import { resetNames } from './daprd-config.js';
import type { DaemonApi } from '../protocol/api.js';
import type { JournalEntry, OfnEvent } from '../protocol/journal.js';
import { replay } from '../protocol/project-state.js';
import type { DaemonStatus } from '../protocol/status.js';
import { Journal } from './journal.js';
import { projectId as makeProjectId, projectRoot } from './state.js';
import { statusView } from './status-view.js';

export interface DaemonOptions {
  /** Folders and/or manifest files; empty means the current folder. */
  inputs: string[];
  cwd: string;
  /** Gateway port; 0 picks a free one. */
  port: number;
  host?: string;
  /** Idle time before a function scales to its minimum (Knative: stable window + grace). */
  idleTimeoutMs: number;
  /** How long a held request waits for an instance. */
  readyTimeoutMs: number;
  runtime?: RuntimeKind;
  zeroMode: ZeroMode;
  baseImage?: string;
  /** Domain of host-based routes. */
  domain?: string;
  /** One-line notices for the user (e.g. "no Docker engine: using process runtime"). */
  notice?: (line: string) => void;
  /** Sees every journal entry from the first one on (the CLI prints them as they happen). */
  onEvent?: (entry: JournalEntry) => void;
  /** Hot reload: watch sources and manifests and apply every change while running. */
  watch?: boolean;
  /**
   * Runs this daemon as a separate session of the folder (the test API's default): its own project
   * id (containers, network, labels) and state under `.ofn-local/sessions/<session>/`, sharing only
   * the content-addressed builds. Two test files may then start the same fixture at once.
   */
  session?: string;
  /** How functions are built (default: ofn-local.yaml's `build`, else fast). */
  build?: 'fast' | 'buildpacks';
  /** `--builder-image`: the buildpacks builder for every function, instead of spec.build.builder. */
  builderImage?: string;
  /** Whose Dapr sidecar runs beside functions (default embedded: ofn-local's own). */
  dapr?: DaprMode;
  /** daprd's version for `dapr: 'daprd'` (default the one OpenFunction 1.2 installs). */
  daprdVersion?: string;
  /** How long a Trigger input stays true after its last event (default 60 s, as upstream). */
  eventInputWindowMs?: number;
  /** Seconds an async function with KEDA triggers waits without backlog before scaling to zero (overrides cooldownPeriod). */
  cooldownSeconds?: number;
  /** Aborting it while starting stops what has started and makes start() throw ERR_START_ABORTED. */
  signal?: AbortSignal;
  /**
   * `up --ci`, `exec`, `up --detach`: start every function once while starting, one at zero too (it
   * scales back to zero as usual), so a function that cannot start is in failures() with its reason.
   */
  warmUp?: boolean;
}

/** How often the backing services are checked. */
const SERVICE_CHECK_MS = 1000;

/** Functions built at once: two cores. */
const BUILD_CONCURRENCY = 2;

type AnyRuntime = DockerRuntime | ProcessRuntime;

/**
 * The daemon: orchestration. It constructs the parts and wires them to one bus, owns the lifecycle
 * order (start, then stop in reverse), and its public API delegates. The work is done by the
 * controllers of src/daemon/controllers/, which talk only through the bus (bus.ts lists the flow).
 */
export class Daemon implements DaemonApi {
  readonly journal: Journal;
  readonly projectId: string;
  readonly root: string;
  readonly stateDir: string;
  readonly #o: DaemonOptions;
  readonly #runtime: AnyRuntime;
  readonly #gateway: Gateway;
  /** The one bus: journal events, control events and requests between controllers (bus.ts lists the flow). */
  readonly #bus: DaemonBus;
  /** Aborted as stop() begins: a start in progress stops at its next step. */
  readonly #halt = new AbortController();
  #stopped: Promise<void> | undefined;
  /** Where pods and this process reach each sync function by its cluster name. */
  readonly #functionAddresses: FunctionAddresses;
  // The controllers. A new one is constructed in the constructor with `context` (and what it needs),
  // then started and stopped at its place in #start and stop.
  /** The project as loaded; serves it at start and applies each manifest edit. */
  readonly #project: ProjectController;
  /** Watched files and the user's rebuilds, routed to reconcile or reload. */
  readonly #changes: ChangesController;
  /** Turns functions into instance specs (builders, images, sidecars' files). */
  readonly #build: BuildController;
  /** Hot reload of code: the fast, slow and in-place paths. */
  readonly #reload: ReloadController;
  /** The pools of the functions' instances. */
  readonly #instances: InstancesController;
  readonly #services: ServicesController;
  /** The KEDA-like scalers of async functions with keda triggers. */
  readonly #scaling: ScalingController;
  /** OpenFunction Events (EventSources, buses, Triggers), when the project has any. */
  readonly #events: EventsController;
  /** The `apps/v1` Deployments beside the functions. */
  readonly #deployments: DeploymentsController;

  private constructor(
    o: DaemonOptions,
    project: Project,
    root: string,
    ids: { id: string; stateDir: string; sharedDir: string; buildsId: string },
    journal: Journal,
    runtime: AnyRuntime,
    docker: Docker | undefined,
  ) {
    this.#o = o;
    this.root = root;
    this.stateDir = ids.stateDir;
    this.projectId = ids.id;
    this.journal = journal;
    this.#runtime = runtime;
    this.#bus = new DaemonBus((e) => this.journal.append(e));
    /** One change at a time per function: the changes and project controllers share it. */
    const queues = new SerialQueues();
    this.#project = new ProjectController({
      bus: this.#bus,
      signal: this.#halt.signal,
      project,
      root,
      cwd: o.cwd,
      loadProject: () => loadProject(o.inputs, { cwd: o.cwd }),
      loadConfig: () => loadProjectConfig(root),
      queues,
      buildConcurrency: BUILD_CONCURRENCY,
    });
    const context = { bus: this.#bus, signal: this.#halt.signal, project: () => this.#project.project() };
    this.#gateway = new Gateway({
      port: o.port,
      host: o.host ?? '127.0.0.1',
      domain: this.domain,
      clusterDomain: 'cluster.local',
      // Async functions have no HTTP route on a cluster either: they are reached through Dapr.
      pool: (ns, name) => (this.#isSync(`${ns}/${name}`) ? this.#instances.pool(`${ns}/${name}`) : undefined),
      list: () => this.#instances.keys().filter((k) => this.#isSync(k)),
      webhook: (method, urlPath) => this.#events.webhook(method, urlPath),
      emit: (e) => this.emit(e),
    });
    this.#functionAddresses = new FunctionAddresses({
      project: context.project,
      serviceAddress: (namespace, name, hosts) => this.#gateway.serviceAddress(namespace, name, hosts),
      podHost: () => (runtime instanceof DockerRuntime ? runtime.hostAddress() : Promise.resolve({ bind: '127.0.0.1', reach: '127.0.0.1' })),
    });
    this.#changes = new ChangesController({ ...context, root, queues });
    this.#build = new BuildController({
      ...context,
      stateDir: ids.stateDir,
      sharedDir: ids.sharedDir,
      buildsId: ids.buildsId,
      docker,
      runtimeKind: runtime.kind,
      watch: Boolean(o.watch),
      readyTimeoutMs: o.readyTimeoutMs,
      configBuild: () => this.#project.config()?.build,
      functionAddresses: () => this.#functionAddresses.of('pod'),
      build: o.build,
      builderImage: o.builderImage,
      baseImage: o.baseImage,
      dapr: o.dapr,
      daprdVersion: o.daprdVersion,
    });
    this.#services = new ServicesController({
      ...context,
      checkIntervalMs: SERVICE_CHECK_MS,
      starters:
        docker && runtime instanceof DockerRuntime
          ? containerStarters({ docker, projectId: this.projectId, root, network: runtime.networkName, baseImage: (log) => this.#build.baseImage(log) })
          : processStarters(this.stateDir),
    });
    this.#events = new EventsController({
      ...context,
      stateDir: this.stateDir,
      ...(o.eventInputWindowMs ? { inputWindowMs: o.eventInputWindowMs } : {}),
      functionAddresses: () => this.#functionAddresses.of('daemon'),
    });
    this.#instances = new InstancesController({
      ...context,
      runtime,
      idleTimeoutMs: o.idleTimeoutMs,
      zeroMode: o.zeroMode,
      readyTimeoutMs: o.readyTimeoutMs,
      warmUp: Boolean(o.warmUp),
      dapr: o.dapr,
      dropIdleSockets: (address) => this.#gateway.dropIdleSockets(address),
    });
    this.#reload = new ReloadController({
      ...context,
      root,
      readyTimeoutMs: o.readyTimeoutMs,
      pool: (key) => this.#instances.pool(key),
      sendReload: (instance) => runtime.signal(instance, 'SIGHUP'),
    });
    this.#deployments = new DeploymentsController({ ...context, runtime, docker, readyTimeoutMs: o.readyTimeoutMs });
    this.#scaling = new ScalingController({ bus: this.#bus, signal: this.#halt.signal, ...(o.cooldownSeconds !== undefined ? { cooldownSeconds: o.cooldownSeconds } : {}) });
  }

  #isSync(key: string): boolean {
    return this.project.functions.some((f) => fnKey(f) === key && f.runtime === 'knative');
  }

  get project(): Project {
    return this.#project.project();
  }

  get domain(): string {
    return this.#o.domain ?? 'ofn.localhost';
  }

  get runtimeKind(): RuntimeKind {
    return this.#runtime.kind;
  }

  get gatewayPort(): number {
    return this.#gateway.port;
  }

  /**
   * Loads, prepares and serves the project. Resolves once every function is built and its
   * minReplicas are ready; build failures are journaled (see `failures()`), not thrown.
   */
  static async start(o: DaemonOptions): Promise<Daemon> {
    const project = await loadProject(o.inputs, { cwd: o.cwd });
    const root = projectRoot(o.inputs, o.cwd);
    const sharedDir = path.join(root, '.ofn-local');
    const stateDir = o.session ? path.join(sharedDir, 'sessions', o.session) : sharedDir;
    await mkdir(stateDir, { recursive: true });
    // `down` leaves a session alone while the process that runs it lives.
    if (o.session) await writeFile(path.join(stateDir, 'session.json'), JSON.stringify({ pid: process.pid }));
    const journal = new Journal({ file: path.join(stateDir, 'journal.ndjson') });
    if (o.onEvent) journal.subscribe(o.onEvent);
    const buildsId = makeProjectId(root);
    const id = o.session ? `${buildsId}-${o.session}` : buildsId;
    let kind = o.runtime;
    if (!kind) {
      kind = (await engineAvailable()) ? 'docker' : 'process';
      if (kind === 'process') o.notice?.('no Docker engine answers: running functions as host processes (--runtime process)');
    }
    let daemon: Daemon | undefined;
    const onLog = (l: LogLine) => daemon?.onInstanceLog(l);
    let docker: Docker | undefined;
    let runtime: AnyRuntime;
    if (kind === 'docker') {
      docker = await connectEngine();
      runtime = new DockerRuntime({ docker, projectId: id, root, onLog, joinContainer: process.env.OFN_LOCAL_DAEMON_CONTAINER || undefined });
    } else {
      runtime = new ProcessRuntime({ frameworkBundle: FRAMEWORK_BUNDLE, sidecarBundle: SIDECAR_BUNDLE, parentBoundBundle: PARENT_BOUND_BUNDLE, onLog, stateDir });
    }
    daemon = new Daemon(o, project, root, { id, stateDir, sharedDir, buildsId }, journal, runtime, docker);
    const d = daemon;
    const onAbort = () => void d.stop().catch(() => undefined);
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await daemon.#start();
      if (o.signal?.aborted) throw new OfnError('ERR_START_ABORTED', 'the start was aborted');
    } catch (err) {
      await daemon.stop().catch(() => undefined);
      throw o.signal?.aborted ? new OfnError('ERR_START_ABORTED', `the start of ${root} was aborted: ${errorMessage(o.signal.reason ?? err)}`, {}, undefined, { cause: err }) : err;
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
    return daemon;
  }

  emit(event: OfnEvent): void {
    this.#bus.emit(event);
  }

  /** Build or start failures so far, one line each (empty when all is well). */
  failures(): string[] {
    return [...replay(this.journal.since(0)).failures];
  }

  status(): DaemonStatus {
    return statusView({
      project: this.projectId,
      root: this.root,
      runtime: this.#runtime.kind,
      dapr: this.#o.dapr ?? 'embedded',
      gateway: { url: this.#gateway.url, port: this.#gateway.port },
      domain: this.domain,
      model: this.project,
      events: this.#events.status(),
      services: this.#services.statuses(),
      pool: (key) => this.#instances.pool(key)!,
      language: (key) => this.#build.language(key),
      image: (key) => this.#build.image(key),
      backlog: (key) => this.#scaling.backlog(key),
      deployments: this.#deployments.status(),
    });
  }

  pool(namespace: string, name: string): FunctionPool | undefined {
    return this.#instances.pool(`${namespace}/${name}`);
  }

  /** Scales a function to its minimum now (the TUI's `z`, the control API); an unknown function is ERR_NO_FUNCTION. */
  scaleToZero(namespace: string, name: string, reason: string): Promise<void> {
    return this.#instances.scaleToZero(`${namespace}/${name}`, reason);
  }

  /** Stops everything: gateway first (no new requests), then instances, then shared resources. */
  stop(): Promise<void> {
    this.#halt.abort();
    this.#stopped ??= (async () => {
      this.emit({ type: 'daemon.stopping' });
      const errors: unknown[] = [];
      await this.#changes.stop().catch((e: unknown) => errors.push(e));
      // Events and scalers first: their deliveries and scale-ups go through the gateway.
      await this.#events.stop().catch((e: unknown) => errors.push(e));
      await this.#scaling.stop();
      await this.#gateway.close().catch((e: unknown) => errors.push(e));
      errors.push(...(await this.#deployments.stop()));
      errors.push(...(await this.#instances.dispose()));
      await this.#services.stop().catch((e: unknown) => errors.push(...(e instanceof AggregateError ? e.errors : [e])));
      await this.#runtime.dispose().catch((e: unknown) => errors.push(e));
      await this.journal.close();
      if (errors.length) throw new AggregateError(errors, 'errors while stopping');
    })();
    return this.#stopped;
  }

  onInstanceLog(l: LogLine): void {
    const output = l.instance.endsWith('/daprd') && l.stream === 'stdout' ? parseCapture(l.line) : undefined;
    if (output) {
      this.emit({ type: 'output.sent', fn: l.fn, instance: l.instance.slice(0, -'/daprd'.length), ...output });
      return;
    }
    this.emit({ type: 'instance.log', fn: l.fn, instance: l.instance, stream: l.stream, line: l.line });
  }

  /** Publishes to a topic through the sidecar of a running function that has the pubsub component. */
  publish(namespace: string, pubsub: string, topic: string, body: Buffer, contentType: string): Promise<{ status: number; via: string; body: string }> {
    return this.#instances.publish(namespace, pubsub, topic, body, contentType);
  }

  /** Delivers `body` to an async function as an event of one of its input bindings, the way daprd does. */
  invokeInput(namespace: string, name: string, input: string | undefined, body: Buffer, contentType: string): Promise<{ status: number; body: string; input: string; via: string }> {
    return this.#instances.invokeInput(namespace, name, input, body, contentType);
  }

  /** Rebuilds a function (slow path) and swaps it in; the TUI's `r` and the control API. */
  rebuild(namespace: string, name: string): Promise<void> {
    return this.#changes.rebuild(`${namespace}/${name}`);
  }

  /** An event as if its EventSource produced it (`ofn-local events publish`, the test API's emit). */
  emitEvent(namespace: string, eventSource: string, event: string, data: Buffer, contentType?: string): Promise<string> {
    return this.#events.emitEvent(namespace, eventSource, event, data, contentType);
  }

  /** The lifecycle's order: gateway, backing services, a pool per function, events, the builds, the Deployments, the watcher. */
  async #start(): Promise<void> {
    this.#project.announce();
    await this.#runtime.prepare();
    throwIfStopped(this.#halt.signal);
    if (this.#o.dapr === 'daprd') await resetNames(this.stateDir);
    await this.#gateway.listen();
    const config = await this.#project.loadConfig();
    await this.#services.start(config?.services ?? []);
    throwIfStopped(this.#halt.signal);
    for (const fn of this.project.functions) this.#instances.add(fn);
    // Events start before the builds: the topics functions subscribe to exist when their sidecars
    // start, and deliveries to a function still building wait in the activator (then retry).
    await this.#events.sync();
    throwIfStopped(this.#halt.signal);
    await this.#project.serveAll();
    // Deployments once the functions serve: what they call or publish to is there.
    await this.#deployments.sync();
    throwIfStopped(this.#halt.signal);
    if (this.#o.watch) await this.#changes.watch();
    this.emit({ type: 'daemon.ready', gateway: this.#gateway.url, runtime: this.#runtime.kind });
  }
}
