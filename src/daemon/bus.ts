/**
 * The daemon's one event bus. Controllers (src/daemon/controllers/) never call each other: they
 * emit on the bus, react to what it carries, and ask one another through it. Three kinds of traffic:
 * - journal events (`OfnEvent`): written to the journal first, then told to listeners, at once and
 *   in order; their listeners are synchronous (a log line must not wait on anything);
 * - control events (`ControlEvent`): facts one controller tells the others and no one else, often
 *   carrying live objects (a pool); never journaled. `dispatch` runs their listeners one after
 *   another and resolves once all have finished, so lifecycle steps stay in order;
 * - requests (`BusRequests`): a command or a question with one answer (a build, a reload), answered
 *   by the one controller that `handle`s it; `request` returns the handler's answer as it is (a
 *   promise for work, a value for a question), so the asker neither knows nor imports who answers.
 *
 * The flow (read this first):
 * - the watcher's batches (changes) → `project.reconcile` (project) for manifests, `reload.fast` and
 *   `reload.slow` (reload) for code and dependency files; changes asks `build.compiled` to sort them.
 * - `project.reconcile` (project: load, plan, apply) → `services.replace` (services) when
 *   ofn-local.yaml's services changed; per function `instances.add`, `instances.building`,
 *   `build.spec` (build), then `instances.serve`, or `instances.failed` with `build.failed`
 *   journaled; a replaced one `build.spec` then `instances.replace`; a removed one
 *   `instances.remove`; then `events.sync` (events). At start the project serves every function
 *   the same way.
 * - `project.replaced`: project, once an edit's project is in place → changes watches its folders.
 * - `project.replaced`, and start once the functions serve → deployments (run the Deployments), which
 *   asks `build.sidecar` for a Dapr-annotated one's sidecar.
 * - `reload.fast` / `reload.slow` (reload) → `build.spec`, `build.live-binary`, `build.language`,
 *   `build.serves-live-binary` (build).
 * - `services.addresses`: services controller → build (Component files), events, scaling (probes).
 * - `function.serving`: instances, once a pool serves a build → scaling attaches its scaler, reload
 *   adopts the build's live app folder.
 * - `function.removed` (journal): instances, when an edit removed the function → scaling stops its
 *   scaler, reload forgets its app folder.
 * - `instance.log` (journal): the runtime's log lines → reload (the framework's verdict on a
 *   reload), instances (the last lines, quoted when an instance fails to start).
 */
import type { Language } from '../builders/select-builder.js';
import type { BackingServiceConfig } from '../model/project-config.js';
import type { FunctionPool } from '../serving/pool.js';
import type { DaprApp, LoadedFunction, Project } from '../model/types.js';
import type { DaprPlan } from '../model/dapr-plan.js';
import type { InstanceSpec, SidecarSpec } from '../runtime/runtime.js';
import type { OfnEvent } from '../protocol/journal.js';

/** Where the backing services are, as each side reaches them (`name:port` → `host:port`). */
export interface ServiceAddresses {
  /** As this process reaches them (scalers' probes, event sources). */
  reach: ReadonlyMap<string, string>;
  /** As instances reach them when it is not by name (the process runtime): rendered into Component files. */
  pods: ReadonlyMap<string, string>;
}

export type ControlEvent =
  | ({ type: 'services.addresses' } & ServiceAddresses)
  /** A pool serves a (new) build of the function: what watches its instances may attach to it. */
  | { type: 'function.serving'; fn: LoadedFunction; pool: FunctionPool; spec: InstanceSpec }
  /** A manifest edit's project is in place (its functions added, replaced, removed are under way). */
  | { type: 'project.replaced'; project: Project };

export type BusEvent = OfnEvent | ControlEvent;
export type BusEventType = BusEvent['type'];
export type BusEventOf<T extends BusEventType> = Extract<BusEvent, { type: T }>;

/**
 * What controllers ask of one another, by name: `args` what the asker gives, `reply` what the one
 * handler returns (a promise when the answer is work to wait for).
 */
export interface BusRequests {
  /** Build: builds the function into the InstanceSpec its instances run (a failure is thrown, journaled by the asker). */
  'build.spec': { args: { fn: LoadedFunction }; reply: Promise<InstanceSpec> };
  /** Build: a compiled function's live binary built again (dev mode); resolves to what puts the previous one back. */
  'build.live-binary': { args: { fn: LoadedFunction }; reply: Promise<() => Promise<void>> };
  /** Build: the language the function was last built as. */
  'build.language': { args: { key: string }; reply: Language | undefined };
  /** Build: whether an edit of its code means a rebuild (Go, or anything the CNB lifecycle built). */
  'build.compiled': { args: { key: string }; reply: boolean };
  /** Build: the base image ofn-local builds on (a Deployment's pod holder runs it). */
  'build.base-image': { args: { log: (line: string) => void }; reply: Promise<string> };
  /** Build: a Dapr app's sidecar (a Deployment's), with its Component files and the project's app ids written. */
  'build.sidecar': { args: { app: DaprApp; plan: DaprPlan; log: (line: string) => void }; reply: Promise<SidecarSpec> };
  /** Build: whether the function serves a live binary from `appDir` (an edit restarts it in place). */
  'build.serves-live-binary': { args: { key: string; appDir: string | undefined }; reply: boolean };
  /** Instances: a pool for a function that appeared; it holds requests until it has a build. */
  'instances.add': { args: { fn: LoadedFunction }; reply: void };
  /** Instances: the function is being built (its requests wait). */
  'instances.building': { args: { key: string }; reply: void };
  /** Instances: its build failed (its requests get the reason). */
  'instances.failed': { args: { key: string; message: string }; reply: void };
  /** Instances: the pool serves this build (its minimum started). */
  'instances.serve': { args: { fn: LoadedFunction; spec: InstanceSpec }; reply: Promise<void> };
  /** Instances: a new pool with this build takes over once it starts (the manifest changed how it serves). */
  'instances.replace': { args: { fn: LoadedFunction; spec: InstanceSpec }; reply: Promise<void> };
  /** Instances: the function is gone: journaled, its instances drained. */
  'instances.remove': { args: { key: string }; reply: Promise<void> };
  /** Reload: the fast path for saved code files. */
  'reload.fast': { args: { key: string; files: string[]; firstSeenAt: number }; reply: Promise<void> };
  /** Reload: the slow path (rebuild and roll, or a live binary restarted in place); `cause` as journaled. */
  'reload.slow': { args: { key: string; cause: string[]; firstSeenAt: number }; reply: Promise<void> };
  /** Project: manifests changed (`changed`, as the watcher saw them): load again and apply what changed. */
  'project.reconcile': { args: { changed: string[] }; reply: Promise<void> };
  /** Services: ofn-local.yaml's services changed: stop the old ones, start these. */
  'services.replace': { args: { services: BackingServiceConfig[] }; reply: Promise<void> };
  /** Events: bring the events engine up to date with the project (start it when it has events). */
  'events.sync': { args: Record<string, never>; reply: Promise<void> };
}
export type BusRequestType = keyof BusRequests;
export type BusRequestArgs<T extends BusRequestType> = BusRequests[T]['args'];
export type BusReply<T extends BusRequestType> = BusRequests[T]['reply'];

export type BusListener<T extends BusEventType> = (event: BusEventOf<T>) => T extends ControlEvent['type'] ? void | Promise<void> : void;

export class DaemonBus {
  readonly #journal: (event: OfnEvent) => void;
  readonly #listeners = new Map<string, Set<(event: never) => unknown>>();
  readonly #handlers = new Map<string, (args: never) => unknown>();

  /** `journal`: where journal events are written before any listener sees them. */
  constructor(journal: (event: OfnEvent) => void) {
    this.#journal = journal;
  }

  /** Listens to one type of event; returns what stops listening. */
  on<T extends BusEventType>(type: T, listener: BusListener<T>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    const entry = listener as (event: never) => unknown;
    set.add(entry);
    return () => void set.delete(entry);
  }

  /** Journals a journal event, then tells its listeners. */
  emit(event: OfnEvent): void {
    this.#journal(event);
    const listeners = this.#listeners.get(event.type);
    // Most entries (a request's, every log line) have no listener here: no copy for them.
    if (!listeners?.size) return;
    for (const listener of [...listeners]) (listener as (e: OfnEvent) => void)(event);
  }

  /** Answers one type of request (one handler per type: a second is a wiring mistake); returns what stops answering. */
  handle<T extends BusRequestType>(type: T, handler: (args: BusRequestArgs<T>) => BusReply<T>): () => void {
    if (this.#handlers.has(type)) throw new Error(`the bus already has a handler for ${type}`);
    const entry = handler as (args: never) => unknown;
    this.#handlers.set(type, entry);
    return () => {
      if (this.#handlers.get(type) === entry) this.#handlers.delete(type);
    };
  }

  /** Asks the one handler of a request and returns its answer as it is (throws when nothing answers: a wiring mistake). */
  request<T extends BusRequestType>(type: T, args: BusRequestArgs<T>): BusReply<T> {
    const handler = this.#handlers.get(type) as ((args: BusRequestArgs<T>) => BusReply<T>) | undefined;
    if (!handler) throw new Error(`nothing on the bus answers ${type}`);
    return handler(args);
  }

  /** Tells a control event's listeners, one after another; rejects with the first listener's failure. */
  async dispatch(event: ControlEvent): Promise<void> {
    for (const listener of [...(this.#listeners.get(event.type) ?? [])]) await (listener as (e: ControlEvent) => void | Promise<void>)(event);
  }
}
