/** Public types of the events runtime: the engine's options and the hops it records. */
import type { EventsModel, Sink } from '../../model/events/index.js';

/** What an event went through, one record per step. */
export type HopStage = 'source' | 'bus' | 'trigger' | 'sink' | 'topic' | 'dead-letter';
export type HopStatus = 'ok' | 'failed' | 'retrying' | 'unmatched';

export interface EventHop {
  /** The event's id: the one its source gave it, kept across every hop (and across republishes). */
  id: string;
  eventSource: string;
  event: string;
  /** The EventSource's namespace. */
  namespace: string;
  stage: HopStage;
  /**
   * source: `<kind>/<event>` (or `inject`, `webhook`); bus: the topic; trigger: `<ns>/<trigger>`;
   * sink / dead-letter: the URL (or `topic:<name>` for a dead-letter topic); topic: the topic name.
   */
  target: string;
  status: HopStatus;
  /** Since the event was produced at its source. */
  latencyMs: number;
  /** Delivery attempt (1-based) for sink hops. */
  attempt?: number;
  message?: string;
  /** `<ns>/<trigger>` for every hop a trigger caused. */
  trigger?: string;
  /** Wall-clock time of the hop (ms since the epoch, from `now()`). */
  time: number;
}

export interface RetryOptions {
  /** Attempts in all (1 = no retry). */
  attempts: number;
  initialMs: number;
  maxMs: number;
}

export interface EventsEngineOptions {
  model: EventsModel;
  /** Where the embedded bus keeps its per-topic logs and consumer offsets (durable across a restart of the engine). */
  stateDir: string;
  /**
   * Maps a sink (uri or ref) to the URL to POST to locally; the daemon resolves cluster addresses of
   * functions to its gateway. Default: the uri; for a Function ref `http://<name>.<ns>.svc.cluster.local/`.
   */
  resolveSink?(sink: Sink, namespace: string): string;
  /** Maps a broker address from a manifest (`kafka:9092`, `nats:4222`) to where it is reachable from this process. Default identity. */
  resolveAddress?(hostPort: string): string;
  /** Every hop of every event (the daemon journals these; `ofn-local events` prints them). */
  onHop(hop: EventHop): void;
  /** How long an input of a Trigger stays true after its last event (default 60 000 ms, as trigger-handler v4). */
  inputWindowMs?: number;
  /** Injectable clock (ms since the epoch) for the input window and latencies. */
  now?: () => number;
  /** Sink delivery retries (default 6 attempts, 200 ms doubling, at most 5 s between attempts). */
  retry?: RetryOptions;
  /** Per-attempt timeout of a sink POST (default 30 s). */
  sinkTimeoutMs?: number;
  log?: (line: string) => void;
}

/** An event as it travels on the bus, unwrapped from its envelope. */
export interface BusEvent {
  /** The ofn-local event id. */
  id: string;
  /** EventSource coordinates of the event (from the topic a source published on, or the republished envelope). */
  namespace: string;
  eventSource: string;
  event: string;
  /** The raw payload. */
  data: Buffer;
  contentType: string;
  /** When the source produced it (ms since the epoch). */
  producedAt: number;
}
