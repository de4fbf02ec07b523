/**
 * One Trigger at work (trigger-handler v4 semantics): it subscribes, as consumer group
 * `<ns>-ebft-<trigger>`, to the bus topic of each input. An input is true from the moment an event
 * arrives on its topic until `windowMs` pass without another one. On every event each
 * subscriber's condition is evaluated over the inputs, and each subscriber whose condition holds
 * gets that event: its raw payload POSTed to `sink` (retried; after the last attempt to
 * `deadLetterSink` and `deadLetterTopic`), then republished on `topic`. The event is acknowledged on
 * the bus only once all of that finished, so events of one topic reach a trigger's sinks in order
 * and an engine stopped mid-delivery gets the event again.
 */
import { setMaxListeners } from 'node:events';
import { compileCondition, type Condition, type Sink, type Subscriber, type Trigger, type TriggerInput } from '../../model/events/index.js';
import { errorMessage } from '../../errors.js';
import type { Bus, BusSubscription } from './bus.js';
import { unwrapEvent } from './envelope.js';
import type { BusEvent, EventHop } from './types.js';

export type HopRecord = Omit<EventHop, 'time'>;

/** What a TriggerRunner needs of the engine. */
export interface TriggerContext {
  now(): number;
  windowMs: number;
  hop(hop: HopRecord): void;
  /** Delivers to a sink with retries, recording hops with `stage`; false when the last attempt failed. */
  deliverToSink(sink: Sink, namespace: string, event: BusEvent, stage: 'sink' | 'dead-letter', trigger: string, signal: AbortSignal): Promise<boolean>;
  /** Republishes the event on a topic of the trigger's bus; throws when the bus refuses it. */
  republish(trigger: Trigger, topic: string, event: BusEvent): Promise<void>;
  log(line: string): void;
  /** Resolves once this engine's publish of event `id` is recorded (so hops stay in order); at once for others. */
  published(id: string): Promise<void>;
}

interface CompiledSubscriber {
  subscriber: Subscriber;
  /** Undefined when the condition does not compile (never holds). */
  condition: Condition | undefined;
}

/** `<ns>-ebft-<trigger>`: the consumer group (upstream: the Dapr consumerID of the trigger's pubsub). */
export function triggerGroup(trigger: Trigger): string {
  return `${trigger.namespace}-ebft-${trigger.name}`;
}

export class TriggerRunner {
  readonly id: string;
  /** When each input last saw an event. */
  private readonly lastSeen = new Map<string, number>();
  private readonly subscribers: CompiledSubscriber[];
  private readonly inputsByTopic = new Map<string, TriggerInput[]>();
  private readonly subscriptions: BusSubscription[] = [];
  private readonly abort = new AbortController();

  constructor(
    readonly trigger: Trigger,
    private readonly bus: Bus,
    private readonly ctx: TriggerContext,
  ) {
    this.id = `${trigger.namespace}/${trigger.name}`;
    // Every delivery and retry wait in flight listens on it: many at once is normal, not a leak.
    setMaxListeners(0, this.abort.signal);
    const names = Object.keys(trigger.spec.inputs);
    this.subscribers = trigger.spec.subscribers.map((subscriber) => {
      try {
        return { subscriber, condition: compileCondition(subscriber.condition, names) };
      } catch (err) {
        ctx.log(`trigger ${this.id}: subscriber with condition ${JSON.stringify(subscriber.condition)} never fires: ${errorMessage(err)}`);
        return { subscriber, condition: undefined };
      }
    });
    for (const input of Object.values(trigger.spec.inputs)) {
      const list = this.inputsByTopic.get(input.topic) ?? [];
      list.push(input);
      this.inputsByTopic.set(input.topic, list);
    }
  }

  /** The topics this trigger listens on. */
  get topics(): string[] {
    return [...this.inputsByTopic.keys()];
  }

  async start(): Promise<void> {
    const group = triggerGroup(this.trigger);
    try {
      for (const topic of this.inputsByTopic.keys()) {
        this.subscriptions.push(await this.bus.subscribe(topic, group, (message) => this.onMessage(topic, message)));
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops listening; deliveries in flight are abandoned (their events stay unacknowledged). */
  async stop(): Promise<void> {
    this.abort.abort(new Error(`trigger ${this.id} stopped`));
    await Promise.all(this.subscriptions.splice(0).map((s) => s.close().catch(() => {})));
  }

  /** The inputs' current values (true within the window after their last event). */
  inputValues(): Record<string, boolean> {
    const now = this.ctx.now();
    const values: Record<string, boolean> = {};
    for (const name of Object.keys(this.trigger.spec.inputs)) {
      const seen = this.lastSeen.get(name);
      values[name] = seen !== undefined && now - seen < this.ctx.windowMs;
    }
    return values;
  }

  /** Handles one message of an input topic; resolves once every delivery it caused is finished. */
  async onMessage(topic: string, message: Buffer): Promise<void> {
    const inputs = this.inputsByTopic.get(topic) ?? [];
    const first = inputs[0];
    if (!first) return;
    const unwrapped = unwrapEvent(message);
    await this.ctx.published(unwrapped.id);
    const now = this.ctx.now();
    const event: BusEvent = {
      id: unwrapped.id,
      namespace: first.namespace,
      eventSource: first.eventSource,
      event: first.event,
      data: unwrapped.data,
      contentType: unwrapped.contentType,
      producedAt: unwrapped.producedAt ?? now,
    };
    for (const input of inputs) this.lastSeen.set(input.name, now);
    const values = this.inputValues();
    const matched = this.subscribers.filter((s) => s.condition?.(values) === true).map((s) => s.subscriber);
    const base = this.hopBase(event);
    const shown = Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    if (matched.length === 0) {
      this.ctx.hop({ ...base, stage: 'trigger', target: this.id, status: 'unmatched', message: `no condition holds (${shown})` });
      return;
    }
    this.ctx.hop({
      ...base,
      stage: 'trigger',
      target: this.id,
      status: 'ok',
      message: `${matched.map((s) => s.condition).join('; ')} (${shown})`,
    });
    await Promise.all(matched.map((s) => this.deliver(s, event)));
  }

  private hopBase(event: BusEvent): Pick<HopRecord, 'id' | 'eventSource' | 'event' | 'namespace' | 'latencyMs' | 'trigger'> {
    return {
      id: event.id,
      eventSource: event.eventSource,
      event: event.event,
      namespace: event.namespace,
      latencyMs: Math.max(0, this.ctx.now() - event.producedAt),
      trigger: this.id,
    };
  }

  private async deliver(subscriber: Subscriber, event: BusEvent): Promise<void> {
    const signal = this.abort.signal;
    const ns = this.trigger.namespace;
    if (subscriber.sink) {
      const ok = await this.ctx.deliverToSink(subscriber.sink, ns, event, 'sink', this.id, signal);
      signal.throwIfAborted();
      if (!ok) {
        if (subscriber.deadLetterSink) await this.ctx.deliverToSink(subscriber.deadLetterSink, ns, event, 'dead-letter', this.id, signal);
        if (subscriber.deadLetterTopic) await this.publish(subscriber.deadLetterTopic, event, 'dead-letter', `topic:${subscriber.deadLetterTopic}`);
      }
    }
    if (subscriber.topic) await this.publish(subscriber.topic, event, 'topic', subscriber.topic);
  }

  private async publish(topic: string, event: BusEvent, stage: 'topic' | 'dead-letter', target: string): Promise<void> {
    try {
      await this.ctx.republish(this.trigger, topic, event);
      this.ctx.hop({ ...this.hopBase(event), stage, target, status: 'ok' });
    } catch (err) {
      this.abort.signal.throwIfAborted();
      this.ctx.hop({ ...this.hopBase(event), stage, target, status: 'failed', message: errorMessage(err) });
    }
  }
}
