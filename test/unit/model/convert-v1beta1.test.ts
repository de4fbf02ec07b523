import { describe, expect, it } from 'vitest';
import { ModelError, formatDiagnostic, loadProject } from '../../../src/model/index.js';
import type { LoadedFunction, Project } from '../../../src/model/index.js';
import { useTempProjects } from './temp-project.js';

const tempProject = useTempProjects();

async function load(text: string): Promise<{ project: Project; fn: LoadedFunction; dir: string }> {
  const dir = await tempProject({ 'fn.yaml': text, 'code/index.js': '' });
  const project = await loadProject([dir], { cwd: dir });
  return { project, fn: project.functions[0]!, dir };
}

const kafkaSpec = 'type: bindings.kafka\n        version: v1\n        metadata:\n          - name: brokers\n            value: "kafka:9092"';

describe('v1beta1 Functions are converted as the conversion webhook does', () => {
  it('knative: spec.port and spec.route move under triggers.http; plugins annotation becomes hooks', async () => {
    const { fn } = await load(`
apiVersion: core.openfunction.io/v1beta1
kind: Function
metadata:
  name: front
  annotations:
    plugins: |
      order: [plugin-a, plugin-b]
spec:
  version: v1.0.0
  image: example/front:v1
  port: 9090
  route:
    hostnames: [front.example.com]
  build:
    builder: openfunction/builder-node:latest
    env: {FUNC_NAME: front}
    params: {RUN_IMAGE: run:v1}
    srcRepo:
      url: ./code
  serving:
    runtime: knative
    outputs:
      - name: sink
        component: kafka-out
        operation: create
        params: {key: k}
      - name: lost
        component: undefined-component
    bindings:
      kafka-out:
        ${kafkaSpec}
    scaleOptions:
      minReplicas: 0
      maxReplicas: 3
`);
    expect(fn.origin.convertedFrom).toBe('core.openfunction.io/v1beta1');
    expect(fn.runtime).toBe('knative');
    expect(fn.port).toBe(9090);
    expect(fn.resource['apiVersion']).toBe('core.openfunction.io/v1beta2');
    const spec = fn.resource['spec'] as Record<string, any>;
    expect(spec['serving'].triggers).toEqual({
      http: {
        port: 9090,
        route: { hostnames: ['front.example.com'], gatewayRef: { name: 'openfunction', namespace: 'openfunction' } },
      },
    });
    expect(spec['serving'].outputs).toEqual([
      { dapr: { name: 'kafka-out', type: 'bindings.kafka', metadata: { key: 'k' }, operation: 'create', outputName: 'sink' } },
    ]);
    expect(spec['serving'].hooks).toEqual({ pre: ['plugin-a', 'plugin-b'], post: ['plugin-b', 'plugin-a'], policy: 'Override' });
    expect(spec['build'].shipwright).toEqual({ params: [{ name: 'RUN_IMAGE', value: 'run:v1' }] });
    expect(spec['serving'].runtime).toBeUndefined();
    expect(spec['port']).toBeUndefined();
    expect(fn.scale).toEqual({ min: 0, max: 3, target: 100, containerConcurrency: 0 });
    // The annotation still drives FUNC_CONTEXT's plugin lists, and the output keeps its old name.
    expect(JSON.parse(fn.funcContext)).toEqual({
      name: 'front',
      version: 'v1.0.0',
      outputs: {
        sink: { uri: 'kafka-out', componentName: 'kafka-out', componentType: 'bindings.kafka', metadata: { key: 'k' }, operation: 'create' },
      },
      runtime: 'Knative',
      port: '9090',
      prePlugins: ['plugin-a', 'plugin-b'],
      postPlugins: ['plugin-b', 'plugin-a'],
    });
  });

  it('warns about what the conversion drops', async () => {
    const { project, dir } = await load(`
apiVersion: core.openfunction.io/v1beta1
kind: Function
metadata:
  name: front
spec:
  image: example/front:v1
  serving:
    runtime: knative
    outputs:
      - name: lost
        component: undefined-component
`);
    expect(project.warnings.map((w) => formatDiagnostic(w, dir))).toEqual([
      'fn.yaml:12 [doc 0] spec.serving.outputs[0].component: warning: output dropped by the conversion to v1beta2: component "undefined-component" is not defined in spec.serving.bindings or spec.serving.pubsub',
    ]);
  });

  it('async: one Dapr trigger per input, typed from bindings/pubsub; KEDA settings move', async () => {
    const { fn } = await load(`
apiVersion: core.openfunction.io/v1beta1
kind: Function
metadata:
  name: consumer
spec:
  version: v1.0.0
  image: example/consumer:v1
  serving:
    runtime: async
    inputs:
      - name: greeting
        component: kafka-in
      - name: orders
        component: queue
        topic: orders
    bindings:
      kafka-in:
        ${kafkaSpec}
    pubsub:
      queue:
        type: pubsub.kafka
        version: v1
        metadata: []
    states:
      cache:
        type: state.redis
        version: v1
        metadata: []
    scaleOptions:
      keda:
        scaledObject:
          workloadType: StatefulSet
          pollingInterval: 15
          minReplicaCount: 1
          maxReplicaCount: 4
    triggers:
      - type: kafka
        targetKind: object
        metadata:
          topic: sample
`);
    expect(fn.runtime).toBe('async');
    const serving = (fn.resource['spec'] as Record<string, any>)['serving'];
    expect(serving.triggers).toEqual({
      dapr: [
        { name: 'kafka-in', type: 'bindings.kafka', inputName: 'greeting' },
        { name: 'queue', type: 'pubsub.kafka', topic: 'orders', inputName: 'orders' },
      ],
    });
    expect(serving.states).toEqual({ cache: { spec: { type: 'state.redis', version: 'v1', metadata: [] } } });
    expect(serving.scaleOptions).toEqual({
      maxReplicas: 4,
      minReplicas: 1,
      keda: { scaledObject: { pollingInterval: 15 }, triggers: [{ type: 'kafka', metadata: { topic: 'sample' } }] },
    });
    expect(serving.workloadType).toBe('StatefulSet');
    expect(JSON.parse(fn.funcContext)).toEqual({
      name: 'consumer',
      version: 'v1.0.0',
      inputs: {
        greeting: { uri: 'kafka-in', componentName: 'kafka-in', componentType: 'bindings.kafka' },
        orders: { uri: 'orders', componentName: 'queue', componentType: 'pubsub.kafka' },
      },
      states: { cache: { componentName: 'cache', componentType: 'state.redis' } },
      runtime: 'Async',
      port: '8080',
    });
    expect(fn.scale.min).toBe(1);
    expect(fn.scale.max).toBe(4);
  });

  it('reports v1beta1 problems at the fields as written', async () => {
    const dir = await tempProject({
      'fn.yaml': `apiVersion: core.openfunction.io/v1beta1
kind: Function
metadata:
  name: broken
spec:
  image: example/broken:v1
  port: "http"
  serving:
    runtime: sync
    scaleOptions:
      keda:
        scaledObject:
          minReplicaCount: 3
          maxReplicaCount: 1
`,
    });
    const err = await loadProject([dir], { cwd: dir }).catch((e: unknown) => e as ModelError);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).diagnostics.map((d) => formatDiagnostic(d, dir))).toEqual([
      'fn.yaml:7 [doc 0] spec.port: expected an integer from 1 to 65535, got string "http"',
      'fn.yaml:9 [doc 0] spec.serving.runtime: expected one of "knative", "async", got string "sync"',
    ]);

    const dir2 = await tempProject({
      'fn.yaml': `apiVersion: core.openfunction.io/v1beta1
kind: Function
metadata:
  name: broken
spec:
  image: example/broken:v1
  serving:
    runtime: async
    scaleOptions:
      keda:
        scaledObject:
          minReplicaCount: 3
          maxReplicaCount: 1
`,
    });
    const err2 = await loadProject([dir2], { cwd: dir2 }).catch((e: unknown) => e as ModelError);
    expect((err2 as ModelError).diagnostics.map((d) => formatDiagnostic(d, dir2))).toEqual([
      'fn.yaml:12 [doc 0] spec.serving.scaleOptions.keda.scaledObject.minReplicaCount: cannot be greater than maxReplicas 1, got 3',
    ]);
  });
});
