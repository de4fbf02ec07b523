import type { JournalReader } from './journal.js';
import type { DaemonStatus } from './status.js';

/** A publish's outcome: the answer of the sidecar (`via`: its instance) that carried it out. */
export interface PublishAnswer {
  status: number;
  via: string;
  body: string;
}

/** An event delivered to an async function's input binding: the app's answer. */
export interface InputAnswer {
  status: number;
  body: string;
  /** The input binding it came through. */
  input: string;
  /** The instance that took it. */
  via: string;
}

/**
 * What the CLI, the TUI and the test API ask of a daemon, wherever it runs: the daemon in this
 * process (`Daemon` has these members) or one reached through its control API (`DaemonClient`).
 */
export interface DaemonApi {
  /** In process the status is at hand; through the control API it is a promise. */
  status(): DaemonStatus | Promise<DaemonStatus>;
  /** Everything that happened, and what happens from now on (see `JournalReader`). */
  readonly journal: JournalReader;
  /** Publishes through the sidecar of a running function that has `pubsub`. */
  publish(namespace: string, pubsub: string, topic: string, body: Buffer, contentType: string): Promise<PublishAnswer>;
  /** Delivers an event to an async function's input binding (`binding` may be left out when it has one). */
  invokeInput(namespace: string, name: string, binding: string | undefined, body: Buffer, contentType: string): Promise<InputAnswer>;
  /** Injects an event as if its EventSource produced it; resolves to the event's id. */
  emitEvent(namespace: string, eventSource: string, event: string, body: Buffer, contentType?: string): Promise<string>;
  /** Scales a function to its minimum now (minReplicas holds); `reason` is journaled. An unknown function is refused (ERR_NO_FUNCTION). */
  scaleToZero(namespace: string, name: string, reason: string): Promise<unknown>;
  /** Rebuilds a function (the slow path) and swaps it in; the outcome is journaled (reload.finished / reload.failed). */
  rebuild(namespace: string, name: string): Promise<unknown>;
  /** Stops the daemon and everything it started. */
  stop(): Promise<unknown>;
}
