import type Docker from 'dockerode';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FRAMEWORK_BUNDLE, SIDECAR_BUNDLE } from '../builders/framework-files.js';
import { errorMessage, OfnError } from '../errors.js';
import { FunctionPool } from '../serving/pool.js';
import { Gateway } from '../gateway/gateway.js';
import { functionUrls } from '../gateway/router.js';
import { daprPlan } from '../model/dapr-plan.js';
import { ModelError } from '../model/errors.js';
import { loadProject } from '../model/index.js';
import { loadProjectConfig, type ProjectConfig } from '../model/project-config.js';
import type { LoadedFunction, Project } from '../model/types.js';
import { connectEngine, engineAvailable } from '../runtime/docker/engine.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { ProcessRuntime } from '../runtime/process/process-runtime.js';
import type { InstanceSpec, LogLine, RuntimeKind, ZeroMode } from '../runtime/runtime.js';
import { parseCapture } from '../sidecar/capture.js';
import { classify, type Classified } from '../watch/classify.js';
import { FileWatcher, type FileBatch } from '../watch/file-watcher.js';
import { DaemonBus } from './bus.js';
import { BuildController } from './controllers/build.js';
import { describe, fnKey, throwIfStopped } from './controllers/context.js';
import { EventsController } from './controllers/events.js';
import { InstancesController } from './controllers/instances.js';
import { ReloadController } from './controllers/reload.js';
import { ScalingController } from './controllers/scaling.js';
import { containerStarters, processStarters, ServicesController } from './controllers/services.js';
import type { DaprMode } from './dapr-mode.js';
import { FunctionAddresses } from './function-addresses.js';
import { resetNames } from './daprd-config.js';
import type { DaemonApi } from '../protocol/api.js';
import type { JournalEntry, OfnEvent } from '../protocol/journal.js';
import { replay } from '../protocol/project-state.js';
import type { DaemonStatus, FunctionStatus } from '../protocol/status.js';
import { Journal } from './journal.js';
import { reconcilePlan } from './reconcile.js';
import { projectId as makeProjectId, projectRoot } from './state.js';

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
 * The daemon: loads the project, builds every function, serves them through the gateway, and
 * records everything in the journal. Data flows one way: manifests → model → build → runtime → gateway.
 */
export class Daemon implements DaemonApi {
  readonly journal: Journal;
  readonly projectId: string;
  readonly root: string;
  readonly stateDir: string;
  readonly #o: DaemonOptions;
  readonly #runtime: AnyRuntime;
  /** Turns functions into instance specs (builders, images, sidecars' files). */
  readonly #build: BuildController;
  /** Hot reload of code: the fast, slow and in-place paths. */
  readonly #reload: ReloadController;
  readonly #gateway: Gateway;
  /** The pools of the functions' instances. */
  readonly #instances: InstancesController;
  #project: Project;
  /** One reload or rebuild at a time per function, in order. */
  readonly #queues = new Map<string, Promise<void>>();
  #watcher: FileWatcher | undefined;
  #config: ProjectConfig | undefined;
  /** The one bus: journal events and what controllers tell each other (bus.ts lists the flow). */
  readonly #bus: DaemonBus;
  /** Aborted as stop() begins: a start in progress stops at its next step. */
  readonly #halt = new AbortController();
  readonly #services: ServicesController;
  /** The KEDA-like scalers of async functions with keda triggers. */
  readonly #scaling: ScalingController;
  #stopped: Promise<void> | undefined;
  /** OpenFunction Events (EventSources, buses, Triggers), when the project has any. */
  readonly #events: EventsController;
  /** Where pods and this process reach each sync function by its cluster name. */
  readonly #functionAddresses: FunctionAddresses;

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
    this.#project = project;
    this.root = root;
    this.stateDir = ids.stateDir;
    this.projectId = ids.id;
    this.journal = journal;
    this.#runtime = runtime;
    this.#bus = new DaemonBus((e) => this.journal.append(e));
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
    const context = { bus: this.#bus, signal: this.#halt.signal, project: () => this.#project };
    this.#functionAddresses = new FunctionAddresses({
      project: context.project,
      serviceAddress: (namespace, name, hosts) => this.#gateway.serviceAddress(namespace, name, hosts),
      podHost: () => (runtime instanceof DockerRuntime ? runtime.hostAddress() : Promise.resolve({ bind: '127.0.0.1', reach: '127.0.0.1' })),
    });
    this.#build = new BuildController({
      ...context,
      stateDir: ids.stateDir,
      sharedDir: ids.sharedDir,
      buildsId: ids.buildsId,
      docker,
      runtimeKind: runtime.kind,
      watch: Boolean(o.watch),
      readyTimeoutMs: o.readyTimeoutMs,
      configBuild: () => this.#config?.build,
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
      builds: {
        spec: (fn) => this.#build.instanceSpec(fn),
        rebuildLiveBinary: (fn) => this.#build.rebuildLiveBinary(fn),
        language: (key) => this.#build.language(key),
        servesLiveBinary: (key, appDir) => this.#build.servesLiveBinary(key, appDir),
      },
      sendReload: (instance) => runtime.signal(instance, 'SIGHUP'),
    });
    this.#scaling = new ScalingController({ bus: this.#bus, signal: this.#halt.signal, ...(o.cooldownSeconds !== undefined ? { cooldownSeconds: o.cooldownSeconds } : {}) });
  }

  #isSync(key: string): boolean {
    return this.#project.functions.some((f) => fnKey(f) === key && f.runtime === 'knative');
  }

  get project(): Project {
    return this.#project;
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
      runtime = new ProcessRuntime({ frameworkBundle: FRAMEWORK_BUNDLE, sidecarBundle: SIDECAR_BUNDLE, onLog, stateDir });
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
    const events = this.#events.status();
    return {
      project: this.projectId,
      root: this.root,
      runtime: this.#runtime.kind,
      dapr: this.#o.dapr ?? 'embedded',
      ...(events ? { events } : {}),
      gateway: this.#gateway.url,
      ...(this.#services.statuses().length ? { services: this.#services.statuses() } : {}),
      functions: this.#project.functions.map((fn) => {
        const pool = this.#instances.pool(fnKey(fn))!;
        const urls = functionUrls(this.#gateway.port, fn.namespace, fn.name, this.domain);
        return {
          name: fn.name,
          namespace: fn.namespace,
          runtime: fn.runtime,
          state: pool.state,
          replicas: pool.replicas,
          minReplicas: fn.scale.min,
          maxReplicas: fn.scale.max,
          ...daprStatus(daprPlan(fn, this.#project)),
          ...(this.#scaling.backlog(fnKey(fn)) ? { backlog: this.#scaling.backlog(fnKey(fn)) } : {}),
          // Async functions have no HTTP route (as on a cluster): no URL. The Go framework matches
          // paths exactly and the gateway does not rewrite them (as OpenFunction's does not): a Go
          // function answers on its host-based URL, which is the cluster's default route.
          url: fn.runtime === 'async' ? '' : this.#build.language(fnKey(fn)) === 'go' ? urls.host : urls.path,
          hostUrl: fn.runtime === 'async' ? '' : this.#build.language(fnKey(fn)) === 'go' ? urls.path : urls.host,
          image: this.#build.image(pool.key),
        };
      }),
    };
  }

  pool(namespace: string, name: string): FunctionPool | undefined {
    return this.#instances.pool(`${namespace}/${name}`);
  }

  /** Stops everything: gateway first (no new requests), then instances, then shared resources. */
  stop(): Promise<void> {
    this.#halt.abort();
    this.#stopped ??= (async () => {
      this.emit({ type: 'daemon.stopping' });
      const errors: unknown[] = [];
      await this.#watcher?.close().catch((e: unknown) => errors.push(e));
      // Events and scalers first: their deliveries and scale-ups go through the gateway.
      await this.#events.stop().catch((e: unknown) => errors.push(e));
      await this.#scaling.stop();
      await this.#gateway.close().catch((e: unknown) => errors.push(e));
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
    const key = `${namespace}/${name}`;
    return this.#serialize(key, () => this.#reload.slow(key, ['rebuild requested'], Date.now()));
  }

  /** The manifests loaded (at start, and after each change that loads): their functions and warnings. */
  #loaded(project: Project): void {
    this.emit({
      type: 'project.loaded',
      root: this.root,
      functions: project.functions.map((f) => `${f.namespace}/${f.name}`),
      // `file:line field: message`, as the model's diagnostics read.
      warnings: project.warnings.map((w) => `${path.relative(this.#o.cwd, w.file)}${w.line ? `:${w.line}` : ''}${w.path ? ` ${w.path}` : ''}: ${w.message}`),
    });
  }

  async #start(): Promise<void> {
    this.#loaded(this.#project);
    await this.#runtime.prepare();
    throwIfStopped(this.#halt.signal);
    if (this.#o.dapr === 'daprd') await resetNames(this.stateDir);
    await this.#gateway.listen();
    this.#config = await loadProjectConfig(this.root);
    await this.#services.start(this.#config?.services ?? []);
    throwIfStopped(this.#halt.signal);
    for (const fn of this.#project.functions) this.#instances.add(fn);
    // Events start before the builds: the topics functions subscribe to exist when their sidecars
    // start, and deliveries to a function still building wait in the activator (then retry).
    await this.#events.sync();
    throwIfStopped(this.#halt.signal);
    await runLimited(this.#project.functions, BUILD_CONCURRENCY, (fn) => this.#buildAndServe(fn));
    if (this.#o.watch) {
      this.#watcher = new FileWatcher(this.#watchPaths(), {
        onBatch: (batch) => void this.#onBatch(batch),
        onError: (err) => this.emit({ type: 'daemon.error', source: 'watch', code: 'ERR_WATCH', message: errorMessage(err) }),
      });
      await this.#watcher.ready;
    }
    this.emit({ type: 'daemon.ready', gateway: this.#gateway.url, runtime: this.#runtime.kind });
  }

  /** An event as if its EventSource produced it (`ofn-local events publish`, the test API's emit). */
  emitEvent(namespace: string, eventSource: string, event: string, data: Buffer, contentType?: string): Promise<string> {
    return this.#events.emitEvent(namespace, eventSource, event, data, contentType);
  }

  /** The project folder, every function source folder outside it, and manifest files given one by one. */
  #watchPaths(): string[] {
    const paths = new Set<string>([this.root, ...this.#project.files]);
    for (const fn of this.#project.functions) if (fn.source.kind === 'local') paths.add(fn.source.dir);
    return [...paths].filter((p) => p === this.root || !p.startsWith(this.root + path.sep));
  }

  #serialize(key: string, task: () => Promise<void>): Promise<void> {
    const next = (this.#queues.get(key) ?? Promise.resolve()).then(task, task);
    this.#queues.set(key, next.catch(() => undefined));
    return next;
  }

  async #onBatch(batch: FileBatch): Promise<void> {
    const functions = this.#project.functions.flatMap((fn) =>
      fn.source.kind === 'local' ? [{ key: fnKey(fn), sourceDir: fn.source.dir, compiled: this.#build.compiled(fnKey(fn)) }] : [],
    );
    const c: Classified = classify(batch.files, functions);
    if (c.manifests.length > 0) await this.#serialize('project', () => this.#reconcile(c.manifests));
    const work: Promise<void>[] = [];
    for (const [key, files] of c.deps) work.push(this.#serialize(key, () => this.#reload.slow(key, this.#rel(files), batch.firstSeenAt)));
    for (const [key, files] of c.code) work.push(this.#serialize(key, () => this.#reload.fast(key, files, batch.firstSeenAt)));
    await Promise.all(work.map((w) => w.catch(() => undefined)));
  }

  #rel(files: string[]): string[] {
    return files.map((f) => path.relative(this.root, f) || f);
  }

  /**
   * Manifests changed: load the project again and change only what changed. A manifest that no
   * longer loads is reported and nothing running is touched.
   */
  async #reconcile(changed: string[]): Promise<void> {
    let next: Project;
    let nextConfig: ProjectConfig | undefined;
    try {
      next = await loadProject(this.#o.inputs, { cwd: this.#o.cwd });
      nextConfig = await loadProjectConfig(this.root);
    } catch (err) {
      const message = err instanceof ModelError ? err.message : describe(err);
      this.emit({ type: 'daemon.error', source: this.#rel(changed).join(', '), code: 'ERR_MANIFEST', message, hint: 'fix the manifest; everything keeps running as before' });
      return;
    }
    // Journaled as at start: the warnings of this load reach the log and the UI, and a manifest error is over.
    this.#loaded(next);
    const previous = this.#project;
    // ofn-local.yaml: changed backing services are restarted, and every function with a sidecar is
    // rebuilt below so that its components point at them.
    const servicesChanged = JSON.stringify(this.#config?.services ?? []) !== JSON.stringify(nextConfig?.services ?? []);
    if (servicesChanged) {
      this.#config = nextConfig;
      try {
        await this.#services.replace(nextConfig?.services ?? []);
      } catch (err) {
        this.emit({ type: 'daemon.error', source: 'ofn-local.yaml', code: 'ERR_SERVICE_START', message: describe(err) });
      }
    }
    const plan = reconcilePlan(previous, next, { servicesChanged });
    const after = new Map(next.functions.map((f) => [fnKey(f), f]));
    this.#project = next;
    const tasks: Promise<void>[] = [];
    for (const key of plan.removed) tasks.push(this.#instances.remove(key));
    // Serving settings (scale, env, port) belong to the pool: a new pool takes over once built.
    for (const key of plan.replaced) tasks.push(this.#serialize(key, () => this.#replace(after.get(key)!)));
    for (const key of plan.added) {
      const fn = after.get(key)!;
      this.#instances.add(fn);
      this.emit({ type: 'function.added', fn: key });
      tasks.push(this.#serialize(key, () => this.#buildAndServe(fn)));
    }
    this.#watcher?.add(this.#watchPaths());
    await Promise.all(tasks);
    await this.#events.sync().catch((err: unknown) => this.emit({ type: 'daemon.error', source: 'events', code: 'ERR_EVENTS', message: describe(err) }));
  }

  /** The manifest changed how the function serves: built again, then a new pool takes over. */
  async #replace(fn: LoadedFunction): Promise<void> {
    const key = fnKey(fn);
    this.emit({ type: 'reload.started', fn: key, path: 'slow', cause: ['manifest changed'] });
    let spec: InstanceSpec;
    try {
      spec = await this.#build.instanceSpec(fn);
    } catch (err) {
      this.emit({ type: 'reload.failed', fn: key, path: 'slow', message: describe(err) });
      return;
    }
    // Stopped during the rebuild: start nothing more.
    if (this.#stopped) return;
    await this.#instances.replace(fn, spec);
  }

  async #buildAndServe(fn: LoadedFunction): Promise<void> {
    const key = fnKey(fn);
    this.#instances.building(key);
    this.emit({ type: 'build.started', fn: key });
    let spec: InstanceSpec;
    try {
      spec = await this.#build.instanceSpec(fn);
    } catch (err) {
      const message = describe(err);
      this.emit({ type: 'build.failed', fn: key, message });
      this.#instances.failed(key, message);
      return;
    }
    // Stopped during the build (an aborted start): start nothing more.
    if (this.#stopped) return;
    await this.#instances.serve(fn, spec);
  }
}

function daprStatus(plan: ReturnType<typeof daprPlan>): Pick<FunctionStatus, 'daprAppId' | 'daprComponents'> {
  if (!plan) return {};
  const components = plan.components.map((c) => ({ name: String((c.metadata as { name?: unknown }).name), type: String((c.spec as { type?: unknown }).type) }));
  return { daprAppId: plan.appId, daprComponents: components };
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  });
  await Promise.all(workers);
}

