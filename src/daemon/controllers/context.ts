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
