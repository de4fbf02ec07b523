import type { JournalEntry } from '../protocol/journal.js';
import { addNotice, applyEvents, applyStatus, dismissError, initialState, type ProjectState } from '../protocol/project-state.js';
import type { DaemonStatus } from '../protocol/status.js';
import { initialUi, uiReducer, type UiChange, type UiState } from './ui-state.js';

/** How the UI is connected to the daemon's journal. */
export type Connection = 'connecting' | 'live' | 'closed' | 'lost';

/** Everything a frame shows; a new object whenever something shown changed. */
export interface Snapshot {
  project: ProjectState;
  ui: UiState;
  connection: Connection;
  /** The clock of this frame (ms); selectors such as requests/s read it. */
  now: number;
}

export interface StoreOptions {
  /** How often queued journal entries are applied and a frame is published (default 100 ms: 10 frames/s at most). */
  intervalMs?: number;
  now?: () => number;
}

/** Entries queued beyond this are applied at once (a replay), without publishing a frame. */
const MAX_QUEUED = 5000;

/**
 * The UI's state, outside React. Journal entries are queued as they arrive and applied in batches on
 * a timer, and subscribers (the ink app) hear of a new snapshot at most once per tick, so a flood of
 * events costs one render per tick, not one per event. UI changes (keys) publish at once.
 */
export class TuiStore {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();
  #snapshot: Snapshot;
  #queue: JournalEntry[] = [];
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: StoreOptions = {}) {
    this.#intervalMs = opts.intervalMs ?? 100;
    this.#now = opts.now ?? Date.now;
    this.#snapshot = { project: initialState(), ui: initialUi(), connection: 'connecting', now: this.#now() };
  }

  /** The current snapshot (stable between publications, as `useSyncExternalStore` wants). */
  readonly getSnapshot = (): Snapshot => this.#snapshot;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The last journal sequence number seen (applied or queued): where a follow resumes. */
  get lastSeq(): number {
    return this.#queue[this.#queue.length - 1]?.seq ?? this.#snapshot.project.lastSeq;
  }

  /** Queues a journal entry; it shows on the next tick. */
  push(entry: JournalEntry): void {
    if (entry.seq <= this.lastSeq) return;
    this.#queue.push(entry);
    if (this.#queue.length >= MAX_QUEUED) this.#applyQueue();
  }

  status(status: DaemonStatus): void {
    this.#project(applyStatus(this.#snapshot.project, status));
  }

  notice(line: string): void {
    this.#project(addNotice(this.#snapshot.project, line));
  }

  dismissError(): void {
    const project = dismissError(this.#snapshot.project);
    if (project !== this.#snapshot.project) this.#publish({ ...this.#snapshot, project });
  }

  connection(connection: Connection): void {
    if (connection !== this.#snapshot.connection) this.#publish({ ...this.#snapshot, connection });
  }

  /** A UI change, shown at once. */
  ui(change: UiChange): void {
    this.#applyQueue();
    const ui = uiReducer(this.#snapshot.ui, change);
    if (ui !== this.#snapshot.ui || this.#dirty) this.#publish({ ...this.#snapshot, ui });
  }

  /** Applies what is queued and publishes a frame if anything shown changed (or a new second began). */
  flush(): void {
    this.#applyQueue();
    const now = this.#now();
    const secondTurned = Math.floor(now / 1000) !== Math.floor(this.#snapshot.now / 1000);
    if (this.#dirty || secondTurned) this.#publish({ ...this.#snapshot, now });
  }

  start(): void {
    this.#timer ??= setInterval(() => this.flush(), this.#intervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #applyQueue(): void {
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#snapshot = { ...this.#snapshot, project: applyEvents(this.#snapshot.project, batch) };
    this.#dirty = true;
  }

  #project(project: ProjectState): void {
    this.#snapshot = { ...this.#snapshot, project };
    this.#dirty = true;
  }

  #publish(next: Snapshot): void {
    this.#snapshot = next;
    this.#dirty = false;
    for (const l of this.#listeners) l();
  }
}
