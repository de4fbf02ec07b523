import type { EventHop } from '../events/runtime/types.js';
import type { CapturedOutput } from '../sidecar/capture.js';

/**
 * Everything that happens, as a discriminated union. Past-tense `noun.verb` names. The journal adds
 * `seq` and `ts`; the CLI, `logs`, the TUI and the test API read only these.
 * `fn` is always `<namespace>/<name>`.
 */
export type OfnEvent =
  | { type: 'project.loaded'; root: string; functions: string[]; warnings: string[] }
  | { type: 'build.started'; fn: string }
  | { type: 'build.log'; fn: string; line: string }
  /** A buildpacks build (the CNB lifecycle) entered a phase: detect, analyze, restore, build, export. */
  | { type: 'build.phase'; fn: string; phase: string; builder: string }
  | { type: 'build.finished'; fn: string; image?: string; cached: boolean; durationMs: number }
  | { type: 'build.failed'; fn: string; message: string }
  | { type: 'instance.starting'; fn: string; instance: string; cold: boolean }
  | { type: 'instance.ready'; fn: string; instance: string; cold: boolean; durationMs: number }
  | { type: 'instance.log'; fn: string; instance: string; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'instance.suspended'; fn: string; instance: string; mode: 'stop' | 'pause' }
  | { type: 'instance.removed'; fn: string; instance: string }
  /** `part: 'sidecar'`: only its Dapr sidecar died; it is restarted and the instance is ready again after. */
  | { type: 'instance.failed'; fn: string; instance: string; message: string; part?: 'function' | 'sidecar' }
  | { type: 'function.scaled'; fn: string; from: number; to: number; reason: string }
  | { type: 'function.state'; fn: string; state: FunctionState; reason?: string }
  | {
      type: 'request.completed';
      fn: string;
      method: string;
      path: string;
      status: number;
      durationMs: number;
      cold: boolean;
      instance?: string;
    }
  | { type: 'reload.started'; fn: string; path: ReloadPath; cause: string[] }
  | { type: 'reload.finished'; fn: string; path: ReloadPath; timings: ReloadTimings }
  | { type: 'reload.failed'; fn: string; path: ReloadPath; message: string; file?: string; line?: number }
  | ({ type: 'output.sent'; fn: string; instance: string } & CapturedOutput)
  | ({ type: 'event.hop' } & EventHop)
  | { type: 'service.started'; name: string; serviceType: string; address: string }
  | { type: 'function.added'; fn: string }
  | { type: 'function.removed'; fn: string }
  | { type: 'daemon.ready'; gateway: string; runtime: string }
  | { type: 'daemon.stopping' }
  | { type: 'daemon.error'; source: string; code: string; message: string; hint?: string };

/** `fast`: code synced into running instances; `slow`: dependencies reinstalled and rebuilt. */
export type ReloadPath = 'fast' | 'slow';

/** Milliseconds of each phase of a reload, from the first file event. */
export interface ReloadTimings {
  /** File written → change seen and debounced. */
  detectMs: number;
  /** Syntax check and copy into the live app (fast), or the build (slow). */
  syncMs: number;
  /** Signal → the new code listens (fast), or the new instance is ready (slow). */
  restartMs: number;
  /** File event → requests flow to the new code. */
  totalMs: number;
}

export type FunctionState = 'pending' | 'building' | 'ready' | 'scaled-to-zero' | 'failed';

export type JournalEntry = OfnEvent & { seq: number; ts: string };

export type EventOf<T extends OfnEvent['type']> = Extract<OfnEvent, { type: T }>;

/** Which journal entries to read: the control API's `/v1/journal` query, and the in-process journal's. */
export interface JournalQuery {
  /** Only entries after this sequence number (default 0: from the oldest one kept). */
  after?: number;
  /** Only entries of this function (`<namespace>/<name>`; a backing service's name works too). */
  fn?: string;
  /** Only entries of these kinds. */
  types?: readonly string[];
  /** Keep reading new entries as they are appended, until the signal aborts. */
  follow?: boolean;
}

/** Whether `entry` is one `query` asks for (its `after` aside). */
export function matchesQuery(entry: JournalEntry, query: Pick<JournalQuery, 'fn' | 'types'>): boolean {
  return (!query.fn || ('fn' in entry && entry.fn === query.fn)) && (!query.types || query.types.includes(entry.type));
}

/**
 * Reads the journal: the entries kept after `query.after` that match it, then (with `follow`) each new
 * one, until `signal` aborts. The daemon's journal in process and the control API's client both do.
 */
export interface JournalReader {
  read(query: JournalQuery, signal?: AbortSignal): AsyncIterable<JournalEntry>;
}
