/**
 * Runs one subscription: each message from the pubsub component is turned into the
 * CloudEvent daprd delivers (or the rawPayload wrapper), routed by the rules, POSTed to
 * the app, and settled per daprd's rules: SUCCESS acknowledges; DROP (and 404)
 * acknowledges and sends the original message to the dead-letter topic; RETRY (and
 * other failures) runs the Resiliency inbound retry policy, then dead-letters when a
 * dead-letter topic is set, else hands the error back to the component (whose own
 * redelivery, if any, applies).
 */
import type { AppChannel } from '../app-channel/app-channel.js';
import { randomUUID } from 'node:crypto';

import { bulkDeliveryOutcomes, deliveryOutcome } from '../app-channel/delivery-outcome.js';
import { compileMatch, type CompiledMatch } from '../app-channel/route-match.js';
import type { Closable, Metadata, PubSub, PubSubMessage } from '../../dapr-components/component.js';
import { parseGoBool } from '../../shared/go-compat/bool.js';
import { ENCODING_JSON_MAP, goJson, parsePreciseJson } from '../../shared/go-compat/json.js';
import { isHeaderName, isSafeHeaderValue } from '../../shared/http-headers.js';
import type { Logger } from '../logger.js';
import { hasExpired, isBinaryContentType, rawPayloadEnvelope, type CloudEventMap } from '../../dapr-components/pubsub/cloudevent-envelope.js';
import type { SubscriptionSpec } from '../resources/load-resources.js';
import { withRetries, type RetryPolicy } from '../../dapr-components/retry-policy.js';

/** A delivery that should be retried (RETRY, non-404 error status, connection error). */
export class RetriableDeliveryError extends Error {
  override name = 'RetriableDeliveryError';
}

export interface SubscriberDeps {
  pubsubName: string;
  pubsub: PubSub;
  app: AppChannel;
  retry?: RetryPolicy;
  log: Logger;
}

interface CompiledRule {
  match?: CompiledMatch;
  path: string;
}

const SKIPPED_HEADERS = new Set(['content-type', 'content-length']);

interface PendingEntry {
  entryId: string;
  msg: PubSubMessage;
  event: CloudEventMap;
  path: string;
  settle: (err?: Error) => void;
}

export class Subscriber {
  private readonly rules: CompiledRule[];
  private readonly rawPayload: boolean | Error;
  private subscription: Closable | undefined;
  private readonly abort = new AbortController();
  private batch: PendingEntry[] = [];
  private batchTimer: NodeJS.Timeout | undefined;

  /** Throws when a rule's match expression is outside the supported CEL subset. */
  constructor(
    readonly spec: SubscriptionSpec,
    private readonly deps: SubscriberDeps,
  ) {
    this.rules = spec.rules.map((r) => (r.match ? { match: compileMatch(r.match), path: r.path } : { path: r.path }));
    const raw = spec.metadata.rawPayload;
    if (raw === undefined || raw === '') this.rawPayload = false;
    else {
      const b = parseGoBool(raw);
      if (b === undefined) {
        this.rawPayload = new Error(`error deserializing pubsub metadata: rawPayload ${JSON.stringify(raw)} is not a boolean (the SDK JSON-encodes metadata values: pass true, not "true")`);
        deps.log.error(`subscription to ${spec.topic} on ${spec.pubsubname}: ${this.rawPayload.message}; every message will fail`);
      } else this.rawPayload = b;
    }
  }

  async start(): Promise<void> {
    this.subscription = await this.deps.pubsub.subscribe({ topic: this.spec.topic, metadata: this.spec.metadata }, (msg) => this.handle(msg));
    this.deps.log.info(`app is subscribed to topic ${this.spec.topic} on pubsub ${this.spec.pubsubname}`);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.batchTimer);
    for (const entry of this.batch.splice(0)) entry.settle(new Error('subscription closed'));
    await this.subscription?.close();
  }

  private async deadLetter(msg: PubSubMessage): Promise<boolean> {
    const topic = this.spec.deadLetterTopic;
    if (!topic) return false;
    try {
      await this.deps.pubsub.publish({ topic, data: msg.data, contentType: msg.contentType, metadata: msg.metadata });
      this.deps.log.warn(`message on topic ${msg.topic} sent to dead-letter topic ${topic}`);
      return true;
    } catch (err) {
      this.deps.log.error(`error sending message to dead letter, origin topic: ${msg.topic} dead letter topic ${topic}: ${(err as Error).message}`);
      return false;
    }
  }

  /** Fails the message: dead-letter when configured, else throw back to the component. */
  private async failed(msg: PubSubMessage, err: Error): Promise<void> {
    if (await this.deadLetter(msg)) return;
    throw err;
  }

  /** The CloudEvent map and the bytes to deliver. */
  private decode(msg: PubSubMessage): { event: CloudEventMap; body: Buffer } {
    if (this.rawPayload instanceof Error) throw this.rawPayload;
    const contentType = msg.contentType ?? msg.metadata['content-type'] ?? 'application/cloudevents+json';
    if (this.rawPayload) {
      const event = rawPayloadEnvelope(msg.data, msg.topic, this.spec.pubsubname, msg.metadata);
      return { event, body: Buffer.from(goJson(event, ENCODING_JSON_MAP)) };
    }
    if (isBinaryContentType(contentType)) {
      const event: CloudEventMap = {};
      for (const [k, v] of Object.entries(msg.metadata)) if (k.toLowerCase().startsWith('ce_')) event[k.slice(3).toLowerCase()] = v;
      event.data = msg.data.toString('base64');
      event.datacontenttype = contentType;
      return { event, body: msg.data };
    }
    let parsed;
    try {
      parsed = parsePreciseJson(msg.data.toString('utf8'));
    } catch (err) {
      throw new Error(`error deserializing cloud event in pubsub ${this.spec.pubsubname} and topic ${msg.topic}: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`error deserializing cloud event in pubsub ${this.spec.pubsubname} and topic ${msg.topic}: not a JSON object`);
    }
    return { event: parsed as CloudEventMap, body: msg.data };
  }

  private route(event: CloudEventMap): string | undefined {
    for (const rule of this.rules) {
      if (!rule.match || rule.match.test(event)) return rule.path;
    }
    return undefined;
  }

  private headers(msg: PubSubMessage): Record<string, string> {
    const out: Record<string, string> = {};
    const md: Metadata = { ...msg.metadata, pubsubname: this.spec.pubsubname };
    for (const [k, v] of Object.entries(md)) {
      if (SKIPPED_HEADERS.has(k.toLowerCase()) || !isHeaderName(k) || !isSafeHeaderValue(v)) continue;
      out[k] = v;
    }
    out['content-type'] = 'application/cloudevents+json';
    return out;
  }

  /** The component's handler: resolves to acknowledge, rejects to fail the message. */
  async handle(msg: PubSubMessage): Promise<void> {
    let decoded: { event: CloudEventMap; body: Buffer };
    try {
      decoded = this.decode(msg);
    } catch (err) {
      this.deps.log.error((err as Error).message);
      await this.failed(msg, err as Error);
      return;
    }
    const id = String(decoded.event.id ?? '');
    if (hasExpired(decoded.event)) {
      this.deps.log.warn(`dropping expired pub/sub event ${id} as of ${String(decoded.event.expiration)}`);
      await this.deadLetter(msg);
      return;
    }
    let path: string | undefined;
    try {
      path = this.route(decoded.event);
    } catch (err) {
      this.deps.log.error(`error finding matching route for event ${id} in pubsub ${this.spec.pubsubname} and topic ${msg.topic}: ${(err as Error).message}`);
      await this.failed(msg, err as Error);
      return;
    }
    if (path === undefined) {
      this.deps.log.debug(`no matching route for event ${id} in pubsub ${this.spec.pubsubname} and topic ${msg.topic}; skipping`);
      await this.deadLetter(msg);
      return;
    }
    if (this.spec.bulkSubscribe?.enabled) {
      await this.enqueueBulk(msg, decoded.event, path);
      return;
    }
    const routePath = path;
    const headers = this.headers(msg);
    let dropped = false;
    const attempt = async (): Promise<void> => {
      let answer;
      try {
        answer = await this.deps.app.request({
          method: 'POST',
          path: routePath,
          headers,
          body: decoded.body,
          signal: this.abort.signal,
          kind: { type: 'topic', pubsubname: this.spec.pubsubname, topic: msg.topic },
        });
      } catch (err) {
        throw new RetriableDeliveryError(`error returned from app channel while sending pub/sub event to app: ${(err as Error).message}`);
      }
      const { outcome, reason } = deliveryOutcome(answer.status, answer.body);
      if (outcome === 'SUCCESS') return;
      if (outcome === 'DROP') {
        this.deps.log.warn(`${reason} while processing pub/sub event ${id}`);
        // daprd dead-letters a DROP the app answered; a 404 it drops without (non-retriable, acknowledged).
        dropped = answer.status !== 404;
        return;
      }
      throw new RetriableDeliveryError(`${reason} while processing pub/sub event ${id}`);
    };
    try {
      if (this.deps.retry) {
        await withRetries(this.deps.retry, attempt, {
          signal: this.abort.signal,
          onRetry: (err, n, delay) => this.deps.log.warn(`${(err as Error).message}; retry ${n} in ${delay} ms`),
        });
      } else await attempt();
    } catch (err) {
      this.deps.log.warn((err as Error).message);
      if (this.abort.signal.aborted) throw err;
      await this.failed(msg, err as Error);
      return;
    }
    if (dropped) await this.deadLetter(msg);
  }

  /** Bulk subscribe: collect up to maxMessagesCount messages or maxAwaitDurationMs, then deliver them together. */
  private enqueueBulk(msg: PubSubMessage, event: CloudEventMap, path: string): Promise<void> {
    const bulk = this.spec.bulkSubscribe!;
    return new Promise<void>((resolve, reject) => {
      this.batch.push({ entryId: randomUUID(), msg, event, path, settle: (err) => (err ? reject(err) : resolve()) });
      if (this.batch.length >= bulk.maxMessagesCount) this.flushBulk();
      else this.batchTimer ??= setTimeout(() => this.flushBulk(), bulk.maxAwaitDurationMs);
    });
  }

  private flushBulk(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const entries = this.batch.splice(0);
    const byPath = new Map<string, PendingEntry[]>();
    for (const e of entries) byPath.set(e.path, [...(byPath.get(e.path) ?? []), e]);
    for (const [path, group] of byPath) void this.deliverBulk(path, group);
  }

  private async deliverBulk(path: string, group: PendingEntry[]): Promise<void> {
    const raw = this.rawPayload === true;
    const body = {
      id: randomUUID(),
      type: 'com.dapr.event.sent.bulk',
      topic: this.spec.topic,
      pubsubname: this.spec.pubsubname,
      metadata: {},
      entries: group.map((e) => ({
        entryId: e.entryId,
        event: raw ? e.msg.data.toString('base64') : e.event,
        metadata: e.msg.metadata,
        contentType: raw ? 'application/octet-stream' : 'application/cloudevents+json',
      })),
    };
    let outcomes: Map<string, 'SUCCESS' | 'RETRY' | 'DROP'>;
    try {
      const answer = await this.deps.app.request({
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', pubsubname: this.spec.pubsubname },
        body: Buffer.from(goJson(body, ENCODING_JSON_MAP)),
        signal: this.abort.signal,
        kind: { type: 'bulk-topic', pubsubname: this.spec.pubsubname, topic: this.spec.topic },
      });
      outcomes = bulkDeliveryOutcomes(answer.status, answer.body, group.map((e) => e.entryId));
    } catch (err) {
      this.deps.log.warn(`bulk delivery to ${path} failed: ${(err as Error).message}`);
      outcomes = new Map(group.map((e) => [e.entryId, 'RETRY']));
    }
    for (const entry of group) {
      const outcome = outcomes.get(entry.entryId) ?? 'RETRY';
      if (outcome === 'SUCCESS') entry.settle();
      else if (outcome === 'DROP') void this.deadLetter(entry.msg).then(() => entry.settle());
      else void this.failed(entry.msg, new RetriableDeliveryError(`RETRY for bulk entry ${entry.entryId}`)).then(() => entry.settle(), (err: Error) => entry.settle(err));
    }
  }
}
