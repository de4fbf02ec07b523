import { watch, type FSWatcher } from 'chokidar';
import { isIgnored } from './classify.js';

export interface FileBatch {
  /** Absolute paths that changed (added, changed or removed). */
  files: string[];
  /** When the first change of the batch was seen (ms since epoch): "detect" in reload timings. */
  firstSeenAt: number;
}

export interface FileWatcherOptions {
  /** Quiet time that ends a batch: a burst of saves gives one reload. */
  debounceMs?: number;
  onBatch: (batch: FileBatch) => void;
  onError?: (err: unknown) => void;
}

/** chokidar over folders and files, in debounced batches. */
export class FileWatcher {
  readonly #watcher: FSWatcher;
  readonly #o: FileWatcherOptions;
  #pending = new Set<string>();
  #firstSeenAt = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly ready: Promise<void>;

  constructor(paths: string[], opts: FileWatcherOptions) {
    this.#o = opts;
    this.#watcher = watch(paths, { ignoreInitial: true, ignored: (p: string) => isIgnored(p) });
    const onChange = (p: string) => this.#add(p);
    this.#watcher.on('add', onChange).on('change', onChange).on('unlink', onChange);
    this.#watcher.on('error', (err) => opts.onError?.(err));
    this.ready = new Promise((resolve) => this.#watcher.once('ready', () => resolve()));
  }

  /** Watch more paths (a new function's source folder). */
  add(paths: string[]): void {
    if (paths.length) this.#watcher.add(paths);
  }

  unwatch(paths: string[]): void {
    if (paths.length) this.#watcher.unwatch(paths);
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#watcher.close();
  }

  #add(file: string): void {
    if (this.#pending.size === 0) this.#firstSeenAt = Date.now();
    this.#pending.add(file);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const files = [...this.#pending];
      this.#pending = new Set();
      this.#o.onBatch({ files, firstSeenAt: this.#firstSeenAt });
    }, this.#o.debounceMs ?? 40);
  }
}
