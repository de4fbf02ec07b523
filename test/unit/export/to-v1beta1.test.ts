import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Notes } from '../../../src/export/notes.js';
import { renderYaml } from '../../../src/export/render-yaml.js';
import { toV1beta1 } from '../../../src/export/to-v1beta1.js';
import { loadProject, type JsonObject } from '../../../src/model/index.js';
import { makeCheckout, useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

function convert(spec: JsonObject, metadata: JsonObject = { name: 'fn', namespace: 'default' }) {
  const notes = new Notes();
  const object = toV1beta1({ apiVersion: 'core.openfunction.io/v1beta2', kind: 'Function', metadata, spec }, 'Function default/fn', notes);
  return { object, spec: object['spec'] as Record<string, any>, metadata: object['metadata'] as Record<string, any>, notes: notes.lines };
}

/** What ofn-local (like the cluster's conversion webhook) makes of a v1beta1 manifest. */
async function convertedBack(v1beta1: JsonObject): Promise<JsonObject> {
  // In a checkout holding folder `a`, so that a remote srcRepo resolves locally.
  const { top } = await makeCheckout(await tempDir(), { files: { 'a/index.js': '\n' } });
  await writeFile(path.join(top, 'fn.yaml'), renderYaml(v1beta1));
  const project = await loadProject(['fn.yaml'], { cwd: top });
  return project.functions[0]!.resource;
}

const HTTP = { port: 8080, route: { gatewayRef: { name: 'openfunction', namespace: 'openfunction' }, hostnames: ['a.example.com'] } };

describe('v1beta2 -> v1beta1, as the conversion webhook maps back', () => {
  it('moves the http trigger to spec.port/route and dapr triggers to inputs', () => {
    const sync = convert({ image: 'x', serving: { triggers: { http: HTTP } } });
    expect(sync.spec).toEqual({ image: 'x', port: 8080, route: HTTP.route, serving: { runtime: 'knative' } });

    const async = convert({
      image: 'x',
      serving: { triggers: { dapr: [{ name: 'cron', type: 'bindings.cron' }, { name: 'ps', topic: 't', inputName: 'in' }] } },
    });
    expect(async.spec['serving']).toEqual({
      runtime: 'async',
      inputs: [
        { name: 'cron', component: 'cron' },
        { name: 'in', component: 'ps', topic: 't' },
      ],
    });
    expect(async.notes).toEqual([]);
  });

  it('writes hooks and tracing as the plugins annotations (yaml.v3 text, Go struct order)', () => {
    const { metadata, notes } = convert(
      {
        image: 'x',
        serving: {
          triggers: { http: { port: 8080 } },
          hooks: { pre: ['a', 'b'], post: ['b', 'a'], policy: 'Override' },
          tracing: { tags: { z: '1', func: 'fn' }, provider: { oapServer: 'oap:11800', name: 'skywalking' }, enabled: true },
        },
      },
      { name: 'fn', annotations: { plugins: 'order: [old]', team: 'a' } },
    );
    expect(metadata['annotations']).toEqual({
      plugins: 'pre:\n    - a\n    - b\npost:\n    - b\n    - a\n',
      'plugins.tracing': 'enabled: true\nprovider:\n    name: skywalking\n    oapServer: oap:11800\ntags:\n    func: fn\n    z: "1"\n',
      team: 'a',
    });
    expect(notes).toEqual([]);
  });

  it('moves scale options into KEDA scaledObject/scaledJob and KEDA triggers to serving.triggers', () => {
    const object = convert({
      image: 'x',
      serving: {
        triggers: { dapr: [{ name: 'k' }] },
        workloadType: 'StatefulSet',
        scaleOptions: {
          minReplicas: 1,
          maxReplicas: 4,
          keda: { scaledObject: { pollingInterval: 5, cooldownPeriod: 30 }, triggers: [{ type: 'kafka', metadata: { topic: 't' } }] },
        },
      },
    });
    expect(object.spec['serving']['scaleOptions']).toEqual({
      minReplicas: 1,
      maxReplicas: 4,
      keda: { scaledObject: { workloadType: 'StatefulSet', pollingInterval: 5, cooldownPeriod: 30, minReplicaCount: 1, maxReplicaCount: 4 } },
    });
    expect(object.spec['serving']['triggers']).toEqual([{ type: 'kafka', metadata: { topic: 't' } }]);

    const job = convert({
      image: 'x',
      serving: { triggers: { dapr: [{ name: 'k' }] }, workloadType: 'Job', scaleOptions: { maxReplicas: 3, keda: { scaledJob: { restartPolicy: 'Never' } } } },
    });
    expect(job.spec['serving']['scaleOptions']['keda']).toEqual({ scaledJob: { restartPolicy: 'Never', maxReplicaCount: 3 } });
    expect(job.notes).toEqual([]);
  });

  it('says what v1beta1 cannot carry', () => {
    const { spec, notes } = convert({
      image: 'x',
      build: {
        builder: 'b',
        srcRepo: { url: 'https://g.example.com/r.git' },
        timeout: '10m',
        shipwright: { params: [{ name: 'ONE', value: '1' }, { name: 'MANY', values: [{ value: 'a' }] }] },
      },
      serving: {
        triggers: { http: { port: 8080, engine: 'keda' }, inputs: [{ dapr: { name: 'store' } }] },
        outputs: [{ dapr: { name: 'elsewhere', type: 'bindings.http' } }],
        states: { ref: {} },
        hooks: { pre: ['a'] },
        scaleOptions: { keda: { httpScaledObject: { targetPendingRequests: 10 } } },
      },
    });
    expect(spec['build']).toEqual({ builder: 'b', srcRepo: { url: 'https://g.example.com/r.git' }, shipwright: {}, params: { ONE: '1' } });
    expect(spec['serving']).not.toHaveProperty('outputs');
    expect(spec['serving']).not.toHaveProperty('states');
    const tail = ': v1beta1 cannot express it, so the cluster drops it (export without --api-version v1beta1 to keep it)';
    expect(notes).toEqual([
      `Function default/fn: spec.serving.triggers.http.engine: engine "keda"${tail}`,
      `Function default/fn: spec.serving.triggers.inputs: triggers.inputs (extra Dapr inputs)${tail}`,
      `Function default/fn: spec.serving.scaleOptions.keda.httpScaledObject: httpScaledObject (KEDA http scaling)${tail}`,
      `Function default/fn: spec.serving.outputs[0]: output to component "elsewhere", not defined in this Function's bindings or pubsub${tail}`,
      `Function default/fn: spec.serving.states.ref: state store "ref" without spec (a reference to an existing Component)${tail}`,
      "Function default/fn: spec.serving.hooks.policy: not set (Append): v1beta1's plugins annotation comes back as policy Override, so the cluster's global hooks are no longer added (export without --api-version v1beta1 to keep them)",
      'Function default/fn: spec.build.shipwright.params[1]: parameter "MANY" has no single value: v1beta1 build.params cannot express it, so the cluster drops it',
      `Function default/fn: spec.build.timeout: the build timeout${tail}`,
    ]);
  });

  it('converts back (ofn-local reads v1beta1 as the webhook does) to the v1beta2 Function it came from', async () => {
    const functions: JsonObject[] = [
      {
        version: 'v1.0.0',
        image: 'example/a:v1',
        build: {
          builder: 'openfunction/builder-node:latest',
          env: { FUNC_NAME: 'a', FUNC_TYPE: 'http' },
          srcRepo: { url: 'https://g.example.com/r.git', revision: 'abc', sourceSubPath: 'a' },
          shipwright: { strategy: { name: 'openfunction', kind: 'ClusterBuildStrategy' }, params: [{ name: 'P', value: 'v' }] },
        },
        serving: {
          triggers: { http: HTTP },
          outputs: [{ dapr: { name: 'out', type: 'bindings.kafka', operation: 'create', metadata: { k: 'v' }, outputName: 'o' } }],
          bindings: { out: { type: 'bindings.kafka', version: 'v1', metadata: [{ name: 'brokers', value: 'kafka:9092' }] } },
          states: { s: { spec: { type: 'state.redis', version: 'v1', metadata: [] } } },
          params: { A: '1' },
          labels: { l: 'v' },
          annotations: { 'dapr.io/log-level': 'debug' },
          scaleOptions: { minReplicas: 0, maxReplicas: 3, knative: { 'autoscaling.knative.dev/target': '5' } },
          hooks: { pre: ['p'], post: ['p'], policy: 'Override' },
          template: { containers: [{ name: 'function' }] },
          timeout: '2m',
        },
      },
      {
        version: 'latest',
        image: 'example/b:v1',
        serving: {
          triggers: { dapr: [{ name: 'in', type: 'pubsub.kafka', topic: 't', inputName: 'in' }] },
          pubsub: { in: { type: 'pubsub.kafka', version: 'v1', metadata: [] } },
          workloadType: 'Job',
          scaleOptions: {
            maxReplicas: 7,
            keda: { scaledJob: { restartPolicy: 'OnFailure', pollingInterval: 10 }, triggers: [{ type: 'kafka', metadata: { lagThreshold: '5' } }] },
          },
        },
      },
    ];
    for (const spec of functions) {
      const original = { apiVersion: 'core.openfunction.io/v1beta2', kind: 'Function', metadata: { name: 'fn', namespace: 'default' }, spec };
      const { object, notes } = convert(spec);
      expect(notes).toEqual([]);
      const back = await convertedBack(object);
      expect(back['spec']).toEqual(original.spec);
    }
  });
});
