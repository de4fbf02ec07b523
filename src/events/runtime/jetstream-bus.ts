/**
 * The bus of an EventBus with `natsStreaming`: NATS Streaming is retired, so ofn-local speaks
 * JetStream to the server at `natsURL` through the sidecar's pubsub.jetstream component. Each
 * topic is a subject; a topic no stream covers gets its own stream (`OFN_EVENTS_<topic>`), so
 * functions with a jetstream pubsub on the same server see the same topics. Each consumer group
 * is a durable consumer per topic (`<group>-<topic>`), pulled one message at a time and
 * acknowledged after the handler finished.
 */
import { connect, type JetStreamManager, type NatsConnection } from 'nats';

import { JETSTREAM_PUBSUB_PLUGIN } from '../../dapr-components/pubsub/jetstream/index.js';
import type { PubSub } from '../../dapr-components/component.js';
import type { Bus, BusHandler, BusSubscription } from './bus.js';
import { componentLogger } from './logger.js';

/** Unacknowledged messages come back after this long (at-least-once: a delivery still retrying after this long may be repeated). */
const ACK_WAIT = '60s';

/** A JetStream stream or consumer name: no whitespace, `.`, `*`, `>`, path separators. */
export function natsName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

export class JetStreamBus implements Bus {
  readonly description: string;
  private publisher: Promise<PubSub> | undefined;
  private manager: Promise<{ nc: NatsConnection; jsm: JetStreamManager }> | undefined;
  private readonly streams = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<PubSub>();

  constructor(
    /** The reachable URL(s), comma-separated. */
    private readonly natsURL: string,
    private readonly name: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.description = natsURL;
  }

  private async pubsub(metadata: Record<string, string>, component: string): Promise<PubSub> {
    const md = JETSTREAM_PUBSUB_PLUGIN.metadata.parse({ natsURL: this.natsURL, ...metadata });
    const log = componentLogger(this.log, `event bus ${this.name}`);
    const pubsub = await JETSTREAM_PUBSUB_PLUGIN.create(md, { name: component, appId: 'ofn-local-events', log, cwd: process.cwd(), env: {} });
    await pubsub.init(AbortSignal.timeout(10_000));
    return pubsub;
  }

  private ensureStream(topic: string): Promise<void> {
    let found = this.streams.get(topic);
    if (!found) {
      this.manager ??= (async () => {
        const nc = await connect({ servers: this.natsURL.split(',').map((s) => s.trim()), name: 'ofn-local events', timeout: 5000 });
        return { nc, jsm: await nc.jetstreamManager() };
      })();
      found = this.manager.then(async ({ jsm }) => {
        try {
          await jsm.streams.find(topic);
        } catch {
          await jsm.streams.add({ name: natsName(`OFN_EVENTS_${topic}`), subjects: [topic] });
        }
      });
      found.catch(() => this.streams.delete(topic));
      this.streams.set(topic, found);
    }
    return found;
  }

  /** A function subscribing with its own pubsub.jetstream needs the stream before the first event. */
  prepareTopic(topic: string): Promise<void> {
    return this.ensureStream(topic);
  }

  async publish(topic: string, message: Buffer): Promise<void> {
    await this.ensureStream(topic);
    this.publisher ??= this.pubsub({}, `${this.name}-publisher`);
    this.publisher.catch(() => (this.publisher = undefined));
    await (await this.publisher).publish({ topic, data: message, metadata: {} });
  }

  async subscribe(topic: string, group: string, handler: BusHandler): Promise<BusSubscription> {
    await this.ensureStream(topic);
    const pubsub = await this.pubsub(
      { durableName: natsName(`${group}-${topic}`), deliverPolicy: 'new', ackWait: ACK_WAIT, concurrency: 'single' },
      `${this.name}-${group}`,
    );
    this.subscriptions.add(pubsub);
    try {
      await pubsub.subscribe({ topic, metadata: {} }, (message) => handler(message.data));
    } catch (err) {
      this.subscriptions.delete(pubsub);
      await pubsub.close();
      throw err;
    }
    return {
      close: async () => {
        this.subscriptions.delete(pubsub);
        await pubsub.close();
      },
    };
  }

  async close(): Promise<void> {
    const publisher = this.publisher;
    this.publisher = undefined;
    const manager = this.manager;
    this.manager = undefined;
    this.streams.clear();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.subscriptions.clear();
    await (await publisher?.catch(() => undefined))?.close();
    const m = await manager?.catch(() => undefined);
    if (m && !m.nc.isClosed()) await m.nc.drain().catch(() => m.nc.close());
  }
}
