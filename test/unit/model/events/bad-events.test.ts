import { describe, expect, it } from 'vitest';
import { ModelError, formatDiagnostic, loadProject, type Diagnostic } from '../../../../src/model/index.js';
import { useTempProjects } from '../temp-project.js';

const tempProject = useTempProjects();

/** One manifest of an events kind; `spec` is YAML starting with `spec:`. */
function doc(kind: string, name: string, spec: string, namespace?: string): string {
  const ns = namespace ? `  namespace: ${namespace}\n` : '';
  return `apiVersion: events.openfunction.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${ns}${spec}`;
}

const join = (...docs: string[]) => docs.join('---\n');

/** A valid EventSource `es` with one cron event `tick` on the default bus. */
const CRON_SOURCE = doc('EventSource', 'es', 'spec:\n  eventBus: default\n  cron:\n    tick: {schedule: "@every 5s"}\n');
const SINK_TO_FN = '  sink:\n    uri: http://fn.default.svc.cluster.local/\n';

/** A Trigger on `es`'s `tick` as input `a`, with `subscribers` as given (YAML list items). */
function trigger(subscribers: string, inputs = '    a: {eventSource: es, event: tick}\n', bus = 'default'): string {
  return doc('Trigger', 't', `spec:\n  eventBus: ${bus}\n  inputs:\n${inputs}  subscribers:\n${subscribers}`);
}
const TOPIC_SUBSCRIBER = '    - condition: a\n      topic: out\n';

interface Case {
  name: string;
  /** The manifests; the offending line carries the comment `# <-`. */
  yaml: string;
  /** `<field path>: <start of the message>` as formatDiagnostic prints it after the place. */
  expected: string;
  severity?: 'error' | 'warning';
}

const cases: Case[] = [
  // EventSource
  {
    name: 'an EventSource with neither eventBus nor sink',
    yaml: doc('EventSource', 'es', 'spec: # <-\n  cron:\n    tick: {schedule: "@every 5s"}\n'),
    expected: 'spec: expected eventBus, sink, or both: without them the events of this EventSource go nowhere; add eventBus: default',
  },
  {
    name: 'an EventSource without events',
    yaml: doc('EventSource', 'es', 'spec: # <-\n  eventBus: default\n'),
    expected: 'spec: defines no events: add one under cron, kafka, redis, mqtt or http',
  },
  {
    name: 'an EventSource whose source maps are empty',
    yaml: doc('EventSource', 'es', 'spec: # <-\n  eventBus: default\n  kafka: {}\n  cron: {}\n'),
    expected: 'spec: defines no events',
  },
  {
    name: 'a sink with neither uri nor ref',
    yaml: doc('EventSource', 'es', 'spec:\n  sink: {} # <-\n  cron:\n    tick: {schedule: "@every 5s"}\n'),
    expected: 'spec.sink: expected uri or ref: the URL events are POSTed to',
  },
  {
    name: 'a sink uri that is not a URL',
    yaml: doc('EventSource', 'es', 'spec:\n  sink:\n    uri: function-sample # <-\n  cron:\n    tick: {schedule: "@every 5s"}\n'),
    expected: 'spec.sink.uri: expected an absolute http(s) URL such as "http://hello.default.svc.cluster.local/", got string "function-sample"',
  },
  {
    name: 'a sink ref to a kind ofn-local cannot deliver to',
    yaml: doc('EventSource', 'es', 'spec:\n  sink:\n    ref:\n      apiVersion: apps/v1\n      kind: Deployment # <-\n      name: web\n  cron:\n    tick: {schedule: "@every 5s"}\n'),
    expected: 'spec.sink.ref.kind: apps/v1 Deployment is not a sink ofn-local can deliver to: expected kind Function',
  },
  {
    name: 'a sink ref to a Function of another API group',
    yaml: doc('EventSource', 'es', 'spec:\n  sink:\n    ref:\n      apiVersion: core.openfunction.io/v1alpha2 # <-\n      kind: Function\n      name: fn\n  cron:\n    tick: {schedule: "@every 5s"}\n'),
    expected: 'spec.sink.ref.apiVersion: expected core.openfunction.io/v1beta2 or core.openfunction.io/v1beta1 for a Function, got string "core.openfunction.io/v1alpha2"',
  },
  {
    name: 'a sink ref without a name',
    yaml: doc('EventSource', 'es', 'spec:\n  sink:\n    ref: # <-\n      apiVersion: core.openfunction.io/v1beta2\n      kind: Function\n  cron:\n    tick: {schedule: "@every 5s"}\n'),
    expected: 'spec.sink.ref.name: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema: the name of the object events go to',
  },
  {
    name: 'a sink ref to a Knative Service',
    yaml: doc('EventSource', 'es', 'spec:\n  sink:\n    ref:\n      apiVersion: serving.knative.dev/v1\n      kind: Service # <-\n      name: web\n  cron:\n    tick: {schedule: "@every 5s"}\n'),
    expected: 'spec.sink.ref.kind: warning: a Knative Service is not supported locally',
    severity: 'warning',
  },
  {
    name: 'a cron field out of range',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  cron:\n    tick:\n      schedule: "0 61 * * * *" # <-\n`),
    expected: 'spec.cron.tick.schedule: not a Dapr cron schedule (Invalid value for minute: 61): expected "@every 10s", @hourly, @daily, ..., or 5 or 6 cron fields',
  },
  {
    name: 'a cron schedule with 4 fields',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  cron:\n    tick:\n      schedule: "*/5 * * *" # <-\n`),
    expected: 'spec.cron.tick.schedule: not a Dapr cron schedule (expected 5 or 6 fields, found 4)',
  },
  {
    name: 'an @every that is not a Go duration',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  cron:\n    tick:\n      schedule: "@every 5 seconds" # <-\n`),
    expected: 'spec.cron.tick.schedule: not a Dapr cron schedule ("5 seconds" is not a Go duration such as 10s, 5m or 1h30m)',
  },
  {
    name: 'an unknown cron descriptor',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  cron:\n    tick:\n      schedule: "@fortnightly" # <-\n`),
    expected: 'spec.cron.tick.schedule: not a Dapr cron schedule (unknown descriptor @fortnightly',
  },
  {
    name: 'a cron event without schedule',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  cron:\n    tick: {} # <-\n`),
    expected: 'spec.cron.tick.schedule: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema: when the event fires',
  },
  {
    name: 'a Kafka event without brokers',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  kafka:\n    orders: # <-\n      topic: orders\n      authRequired: false\n`),
    expected: 'spec.kafka.orders.brokers: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema: the Kafka broker addresses',
  },
  {
    name: 'a Kafka event without authRequired',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  kafka:\n    orders: # <-\n      brokers: kafka:9092\n      topic: orders\n`),
    expected: 'spec.kafka.orders.authRequired: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema: write authRequired: false',
  },
  {
    name: 'a Kafka event without topic',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  kafka:\n    orders: # <-\n      brokers: kafka:9092\n      authRequired: false\n`),
    expected: 'spec.kafka.orders.topic: missing; expected the Kafka topic to consume',
  },
  {
    name: 'Kafka authentication without credentials',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  kafka:\n    orders: # <-\n      brokers: kafka:9092\n      topic: orders\n      authRequired: true\n`),
    expected: 'spec.kafka.orders.saslUsername: missing; authRequired is true: expected saslUsername and saslPassword',
  },
  {
    name: 'a Kafka scaleOption without lagThreshold',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  kafka:\n    orders:\n      brokers: kafka:9092\n      topic: orders\n      authRequired: false\n      scaleOption: # <-\n        maxReplicaCount: 3\n`),
    expected: 'spec.kafka.orders.scaleOption.lagThreshold: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema',
  },
  {
    name: 'authRequired written as text',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  kafka:\n    orders:\n      brokers: kafka:9092\n      topic: orders\n      authRequired: "false" # <-\n`),
    expected: 'spec.kafka.orders.authRequired: expected true or false, got string "false"',
  },
  {
    name: 'a Redis event without redisHost',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  redis:\n    cache: # <-\n      redisPassword: ""\n`),
    expected: 'spec.redis.cache.redisHost: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema: the Redis address',
  },
  {
    name: 'a Redis event without redisPassword',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  redis:\n    cache: # <-\n      redisHost: redis:6379\n`),
    expected: 'spec.redis.cache.redisPassword: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema: write redisPassword: ""',
  },
  {
    name: 'an MQTT event without url',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  mqtt:\n    sensor: # <-\n      topic: sensors\n`),
    expected: 'spec.mqtt.sensor.url: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema: the MQTT broker URL',
  },
  {
    name: 'an MQTT event without topic',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  mqtt:\n    sensor: # <-\n      url: tcp://emqx:1883\n`),
    expected: 'spec.mqtt.sensor.topic: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema: the MQTT topic',
  },
  {
    name: 'an MQTT url without a scheme',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  mqtt:\n    sensor:\n      url: emqx:1883 # <-\n      topic: sensors\n`),
    expected: 'spec.mqtt.sensor.url: expected a broker URL with a scheme, e.g. "tcp://emqx:1883", got string "emqx:1883"',
  },
  {
    name: 'an MQTT qos out of range',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  mqtt:\n    sensor:\n      url: tcp://emqx:1883\n      topic: sensors\n      qos: 3 # <-\n`),
    expected: 'spec.mqtt.sensor.qos: expected 0, 1 or 2, got 3',
  },
  {
    name: 'a webhook path without a leading slash',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  http:\n    push:\n      path: hooks/push # <-\n`),
    expected: 'spec.http.push.path: expected a path starting with "/", e.g. "/hooks/push", got string "hooks/push"',
  },
  {
    name: 'a webhook path used by two EventSources',
    yaml: join(
      doc('EventSource', 'a', `spec:\n${SINK_TO_FN}  http:\n    push: {path: /hooks}\n`),
      doc('EventSource', 'b', `spec:\n${SINK_TO_FN}  http:\n    pull:\n      path: /hooks # <-\n`),
    ),
    expected: 'spec.http.pull.path: "/hooks" is already the webhook of EventSource default/a, event push (events.yaml:9 [doc 0]); give each webhook its own path',
  },
  {
    name: 'an event name used under two source kinds',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  cron:\n    tick: {schedule: "@every 5s"}\n  http:\n    tick: {} # <-\n`),
    expected: 'spec.http.tick: warning: event "tick" is also defined under spec.cron: both publish to the same bus topic',
    severity: 'warning',
  },
  {
    name: 'an event name a cluster refuses',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  cron:\n    Sample_One: {schedule: "@every 5s"} # <-\n`),
    expected: 'spec.cron.Sample_One: warning: event name "Sample_One" is not a lowercase DNS label',
    severity: 'warning',
  },
  {
    name: 'an unknown field in a Kafka event',
    yaml: doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  kafka:\n    orders:\n      brokers: kafka:9092\n      topic: orders\n      authRequired: false\n      partition: 3 # <-\n`),
    expected: 'spec.kafka.orders.partition: warning: unknown field, ignored: not part of the events.openfunction.io/v1alpha1 EventSource schema',
    severity: 'warning',
  },
  {
    name: 'a logLevel written as a number',
    yaml: doc('EventSource', 'es', `spec:\n  logLevel: 2 # <-\n${SINK_TO_FN}  cron:\n    tick: {schedule: "@every 5s"}\n`),
    expected: 'spec.logLevel: expected a string, got number 2',
  },
  {
    name: 'an eventBus that no EventBus defines (not "default")',
    yaml: doc('EventSource', 'es', 'spec:\n  eventBus: nats # <-\n  cron:\n    tick: {schedule: "@every 5s"}\n'),
    expected: 'spec.eventBus: warning: no EventBus "nats" in namespace default and no ClusterEventBus "nats" in the project: ofn-local carries these events on its embedded bus; add an EventBus (or ClusterEventBus) named "nats"',
    severity: 'warning',
  },
  {
    name: 'two EventSources of one name in a namespace',
    yaml: join(CRON_SOURCE, doc('EventSource', 'es # <-', 'spec:\n  eventBus: default\n  cron:\n    tock: {schedule: "@hourly"}\n')),
    expected: 'metadata.name: duplicate EventSource default/es: also defined at events.yaml:4 [doc 0]',
  },

  // EventBus / ClusterEventBus
  {
    name: 'an EventBus without the NATS URL',
    yaml: doc('EventBus', 'default', 'spec:\n  natsStreaming: # <-\n    natsStreamingClusterID: stan\n    subscriptionType: queue\n    durableSubscriptionName: d\n'),
    expected: 'spec.natsStreaming.natsURL: missing; required by the events.openfunction.io/v1alpha1 EventBus CRD schema: the NATS server URL',
  },
  {
    name: 'a ClusterEventBus with an unknown subscription type',
    yaml: doc('ClusterEventBus', 'shared', 'spec:\n  natsStreaming:\n    natsURL: nats://nats:4222\n    natsStreamingClusterID: stan\n    subscriptionType: fanout # <-\n    durableSubscriptionName: d\n'),
    expected: 'spec.natsStreaming.subscriptionType: expected one of "topic", "queue", got string "fanout"',
  },
  {
    name: 'two ClusterEventBuses of one name',
    yaml: join(doc('ClusterEventBus', 'shared', 'spec: {}\n'), doc('ClusterEventBus', 'shared # <-', 'spec: {}\n', 'other')),
    expected: 'metadata.name: duplicate ClusterEventBus shared: also defined at events.yaml:4 [doc 0]',
  },

  // Trigger
  {
    name: 'a Trigger without eventBus',
    yaml: join(CRON_SOURCE, doc('Trigger', 't', `spec: # <-\n  inputs:\n    a: {eventSource: es, event: tick}\n  subscribers:\n${TOPIC_SUBSCRIBER}`)),
    expected: 'spec.eventBus: missing; required by the events.openfunction.io/v1alpha1 Trigger CRD schema: the bus the inputs\' events travel on; write eventBus: default',
  },
  {
    name: 'a Trigger with an empty eventBus',
    yaml: join(CRON_SOURCE, trigger(TOPIC_SUBSCRIBER, undefined, '"" # <-')),
    expected: 'spec.eventBus: must not be empty',
  },
  {
    name: 'a Trigger without inputs',
    yaml: join(CRON_SOURCE, doc('Trigger', 't', `spec:\n  eventBus: default\n  inputs: {} # <-\n  subscribers:\n${TOPIC_SUBSCRIBER}`)),
    expected: 'spec.inputs: expected at least one input',
  },
  {
    name: 'a Trigger without subscribers',
    yaml: join(CRON_SOURCE, trigger('    [] # <-\n').replace('  subscribers:\n    [] # <-', '  subscribers: [] # <-')),
    expected: 'spec.subscribers: expected at least one subscriber',
  },
  {
    name: 'an input without its event',
    yaml: join(CRON_SOURCE, trigger(TOPIC_SUBSCRIBER, '    a: # <-\n      eventSource: es\n')),
    expected: 'spec.inputs.a.event: missing; required by the events.openfunction.io/v1alpha1 Trigger CRD schema: the name of the event',
  },
  {
    name: 'an input from an EventSource the project does not define',
    yaml: join(CRON_SOURCE, trigger(TOPIC_SUBSCRIBER, '    a:\n      eventSource: orders # <-\n      event: tick\n')),
    expected: 'spec.inputs.a.eventSource: no EventSource "orders" in namespace default: input "a" waits for its event "tick"; add that EventSource or fix the name (EventSources in default: es)',
  },
  {
    name: 'an input from an EventSource of another namespace, named without it',
    yaml: join(doc('EventSource', 'es', 'spec:\n  eventBus: default\n  cron:\n    tick: {schedule: "@every 5s"}\n', 'shop'), trigger(TOPIC_SUBSCRIBER, '    a:\n      eventSource: es # <-\n      event: tick\n')),
    expected: 'spec.inputs.a.eventSource: no EventSource "es" in namespace default: input "a" waits for its event "tick"; add that EventSource or fix the name (there is none in default)',
  },
  {
    name: 'an input naming an event its EventSource does not define',
    yaml: join(CRON_SOURCE, trigger(TOPIC_SUBSCRIBER, '    a:\n      eventSource: es\n      event: tock # <-\n')),
    // A cluster accepts the Trigger: a warning, and the rest of the project runs.
    expected: 'spec.inputs.a.event: warning: EventSource default/es defines no event "tock" (its events: tick): input "a" can never hold, so a condition that needs it never matches; name one of those events, or add the event to the EventSource',
    severity: 'warning',
  },
  {
    name: 'a condition that does not parse',
    yaml: join(CRON_SOURCE, trigger('    - condition: a && (a # <-\n      topic: out\n')),
    expected: 'spec.subscribers[0].condition: not valid CEL: Expected RPAREN, got EOF (at column 8)',
  },
  {
    name: 'a condition naming something that is not an input',
    yaml: join(CRON_SOURCE, trigger('    - condition: a && b # <-\n      topic: out\n')),
    expected: 'spec.subscribers[0].condition: "b" is not an input of this Trigger (inputs: a); a condition can only name inputs',
  },
  {
    name: 'a condition that is not boolean',
    yaml: join(CRON_SOURCE, trigger('    - condition: "1 + 2" # <-\n      topic: out\n')),
    expected: 'spec.subscribers[0].condition: expected a boolean expression over the inputs, e.g. "a"; this one is of type int',
  },
  {
    name: 'a condition that does arithmetic on inputs',
    yaml: join(CRON_SOURCE, trigger('    - condition: a + 1 > 0 # <-\n      topic: out\n')),
    expected: 'spec.subscribers[0].condition: no such overload: bool + int (every input is a bool: combine them with &&, || and !)',
  },
  {
    name: 'a subscriber without condition',
    yaml: join(CRON_SOURCE, trigger('    - topic: out # <-\n')),
    expected: 'spec.subscribers[0].condition: missing; required by the events.openfunction.io/v1alpha1 Trigger CRD schema: a CEL expression over the input names',
  },
  {
    name: 'a subscriber with neither sink nor topic',
    yaml: join(CRON_SOURCE, trigger('    - condition: a # <-\n      deadLetterTopic: dead\n')),
    expected: 'spec.subscribers[0]: expected sink, topic, or both: where the event goes when the condition holds',
  },
  {
    name: 'a dead-letter sink with neither uri nor ref',
    yaml: join(CRON_SOURCE, trigger('    - condition: a\n      topic: out\n      deadLetterSink: {} # <-\n')),
    expected: 'spec.subscribers[0].deadLetterSink: expected uri or ref',
  },
  {
    name: 'a subscriber sink to a plain Kubernetes Service',
    yaml: join(CRON_SOURCE, trigger('    - condition: a\n      sink:\n        ref: {apiVersion: v1, kind: Service, name: web} # <-\n')),
    expected: 'spec.subscribers[0].sink.ref.kind: v1 Service is not a sink ofn-local can deliver to',
  },
  {
    name: 'an input name no condition can use',
    yaml: join(CRON_SOURCE, trigger(TOPIC_SUBSCRIBER.replace('condition: a', 'condition: "true"'), '    order-created: {eventSource: es, event: tick} # <-\n')),
    expected: 'spec.inputs.order-created: warning: input name "order-created" cannot appear in a condition (not a CEL identifier, or a reserved word)',
    severity: 'warning',
  },
  {
    name: 'an input from an EventSource that has no eventBus',
    yaml: join(
      doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  cron:\n    tick: {schedule: "@every 5s"}\n`),
      trigger(TOPIC_SUBSCRIBER, '    a:\n      eventSource: es # <-\n      event: tick\n'),
    ),
    expected: 'spec.inputs.a.eventSource: warning: EventSource default/es has no eventBus: it sends its events only to its sink, so input "a" never fires; add eventBus: default to the EventSource',
    severity: 'warning',
  },
  {
    name: 'an input from an EventSource on another bus',
    yaml: join(
      doc('ClusterEventBus', 'shared', 'spec: {}\n'),
      CRON_SOURCE,
      trigger(TOPIC_SUBSCRIBER, '    a:\n      eventSource: es # <-\n      event: tick\n', 'shared'),
    ),
    expected: 'spec.inputs.a.eventSource: warning: EventSource default/es publishes on ofn-local\'s embedded bus "default", this Trigger listens on ClusterEventBus shared: input "a" fires only if both carry the same topics',
    severity: 'warning',
  },
  {
    name: 'a Trigger on a bus that no EventBus defines',
    yaml: join(doc('EventSource', 'es', 'spec:\n  eventBus: nats\n  cron:\n    tick: {schedule: "@every 5s"}\n'), trigger(TOPIC_SUBSCRIBER, undefined, 'nats # <-')),
    expected: 'spec.eventBus: warning: no EventBus "nats" in namespace default and no ClusterEventBus "nats" in the project',
    severity: 'warning',
  },
];

interface Outcome {
  dir: string;
  /** Every diagnostic (errors and warnings), formatted relative to the project. */
  lines: string[];
  error?: ModelError;
}

async function load(files: Record<string, string>): Promise<Outcome> {
  const dir = await tempProject(files);
  try {
    const project = await loadProject([dir], { cwd: dir });
    return { dir, lines: project.warnings.map((d) => formatDiagnostic(d, dir)) };
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    return { dir, lines: err.diagnostics.map((d: Diagnostic) => formatDiagnostic(d, dir)), error: err };
  }
}

describe('events manifests: every rule names file, line and field', () => {
  it.each(cases)('$name', async ({ yaml, expected, severity = 'error' }) => {
    const lines = yaml.split('\n');
    const marked = lines.findIndex((l) => l.includes('# <-'));
    expect(marked, 'the case marks its line').toBeGreaterThanOrEqual(0);
    const docIndex = lines.slice(0, marked).filter((l) => l === '---').length;
    const { lines: printed, error } = await load({ 'events.yaml': yaml });
    expect(printed, printed.join('\n')).toContainEqual(expect.stringContaining(`events.yaml:${marked + 1} [doc ${docIndex}] ${expected}`));
    if (severity === 'error') {
      expect(error?.code).toBe('ERR_MANIFEST');
      expect(error?.message).toContain(`events.yaml:${marked + 1} [doc ${docIndex}] ${expected}`);
    } else {
      expect(error, 'a warning alone does not stop the load').toBeUndefined();
    }
  });
});

describe('events manifests: what is not reported', () => {
  it('a missing bus named "default": ofn-local\'s embedded bus serves it without a word', async () => {
    const outcome = await load({ 'events.yaml': join(CRON_SOURCE, trigger(TOPIC_SUBSCRIBER)) });
    expect(outcome.error).toBeUndefined();
    expect(outcome.lines).toEqual([]);
  });

  it('a reference to a broken EventSource is not reported again', async () => {
    const broken = doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  kafka:\n    orders:\n      topic: orders\n      authRequired: false\n`);
    const outcome = await load({ 'events.yaml': join(broken, trigger(TOPIC_SUBSCRIBER, '    a: {eventSource: es, event: orders}\n')) });
    expect(outcome.lines).toEqual([
      'events.yaml:9 [doc 0] spec.kafka.orders.brokers: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema: the Kafka broker addresses, comma-separated, e.g. "kafka:9092"',
    ]);
  });

  it('a sink ref is not checked when a uri is given (the uri wins)', async () => {
    const source = doc('EventSource', 'es', 'spec:\n  sink:\n    uri: http://fn.default.svc.cluster.local/\n    ref: {apiVersion: apps/v1, kind: Deployment, name: web}\n  cron:\n    tick: {schedule: "@every 5s"}\n');
    expect((await load({ 'events.yaml': source })).lines).toEqual([]);
  });

  it('a Dapr cron schedule in every accepted form', async () => {
    const schedules = ['@every 1h30m', '@every 500ms', '@daily', '@midnight', '@yearly', '*/5 * * * *', '0 */5 * * * *', '0 0 9 * * MON-FRI', 'CRON_TZ=Europe/Berlin 0 30 8 * * *'];
    const events = schedules.map((s, i) => `    ev${i}: {schedule: "${s}"}\n`).join('');
    const outcome = await load({ 'events.yaml': doc('EventSource', 'es', `spec:\n${SINK_TO_FN}  cron:\n${events}`) });
    expect(outcome.lines).toEqual([]);
  });
});

describe('events manifests: across files', () => {
  it('names the first place of a duplicate in another file', async () => {
    const { lines, error } = await load({
      'a.yaml': CRON_SOURCE,
      'b.yaml': `# the same EventSource again\n${CRON_SOURCE}`,
    });
    expect(error?.code).toBe('ERR_MANIFEST');
    expect(lines).toEqual(['b.yaml:5 [doc 0] metadata.name: duplicate EventSource default/es: also defined at a.yaml:4 [doc 0]']);
  });

  it('resolves a Trigger input against an EventSource of another file', async () => {
    const { lines, error } = await load({ 'sources.yaml': CRON_SOURCE, 'triggers.yaml': trigger(TOPIC_SUBSCRIBER) });
    expect(error).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('reports errors of Functions and events manifests together', async () => {
    const fn = 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata:\n  name: fn\nspec:\n  serving: {}\n';
    const { lines } = await load({ 'fn.yaml': fn, 'events.yaml': doc('EventSource', 'es', 'spec:\n  eventBus: default\n') });
    expect(lines).toEqual([
      'events.yaml:5 [doc 0] spec: defines no events: add one under cron, kafka, redis, mqtt or http (ofn-local\'s webhook source), e.g. cron: {tick: {schedule: "@every 10s"}}',
      'fn.yaml:5 [doc 0] spec.image: missing; expected a string',
    ]);
  });
});
