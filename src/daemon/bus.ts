/**
 * The daemon's one event bus. Controllers (src/daemon/controllers/) never call each other: they
 * emit on the bus and react to what it carries. Two kinds of events travel on it:
 * - journal events (`OfnEvent`): written to the journal first, then told to listeners, at once and
 *   in order; their listeners are synchronous (a log line must not wait on anything);
 * - control events (`ControlEvent`): what one controller tells the others and no one else, often
 *   carrying live objects (a pool); never journaled. `dispatch` runs their listeners one after
 *   another and resolves once all have finished, so lifecycle steps stay in order.
 *
 * The flow (read this first):
 * - `services.addresses`: services controller → build (Component files), events, scaling (probes).
 * - `function.serving`: instances, once a pool serves a build → scaling attaches its scaler, reload
 *   adopts the build's live app folder.
 * - `function.removed` (journal): instances, when an edit removed the function → scaling stops its
 *   scaler, reload forgets its app folder.
 * - `instance.log` (journal): the runtime's log lines → reload (the framework's verdict on a
 *   reload), instances (the last lines, quoted when an instance fails to start).
 */
import type { FunctionPool } from '../serving/pool.js';
import type { LoadedFunction } from '../model/types.js';
import type { InstanceSpec } from '../runtime/runtime.js';
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
  | { type: 'function.serving'; fn: LoadedFunction; pool: FunctionPool; spec: InstanceSpec };

export type BusEvent = OfnEvent | ControlEvent;
export type BusEventType = BusEvent['type'];
export type BusEventOf<T extends BusEventType> = Extract<BusEvent, { type: T }>;

export type BusListener<T extends BusEventType> = (event: BusEventOf<T>) => T extends ControlEvent['type'] ? void | Promise<void> : void;

export class DaemonBus {
  readonly #journal: (event: OfnEvent) => void;
  readonly #listeners = new Map<string, Set<(event: never) => unknown>>();

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
    for (const listener of [...(this.#listeners.get(event.type) ?? [])]) (listener as (e: OfnEvent) => void)(event);
  }

  /** Tells a control event's listeners, one after another; rejects with the first listener's failure. */
  async dispatch(event: ControlEvent): Promise<void> {
    for (const listener of [...(this.#listeners.get(event.type) ?? [])]) await (listener as (e: ControlEvent) => void | Promise<void>)(event);
  }
}
