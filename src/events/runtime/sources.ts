/**
 * Event source inputs, through the sidecar's Dapr component modules as OpenFunction's
 * eventsource handler gets them through daprd: `bindings.cron`, `bindings.kafka`, `bindings.mqtt`
 * with the metadata the OpenFunction controller writes into their Components. Redis is different:
 * upstream renders a `bindings.redis` input, which Dapr does not have (that binding is output
 * only), so a redis event source never fires on a cluster. ofn-local reads the Redis **stream**
 * named after the event instead (consumer group `<ns>-esc-redis-<event>`, entries written as
 * daprd's pubsub.redis writes them: the payload in field `data`), through the sidecar's
 * pubsub.redis module; the source's `redeliverInterval` and `processingTimeout` keep their
 * pubsub meaning. `http` sources have no input here: the gateway hands requests to
 * EventsEngine.handleWebhook.
 */
import type { Binding, ConnectionListener, Metadata, PubSub } from '../../dapr-components/component.js';
import { CRON_BINDING_PLUGIN } from '../../dapr-components/bindings/cron/index.js';
import { KAFKA_BINDING_PLUGIN } from '../../dapr-components/bindings/kafka/index.js';
import { MQTT_BINDING_PLUGIN } from '../../dapr-components/bindings/mqtt3/index.js';
import { REDIS_PUBSUB_PLUGIN } from '../../dapr-components/pubsub/redis/index.js';
import type { EventSource, SourceKind } from '../../model/events/index.js';
import { componentLogger } from './logger.js';

export type SourceHandler = (data: Buffer, metadata: Metadata) => Promise<void>;

export interface SourceInput {
  close(): Promise<void>;
}

export interface SourceInputContext {
  resolveAddress: (hostPort: string) => string;
  log: (line: string) => void;
  signal: AbortSignal;
  /** The source's broker connection lost (with why) or back, once it runs: its client reconnects by itself. */
  onConnection?: ConnectionListener;
}

/** The Dapr app id of the handler function upstream: `esw-<es>-<kind>-<event>-<ns>` (CloudEvent `source`). */
export function sourceAppId(source: EventSource, kind: SourceKind, event: string): string {
  return `esw-${source.name}-${kind}-${event}-${source.namespace}`;
}

/** `kafka:9092,kafka2:9092` through resolveAddress, each. */
export function resolveList(list: string, resolve: (hostPort: string) => string): string {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(resolve)
    .join(',');
}

/** `tcp://emqx:1883` → `tcp://<resolved host:port>`; the scheme and anything after the authority are kept. */
export function resolveUrlAuthority(url: string, resolve: (hostPort: string) => string, defaultPort: number): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]+)(.*)$/i.exec(url.trim());
  if (!m) return url;
  const [, scheme = '', authority = '', rest = ''] = m;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  const withPort = /:\d+$/.test(hostPort) ? hostPort : `${hostPort}:${defaultPort}`;
  return `${scheme}${userinfo}${resolve(withPort)}${rest}`;
}

function str(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function defined(record: Record<string, string | undefined>): Metadata {
  const out: Metadata = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = v;
  return out;
}

/** Connects and starts one event of an EventSource; throws (naming the broker) when it cannot. */
export async function startSourceInput(
  source: EventSource,
  kind: Exclude<SourceKind, 'http'>,
  event: string,
  handler: SourceHandler,
  ctx: SourceInputContext,
): Promise<SourceInput> {
  const ns = source.namespace;
  const name = `esc-${kind}-${event}`;
  const log = componentLogger(ctx.log, `event source ${ns}/${source.name} ${kind}/${event}`);
  const componentCtx = { name, appId: sourceAppId(source, kind, event), namespace: ns, log, cwd: process.cwd(), env: {} };

  const readBinding = async (binding: Binding): Promise<SourceInput> => {
    try {
      await binding.init(ctx.signal);
      await binding.read!(async (e) => {
        await handler(e.data, e.metadata);
        return undefined;
      });
    } catch (err) {
      await binding.close().catch(() => {});
      throw err;
    }
    if (ctx.onConnection) binding.onConnection?.(ctx.onConnection);
    return { close: () => binding.close() };
  };

  switch (kind) {
    case 'cron': {
      const spec = source.spec.cron[event]!;
      const md = CRON_BINDING_PLUGIN.metadata.parse({ schedule: spec.schedule });
      return readBinding(await CRON_BINDING_PLUGIN.create(md, componentCtx));
    }
    case 'kafka': {
      const spec = source.spec.kafka[event]!;
      const md = KAFKA_BINDING_PLUGIN.metadata.parse(
        defined({
          brokers: resolveList(spec.brokers, ctx.resolveAddress),
          topics: spec.topic,
          publishTopic: spec.topic,
          authRequired: String(spec.authRequired),
          consumerGroup: `${ns}-esc-kafka-${event}`,
          saslUsername: spec.saslUsername,
          saslPassword: spec.saslPassword,
          maxMessageBytes: str(spec.maxMessageBytes),
        }),
      );
      return readBinding(await KAFKA_BINDING_PLUGIN.create(md, componentCtx));
    }
    case 'mqtt': {
      const spec = source.spec.mqtt[event]!;
      const md = MQTT_BINDING_PLUGIN.metadata.parse(
        defined({
          url: resolveUrlAuthority(spec.url, ctx.resolveAddress, 1883),
          topic: spec.topic,
          consumerID: spec.consumerID ?? `${ns}-esc-mqtt-${event}`,
          retain: str(spec.retain),
          cleanSession: str(spec.cleanSession),
          caCert: spec.caCert,
          clientCert: spec.clientCert,
          clientKey: spec.clientKey,
        }),
      );
      return readBinding(await MQTT_BINDING_PLUGIN.create(md, componentCtx));
    }
    case 'redis': {
      const spec = source.spec.redis[event]!;
      const md = REDIS_PUBSUB_PLUGIN.metadata.parse(
        defined({
          redisHost: resolveList(spec.redisHost, ctx.resolveAddress),
          redisPassword: spec.redisPassword,
          enableTLS: str(spec.enableTLS),
          failover: str(spec.failover),
          sentinelMasterName: spec.sentinelMasterName,
          redeliverInterval: spec.redeliverInterval,
          processingTimeout: spec.processingTimeout,
          redisType: spec.redisType,
          redisDB: str(spec.redisDB),
          redisMaxRetries: str(spec.redisMaxRetries),
          redisMinRetryInterval: spec.redisMinRetryInterval,
          redisMaxRetryInterval: spec.redisMaxRetryInterval,
          dialTimeout: spec.dialTimeout,
          readTimeout: spec.readTimeout,
          writeTimeout: spec.writeTimeout,
          poolSize: str(spec.poolSize),
          consumerID: `${ns}-esc-redis-${event}`,
          // One at a time: the stream's order is the order events reach the bus.
          concurrency: '1',
        }),
      );
      const pubsub: PubSub = await REDIS_PUBSUB_PLUGIN.create(md, componentCtx);
      try {
        await pubsub.init(ctx.signal);
        await pubsub.subscribe({ topic: event, metadata: {} }, (m) => handler(m.data, m.metadata));
      } catch (err) {
        await pubsub.close().catch(() => {});
        throw err;
      }
      if (ctx.onConnection) pubsub.onConnection?.(ctx.onConnection);
      return { close: () => pubsub.close() };
    }
  }
}
