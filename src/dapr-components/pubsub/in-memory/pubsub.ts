/**
 * pubsub.in-memory: one bus per sidecar. A message goes to the subscriptions that exist
 * when it is published, asynchronously; a failed delivery is logged and not redelivered
 * (only a Resiliency policy retries it, in the sidecar).
 */
import type { Logger } from '../../../shared/logger.js';
import type {
  Closable,
  MessageHandler,
  PubSub,
  PubSubFeature,
  PublishRequest,
  SubscribeRequest,
} from '../../component.js';
import { topicMatches } from '../topic-match.js';

interface Sub {
  filter: string;
  handler: MessageHandler;
}

export class InMemoryPubSub implements PubSub {
  readonly features: readonly PubSubFeature[] = ['SUBSCRIBE_WILDCARDS'];
  private readonly subs = new Set<Sub>();
  private closed = false;

  constructor(private readonly log: Logger) {}

  async init(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.subs.clear();
  }

  async publish(req: PublishRequest): Promise<void> {
    if (this.closed) throw new Error('component is closed');
    for (const sub of this.subs) {
      if (!topicMatches(sub.filter, req.topic)) continue;
      const message = { topic: req.topic, data: req.data, contentType: req.contentType, metadata: { ...req.metadata } };
      setImmediate(() => {
        sub.handler(message).catch((err: unknown) => {
          this.log.error(`error delivering in-memory message on topic ${req.topic}: ${(err as Error).message ?? String(err)}`);
        });
      });
    }
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Closable> {
    const sub: Sub = { filter: req.topic, handler };
    this.subs.add(sub);
    return { close: async () => void this.subs.delete(sub) };
  }
}
