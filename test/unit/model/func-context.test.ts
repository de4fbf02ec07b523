import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/model/index.js';
import type { LoadedFunction } from '../../../src/model/index.js';
import { useTempProjects } from './temp-project.js';

const tempProject = useTempProjects();

/** On a cluster, components defined in a Function get generated names; locally the plain key is used. */
function withPlainComponentNames(json: string): string {
  return json.replace(/serving-[a-z0-9]{5}-(?:bindings|pubsub|state)-([a-z0-9-]+?)-[a-z0-9]{5}"/g, '$1"');
}

async function loadOne(manifest: string): Promise<LoadedFunction> {
  const dir = await tempProject({ 'fn.yaml': manifest });
  const project = await loadProject([dir], { cwd: dir });
  expect(project.functions).toHaveLength(1);
  return project.functions[0]!;
}

const kafkaBinding = (indent: string) =>
  [
    'type: bindings.kafka',
    'version: v1',
    'metadata:',
    '  - name: brokers',
    '    value: "kafka:9092"',
  ]
    .map((line) => indent + line)
    .join('\n');

describe('FUNC_CONTEXT: the composed examples of the spec (section 2.2)', () => {
  it('sync, plain HTTP', async () => {
    const fn = await loadOne(`
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: hello
spec:
  version: v1.0.0
  image: example/hello:v1
  serving:
    triggers:
      http:
        port: 8080
`);
    expect(fn.funcContext).toBe('{"name":"hello","version":"v1.0.0","runtime":"Knative","port":"8080"}');
  });

  it('sync with a Dapr output and the plugins annotation', async () => {
    const fn = await loadOne(`
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: function-front
  annotations:
    plugins: |
      pre:
      - plugin-custom
      - plugin-example
      post:
      - plugin-custom
      - plugin-example
spec:
  version: "v1.0.0"
  image: example/function-front:v1
  serving:
    outputs:
      - dapr:
          name: kafka-server
          operation: "create"
    bindings:
      kafka-server:
${kafkaBinding('        ')}
    triggers:
      http:
        port: 8080
`);
    const expected =
      '{"name":"function-front","version":"v1.0.0",' +
      '"outputs":{"kafka-server":{"uri":"kafka-server","componentName":"serving-q2w3e-bindings-kafka-server-x7k2p","componentType":"bindings.kafka","operation":"create"}},' +
      '"runtime":"Knative","port":"8080",' +
      '"prePlugins":["plugin-custom","plugin-example"],"postPlugins":["plugin-custom","plugin-example"]}';
    expect(fn.funcContext).toBe(withPlainComponentNames(expected));
  });

  const cronToKafka = `
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: cron-input-kafka-output
spec:
  version: "v2.0.0"
  image: example/cron-input-kafka-output:v1
  serving:
    triggers:
      dapr:
        - name: cron
          type: bindings.cron
    outputs:
      - dapr:
          name: kafka-server
          type: bindings.kafka
          operation: "create"
    hooks:
      pre:
        - plugin-example
        - plugin-custom
      post:
        - plugin-custom
        - plugin-example
    bindings:
      cron:
        type: bindings.cron
        version: v1
        metadata:
          - name: schedule
            value: "@every 2s"
      kafka-server:
${kafkaBinding('        ')}
`;

  it('async, binding in -> binding out', async () => {
    const fn = await loadOne(cronToKafka);
    const expected =
      '{"name":"cron-input-kafka-output","version":"v2.0.0",' +
      '"inputs":{"cron":{"uri":"cron","componentName":"serving-r4t5y-bindings-cron-a1b2c","componentType":"bindings.cron"}},' +
      '"outputs":{"kafka-server":{"uri":"kafka-server","componentName":"serving-r4t5y-bindings-kafka-server-d3e4f","componentType":"bindings.kafka","operation":"create"}},' +
      '"runtime":"Async","port":"8080"}';
    expect(fn.funcContext).toBe(withPlainComponentNames(expected));
    expect(fn.runtime).toBe('async');
  });

  it('async, pubsub in -> pubsub out', async () => {
    const fn = await loadOne(`
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: sample-node-async-pubsub
spec:
  version: "v2.0.0"
  image: example/sample-node-async-pubsub:v1
  serving:
    annotations:
      dapr.io/app-protocol: http
    triggers:
      dapr:
        - name: mqtt-pubsub
          type: pubsub.mqtt
          topic: sub
    outputs:
      - dapr:
          name: mqtt-pubsub
          type: pubsub.mqtt
          topic: pub
    pubsub:
      mqtt-pubsub:
        type: pubsub.mqtt
        version: v1
        metadata:
          - name: url
            value: "tcp://emqx:1883"
`);
    const expected =
      '{"name":"sample-node-async-pubsub","version":"v2.0.0",' +
      '"inputs":{"mqtt-pubsub":{"uri":"sub","componentName":"serving-u6i7o-pubsub-mqtt-pubsub-g5h6j","componentType":"pubsub.mqtt"}},' +
      '"outputs":{"mqtt-pubsub":{"uri":"pub","componentName":"serving-u6i7o-pubsub-mqtt-pubsub-g5h6j","componentType":"pubsub.mqtt"}},' +
      '"runtime":"Async","port":"8080"}';
    expect(fn.funcContext).toBe(withPlainComponentNames(expected));
  });

  it('sync with a state store', async () => {
    const fn = await loadOne(`
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: stateful
spec:
  image: example/stateful:v1
  serving:
    states:
      pg:
        spec:
          type: state.postgresql
          version: v1
          metadata:
            - name: connectionString
              value: "host=pg"
`);
    const expected =
      '{"name":"stateful","version":"latest","states":{"pg":{"componentName":"serving-p0o9i-state-pg-k8l7m","componentType":"state.postgresql"}},"runtime":"Knative","port":"8080"}';
    expect(fn.funcContext).toBe(withPlainComponentNames(expected));
  });

  it('FUNC_CONTEXT_V1BETA2 of the async example (section 2.3)', async () => {
    const fn = await loadOne(cronToKafka);
    const expected =
      '{"name":"cron-input-kafka-output","version":"v2.0.0",' +
      '"triggers":{"dapr":[{"name":"serving-r4t5y-bindings-cron-a1b2c","type":"bindings.cron"}]},' +
      '"outputs":{"kafka-server":{"componentName":"serving-r4t5y-bindings-kafka-server-d3e4f","componentType":"bindings.kafka","operation":"create"}},' +
      '"preHooks":["plugin-example","plugin-custom"],"postHooks":["plugin-custom","plugin-example"]}';
    expect(fn.funcContextV1beta2).toBe(withPlainComponentNames(expected));
  });
});

describe('FUNC_CONTEXT: derivation details', () => {
  it('keys inputs and outputs by inputName/outputName and keeps output metadata', async () => {
    const fn = await loadOne(`
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: renamed
spec:
  image: example/renamed:v1
  serving:
    triggers:
      dapr:
        - name: target-topic
          inputName: greeting
    outputs:
      - dapr:
          name: notification-manager
          outputName: notify
          operation: post
          metadata:
            path: /alerts
    bindings:
      target-topic:
${kafkaBinding('        ')}
      notification-manager:
        type: bindings.http
        version: v1
        metadata:
          - name: url
            value: http://nm:19093
`);
    expect(JSON.parse(fn.funcContext)).toEqual({
      name: 'renamed',
      version: 'latest',
      inputs: { greeting: { uri: 'target-topic', componentName: 'target-topic', componentType: 'bindings.kafka' } },
      outputs: {
        notify: {
          uri: 'notification-manager',
          componentName: 'notification-manager',
          componentType: 'bindings.http',
          metadata: { path: '/alerts' },
          operation: 'post',
        },
      },
      runtime: 'Async',
      port: '8080',
    });
    // v1beta2 keys outputs by component name and never copies the topic.
    expect(JSON.parse(fn.funcContextV1beta2).outputs).toEqual({
      'notification-manager': {
        componentName: 'notification-manager',
        componentType: 'bindings.http',
        metadata: { path: '/alerts' },
        operation: 'post',
      },
    });
  });

  it('takes the component type from a dapr.io Component loaded alongside', async () => {
    const dir = await tempProject({
      'fn.yaml': `
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: uses-shared
spec:
  image: example/uses-shared:v1
  serving:
    outputs:
      - dapr:
          name: shared-kafka
`,
      'component.yaml': `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: shared-kafka
spec:
  type: bindings.kafka
  version: v1
  metadata: []
`,
    });
    const project = await loadProject([dir], { cwd: dir });
    expect(JSON.parse(project.functions[0]!.funcContext).outputs['shared-kafka'].componentType).toBe('bindings.kafka');
  });

  it('reports an output whose component type cannot be found', async () => {
    const dir = await tempProject({
      'fn.yaml': `
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: lost
spec:
  image: example/lost:v1
  serving:
    outputs:
      - dapr:
          name: nowhere
`,
    });
    await expect(loadProject([dir], { cwd: dir })).rejects.toThrow(
      /fn\.yaml:11 \[doc 0\] spec\.serving\.outputs\[0\]\.dapr\.name: cannot tell the type of Dapr component "nowhere"/,
    );
  });

  it('adds the tracing provider to the plugin lists and carries pluginsTracing with null baggage', async () => {
    const fn = await loadOne(`
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: traced
  annotations:
    plugins: |
      order:
      - a
      - b
    plugins.tracing: |
      enabled: true
      provider:
        name: skywalking
        oapServer: oap:11800
      tags:
        layer: faas
spec:
  version: v1
  image: example/traced:v1
  serving:
    triggers:
      http:
        port: 9000
`);
    expect(fn.funcContext).toBe(
      '{"name":"traced","version":"v1","runtime":"Knative","port":"9000",' +
        '"prePlugins":["a","b","skywalking"],"postPlugins":["skywalking","b","a"],' +
        '"pluginsTracing":{"enabled":true,"provider":{"name":"skywalking","oapServer":"oap:11800"},"tags":{"layer":"faas"},"baggage":null}}',
    );
    expect(fn.port).toBe(9000);
  });

  it('explicit pre/post win over order in the plugins annotation', async () => {
    const fn = await loadOne(`
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: ordered
  annotations:
    plugins: |
      order: [a, b, c]
      post: [z]
spec:
  image: example/ordered:v1
  serving: {}
`);
    const context = JSON.parse(fn.funcContext);
    expect(context.prePlugins).toEqual(['a', 'b', 'c']);
    expect(context.postPlugins).toEqual(['z']);
  });

  it('ignores an unreadable plugins annotation with a warning, as the controller does', async () => {
    const dir = await tempProject({
      'fn.yaml': `
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: badplugins
  annotations:
    plugins: "pre: plugin-a"
spec:
  image: example/badplugins:v1
  serving: {}
`,
    });
    const project = await loadProject([dir], { cwd: dir });
    expect(JSON.parse(project.functions[0]!.funcContext).prePlugins).toBeUndefined();
    expect(project.warnings.map((w) => `${w.path}: ${w.message}`)).toContainEqual(
      expect.stringMatching(/^metadata\.annotations\.plugins: ignored, as the controller does/),
    );
  });

  it('FUNC_CONTEXT_V1BETA2 carries the defaulted HTTP trigger and enabled tracing', async () => {
    const fn = await loadOne(`
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: web
spec:
  version: v2
  image: example/web:v1
  serving:
    triggers:
      http:
        route:
          hostnames: [web.example.com]
          rules:
            - backendRefs:
                - name: other
    tracing:
      enabled: true
      provider:
        name: opentelemetry
        exporter:
          name: otlp
          endpoint: collector:4317
`);
    expect(fn.funcContextV1beta2).toBe(
      '{"name":"web","version":"v2","triggers":{"http":{"port":8080,"route":{' +
        '"gatewayRef":{"name":"openfunction","namespace":"openfunction"},"hostnames":["web.example.com"],' +
        '"rules":[{"matches":[{"path":{"type":"PathPrefix","value":"/"}}],"backendRefs":[{"group":"","kind":"Service","name":"other","weight":1}]}]}}},' +
        '"tracing":{"enabled":true,"provider":{"name":"opentelemetry","exporter":{"name":"otlp","endpoint":"collector:4317"}}}}',
    );
  });
});
