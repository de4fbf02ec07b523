/** One EventSource document to a validated, defaulted EventSource (no cross-references here). */
import type { DocumentReporter } from '../diagnostics.js';
import { checkAgainstSchema, describeValue } from '../schema-issues.js';
import { DEFAULT_LOG_LEVEL, SOURCE_KINDS, schemaName } from './constants.js';
import { cronScheduleProblem } from '../../shared/go-compat/cron.js';
import type { EventDocument } from './event-document.js';
import { eventSourceSchema, type EventSourceSpecDocument } from './event-source-schema.js';
import { checkSink, toSink } from './sink.js';
import type { EventSource, EventSourceSpec } from './types.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const URL_WITH_SCHEME = /^[a-z][a-z0-9+.-]*:\/\/./i;

export function readEventSource(doc: EventDocument, reporter: DocumentReporter): EventSource | undefined {
  const parsed = checkAgainstSchema(eventSourceSchema, doc.resource, reporter, { schemaName: schemaName('EventSource') });
  if (!parsed) return undefined;
  const spec = parsed.spec ?? {};
  const errorsBefore = reporter.errors;
  checkEventSourceSpec(spec, reporter);
  if (reporter.errors > errorsBefore) return undefined;
  return { kind: 'EventSource', name: doc.name, namespace: doc.namespace, origin: doc.origin, spec: toSpec(spec, doc.namespace) };
}

function checkEventSourceSpec(spec: EventSourceSpecDocument, reporter: DocumentReporter): void {
  if (!spec.eventBus && !spec.sink) {
    reporter.error(
      ['spec'],
      'expected eventBus, sink, or both: without them the events of this EventSource go nowhere; ' +
        'add eventBus: default (ofn-local\'s embedded bus, for Triggers) or a sink',
    );
  }
  if (spec.sink) checkSink(spec.sink, ['spec', 'sink'], reporter);

  const events = SOURCE_KINDS.flatMap((kind) => Object.keys(spec[kind] ?? {}).map((event) => ({ kind, event })));
  if (events.length === 0) {
    reporter.error(
      ['spec'],
      'defines no events: add one under cron, kafka, redis, mqtt or http (ofn-local\'s webhook source), ' +
        'e.g. cron: {tick: {schedule: "@every 10s"}}',
    );
  }
  const firstKind = new Map<string, string>();
  for (const { kind, event } of events) {
    const other = firstKind.get(event);
    if (other !== undefined) {
      reporter.warning(
        ['spec', kind, event],
        `event "${event}" is also defined under spec.${other}: both publish to the same bus topic, so a Trigger cannot tell them apart; rename one`,
      );
    } else {
      firstKind.set(event, kind);
    }
    if (!DNS_LABEL.test(event)) {
      reporter.warning(
        ['spec', kind, event],
        `event name "${event}" is not a lowercase DNS label: OpenFunction names what it creates after it ` +
          `(esw-<eventsource>-${kind}-${event}), which a cluster refuses; use lowercase letters, digits and "-"`,
      );
    }
  }

  for (const [event, cron] of Object.entries(spec.cron ?? {})) {
    const problem = cronScheduleProblem(cron.schedule);
    if (problem) {
      reporter.error(
        ['spec', 'cron', event, 'schedule'],
        `not a Dapr cron schedule (${problem}): expected "@every 10s", @hourly, @daily, ..., ` +
          `or 5 or 6 cron fields such as "*/5 * * * *" or "0 */5 * * * *", got ${describeValue(cron.schedule)}`,
      );
    }
  }
  for (const [event, kafka] of Object.entries(spec.kafka ?? {})) {
    if (kafka.brokers.trim() === '') reporter.error(['spec', 'kafka', event, 'brokers'], 'must not be empty: expected broker addresses such as "kafka:9092"');
    if (kafka.authRequired && (!kafka.saslUsername || !kafka.saslPassword)) {
      reporter.error(
        ['spec', 'kafka', event, kafka.saslUsername ? 'saslPassword' : 'saslUsername'],
        'missing; authRequired is true: expected saslUsername and saslPassword (or write authRequired: false)',
      );
    }
  }
  for (const [event, redis] of Object.entries(spec.redis ?? {})) {
    if (redis.redisHost.trim() === '') reporter.error(['spec', 'redis', event, 'redisHost'], 'must not be empty: expected the Redis address, e.g. "redis:6379"');
  }
  for (const [event, mqtt] of Object.entries(spec.mqtt ?? {})) {
    if (!URL_WITH_SCHEME.test(mqtt.url)) {
      reporter.error(['spec', 'mqtt', event, 'url'], `expected a broker URL with a scheme, e.g. "tcp://emqx:1883", got ${describeValue(mqtt.url)}`);
    }
    if (mqtt.topic === '') reporter.error(['spec', 'mqtt', event, 'topic'], 'must not be empty: expected the MQTT topic to subscribe to');
    if (mqtt.qos !== undefined && (mqtt.qos < 0 || mqtt.qos > 2)) {
      reporter.error(['spec', 'mqtt', event, 'qos'], `expected 0, 1 or 2, got ${mqtt.qos}`);
    }
  }
  for (const [event, http] of Object.entries(spec.http ?? {})) {
    if (http.path !== undefined && !http.path.startsWith('/')) {
      reporter.error(['spec', 'http', event, 'path'], `expected a path starting with "/", e.g. "/hooks/${event}", got ${describeValue(http.path)}`);
    }
  }
}

function toSpec(spec: EventSourceSpecDocument, namespace: string): EventSourceSpec {
  return {
    ...(spec.eventBus ? { eventBus: spec.eventBus } : {}),
    ...(spec.sink ? { sink: toSink(spec.sink, namespace) } : {}),
    logLevel: spec.logLevel || DEFAULT_LOG_LEVEL,
    cron: spec.cron ?? {},
    kafka: spec.kafka ?? {},
    redis: spec.redis ?? {},
    mqtt: spec.mqtt ?? {},
    http: spec.http ?? {},
  };
}
