/**
 * The project as loaded (its manifests and ofn-local.yaml) and what it means for what runs. At start
 * it journals the project and serves every function, a few builds at a time. On a manifest edit
 * (`project.reconcile`, asked by the changes controller) it loads the project again, journals it,
 * and applies the pure plan of reconcile.ts: changed backing services replaced, removed functions
 * drained, replaced ones built and swapped in, added ones built and served, then the events engine
 * brought up to date. A manifest that no longer loads is reported and nothing running is touched.
 * Builds, instances, services and events are reached through the bus's requests (bus.ts).
 */
import path from 'node:path';
import { ModelError } from '../../model/errors.js';
import type { ProjectConfig } from '../../model/project-config.js';
import type { LoadedFunction, Project } from '../../model/types.js';
import type { InstanceSpec } from '../../runtime/runtime.js';
import { reconcilePlan } from '../reconcile.js';
import { describe, fnKey, type ControllerContext, type SerialQueues } from './context.js';

export interface ProjectControllerOptions extends Omit<ControllerContext, 'project'> {
  /** The project as loaded at start. */
  project: Project;
  /** The project folder: journaled paths are relative to it. */
  root: string;
  /** Where the command ran: the model's warnings name their files relative to it. */
  cwd: string;
  /** Loads the manifests again (a problem is thrown, a ModelError naming file and field). */
  loadProject(): Promise<Project>;
  /** Loads ofn-local.yaml (undefined when there is none). */
  loadConfig(): Promise<ProjectConfig | undefined>;
  /** One change at a time per function (shared with the changes controller). */
  queues: SerialQueues;
  /** Functions built at once at start. */
  buildConcurrency: number;
}

export class ProjectController {
  readonly #o: ProjectControllerOptions;
  #project: Project;
  #config: ProjectConfig | undefined;

  constructor(o: ProjectControllerOptions) {
    this.#o = o;
    this.#project = o.project;
    o.bus.handle('project.reconcile', ({ changed }) => this.#reconcile(changed));
  }

  /** The project as last loaded (replaced by every manifest edit that loads). */
  project(): Project {
    return this.#project;
  }

  /** ofn-local.yaml as loaded at start, or as of the last edit that changed its services. */
  config(): ProjectConfig | undefined {
    return this.#config;
  }

  /** Start: journals the project as loaded (its functions and warnings). */
  announce(): void {
    this.#loaded(this.#project);
  }

  /** Start: reads ofn-local.yaml. */
  async loadConfig(): Promise<ProjectConfig | undefined> {
    this.#config = await this.#o.loadConfig();
    return this.#config;
  }

  /** Start: builds every function and serves it, `buildConcurrency` at a time; failures are journaled. */
  serveAll(): Promise<void> {
    return runLimited(this.#project.functions, this.#o.buildConcurrency, (fn) => this.#buildAndServe(fn));
  }

  /** The manifests loaded (at start, and after each change that loads): their functions and warnings. */
  #loaded(project: Project): void {
    this.#o.bus.emit({
      type: 'project.loaded',
      root: this.#o.root,
      functions: project.functions.map((f) => `${f.namespace}/${f.name}`),
      // `file:line field: message`, as the model's diagnostics read.
      warnings: project.warnings.map((w) => `${path.relative(this.#o.cwd, w.file)}${w.line ? `:${w.line}` : ''}${w.path ? ` ${w.path}` : ''}: ${w.message}`),
    });
  }

  /**
   * Manifests changed: load the project again and change only what changed. A manifest that no
   * longer loads is reported and nothing running is touched.
   */
  async #reconcile(changed: string[]): Promise<void> {
    const bus = this.#o.bus;
    let next: Project;
    let nextConfig: ProjectConfig | undefined;
    try {
      next = await this.#o.loadProject();
      nextConfig = await this.#o.loadConfig();
    } catch (err) {
      const message = err instanceof ModelError ? err.message : describe(err);
      const source = changed.map((f) => path.relative(this.#o.root, f) || f).join(', ');
      bus.emit({ type: 'daemon.error', source, code: 'ERR_MANIFEST', message, hint: 'fix the manifest; everything keeps running as before' });
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
        await bus.request('services.replace', { services: nextConfig?.services ?? [] });
      } catch (err) {
        bus.emit({ type: 'daemon.error', source: 'ofn-local.yaml', code: 'ERR_SERVICE_START', message: describe(err) });
      }
    }
    const plan = reconcilePlan(previous, next, { servicesChanged });
    const after = new Map(next.functions.map((f) => [fnKey(f), f]));
    this.#project = next;
    const tasks: Promise<void>[] = [];
    for (const key of plan.removed) tasks.push(bus.request('instances.remove', { key }));
    // Serving settings (scale, env, port) belong to the pool: a new pool takes over once built.
    for (const key of plan.replaced) tasks.push(this.#o.queues.run(key, () => this.#replace(after.get(key)!)));
    for (const key of plan.added) {
      const fn = after.get(key)!;
      bus.request('instances.add', { fn });
      bus.emit({ type: 'function.added', fn: key });
      tasks.push(this.#o.queues.run(key, () => this.#buildAndServe(fn)));
    }
    // Its listeners run at once (the watcher takes the new folders), before the builds are awaited.
    tasks.push(bus.dispatch({ type: 'project.replaced', project: next }));
    await Promise.all(tasks);
    await bus.request('events.sync', {}).catch((err: unknown) => bus.emit({ type: 'daemon.error', source: 'events', code: 'ERR_EVENTS', message: describe(err) }));
  }

  /** The manifest changed how the function serves: built again, then a new pool takes over. */
  async #replace(fn: LoadedFunction): Promise<void> {
    const bus = this.#o.bus;
    const key = fnKey(fn);
    bus.emit({ type: 'reload.started', fn: key, path: 'slow', cause: ['manifest changed'] });
    let spec: InstanceSpec;
    try {
      spec = await bus.request('build.spec', { fn });
    } catch (err) {
      bus.emit({ type: 'reload.failed', fn: key, path: 'slow', message: describe(err) });
      return;
    }
    // Stopped during the rebuild: start nothing more.
    if (this.#o.signal.aborted) return;
    await bus.request('instances.replace', { fn, spec });
  }

  async #buildAndServe(fn: LoadedFunction): Promise<void> {
    const bus = this.#o.bus;
    const key = fnKey(fn);
    bus.request('instances.building', { key });
    bus.emit({ type: 'build.started', fn: key });
    let spec: InstanceSpec;
    try {
      spec = await bus.request('build.spec', { fn });
    } catch (err) {
      const message = describe(err);
      bus.emit({ type: 'build.failed', fn: key, message });
      bus.request('instances.failed', { key, message });
      return;
    }
    // Stopped during the build (an aborted start): start nothing more.
    if (this.#o.signal.aborted) return;
    await bus.request('instances.serve', { fn, spec });
  }
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  });
  await Promise.all(workers);
}
