/**
 * What changed while the daemon runs, routed to the path that applies it. Each batch of saved files
 * from the watcher is sorted (src/watch/classify.ts): manifests go to the reconcile
 * (`project.reconcile`), code to the fast path (`reload.fast`), dependency files (and the code of a
 * compiled function, as `build.compiled` says) to the slow path (`reload.slow`); the user's rebuild
 * takes the slow path too. One change at a time per function, and one reconcile at a time, each in
 * the order it came. Watches the project folder, function source folders outside it and manifest
 * files given one by one, and the new ones of each edit (`project.replaced`).
 */
import path from 'node:path';
import { errorMessage } from '../../errors.js';
import type { Project } from '../../model/types.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { classify } from '../../watch/classify.js';
import { FileWatcher, type FileBatch } from '../../watch/file-watcher.js';
import { fnKey, type ControllerContext, type SerialQueues } from './context.js';

/** What watches the files: batches of changed paths, until closed. */
export interface Watcher {
  readonly ready: Promise<void>;
  /** Watch more paths (a new function's source folder). */
  add(paths: string[]): void;
  close(): Promise<void>;
}

export type WatchFiles = (paths: string[], handlers: { onBatch(batch: FileBatch): void; onError(err: unknown): void }) => Watcher;

export interface ChangesControllerOptions extends ControllerContext {
  /** The project folder: watched, and journaled paths are relative to it. */
  root: string;
  /** One change at a time per function (shared with the project controller). */
  queues: SerialQueues;
  /** How files are watched (chokidar, debounced, by default). */
  watchFiles?: WatchFiles;
  /** When a rebuild was asked for (the system's clock by default). */
  clock?: Clock;
}

const chokidarWatcher: WatchFiles = (paths, handlers) => new FileWatcher(paths, handlers);

export class ChangesController {
  readonly #o: ChangesControllerOptions;
  readonly #clock: Clock;
  #watcher: Watcher | undefined;

  constructor(o: ChangesControllerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    o.bus.on('project.replaced', (e) => this.#watcher?.add(this.#watchPaths(e.project)));
  }

  /** Starts watching the project (hot reload); resolves once the watcher is ready. */
  async watch(): Promise<void> {
    this.#watcher = (this.#o.watchFiles ?? chokidarWatcher)(this.#watchPaths(this.#o.project()), {
      onBatch: (batch) => void this.onBatch(batch),
      onError: (err) => this.#o.bus.emit({ type: 'daemon.error', source: 'watch', code: 'ERR_WATCH', message: errorMessage(err) }),
    });
    await this.#watcher.ready;
  }

  /** A batch of changed files: the reconcile first when manifests changed, then each function's reload. */
  async onBatch(batch: FileBatch): Promise<void> {
    const { bus, queues } = this.#o;
    const functions = this.#o.project().functions.flatMap((fn) =>
      fn.source.kind === 'local' ? [{ key: fnKey(fn), sourceDir: fn.source.dir, compiled: bus.request('build.compiled', { key: fnKey(fn) }) }] : [],
    );
    const c = classify(batch.files, functions);
    if (c.manifests.length > 0) await queues.run('project', () => bus.request('project.reconcile', { changed: c.manifests }));
    const work: Promise<void>[] = [];
    for (const [key, files] of c.deps) work.push(queues.run(key, () => bus.request('reload.slow', { key, cause: this.#rel(files), firstSeenAt: batch.firstSeenAt })));
    for (const [key, files] of c.code) work.push(queues.run(key, () => bus.request('reload.fast', { key, files, firstSeenAt: batch.firstSeenAt })));
    await Promise.all(work.map((w) => w.catch(() => undefined)));
  }

  /** The user asked for a rebuild (the TUI's `r`, the control API): the slow path, in turn. */
  rebuild(key: string): Promise<void> {
    return this.#o.queues.run(key, () => this.#o.bus.request('reload.slow', { key, cause: ['rebuild requested'], firstSeenAt: this.#clock.now() }));
  }

  async stop(): Promise<void> {
    await this.#watcher?.close();
  }

  /** The project folder, every function source folder outside it, and manifest files given one by one. */
  #watchPaths(project: Project): string[] {
    const root = this.#o.root;
    const paths = new Set<string>([root, ...project.files]);
    for (const fn of project.functions) if (fn.source.kind === 'local') paths.add(fn.source.dir);
    return [...paths].filter((p) => p === root || !p.startsWith(root + path.sep));
  }

  #rel(files: string[]): string[] {
    return files.map((f) => path.relative(this.#o.root, f) || f);
  }
}
