/**
 * OpenFunction Events (EventSources, event buses, Triggers), when the project has any: starts the
 * events engine, brings it up to date after each manifest edit, takes the http sources' webhooks
 * and injected events, and stops it. Sinks addressed to a function by its cluster name or by `ref`
 * reach its local stand-in; brokers named in manifests reach the backing services (as the last
 * `services.addresses` on the bus says); every hop is journaled (`event.hop`).
 */
import path from 'node:path';
import { OfnError } from '../../errors.js';
import { EventsEngine, defaultSinkUrl, type SourceStatus, type WebhookHeaders } from '../../events/runtime/index.js';
import { localFunctionUrl } from '../dapr-resources.js';
import { throwIfStopped, type ControllerContext } from './context.js';

export interface EventsControllerOptions extends ControllerContext {
  /** Where the engine keeps its state (the embedded bus's log). */
  stateDir: string;
  /** How long a Trigger input stays true after its last event (the engine's default when left out). */
  inputWindowMs?: number;
  /** Each sync function's in-cluster host names → its stand-in, as this process reaches it. */
  functionAddresses(): Promise<ReadonlyMap<string, string>>;
}

/** What a webhook request is handed to. */
export type WebhookHandler = (body: Buffer, contentType: string | undefined, headers?: WebhookHeaders) => Promise<string>;

export class EventsController {
  readonly #o: EventsControllerOptions;
  #engine: EventsEngine | undefined;
  #reach: ReadonlyMap<string, string> = new Map();
  #functions: ReadonlyMap<string, string> = new Map();

  constructor(o: EventsControllerOptions) {
    this.#o = o;
    o.bus.on('services.addresses', (addresses) => {
      this.#reach = addresses.reach;
    });
    o.bus.handle('events.sync', () => this.sync());
  }

  /** Starts the engine, or brings it up to date with the project; nothing while the project has no events. */
  async sync(): Promise<void> {
    const model = this.#o.project().events;
    if (!this.#engine && model.eventSources.length === 0 && model.triggers.length === 0) return;
    this.#functions = await this.#o.functionAddresses();
    throwIfStopped(this.#o.signal);
    if (this.#engine) return this.#engine.update(model);
    this.#engine = new EventsEngine({
      model,
      stateDir: path.join(this.#o.stateDir, 'events'),
      resolveSink: (sink, namespace) => localFunctionUrl(defaultSinkUrl(sink, namespace), this.#functions),
      resolveAddress: (hostPort) => this.#reach.get(hostPort) ?? hostPort,
      onHop: (hop) => this.#o.bus.emit({ type: 'event.hop', ...hop }),
      ...(this.#o.inputWindowMs ? { inputWindowMs: this.#o.inputWindowMs } : {}),
      log: (line) => this.#o.bus.emit({ type: 'instance.log', fn: 'events', instance: 'events', stream: 'stdout', line }),
    });
    await this.#engine.start();
  }

  /** Each event of each EventSource and whether its input runs; undefined when the project has no events. */
  status(): SourceStatus[] | undefined {
    return this.#engine?.status();
  }

  /** An event as if its EventSource produced it (`ofn-local events publish`, the test API's emit). */
  async emitEvent(namespace: string, eventSource: string, event: string, data: Buffer, contentType?: string): Promise<string> {
    if (!this.#engine) throw new OfnError('ERR_NO_EVENTS', 'this project has no EventSource', {}, 'add an events.openfunction.io/v1alpha1 EventSource manifest');
    return this.#engine.inject(namespace, eventSource, event, data, contentType);
  }

  /** The http EventSources' webhooks: `path` as written, else `/_events/<ns>/<eventSource>/<event>`. */
  webhook(method: string, urlPath: string): WebhookHandler | undefined {
    const engine = this.#engine;
    if (method !== 'POST' || !engine) return undefined;
    const route = engine.webhooks().find((w) => (w.path ?? `/_events/${w.namespace}/${w.eventSource}/${w.event}`) === urlPath);
    if (!route) return undefined;
    // A malformed CloudEvent is refused (EventsError ERR_EVENTS_INVALID_EVENT); the request's
    // headers, when given, let a binary-mode one (ce-*) be checked too.
    return (body, contentType, headers) => engine.handleWebhook(route.namespace, route.eventSource, route.event, body, contentType, headers);
  }

  stop(): Promise<void> {
    return this.#engine?.stop() ?? Promise.resolve();
  }
}
