import type Docker from 'dockerode';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FastBuilder } from '../builders/fast/fast-builder.js';
import type { BuildContext, BuildResult } from '../builders/builder.js';
import { GO_BINARY, GoBuilder, builderImage } from '../builders/go/go-builder.js';
import { PythonBuilder } from '../builders/python/python-builder.js';
import { selectBuilder, type Language } from '../builders/select-builder.js';
import { BuildpacksBuilder } from '../builders/buildpacks/buildpacks-builder.js';
import { assembleOfflineBuilder } from '../builders/buildpacks/offline/assemble-builder.js';
import { languageForBuildpacks } from '../builders/buildpacks/language.js';
import { sourceFiles } from '../builders/fingerprint.js';
import { FRAMEWORK_BUNDLE, SIDECAR_BUNDLE } from '../builders/framework-files.js';
import { ensureSidecarImage } from '../builders/sidecar-image.js';
import { imageExists, pullImage } from '../builders/images.js';
import { daprPlan } from '../model/dapr-plan.js';
import { podLimits } from '../model/pod-resources.js';
import { clusterHostNames, writeAppIds, writeDaprResources, type AppIdFileEntry } from './dapr-resources.js';
import { reconcilePlan } from './reconcile.js';
import { DEFAULT_TRUST_DOMAIN, accessControlFor } from '../model/access-control.js';
import type { AccessControlList } from '../shared/access-control.js';
import type { SourceStatus } from '../events/runtime/index.js';
import { loadProjectConfig, type ProjectConfig } from '../model/project-config.js';
import type { ServiceStatus } from '../services/liveness.js';
import { DaemonBus } from './bus.js';
import { throwIfStopped } from './controllers/context.js';
import { containerStarters, processStarters, ServicesController } from './controllers/services.js';
import { EventsController } from './controllers/events.js';
import { errorMessage, OfnError } from '../errors.js';
import { FunctionPool } from '../gateway/function-pool.js';
import { Gateway } from '../gateway/gateway.js';
import { functionUrls } from '../gateway/router.js';
import { loadProject } from '../model/index.js';
import type { LoadedFunction, Project } from '../model/types.js';
import { connectEngine, engineAvailable } from '../runtime/docker/engine.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { ProcessRuntime } from '../runtime/process/process-runtime.js';
import { RuntimeError } from '../runtime/errors.js';
import { POD_NAMES_DIR, type InstanceSpec, type LogLine, type RuntimeKind, type ZeroMode } from '../runtime/runtime.js';
import type { JournalEntry, OfnEvent } from './events.js';
import { Journal } from './journal.js';
import { projectId as makeProjectId, projectRoot } from './state.js';
import { instanceEnv } from './instance-env.js';
import { classify, type Classified } from '../watch/classify.js';
import { FileWatcher, type FileBatch } from '../watch/file-watcher.js';
import { checkSyntax, mirrorSource, syncFiles } from '../watch/sync-files.js';
import { installLiveBinary, liveBinaryCommand } from '../watch/live-binary.js';
import { START_TIMEOUT_ENV } from '../framework/restart-supervisor.js';
import { ModelError } from '../model/errors.js';
import { CAPTURE_ENV, parseCapture } from '../sidecar/capture.js';
import { CONTROL_TOKEN_HEADER } from '../sidecar/http/public-server.js';
import { GrpcAppChannel } from '../sidecar/app-channel/grpc-app-channel.js';
import type { Logger } from '../sidecar/logger.js';
import { waitForSidecarHealth } from '../runtime/sidecar-health.js';
import { kedaSettings, type BacklogStatus } from './async-scaler.js';
import { ScalingController } from './controllers/scaling.js';
import { DEFAULT_DAPRD_VERSION, daprdBinary, daprdImage, type DaprMode } from './dapr-mode.js';
import { daprdConfiguration, hasSqliteNameResolver, NAMES_DB, namesDir, resetNames, writeDaprdConfig } from './daprd-config.js';

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

export interface FunctionStatus {
  name: string;
  namespace: string;
  runtime: 'knative' | 'async';
  state: string;
  replicas: number;
  minReplicas: number;
  /** 0 when the manifest leaves it unlimited (capped locally). */
  maxReplicas: number;
  /** The Dapr app-id when the function has a sidecar. */
  daprAppId?: string;
  /** The components its sidecar loads (name and type). */
  daprComponents?: { name: string; type: string }[];
  /** Async functions with KEDA triggers: the backlog the scaler last read. */
  backlog?: BacklogStatus;
  url: string;
  hostUrl: string;
  image?: string;
}

export interface DaemonStatus {
  project: string;
  root: string;
  runtime: RuntimeKind;
  /** Whose Dapr sidecar runs beside functions: ofn-local's own, or the real daprd. */
  dapr: DaprMode;
  /** Each event of each EventSource and whether its input runs. */
  events?: SourceStatus[];
  gateway: string;
  functions: FunctionStatus[];
  /** The backing services of ofn-local.yaml, kept up by the liveness loop. */
  services?: ServiceStatus[];
}

/** The user containers of images ofn-local built run as, unless the pod template names one. */
const NON_ROOT_USER = '1000:1000';

/** How often the backing services are checked. */
const SERVICE_CHECK_MS = 1000;

/** A stack frame line of a Node error (`    at fn (file:1:2)`). */
const STACK_FRAME = /^\s+at /;

/** Functions built at once: two cores. */
const BUILD_CONCURRENCY = 2;
/** Knative's max-scale 0 means unlimited; a laptop gets this many at most. */
const MAX_INSTANCES_CAP = 10;

type AnyRuntime = DockerRuntime | ProcessRuntime;

/**
 * The daemon: loads the project, builds every function, serves them through the gateway, and
 * records everything in the journal. Data flows one way: manifests → model → build → runtime → gateway.
 */
export class Daemon {
  readonly journal: Journal;
  readonly projectId: string;
  readonly root: string;
  readonly stateDir: string;
  readonly #o: DaemonOptions;
  readonly #runtime: AnyRuntime;
  readonly #builder: FastBuilder;
  readonly #goBuilder: GoBuilder;
  /** The CNB lifecycle builder (`--build buildpacks`), made on first use; functions it built reload by rebuilding. */
  #cnb: BuildpacksBuilder | undefined;
  readonly #cnbBuilt = new Set<string>();
  readonly #pythonBuilder: PythonBuilder;
  /** The language each function was last built as (compiled ones reload by rebuilding). */
  readonly #languages = new Map<string, Language>();
  readonly #docker: Docker | undefined;
  readonly #gateway: Gateway;
  readonly #pools = new Map<string, FunctionPool>();
  readonly #images = new Map<string, string>();
  readonly #recentLogs = new Map<string, string[]>();
  #project: Project;
  /** The live app folder of each function's current build (hot reload syncs code into it). */
  readonly #appDirs = new Map<string, string>();
  /** One reload or rebuild at a time per function, in order. */
  readonly #queues = new Map<string, Promise<void>>();
  readonly #logWaiters = new Set<{ instance: string; match: RegExp; lines: string[]; resolve: (line: string) => void }>();
  #watcher: FileWatcher | undefined;
  #config: ProjectConfig | undefined;
  /** The one bus: journal events and what controllers tell each other (bus.ts lists the flow). */
  readonly #bus: DaemonBus;
  /** Aborted as stop() begins: a start in progress stops at its next step. */
  readonly #halt = new AbortController();
  readonly #services: ServicesController;
  /** Process runtime: `name:port` of each backing service → where it really listens. */
  #serviceAddresses: ReadonlyMap<string, string> = new Map();
  /** Both runtimes: `name:port` of each backing service → where this process reaches it (scalers, events). */
  #reach: ReadonlyMap<string, string> = new Map();
  /** The KEDA-like scalers of async functions with keda triggers. */
  readonly #scaling: ScalingController;
  #generation = 0;
  #stopped: Promise<void> | undefined;
  /** OpenFunction Events (EventSources, buses, Triggers), when the project has any. */
  readonly #events: EventsController;
  /** Where pods reach this process (see #functionAddresses). */
  #podHost: Promise<{ bind: string; reach: string }> | undefined;

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
    this.#docker = docker;
    this.#bus = new DaemonBus((e) => this.journal.append(e));
    // Builds are content-addressed and shared by every session of the folder.
    this.#builder = new FastBuilder({ stateDir: ids.sharedDir, projectId: ids.buildsId, docker, baseImage: o.baseImage });
    this.#goBuilder = new GoBuilder({ stateDir: ids.sharedDir, mainDir: path.join(ids.stateDir, 'go'), projectId: ids.buildsId, docker, baseImage: (ctx) => this.#builder.baseImage(ctx) });
    this.#pythonBuilder = new PythonBuilder({ stateDir: ids.sharedDir, projectId: ids.buildsId, docker });
    this.#gateway = new Gateway({
      port: o.port,
      host: o.host ?? '127.0.0.1',
      domain: this.domain,
      clusterDomain: 'cluster.local',
      // Async functions have no HTTP route on a cluster either: they are reached through Dapr.
      pool: (ns, name) => (this.#isSync(`${ns}/${name}`) ? this.#pools.get(`${ns}/${name}`) : undefined),
      list: () => [...this.#pools.keys()].filter((k) => this.#isSync(k)),
      webhook: (method, urlPath) => this.#events.webhook(method, urlPath),
      emit: (e) => this.emit(e),
    });
    const context = { bus: this.#bus, signal: this.#halt.signal, project: () => this.#project };
    this.#services = new ServicesController({
      ...context,
      checkIntervalMs: SERVICE_CHECK_MS,
      starters:
        docker && runtime instanceof DockerRuntime
          ? containerStarters({ docker, projectId: this.projectId, root, network: runtime.networkName, baseImage: (log) => this.#builder.baseImage({ log }) })
          : processStarters(this.stateDir),
    });
    this.#events = new EventsController({
      ...context,
      stateDir: this.stateDir,
      ...(o.eventInputWindowMs ? { inputWindowMs: o.eventInputWindowMs } : {}),
      functionAddresses: () => this.#functionAddresses('daemon'),
    });
    this.#scaling = new ScalingController({ bus: this.#bus, signal: this.#halt.signal, ...(o.cooldownSeconds !== undefined ? { cooldownSeconds: o.cooldownSeconds } : {}) });
    this.#bus.on('services.addresses', (addresses) => {
      this.#reach = addresses.reach;
      this.#serviceAddresses = addresses.pods;
    });
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
    return this.journal.since(0).flatMap((e) => {
      if (e.type === 'build.failed') return [`${e.fn}: ${e.message}`];
      if (e.type === 'daemon.error' && e.code === 'ERR_START_FAILED') return [`${e.source}: ${e.message}`];
      return [];
    });
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
        const pool = this.#pools.get(`${fn.namespace}/${fn.name}`)!;
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
          url: fn.runtime === 'async' ? '' : this.#languages.get(fnKey(fn)) === 'go' ? urls.host : urls.path,
          hostUrl: fn.runtime === 'async' ? '' : this.#languages.get(fnKey(fn)) === 'go' ? urls.path : urls.host,
          image: this.#images.get(pool.key),
        };
      }),
    };
  }

  pool(namespace: string, name: string): FunctionPool | undefined {
    return this.#pools.get(`${namespace}/${name}`);
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
      await Promise.all([...this.#pools.values()].map((p) => p.dispose().catch((e: unknown) => errors.push(e))));
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
    const lines = this.#recentLogs.get(l.instance) ?? [];
    lines.push(l.line);
    if (lines.length > 50) lines.shift();
    this.#recentLogs.set(l.instance, lines);
    this.emit({ type: 'instance.log', fn: l.fn, instance: l.instance, stream: l.stream, line: l.line });
    for (const w of this.#logWaiters) {
      if (w.instance !== l.instance) continue;
      w.lines.push(l.line);
      if (w.match.test(l.line)) w.resolve(l.line);
    }
  }

  /**
   * Publishes to a topic through the sidecar of a running function that has the pubsub component
   * (an in-memory pubsub lives in its sidecar, so it must be that sidecar). Resolves to the
   * sidecar's answer status.
   */
  async publish(namespace: string, pubsub: string, topic: string, body: Buffer, contentType: string): Promise<{ status: number; via: string; body: string }> {
    const candidates = this.#project.functions.filter((fn) => {
      if (fn.namespace !== namespace) return false;
      return (daprPlan(fn, this.#project)?.components ?? []).some(
        (c) => (c.metadata as { name?: string }).name === pubsub && String((c.spec as { type?: string }).type).startsWith('pubsub.'),
      );
    });
    if (candidates.length === 0) {
      throw new OfnError('ERR_NO_PUBSUB', `no function in namespace ${namespace} has a pubsub component named ${pubsub}`, {}, 'name one of the pubsub components of your Functions (or standalone Components)');
    }
    for (const fn of candidates) {
      const slot = this.#pools.get(fnKey(fn))?.instances.find((s) => s.instance.dapr && s.instance.state === 'running');
      if (!slot) continue;
      const { host, port, controlToken, apiPort } = slot.instance.dapr!;
      // The real daprd has no control token: its API is reached where it listens, which the daemon
      // shares on the process runtime only (on Docker it is the pod's own loopback).
      if (this.#o.dapr === 'daprd' && apiPort === undefined) {
        throw new OfnError('ERR_NOT_AVAILABLE', `ofn-local publish cannot reach daprd's API on the docker runtime: it listens on the pod's loopback only`, {}, `publish to the broker itself (a pubsub with a real broker), or run with --runtime process or --dapr embedded`);
      }
      // A sidecar that is still starting is waited for until it is whole: its components connected
      // and its app's subscriptions read (an in-memory topic keeps nothing for a subscriber that is
      // not there yet). A sidecar whose app never answers gets the message once its components are up.
      await waitForSidecarHealth(slot.instance, { timeoutMs: Math.min(this.#o.readyTimeoutMs, 30_000), path: '/v1.0/healthz' }).catch(() =>
        waitForSidecarHealth(slot.instance, { timeoutMs: this.#o.readyTimeoutMs, path: '/v1.0/healthz/outbound' }),
      );
      const token = daprPlan(fn, this.#project)?.tokens.api;
      // The sidecar's API listens on its pod's loopback; the daemon comes in by its public port.
      const res =
        this.#o.dapr === 'daprd'
          ? await fetch(`http://127.0.0.1:${apiPort}/v1.0/publish/${encodeURIComponent(pubsub)}/${encodeURIComponent(topic)}`, { method: 'POST', headers: { 'content-type': contentType, ...(token ? { 'dapr-api-token': token } : {}) }, body })
          : await fetch(`http://${host}:${port}/v1.0/publish/${encodeURIComponent(pubsub)}/${encodeURIComponent(topic)}`, {
              method: 'POST',
              headers: { 'content-type': contentType, [CONTROL_TOKEN_HEADER]: controlToken },
              body,
            });
      return { status: res.status, via: slot.instance.id, body: await res.text() };
    }
    throw new OfnError('ERR_NOT_RUNNING', `no instance with pubsub ${pubsub} runs now (functions: ${candidates.map(fnKey).join(', ')})`, {}, 'invoke one of them first, or give it minReplicas: 1');
  }

  /**
   * Delivers `body` to an async function as an event of one of its input bindings, the way daprd
   * does (POST /<binding or its route> on the app port), waking it when it is at zero. `input` may
   * be left out when the function has one binding input. Resolves to the app's answer.
   */
  async invokeInput(namespace: string, name: string, input: string | undefined, body: Buffer, contentType: string): Promise<{ status: number; body: string; input: string; via: string }> {
    const key = `${namespace}/${name}`;
    const fn = this.#project.functions.find((f) => fnKey(f) === key);
    const pool = this.#pools.get(key);
    if (!fn || !pool) throw new OfnError('ERR_NO_FUNCTION', `no function ${key} in this project`);
    const plan = daprPlan(fn, this.#project);
    const triggers = fn.resource.spec.serving?.triggers?.dapr ?? [];
    const bindings = triggers.filter((t) => (t.type ?? '').startsWith('bindings.')).map((t) => t.name);
    if (bindings.length === 0) {
      const pubsubs = triggers.filter((t) => (t.type ?? '').startsWith('pubsub.'));
      throw new OfnError('ERR_NO_INPUT_BINDING', `${key} has no input binding to deliver to`, {}, pubsubs.length ? `it subscribes to ${pubsubs.map((t) => `${t.name}/${t.topic}`).join(', ')}: use ofn-local publish <pubsub> <topic>` : 'give it a dapr trigger of a bindings.* type');
    }
    const chosen = input ?? (bindings.length === 1 ? bindings[0]! : undefined);
    if (!chosen || !bindings.includes(chosen)) {
      throw new OfnError('ERR_NO_INPUT_BINDING', `${input ? `${key} has no input binding ${input}` : `${key} has several input bindings`}: ${bindings.join(', ')}`, {}, 'name one with --input <binding>');
    }
    // daprd posts to the component's `route` metadata when it has one, else to /<name>.
    const component = plan?.components.find((c) => (c.metadata as { name?: string }).name === chosen);
    const route = ((component?.spec as { metadata?: { name?: string; value?: unknown }[] } | undefined)?.metadata ?? []).find((m) => m.name === 'route')?.value;
    const target = String(route ?? `/${chosen}`).replace(/^(?!\/)/, '/');
    const started = Date.now();
    const lease = await pool.acquire();
    try {
      const { host, port } = lease.slot.instance.address;
      // A gRPC app (an async Go function) takes the event as daprd gives it: OnBindingEvent.
      const answer =
        lease.slot.instance.spec.sidecar?.appProtocol === 'grpc'
          ? await grpcBindingEvent(host, port, chosen, body, plan?.appId ?? key)
          : await fetch(`http://${host}:${port}${target}`, { method: 'POST', headers: { 'content-type': contentType }, body }).then(async (res) => ({ status: res.status, body: await res.text() }));
      this.emit({ type: 'request.completed', fn: key, method: 'POST', path: target, status: answer.status, durationMs: Date.now() - started, cold: lease.cold, instance: lease.slot.instance.id });
      return { status: answer.status, body: answer.body, input: chosen, via: lease.slot.instance.id };
    } finally {
      pool.release(lease.slot);
    }
  }

  /** Rebuilds a function (slow path) and swaps it in; the TUI's `r` and the control API. */
  rebuild(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    return this.#serialize(key, () => this.#slowReload(key, ['rebuild requested'], Date.now()));
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
    for (const fn of this.#project.functions) this.#pools.set(fnKey(fn), this.#newPool(fn));
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

  /**
   * Each sync function's in-cluster host names → its local stand-in (a gateway port of its own),
   * as `pod`s (sidecars, function containers) or this process reach it.
   */
  async #functionAddresses(from: 'pod' | 'daemon'): Promise<Map<string, string>> {
    const pending = (this.#podHost ??= this.#runtime instanceof DockerRuntime ? this.#runtime.hostAddress() : Promise.resolve({ bind: '127.0.0.1', reach: '127.0.0.1' }));
    const podHost = await pending.catch((err: unknown) => {
      this.#podHost = undefined; // asked again next time
      throw err;
    });
    const map = new Map<string, string>();
    for (const fn of this.#project.functions) {
      if (fn.runtime !== 'knative') continue;
      const port = await this.#gateway.serviceAddress(fn.namespace, fn.name, ['127.0.0.1', podHost.bind]);
      for (const host of clusterHostNames(fn.namespace, fn.name)) map.set(host, `${from === 'pod' ? podHost.reach : '127.0.0.1'}:${port}`);
    }
    return map;
  }

  /** An event as if its EventSource produced it (`ofn-local events publish`, the test API's emit). */
  emitEvent(namespace: string, eventSource: string, event: string, data: Buffer, contentType?: string): Promise<string> {
    return this.#events.emitEvent(namespace, eventSource, event, data, contentType);
  }

  /** The build a function now serves: later code saves are synced into its app folder. */
  #adopt(key: string, spec: InstanceSpec): void {
    if (spec.appDir) this.#appDirs.set(key, spec.appDir);
  }

  #newPool(fn: LoadedFunction): FunctionPool {
    return new FunctionPool({
      namespace: fn.namespace,
      name: fn.name,
      runtime: this.#runtime,
      // Async functions start with one replica (a Deployment's); with KEDA triggers their scaler
      // sets the count from then on, without them it stays fixed (as on a cluster).
      scale: fn.runtime === 'async' ? { ...fn.scale, min: Math.max(1, fn.scale.min) } : fn.scale,
      externalScale: fn.runtime === 'async' && kedaSettings(fn) !== undefined,
      idleWindowMs: this.#o.idleTimeoutMs,
      zeroMode: this.#o.zeroMode,
      readyTimeoutMs: this.#o.readyTimeoutMs,
      maxInstancesCap: MAX_INSTANCES_CAP,
      emit: (e) => this.emit(e),
      // A start failure quotes the instance's last lines: the error, not the stack frames after it.
      recentLogs: (id) => (this.#recentLogs.get(id) ?? []).filter((l) => !STACK_FRAME.test(l)),
      dropIdleSockets: (address) => this.#gateway.dropIdleSockets(address),
    });
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
      fn.source.kind === 'local' ? [{ key: fnKey(fn), sourceDir: fn.source.dir, compiled: this.#languages.get(fnKey(fn)) === 'go' || this.#cnbBuilt.has(fnKey(fn)) }] : [],
    );
    const c: Classified = classify(batch.files, functions);
    if (c.manifests.length > 0) await this.#serialize('project', () => this.#reconcile(c.manifests));
    const work: Promise<void>[] = [];
    for (const [key, files] of c.deps) work.push(this.#serialize(key, () => this.#slowReload(key, this.#rel(files), batch.firstSeenAt)));
    for (const [key, files] of c.code) work.push(this.#serialize(key, () => this.#fastReload(key, files, batch.firstSeenAt)));
    await Promise.all(work.map((w) => w.catch(() => undefined)));
  }

  #rel(files: string[]): string[] {
    return files.map((f) => path.relative(this.root, f) || f);
  }

  /**
   * Fast path: check the syntax, copy the changed files into the live app folder, and have each
   * running instance swap to the new code in place (the gateway holds its requests meanwhile). A
   * failure puts the previous files back, so the last good version keeps serving everywhere.
   */
  async #fastReload(key: string, files: string[], firstSeenAt: number): Promise<void> {
    const fn = this.#project.functions.find((f) => fnKey(f) === key);
    const appDir = this.#appDirs.get(key);
    const pool = this.#pools.get(key);
    if (!fn || fn.source.kind !== 'local' || !appDir || !pool) return;
    const detected = Date.now();
    this.emit({ type: 'reload.started', fn: key, path: 'fast', cause: this.#rel(files) });
    // The syntax check runs beside the reload, not before it: a broken file fails the new worker
    // anyway, and the check names the file and line precisely for the message.
    const syntax = checkSyntax(files);
    const revert = await syncFiles(fn.source.dir, appDir, files);
    const synced = Date.now();
    try {
      // A Python function's interpreter is restarted: nothing may be in flight when it stops.
      await pool.reloadInPlace((instance) => this.#reloadInstance(instance.id, () => this.#runtime.signal(instance, 'SIGHUP')), { drainFirst: this.#languages.get(key) === 'python' });
      const problem = await syntax;
      if (problem && pool.replicas === 0) throw new Error(problem.message);
    } catch (err) {
      await revert();
      const problem = await syntax;
      const where = problem ?? locate(errorMessage(err), fn.source.dir, appDir);
      const message = problem?.message ?? errorMessage(err);
      this.emit({ type: 'reload.failed', fn: key, path: 'fast', message, file: where.file && path.relative(this.root, where.file), line: where.line });
      return;
    }
    this.#reloadFinished(key, 'fast', { firstSeenAt, detected, synced });
  }

  /** Journals a finished reload with how long each step took (the save seen, synced or built, restarted). */
  #reloadFinished(key: string, reloadPath: 'fast' | 'slow', at: { firstSeenAt: number; detected: number; synced: number }): void {
    const done = Date.now();
    this.emit({
      type: 'reload.finished',
      fn: key,
      path: reloadPath,
      timings: { detectMs: at.detected - at.firstSeenAt, syncMs: at.synced - at.detected, restartMs: done - at.synced, totalMs: done - at.firstSeenAt },
    });
  }

  /** Signals one instance and waits for the framework's verdict on its stdout. */
  #reloadInstance(instance: string, signal: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        instance,
        match: /^ofn-framework: (reloaded|reload failed)/,
        lines: [] as string[],
        resolve: (line: string) => {
          cleanup();
          if (line.includes('reloaded')) resolve();
          else reject(new Error(waiter.lines.filter((l) => !l.startsWith('    at ')).join('\n')));
        },
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${instance} did not reload within ${this.#o.readyTimeoutMs} ms`));
      }, this.#o.readyTimeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#logWaiters.delete(waiter);
      };
      this.#logWaiters.add(waiter);
      signal().catch((err: unknown) => {
        cleanup();
        reject(err);
      });
    });
  }

  /** Slow path: reinstall and rebuild, start the new build beside the old one, then swap. */
  async #slowReload(key: string, cause: string[], firstSeenAt: number): Promise<void> {
    const fn = this.#project.functions.find((f) => fnKey(f) === key);
    const pool = this.#pools.get(key);
    if (!fn || !pool) return;
    if (this.#appDirs.get(key) === this.#liveBinaryDir(key)) return this.#restartInPlace(fn, pool, cause, firstSeenAt);
    const detected = Date.now();
    this.emit({ type: 'reload.started', fn: key, path: 'slow', cause });
    let spec: InstanceSpec;
    try {
      spec = await this.#instanceSpec(fn, key);
    } catch (err) {
      // A compile error names its file and line (the last good build keeps serving).
      const where = err instanceof OfnError ? err.where : undefined;
      this.emit({ type: 'reload.failed', fn: key, path: 'slow', message: describe(err), ...(where?.file ? { file: where.file } : {}), ...(where?.line ? { line: where.line } : {}) });
      return;
    }
    const built = Date.now();
    try {
      await pool.rollTo(spec);
    } catch (err) {
      this.emit({ type: 'reload.failed', fn: key, path: 'slow', message: errorMessage(err) });
      return;
    }
    this.#adopt(key, spec);
    this.#reloadFinished(key, 'slow', { firstSeenAt, detected, synced: built });
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
    for (const key of plan.removed) {
      const pool = this.#pools.get(key);
      this.#pools.delete(key);
      this.#appDirs.delete(key);
      // The scaling controller stops its scaler.
      this.emit({ type: 'function.removed', fn: key });
      if (pool) tasks.push(pool.drainAndDispose());
    }
    // Serving settings (scale, env, port) belong to the pool: a new pool takes over once built.
    for (const key of plan.replaced) tasks.push(this.#serialize(key, () => this.#replace(after.get(key)!)));
    for (const key of plan.added) {
      const fn = after.get(key)!;
      this.#pools.set(key, this.#newPool(fn));
      this.emit({ type: 'function.added', fn: key });
      tasks.push(this.#serialize(key, () => this.#buildAndServe(fn)));
    }
    this.#watcher?.add(this.#watchPaths());
    await Promise.all(tasks);
    await this.#events.sync().catch((err: unknown) => this.emit({ type: 'daemon.error', source: 'events', code: 'ERR_EVENTS', message: describe(err) }));
  }

  async #replace(fn: LoadedFunction): Promise<void> {
    const key = fnKey(fn);
    const old = this.#pools.get(key);
    const pool = this.#newPool(fn);
    this.emit({ type: 'reload.started', fn: key, path: 'slow', cause: ['manifest changed'] });
    let spec: InstanceSpec;
    try {
      spec = await this.#instanceSpec(fn, key);
    } catch (err) {
      this.emit({ type: 'reload.failed', fn: key, path: 'slow', message: describe(err) });
      await pool.dispose();
      return;
    }
    // Stopped during the rebuild: start nothing more.
    if (this.#stopped) return void (await pool.dispose());
    await pool.setSpec(spec);
    // The old version keeps serving until the new one has proved it starts (if it was serving at all).
    if ((old?.replicas ?? 0) > 0 || fn.scale.min > 0) {
      try {
        await pool.warmUp('new version');
        await pool.ensureMin();
      } catch (err) {
        await pool.dispose();
        this.emit({ type: 'reload.failed', fn: key, path: 'slow', message: `the edited function did not start, the previous version keeps serving: ${describe(err)}` });
        return;
      }
    }
    this.#pools.set(key, pool);
    this.#adopt(key, spec);
    await this.#bus.dispatch({ type: 'function.serving', fn, pool });
    await old?.drainAndDispose();
    this.emit({ type: 'reload.finished', fn: key, path: 'slow', timings: { detectMs: 0, syncMs: 0, restartMs: 0, totalMs: 0 } });
  }

  async #buildAndServe(fn: LoadedFunction): Promise<void> {
    const key = `${fn.namespace}/${fn.name}`;
    const pool = this.#pools.get(key)!;
    pool.setBuilding();
    this.emit({ type: 'build.started', fn: key });
    let spec: InstanceSpec;
    try {
      spec = await this.#instanceSpec(fn, key);
    } catch (err) {
      const message = describe(err);
      this.emit({ type: 'build.failed', fn: key, message });
      pool.setFailed(message);
      return;
    }
    // Stopped during the build (an aborted start): start nothing more.
    if (this.#stopped) return;
    await pool.setSpec(spec);
    this.#adopt(key, spec);
    try {
      await pool.ensureMin();
      if (this.#o.warmUp && pool.replicas === 0) await pool.warmUp('start check');
    } catch (err) {
      this.emit({ type: 'daemon.error', source: key, code: 'ERR_START_FAILED', message: errorMessage(err) });
    }
    await this.#bus.dispatch({ type: 'function.serving', fn, pool });
  }

  async #instanceSpec(fn: LoadedFunction, key: string): Promise<InstanceSpec> {
    const started = Date.now();
    const pod = podLimits(fn);
    for (const note of pod.notes) this.emit({ type: 'build.log', fn: key, line: note });
    const base = { namespace: fn.namespace, name: fn.name, port: fn.port, generation: ++this.#generation, limits: pod.function };
    if (fn.source.kind === 'image') {
      if (!this.#docker) {
        throw new RuntimeError('ERR_RUNTIME_UNSUPPORTED', `${key} runs the image ${fn.source.image}, which needs the docker runtime`, { file: fn.origin.file, path: 'spec.image' }, 'start a Docker engine, or give the function a spec.build');
      }
      await ensureImage(this.#docker, fn.source.image);
      this.#images.set(key, fn.source.image);
      this.emit({ type: 'build.finished', fn: key, image: fn.source.image, cached: true, durationMs: Date.now() - started });
      return { ...base, image: fn.source.image, env: instanceEnv(fn, this.#runtime.kind) };
    }
    if ((this.#o.build ?? this.#config?.build) === 'buildpacks') return this.#buildpacksSpec(fn, fn.source.dir, key, base, pod, started);
    this.#cnbBuilt.delete(key);
    // The builder OpenFunction would use: spec.build.builder, confirmed by the folder.
    const language = selectBuilder({ builder: builderImage(fn) ?? 'openfunction/builder', dir: fn.source.dir, files: await sourceFiles(fn.source.dir) }).language;
    this.#languages.set(key, language);
    if (language === 'python') return this.#pythonSpec(fn, key, base, pod, started);
    const ctx = { log: (line: string) => this.emit({ type: 'build.log', fn: key, line }) };
    // Dev mode: Node swaps code in place; a compiled function's binary is restarted in place (the
    // instance and its sidecar stay), from a live folder on the base image: an edit builds no image.
    const live = Boolean(this.#o.watch) && language === 'node';
    const liveBinary = Boolean(this.#o.watch) && language === 'go';
    const built = language === 'go' ? await this.#goBuilder.build(fn, ctx, { image: !liveBinary }) : await this.#builder.build(fn, ctx);
    const result = liveBinary ? await this.#installLiveBinary(key, built, ctx) : built;
    if (live) await mirrorSource(fn.source.dir, result.appDir);
    if (result.image) this.#images.set(key, result.image);
    this.emit({ type: 'build.finished', fn: key, image: result.image, cached: result.cached, durationMs: Date.now() - started });
    const env = instanceEnv(fn, this.#runtime.kind, language);
    // Dev mode: the framework runs under its reload supervisor (SIGHUP swaps the code in place).
    if (live) env.OFN_LOCAL_RELOAD = '1';
    // The restart supervisor gives up on a new build a little before the daemon gives up on it.
    if (liveBinary) env[START_TIMEOUT_ENV] = String(Math.max(1000, Math.floor(this.#o.readyTimeoutMs * 0.8)));
    const sidecar = await this.#sidecarSpec(fn, key);
    if (sidecar) env.APP_PROTOCOL = sidecar.appProtocol;
    Object.assign(env, daprTokenEnv(daprPlan(fn, this.#project)));
    // Images ofn-local builds run as a user of their own, as buildpack images run as `cnb` (uid 1000).
    const limits = { user: NON_ROOT_USER, ...pod.function };
    if (sidecar) sidecar.limits = { ...(sidecar.program ? {} : { user: NON_ROOT_USER }), ...pod.sidecar };
    return { ...base, limits, image: result.image, appDir: result.appDir, env, liveAppDir: live || liveBinary, sidecar, ...(result.command ? { command: result.command } : {}) };
  }

  /** A buildpacks build (the CNB lifecycle in a builder image): the image runs as built, its entrypoint the launcher. */
  async #buildpacksSpec(fn: LoadedFunction, srcDir: string, key: string, base: Omit<InstanceSpec, 'image' | 'env'>, pod: ReturnType<typeof podLimits>, started: number): Promise<InstanceSpec> {
    if (!this.#docker) {
      throw new RuntimeError('ERR_RUNTIME_UNSUPPORTED', `${key}: buildpacks builds make images, which need the docker runtime`, {}, 'start a Docker engine, or build with --build fast');
    }
    const docker = this.#docker;
    this.#cnb ??= new BuildpacksBuilder({
      docker,
      stateDir: path.join(this.root, '.ofn-local'),
      projectId: makeProjectId(this.root),
      ...(this.#o.builderImage ? { builderImage: this.#o.builderImage } : {}),
      offlineBuilder: async (log) => (await assembleOfflineBuilder({ docker, log })).image,
      onPhase: (f, phase) => this.emit({ type: 'build.phase', fn: fnKey(f), phase, builder: this.#o.builderImage ?? 'buildpacks' }),
    });
    const language = languageForBuildpacks(await sourceFiles(srcDir));
    this.#languages.set(key, language);
    this.#cnbBuilt.add(key);
    const result = await this.#cnb.build(fn, { log: (line: string) => this.emit({ type: 'build.log', fn: key, line }) });
    if (result.image) this.#images.set(key, result.image);
    this.emit({ type: 'build.finished', fn: key, image: result.image, cached: result.cached, durationMs: Date.now() - started });
    const env = instanceEnv(fn, this.#runtime.kind, language);
    const sidecar = await this.#sidecarSpec(fn, key);
    if (sidecar) env.APP_PROTOCOL = sidecar.appProtocol;
    Object.assign(env, daprTokenEnv(daprPlan(fn, this.#project)));
    if (sidecar) sidecar.limits = { ...(sidecar.program ? {} : { user: NON_ROOT_USER }), ...pod.sidecar };
    return { ...base, limits: { user: NON_ROOT_USER, ...pod.function }, image: result.image, env, sidecar };
  }

  /** A compiled function's live folder for this session (see watch/live-binary.ts). */
  #liveBinaryDir(key: string): string {
    return path.join(this.stateDir, 'live', key.replace('/', '-'));
  }

  /** Puts a fresh binary build in the function's live folder: what its instances run (on the base image on Docker). */
  async #installLiveBinary(key: string, built: BuildResult, ctx: BuildContext): Promise<BuildResult> {
    const dir = this.#liveBinaryDir(key);
    await installLiveBinary(dir, path.join(built.appDir, GO_BINARY), built.fingerprint);
    const image = this.#docker ? (await this.#builder.baseImage(ctx)).ref : undefined;
    return { ...built, appDir: dir, image, command: liveBinaryCommand(dir, this.#docker ? 'docker' : 'process') };
  }

  /**
   * Dev mode, compiled function: rebuild the binary and restart it inside each running instance (the
   * gateway holds requests, in-flight ones finish first); the instance and its sidecar live on. A
   * compile error, or a build that does not come up, leaves the previous build serving.
   */
  async #restartInPlace(fn: LoadedFunction, pool: FunctionPool, cause: string[], firstSeenAt: number): Promise<void> {
    const key = fnKey(fn);
    const detected = Date.now();
    this.emit({ type: 'reload.started', fn: key, path: 'fast', cause });
    const ctx = { log: (line: string) => this.emit({ type: 'build.log', fn: key, line }) };
    let revert: () => Promise<void>;
    try {
      const built = await this.#goBuilder.build(fn, ctx, { image: false });
      revert = await installLiveBinary(this.#liveBinaryDir(key), path.join(built.appDir, GO_BINARY), built.fingerprint);
    } catch (err) {
      const where = err instanceof OfnError ? err.where : undefined;
      this.emit({ type: 'reload.failed', fn: key, path: 'fast', message: describe(err), ...(where?.file ? { file: where.file } : {}), ...(where?.line ? { line: where.line } : {}) });
      return;
    }
    const built = Date.now();
    try {
      await pool.reloadInPlace((instance) => this.#reloadInstance(instance.id, () => this.#runtime.signal(instance, 'SIGHUP')), { drainFirst: true });
    } catch (err) {
      await revert();
      this.emit({ type: 'reload.failed', fn: key, path: 'fast', message: errorMessage(err) });
      return;
    }
    this.#reloadFinished(key, 'fast', { firstSeenAt, detected, synced: built });
  }

  /**
   * A Python function's instance: its build (an environment keyed by its requirements, the code
   * beside it) run by ofn-local's launcher. In dev mode the launcher supervises the interpreter and
   * restarts it in place on SIGHUP after checking the synced code (the fast path, as Node's).
   */
  async #pythonSpec(fn: LoadedFunction, key: string, base: Omit<InstanceSpec, 'env'>, pod: ReturnType<typeof podLimits>, started: number): Promise<InstanceSpec> {
    if (fn.source.kind !== 'local') throw new OfnError('ERR_NO_SOURCE', `${key} has no source to build`);
    const result = await this.#pythonBuilder.build(fn, { log: (line: string) => this.emit({ type: 'build.log', fn: key, line }) });
    const live = Boolean(this.#o.watch);
    if (live) await mirrorSource(fn.source.dir, result.appDir);
    if (result.image) this.#images.set(key, result.image);
    this.emit({ type: 'build.finished', fn: key, image: result.image, cached: result.cached, durationMs: Date.now() - started });
    const env = instanceEnv(fn, this.#runtime.kind, 'python');
    if (live) {
      env.OFN_LOCAL_RELOAD = '1';
      // The launcher gives up on new code a little before the daemon gives up on the reload.
      env.OFN_LOCAL_START_TIMEOUT_MS = String(Math.max(1000, Math.floor(this.#o.readyTimeoutMs * 0.8)));
    }
    const sidecar = await this.#sidecarSpec(fn, key);
    if (sidecar) env.APP_PROTOCOL = sidecar.appProtocol;
    Object.assign(env, daprTokenEnv(daprPlan(fn, this.#project)));
    const limits = { user: NON_ROOT_USER, ...pod.function };
    if (sidecar) sidecar.limits = { ...(sidecar.program ? {} : { user: NON_ROOT_USER }), ...pod.sidecar };
    return { ...base, limits, image: result.image, appDir: result.appDir, env, liveAppDir: live, sidecar, ...(result.command ? { command: result.command } : {}) };
  }

  /**
   * Every Dapr app of the project, for service invocation between them: where each sync function's
   * stand-in answers, its identity's trust domain and the access control its sidecar applies (from
   * its `dapr.io/config` Configuration). A Configuration that does not load fails its own function's
   * build, not the others'.
   */
  #appIdEntries(functions: Map<string, string>): Map<string, AppIdFileEntry> {
    const entries = new Map<string, AppIdFileEntry>();
    for (const f of this.#project.functions) {
      const plan = daprPlan(f, this.#project, daprLanguage(this.#languages.get(fnKey(f))));
      const address = f.runtime === 'knative' ? functions.get(`${f.name}.${f.namespace}`) : undefined;
      if (!plan && !address) continue;
      let accessControl: AccessControlList | undefined;
      try {
        accessControl = plan ? accessControlFor(f, this.#project, plan.appProtocol) : undefined;
      } catch {
        accessControl = undefined;
      }
      entries.set(`${f.name}-${f.namespace}`, {
        ...(address ? { address } : {}),
        protocol: plan?.appProtocol ?? 'http',
        trustDomain: accessControl?.trustDomain ?? DEFAULT_TRUST_DOMAIN,
        ...(accessControl ? { accessControl } : {}),
      });
    }
    return entries;
  }

  /** The Dapr sidecar an instance needs (OpenFunction's rules), with its Component files written. */
  async #sidecarSpec(fn: LoadedFunction, key: string): Promise<InstanceSpec['sidecar']> {
    const plan = daprPlan(fn, this.#project, daprLanguage(this.#languages.get(key)));
    if (!plan) return undefined;
    // Its own access control must load (daprd does not start with a broken one).
    accessControlFor(fn, this.#project, plan.appProtocol);
    const log = (line: string) => this.emit({ type: 'build.log', fn: key, line });
    for (const note of plan.notes) log(note);
    const functions = await this.#functionAddresses('pod');
    const resourcesDir = await writeDaprResources(this.stateDir, fn.namespace, fn.name, plan, this.#serviceAddresses, functions);
    // Other app ids of the project, for service invocation: each sync function's stand-in.
    const appIdsFile = await writeAppIds(this.stateDir, this.#appIdEntries(functions));
    if (this.#o.dapr === 'daprd') {
      // The real daprd, with the same flags and Component files (no output capture: it has none;
      // docs/daprd.md). The runtime starts it once the app answers (runtime.ts, SidecarSpec.program).
      const version = this.#o.daprdVersion ?? DEFAULT_DAPRD_VERSION;
      const env = daprTokenEnv(plan);
      // daprd's own name resolution: one registry file the project's daprds share (daprd-config.ts).
      const names = hasSqliteNameResolver(version) ? namesDir(this.stateDir) : undefined;
      const namesDb = names && (this.#docker ? path.posix.join(POD_NAMES_DIR, NAMES_DB) : path.join(names, NAMES_DB));
      const config = daprdConfiguration(fn, this.#project, plan.appId, namesDb);
      for (const note of config.notes) log(note);
      const daprd = { configFile: await writeDaprdConfig(this.stateDir, plan.appId, config.document), ...(names ? { namesDir: names } : {}) };
      if (this.#docker) {
        const docker = this.#docker;
        return { appId: plan.appId, resourcesDir, appIdsFile, appProtocol: plan.appProtocol, image: await daprdImage(docker, version, () => this.#builder.baseImage({ log }), log), program: ['/daprd'], daprd, env };
      }
      return { appId: plan.appId, resourcesDir, appIdsFile, appProtocol: plan.appProtocol, program: [await daprdBinary(version, log)], daprd, env };
    }
    const image = this.#docker ? await ensureSidecarImage(this.#docker, await this.#builder.baseImage({ log }), log) : undefined;
    // The daemon journals what functions send (output.sent): the test API's waitFor and the UI.
    return { appId: plan.appId, resourcesDir, appIdsFile, appProtocol: plan.appProtocol, image, env: { [CAPTURE_ENV]: '1', ...daprTokenEnv(plan) } };
  }
}

/** One input binding event to a gRPC app, through the sidecar's own gRPC app channel client. */
async function grpcBindingEvent(host: string, port: number, name: string, body: Buffer, appId: string): Promise<{ status: number; body: string }> {
  const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, enabled: () => false, child: () => quiet } as unknown as Logger;
  const channel = new GrpcAppChannel({ address: host, port, protocol: 'http', appId, maxConcurrency: -1, maxBodySize: 4 << 20, log: quiet });
  try {
    const answer = await channel.request({ method: 'POST', path: `/${name}`, body, timeoutMs: 60_000, kind: { type: 'binding', name, metadata: {} } });
    return { status: answer.status, body: answer.body.toString('utf8') };
  } finally {
    channel.close();
  }
}

/** DAPR_API_TOKEN / APP_API_TOKEN for both the sidecar and the function, as Dapr's injector sets them. */
function daprTokenEnv(plan: ReturnType<typeof daprPlan>): Record<string, string> {
  const env: Record<string, string> = {};
  if (plan?.tokens.api) env.DAPR_API_TOKEN = plan.tokens.api;
  if (plan?.tokens.app) env.APP_API_TOKEN = plan.tokens.app;
  return env;
}

function daprStatus(plan: ReturnType<typeof daprPlan>): Pick<FunctionStatus, 'daprAppId' | 'daprComponents'> {
  if (!plan) return {};
  const components = plan.components.map((c) => ({ name: String((c.metadata as { name?: unknown }).name), type: String((c.spec as { type?: unknown }).type) }));
  return { daprAppId: plan.appId, daprComponents: components };
}

/** The framework family daprPlan decides the app channel by (Go's and Python's async frameworks serve gRPC). */
function daprLanguage(language: Language | undefined): 'node' | 'go' | 'python' {
  return language === 'go' || language === 'python' ? language : 'node';
}

function fnKey(fn: LoadedFunction): string {
  return `${fn.namespace}/${fn.name}`;
}

function describe(err: unknown): string {
  return errorMessage(err) + (err instanceof OfnError && err.hint ? ` (${err.hint})` : '');
}

/** Finds `file:line` of the user's code in a framework error (paths inside the instance mapped back to the source). */
function locate(message: string, sourceDir: string, appDir: string): { file?: string; line?: number } {
  const m = message.match(/(\/[^\s:]+\.(?:(?:c|m)?js|py)):(\d+)/);
  if (!m) return {};
  const file = m[1]!.replace(/^\/workspace\//, `${appDir}/`).replace(appDir, sourceDir);
  return { file, line: Number(m[2]) };
}

async function ensureImage(docker: Docker, ref: string): Promise<void> {
  if (await imageExists(docker, ref)) return;
  const why = await pullImage(docker, ref);
  if (why) {
    throw new RuntimeError('ERR_IMAGE_MISSING', `image ${ref} (spec.image) is not on this engine and cannot be pulled: ${why}`, { path: 'spec.image' }, 'build or load it into the engine first, or add spec.build so ofn-local builds it');
  }
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  });
  await Promise.all(workers);
}
