/**
 * What every controller is given: the bus, the daemon's stop signal and the project as it is now.
 * Controllers import this module and the bus, never one another (.dependency-cruiser.cjs).
 */
import { errorMessage, OfnError } from '../../errors.js';
import type { Project } from '../../model/types.js';
import type { DaemonBus } from '../bus.js';

export interface ControllerContext {
  bus: DaemonBus;
  /** Aborted when the daemon begins to stop: a start in progress stops at its next step. */
  signal: AbortSignal;
  /** The project as last loaded (the daemon replaces it on every manifest edit that loads). */
  project(): Project;
}

/** Start-up stops at the next step once the daemon is stopping (an aborted start). */
export function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted) throw new OfnError('ERR_START_ABORTED', 'stopped while starting');
}

/** `<namespace>/<name>`: how the journal, pools and controllers key a function. */
export function fnKey(fn: { namespace: string; name: string }): string {
  return `${fn.namespace}/${fn.name}`;
}

/** An error's message with its hint, as the journal shows it. */
export function describe(err: unknown): string {
  return errorMessage(err) + (err instanceof OfnError && err.hint ? ` (${err.hint})` : '');
}

/**
 * One change at a time per key, in order (a function's reloads, rebuilds and replacements; the
 * project's reconciles under `project`): a task starts once the previous one of its key has settled,
 * whether it failed or not. Shared by the controllers that change a function.
 */
export class SerialQueues {
  readonly #tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const next = (this.#tails.get(key) ?? Promise.resolve()).then(task, task);
    this.#tails.set(key, next.catch(() => undefined));
    return next;
  }
}

/** The last lines each instance printed (`instance.log` on the bus), to quote when one fails to start. */
export class RecentLines {
  readonly #lines = new Map<string, string[]>();

  /** `keep` lines per instance, of the functions (or Deployments) `wanted` says. */
  constructor(bus: DaemonBus, keep: number, wanted: (fn: string) => boolean = () => true) {
    bus.on('instance.log', (e) => {
      if (!wanted(e.fn)) return;
      const lines = this.#lines.get(e.instance) ?? [];
      lines.push(e.line);
      if (lines.length > keep) lines.shift();
      this.#lines.set(e.instance, lines);
    });
  }

  of(instance: string): string[] {
    return this.#lines.get(instance) ?? [];
  }
}
