/**
 * The events runtime: OpenFunction Events played in-process. Event sources (cron, kafka, mqtt,
 * redis inputs; http webhooks through handleWebhook; inject for the CLI and the test API) give each
 * event an id and send it to the EventSource's sink (the raw payload, POSTed) and/or its bus topic
 * `<ns>-<eventSource>-<event>` wrapped in a Dapr CloudEvent. Buses are the embedded one (durable
 * files under stateDir) or, for an EventBus with `natsStreaming`, NATS JetStream at its natsURL.
 * Triggers (see trigger.ts) consume the topics. Every step is reported through `onHop`.
 */
import { setMaxListeners } from 'node:events';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { OfnError, errorMessage } from '../../errors.js';
import {
  DEFAULT_BUS,
  busTopic,
  eventsOf,
  findBus,
  findEventSource,
  type EventSource,
  type EventsModel,
  type Sink,
  type SourceKind,
  type Trigger,
} from '../../model/events/index.js';
import type { SourceStatus } from '../../protocol/status.js';
import type { Bus } from './bus.js';
import { deliver } from './delivery.js';
import { EmbeddedBus } from './embedded-bus.js';
import { sniffContentType, wrapEvent } from './envelope.js';
import { JetStreamBus } from './jetstream-bus.js';
import { resolveUrlAuthority, sourceAppId, startSourceInput, type SourceInput } from './sources.js';
import { TriggerRunner, type HopRecord, type TriggerContext } from './trigger.js';
import type { BusEvent, EventHop, EventsEngineOptions, RetryOptions } from './types.js';
import { webhookEventProblem, type WebhookHeaders } from './webhook-event.js';

export const DEFAULT_INPUT_WINDOW_MS = 60_000;
export const DEFAULT_RETRY: RetryOptions = { attempts: 6, initialMs: 200, maxMs: 5000 };
const DEFAULT_SINK_TIMEOUT_MS = 15_000;
/** A source whose broker is not there is tried again, backing off to this. */
const SOURCE_RETRY_MAX_MS = 30_000;

export type EventsErrorCode =
  | 'ERR_EVENTS_UNKNOWN_SOURCE'
  | 'ERR_EVENTS_UNKNOWN_EVENT'
  | 'ERR_EVENTS_NOT_WEBHOOK'
  | 'ERR_EVENTS_STOPPED'
  /** The request is not an event that could be delivered (a malformed CloudEvent): the sender's fault, 400. */
  | 'ERR_EVENTS_INVALID_EVENT';

export class EventsError extends OfnError<EventsErrorCode> {
  /** The HTTP status a webhook answers with (the gateway reads it): 400 for an event refused as malformed. */
  get status(): number | undefined {
    return this.code === 'ERR_EVENTS_INVALID_EVENT' ? 400 : undefined;
  }
}

/** Where one event of an EventSource stands: the protocol's type, which the daemon's status carries as it is. */
export type { SourceStatus };

/** An http event source: where the gateway should accept its requests. */
export interface WebhookRoute {
  namespace: string;
  eventSource: string;
  event: string;
  /** As written in the manifest; undefined when the gateway picks one. */
  path?: string;
}

interface RunningSource {
  key: string;
  fingerprint: string;
  source: EventSource;
  kind: Exclude<SourceKind, 'http'>;
  event: string;
  status: SourceStatus;
  abort: AbortController;
  done: Promise<void>;
}

interface RunningTrigger {
  fingerprint: string;
  runner: TriggerRunner;
}

/** The default sink resolution: the uri, or a Function ref's cluster address. */
export function defaultSinkUrl(sink: Sink, namespace: string): string {
  if (sink.uri) return sink.uri;
  if (sink.ref) return `http://${sink.ref.name}.${sink.ref.namespace || namespace}.svc.cluster.local/`;
  throw new Error('the sink has neither uri nor ref');
}

export class EventsEngine {
  private model: EventsModel;
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly retry: RetryOptions;
  private readonly log: (line: string) => void;
  private readonly resolveAddress: (hostPort: string) => string;
  private readonly resolveSink: (sink: Sink, namespace: string) => string;
  private readonly buses = new Map<string, Bus>();
  private readonly sources = new Map<string, RunningSource>();
  private readonly triggers = new Map<string, RunningTrigger>();
  private readonly triggerContext: TriggerContext;
  /** Events being published by produce(), until their bus hop is recorded. */
  private readonly publishing = new Map<string, Promise<void>>();
  private abort = new AbortController();
  private running = false;
  /** Serializes start/update/stop. */
  private planning: Promise<void> = Promise.resolve();

  constructor(private readonly options: EventsEngineOptions) {
    this.model = options.model;
    this.now = options.now ?? Date.now;
    this.windowMs = options.inputWindowMs ?? DEFAULT_INPUT_WINDOW_MS;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.log = options.log ?? (() => {});
    this.resolveAddress = options.resolveAddress ?? ((hostPort) => hostPort);
    this.resolveSink = options.resolveSink ?? defaultSinkUrl;
    this.triggerContext = {
      now: () => this.now(),
      windowMs: this.windowMs,
      hop: (hop) => this.hop(hop),
      deliverToSink: (sink, namespace, event, stage, trigger, signal) => this.deliverToSink(sink, namespace, event, stage, trigger, signal),
      republish: async (trigger, topic, event) => {
        const bus = this.busFor(trigger.spec.eventBus, trigger.namespace);
        const envelope = wrapEvent({
          id: event.id,
          data: event.data,
          contentType: event.contentType,
          topic,
          pubsubName: `ebft-${trigger.name}`,
          appId: `t-${trigger.name}-${trigger.namespace}`,
          producedAt: event.producedAt,
          republish: true,
        });
        await bus.publish(topic, envelope);
      },
      log: (line) => this.log(line),
      published: (id) => this.publishing.get(id) ?? Promise.resolve(),
    };
  }

  /** Subscribes every Trigger, then starts every event source (connections retry in the background). */
  start(): Promise<void> {
    return this.serially(async () => {
      if (this.running) return;
      this.running = true;
      this.abort = new AbortController();
      // Every delivery and retry wait in flight listens on it: many at once is normal, not a leak.
      setMaxListeners(0, this.abort.signal);
      await this.plan();
    });
  }

  /** Stops the sources, then the triggers (deliveries in flight stay unacknowledged), then the buses. */
  stop(): Promise<void> {
    return this.serially(async () => {
      if (!this.running) return;
      this.running = false;
      this.abort.abort(new Error('events engine stopped'));
      await Promise.all([...this.sources.values()].map((s) => this.stopSource(s)));
      this.sources.clear();
      await Promise.all([...this.triggers.values()].map((t) => t.runner.stop()));
      this.triggers.clear();
      await Promise.all([...this.buses.values()].map((b) => b.close().catch(() => {})));
      this.buses.clear();
    });
  }

  /** Re-plans after the model changed: stops what is gone or changed, starts what is new. */
  update(model: EventsModel): Promise<void> {
    return this.serially(async () => {
      this.model = model;
      if (this.running) await this.plan();
    });
  }

  /** An event as if the source produced it (`ofn-local events publish`, the test API). Resolves with its id once it is on the bus and at the sink. */
  async inject(namespace: string, eventSource: string, event: string, data: Buffer, contentType?: string): Promise<string> {
    const { source, kind } = this.lookup(namespace, eventSource, event);
    refuseInvalid(data, contentType, {});
    return this.produce(source, kind, event, data, contentType, 'injected');
  }

  /**
   * A request to an http event source's webhook (the gateway calls this). A malformed CloudEvent
   * (structured, or binary-mode `ce-*` headers) is refused with ERR_EVENTS_INVALID_EVENT before it
   * gets an id: it would not be delivered.
   */
  async handleWebhook(namespace: string, eventSource: string, event: string, body: Buffer, contentType?: string, headers: WebhookHeaders = {}): Promise<string> {
    const { source, kind } = this.lookup(namespace, eventSource, event);
    if (kind !== 'http') {
      throw new EventsError('ERR_EVENTS_NOT_WEBHOOK', `event ${event} of EventSource ${namespace}/${eventSource} is a ${kind} event, not a webhook (http)`);
    }
    refuseInvalid(body, contentType, headers);
    return this.produce(source, kind, event, body, contentType, 'webhook');
  }

  /** Each event of each EventSource and whether its input runs. */
  status(): SourceStatus[] {
    const out: SourceStatus[] = [];
    for (const source of this.model.eventSources) {
      for (const { sourceKind, event } of eventsOf(source)) {
        if (sourceKind === 'http') {
          out.push({ namespace: source.namespace, eventSource: source.name, kind: sourceKind, event, state: 'webhook' });
          continue;
        }
        const running = this.sources.get(sourceKey(source, sourceKind, event));
        out.push(running ? { ...running.status } : { namespace: source.namespace, eventSource: source.name, kind: sourceKind, event, state: 'starting' });
      }
    }
    return out;
  }

  /** The http event sources of the model. */
  webhooks(): WebhookRoute[] {
    return this.model.eventSources.flatMap((source) =>
      Object.entries(source.spec.http).map(([event, spec]) => ({ namespace: source.namespace, eventSource: source.name, event, path: spec.path })),
    );
  }

  // ------------------------------------------------------------------------------------------ plan

  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.planning.then(work);
    this.planning = next.catch(() => {});
    return next;
  }

  private async plan(): Promise<void> {
    // Triggers first, so no event a source produces now is published before its trigger listens.
    const wantedTriggers = new Map<string, { trigger: Trigger; fingerprint: string }>();
    for (const trigger of this.model.triggers) {
      const fingerprint = JSON.stringify([trigger.spec, this.busKey(trigger.spec.eventBus, trigger.namespace)]);
      wantedTriggers.set(`${trigger.namespace}/${trigger.name}`, { trigger, fingerprint });
    }
    for (const [key, running] of this.triggers) {
      if (wantedTriggers.get(key)?.fingerprint === running.fingerprint) continue;
      this.triggers.delete(key);
      await running.runner.stop();
    }
    for (const [key, { trigger, fingerprint }] of wantedTriggers) {
      if (this.triggers.has(key)) continue;
      const bus = this.busFor(trigger.spec.eventBus, trigger.namespace);
      const runner = new TriggerRunner(trigger, bus, this.triggerContext);
      try {
        // Topics subscribers republish to exist from the start: functions may subscribe to them.
        for (const sub of trigger.spec.subscribers) {
          for (const topic of [sub.topic, sub.deadLetterTopic]) if (topic) await bus.prepareTopic?.(topic);
        }
        await runner.start();
        this.triggers.set(key, { fingerprint, runner });
      } catch (err) {
        this.log(`trigger ${key}: could not subscribe to its inputs on bus ${trigger.spec.eventBus}: ${errorMessage(err)}`);
      }
    }

    const wantedSources = new Map<string, { source: EventSource; kind: Exclude<SourceKind, 'http'>; event: string; fingerprint: string }>();
    for (const source of this.model.eventSources) {
      for (const { sourceKind, event } of eventsOf(source)) {
        if (sourceKind === 'http') continue;
        const fingerprint = JSON.stringify(source.spec[sourceKind][event]);
        wantedSources.set(sourceKey(source, sourceKind, event), { source, kind: sourceKind, event, fingerprint });
      }
    }
    for (const [key, running] of this.sources) {
      const wanted = wantedSources.get(key);
      if (wanted?.fingerprint === running.fingerprint) {
        running.source = wanted.source; // sink or bus may have changed: used from the next event on
        continue;
      }
      this.sources.delete(key);
      await this.stopSource(running);
    }
    for (const [key, wanted] of wantedSources) {
      if (!this.sources.has(key)) this.sources.set(key, this.startSource(key, wanted));
    }
    await this.pruneBuses();
  }

  // --------------------------------------------------------------------------------------- sources

  private startSource(key: string, wanted: { source: EventSource; kind: Exclude<SourceKind, 'http'>; event: string; fingerprint: string }): RunningSource {
    const { source, kind, event } = wanted;
    const abort = new AbortController();
    const running: RunningSource = {
      key,
      fingerprint: wanted.fingerprint,
      source,
      kind,
      event,
      status: { namespace: source.namespace, eventSource: source.name, kind, event, state: 'starting' },
      abort,
      done: Promise.resolve(),
    };
    const handler = async (data: Buffer): Promise<void> => {
      await this.produce(running.source, kind, event, data, undefined, undefined);
    };
    running.done = (async () => {
      let delay = 1000;
      // Liveness of a running source: its client reconnects by itself; meanwhile it shows failed, with why.
      const onConnection = (connected: boolean, reason?: string) => {
        if (abort.signal.aborted) return;
        const base = { namespace: source.namespace, eventSource: source.name, kind, event };
        if (!connected && running.status.state === 'running') {
          const error = `lost its broker connection (${reason ?? 'closed'}); reconnecting`;
          this.log(`event source ${key}: ${error}`);
          running.status = { ...base, state: 'failed', error };
        } else if (connected && running.status.state === 'failed' && running.status.error?.startsWith('lost its broker connection')) {
          this.log(`event source ${key}: connected again`);
          running.status = { ...base, state: 'running' };
        }
      };
      while (!abort.signal.aborted) {
        let input: SourceInput;
        try {
          input = await startSourceInput(source, kind, event, handler, { resolveAddress: this.resolveAddress, log: this.log, signal: abort.signal, onConnection });
        } catch (err) {
          if (abort.signal.aborted) return;
          const message = errorMessage(err);
          if (running.status.error !== message) this.log(`event source ${key}: ${message}; retrying`);
          running.status = { ...running.status, state: 'failed', error: message };
          await sleep(delay, undefined, { signal: abort.signal }).catch(() => {});
          delay = Math.min(delay * 2, SOURCE_RETRY_MAX_MS);
          continue;
        }
        running.status = { namespace: source.namespace, eventSource: source.name, kind, event, state: 'running' };
        await new Promise<void>((resolve) => {
          if (abort.signal.aborted) resolve();
          else abort.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await input.close().catch((err: unknown) => this.log(`event source ${key}: closing: ${errorMessage(err)}`));
        return;
      }
    })();
    return running;
  }

  private async stopSource(running: RunningSource): Promise<void> {
    running.abort.abort();
    await running.done;
  }

  private lookup(namespace: string, eventSource: string, event: string): { source: EventSource; kind: SourceKind } {
    const source = findEventSource(this.model, eventSource, namespace);
    if (!source) {
      const known = this.model.eventSources.filter((s) => s.namespace === namespace).map((s) => s.name);
      throw new EventsError(
        'ERR_EVENTS_UNKNOWN_SOURCE',
        `no EventSource ${namespace}/${eventSource} (EventSources in namespace ${namespace}: ${known.join(', ') || 'none'})`,
      );
    }
    const found = eventsOf(source).find((e) => e.event === event);
    if (!found) {
      const known = eventsOf(source).map((e) => `${e.event} (${e.sourceKind})`);
      throw new EventsError('ERR_EVENTS_UNKNOWN_EVENT', `EventSource ${namespace}/${eventSource} has no event ${event} (its events: ${known.join(', ') || 'none'})`);
    }
    return { source, kind: found.sourceKind };
  }

  /** One event from a source: to the bus (enveloped), then to the sink (raw), as the eventsource handler does. */
  private async produce(source: EventSource, kind: SourceKind, event: string, data: Buffer, contentType: string | undefined, via: string | undefined): Promise<string> {
    if (!this.running) throw new EventsError('ERR_EVENTS_STOPPED', 'the events engine is not running');
    const id = randomUUID();
    const producedAt = this.now();
    const ct = contentType || sniffContentType(data);
    const base = { id, eventSource: source.name, event, namespace: source.namespace };
    const latency = (): number => Math.max(0, this.now() - producedAt);
    this.hop({ ...base, stage: 'source', target: `${kind}/${event}`, status: 'ok', latencyMs: 0, ...(via ? { message: via } : {}) });
    const busName = source.spec.eventBus;
    if (busName) {
      const topic = busTopic(source.namespace, source.name, event);
      const publish = (async () => {
        try {
          const bus = this.busFor(busName, source.namespace);
          const envelope = wrapEvent({
            id,
            data,
            contentType: ct,
            topic,
            pubsubName: `ebfes-${source.name}`,
            appId: sourceAppId(source, kind, event),
            producedAt,
          });
          await bus.publish(topic, envelope);
          this.hop({ ...base, stage: 'bus', target: topic, status: 'ok', latencyMs: latency(), message: bus.description });
        } catch (err) {
          this.hop({ ...base, stage: 'bus', target: topic, status: 'failed', latencyMs: latency(), message: errorMessage(err) });
        }
      })();
      this.publishing.set(id, publish);
      await publish;
      this.publishing.delete(id);
    }
    if (source.spec.sink) {
      const busEvent: BusEvent = { ...base, data, contentType: ct, producedAt };
      await this.deliverToSink(source.spec.sink, source.namespace, busEvent, 'sink', undefined, this.abort.signal).catch(() => false);
    }
    return id;
  }

  // ------------------------------------------------------------------------------------ deliveries

  private hop(record: HopRecord): void {
    const hop: EventHop = { ...record, time: this.now() };
    try {
      this.options.onHop(hop);
    } catch (err) {
      this.log(`onHop threw: ${errorMessage(err)}`);
    }
  }

  private async deliverToSink(
    sink: Sink,
    namespace: string,
    event: BusEvent,
    stage: 'sink' | 'dead-letter',
    trigger: string | undefined,
    signal: AbortSignal,
  ): Promise<boolean> {
    const base = { id: event.id, eventSource: event.eventSource, event: event.event, namespace: event.namespace, ...(trigger ? { trigger } : {}) };
    const latency = (): number => Math.max(0, this.now() - event.producedAt);
    // Hops name the sink as the cluster would (its uri, or a Function ref's cluster URL), never the
    // local address resolveSink maps it to.
    const target = sink.uri ?? (sink.ref ? defaultSinkUrl(sink, namespace) : 'sink/?');
    let url: string;
    try {
      url = this.resolveSink(sink, namespace);
    } catch (err) {
      this.hop({ ...base, stage, target, status: 'failed', latencyMs: latency(), message: errorMessage(err) });
      return false;
    }
    return deliver({
      url,
      data: event.data,
      contentType: event.contentType,
      retry: this.retry,
      timeoutMs: this.options.sinkTimeoutMs ?? DEFAULT_SINK_TIMEOUT_MS,
      signal,
      onAttempt: (r) =>
        this.hop({
          ...base,
          stage,
          target,
          status: r.ok ? 'ok' : r.retrying ? 'retrying' : 'failed',
          latencyMs: latency(),
          attempt: r.attempt,
          message: r.message,
        }),
    });
  }

  // ----------------------------------------------------------------------------------------- buses

  /** `embedded`, or `nats:<reachable url>` for a bus with natsStreaming. */
  private busKey(name: string | undefined, namespace: string): string {
    const bus = findBus(this.model, name ?? DEFAULT_BUS, namespace);
    const nats = bus?.spec.natsStreaming;
    if (!nats) return 'embedded';
    const url = nats.natsURL
      .split(',')
      .map((u) => resolveUrlAuthority(u.trim(), this.resolveAddress, 4222))
      .join(',');
    return `nats:${url}`;
  }

  private busFor(name: string | undefined, namespace: string): Bus {
    const key = this.busKey(name, namespace);
    let bus = this.buses.get(key);
    if (!bus) {
      bus = key === 'embedded'
        ? new EmbeddedBus(path.join(this.options.stateDir, 'bus'), this.log)
        : new JetStreamBus(key.slice('nats:'.length), `eventbus-${name ?? DEFAULT_BUS}`, this.log);
      this.buses.set(key, bus);
    }
    return bus;
  }

  /** Closes NATS connections no source or trigger uses any more. */
  private async pruneBuses(): Promise<void> {
    const used = new Set<string>(['embedded']);
    for (const t of this.model.triggers) used.add(this.busKey(t.spec.eventBus, t.namespace));
    for (const s of this.model.eventSources) if (s.spec.eventBus) used.add(this.busKey(s.spec.eventBus, s.namespace));
    for (const [key, bus] of this.buses) {
      if (used.has(key)) continue;
      this.buses.delete(key);
      await bus.close().catch(() => {});
    }
  }
}

function refuseInvalid(body: Buffer, contentType: string | undefined, headers: WebhookHeaders): void {
  const problem = webhookEventProblem(body, contentType, headers);
  if (problem) throw new EventsError('ERR_EVENTS_INVALID_EVENT', problem, {}, 'send a CloudEvent with specversion, id, source and type, or a plain payload (any other content type)');
}

function sourceKey(source: EventSource, kind: SourceKind, event: string): string {
  return `${source.namespace}/${source.name}/${kind}/${event}`;
}
