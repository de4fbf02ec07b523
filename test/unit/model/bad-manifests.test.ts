import { describe, expect, it } from 'vitest';
import { ModelError, formatDiagnostic, loadProject } from '../../../src/model/index.js';
import { useTempProjects } from './temp-project.js';

const tempProject = useTempProjects();

const HEADER = 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata:\n  name: bad\n';

/**
 * Each case is a Function (after the common header) whose offending line carries the comment
 * `# <-`; the expected diagnostic is `fn.yaml:<that line> [doc 0] <expected>`.
 */
const cases: { name: string; body: string; expected: string }[] = [
  {
    name: 'a port that is not a number',
    body: 'spec:\n  image: x\n  serving:\n    triggers:\n      http:\n        port: 80a # <-\n',
    expected: 'spec.serving.triggers.http.port: expected an integer from 1 to 65535, got string "80a"',
  },
  {
    name: 'a port out of range',
    body: 'spec:\n  image: x\n  serving:\n    triggers:\n      http:\n        port: 70000 # <-\n',
    expected: 'spec.serving.triggers.http.port: expected an integer from 1 to 65535, got number 70000',
  },
  {
    name: 'no image',
    body: 'spec: # <-\n  serving: {}\n',
    expected: 'spec.image: missing; expected a string',
  },
  {
    name: 'an empty image',
    body: 'spec:\n  image: "" # <-\n  serving: {}\n',
    expected: 'spec.image: must not be empty',
  },
  {
    name: 'a build without builder or dockerfile',
    body: 'spec:\n  image: x\n  build: # <-\n    srcRepo:\n      url: ./src\n',
    expected: 'spec.build.builder: missing; expected a builder image',
  },
  {
    name: 'a srcRepo without url or bundleContainer',
    body: 'spec:\n  image: x\n  build:\n    builder: b\n    srcRepo: # <-\n      revision: main\n',
    expected: 'spec.build.srcRepo: expected one of url or bundleContainer',
  },
  {
    name: 'a build without srcRepo',
    body: 'spec:\n  image: x\n  build: # <-\n    builder: b\n',
    expected: 'spec.build.srcRepo: missing; expected a mapping',
  },
  {
    name: 'an unknown strategy kind',
    body: 'spec:\n  image: x\n  build:\n    builder: b\n    srcRepo: {url: ./src}\n    shipwright:\n      strategy:\n        name: buildah\n        kind: Cluster # <-\n',
    expected: 'spec.build.shipwright.strategy.kind: expected one of "BuildStrategy", "ClusterBuildStrategy", got string "Cluster"',
  },
  {
    name: 'a timeout that is not a duration',
    body: 'spec:\n  image: x\n  build:\n    builder: b\n    srcRepo: {url: ./src}\n    timeout: soon # <-\n',
    expected: 'spec.build.timeout: expected a duration such as "30s", "5m" or "1h30m", got string "soon"',
  },
  {
    name: 'a negative timeout',
    body: 'spec:\n  image: x\n  build:\n    builder: b\n    srcRepo: {url: ./src}\n    timeout: -5m # <-\n',
    expected: 'spec.build.timeout: cannot be negative, got "-5m"',
  },
  {
    name: 'a negative minReplicas',
    body: 'spec:\n  image: x\n  serving:\n    scaleOptions:\n      minReplicas: -1 # <-\n',
    expected: 'spec.serving.scaleOptions.minReplicas: cannot be negative, got -1',
  },
  {
    name: 'minReplicas above maxReplicas',
    body: 'spec:\n  image: x\n  serving:\n    scaleOptions:\n      minReplicas: 5 # <-\n      maxReplicas: 2\n',
    expected: 'spec.serving.scaleOptions.minReplicas: cannot be greater than maxReplicas 2, got 5',
  },
  {
    name: 'minReplicas above the default maxReplicas of the check',
    body: 'spec:\n  image: x\n  serving:\n    scaleOptions:\n      minReplicas: 12 # <-\n',
    expected: 'spec.serving.scaleOptions.minReplicas: cannot be greater than maxReplicas 10 (the default when maxReplicas is not set), got 12',
  },
  {
    name: 'two KEDA scalers',
    body: 'spec:\n  image: x\n  serving:\n    scaleOptions:\n      keda: # <-\n        scaledObject: {}\n        scaledJob: {}\n',
    expected: 'spec.serving.scaleOptions.keda: expected only one of scaledObject, scaledJob and httpScaledObject',
  },
  {
    name: 'an unknown http engine',
    body: 'spec:\n  image: x\n  serving:\n    triggers:\n      http:\n        engine: nginx # <-\n',
    expected: 'spec.serving.triggers.http.engine: expected one of "knative", "keda", got string "nginx"',
  },
  {
    name: 'neither build nor serving',
    body: 'spec: # <-\n  image: x\n',
    expected: 'spec.serving: missing; a Function needs spec.serving, spec.build, or both',
  },
  {
    name: 'an unquoted boolean param',
    body: 'spec:\n  image: x\n  serving:\n    params:\n      DEBUG: true # <-\n',
    expected: 'spec.serving.params.DEBUG: expected a string (quote numbers and booleans), got boolean true',
  },
  {
    name: 'a YAML 1.1 boolean in build env (kubectl reads `yes` as true)',
    body: 'spec:\n  image: x\n  build:\n    builder: b\n    srcRepo: {url: ./src}\n    env:\n      FUNC_CLEAR_SOURCE: yes # <-\n',
    expected: 'spec.build.env.FUNC_CLEAR_SOURCE: expected a string (quote numbers and booleans), got boolean true',
  },
  {
    name: 'a numeric version',
    body: 'spec:\n  version: 1.0 # <-\n  image: x\n  serving: {}\n',
    expected: 'spec.version: expected a string, got number 1',
  },
  {
    name: 'a Dapr component without version',
    body: 'spec:\n  image: x\n  serving:\n    bindings:\n      cron: # <-\n        type: bindings.cron\n        metadata: []\n',
    expected: 'spec.serving.bindings.cron.version: missing; expected a string',
  },
  {
    name: 'a Dapr trigger without name',
    body: 'spec:\n  image: x\n  serving:\n    triggers:\n      dapr:\n        - type: bindings.cron # <-\n',
    expected: 'spec.serving.triggers.dapr[0].name: missing; expected a string',
  },
  {
    name: 'Dapr triggers written as a mapping',
    body: 'spec:\n  image: x\n  serving:\n    triggers:\n      dapr: # <-\n        name: cron\n',
    expected: 'spec.serving.triggers.dapr: expected a list, got a mapping',
  },
  {
    name: 'a name that is not a DNS name',
    body: 'spec:\n  image: x\n  serving: {}\n',
    expected: 'metadata.name: expected a lowercase DNS name',
  },
  {
    name: 'image credentials without a name under a build',
    body: 'spec:\n  image: x\n  imageCredentials: {} # <-\n  build:\n    builder: b\n    srcRepo: {url: ./src}\n',
    expected: 'spec.imageCredentials.name: missing; expected a Secret name',
  },
  {
    name: 'a custom KEDA scaling strategy without its settings',
    body: 'spec:\n  image: x\n  serving:\n    scaleOptions:\n      keda:\n        scaledJob:\n          scalingStrategy: # <-\n            strategy: custom\n',
    expected: 'spec.serving.scaleOptions.keda.scaledJob.scalingStrategy.customScalingQueueLengthDeduction: missing; expected an integer when strategy is custom',
  },
  {
    name: 'a scale annotation that is not a number',
    body: 'spec:\n  image: x\n  serving:\n    annotations:\n      autoscaling.knative.dev/target: lots # <-\n',
    expected: 'spec.serving.annotations[autoscaling.knative.dev/target]: expected a number of concurrent requests per instance (at least 0.01), got string "lots"',
  },
];

async function diagnosticsOf(text: string): Promise<{ dir: string; err: ModelError }> {
  const dir = await tempProject({ 'fn.yaml': text, 'src/index.js': '' });
  try {
    await loadProject([dir], { cwd: dir });
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return { dir, err: err as ModelError };
  }
  throw new Error('expected the manifest to be rejected');
}

describe('bad manifests', () => {
  it.each(cases)('$name', async ({ name, body, expected }) => {
    const header = name === 'a name that is not a DNS name' ? HEADER.replace('name: bad', 'name: Bad_Name # <-') : HEADER;
    const text = header + body;
    const line = text.split('\n').findIndex((l) => l.includes('# <-')) + 1;
    const { dir, err } = await diagnosticsOf(text);
    expect(err.code).toBe('ERR_MANIFEST');
    const errors = err.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d, dir));
    expect(errors).toContainEqual(expect.stringContaining(`fn.yaml:${line} [doc 0] ${expected}`));
    expect(err.message).toContain(`fn.yaml:${line} [doc 0] ${expected}`);
  });

  it('reports every problem of a document, not just the first', async () => {
    const { dir, err } = await diagnosticsOf(
      HEADER +
        'spec:\n  image: x\n  serving:\n    triggers:\n      http:\n        port: "80a"\n    params:\n      A: 1\n    bogus: true\n',
    );
    expect(err.diagnostics.map((d) => formatDiagnostic(d, dir))).toEqual([
      'fn.yaml:10 [doc 0] spec.serving.triggers.http.port: expected an integer from 1 to 65535, got string "80a"',
      'fn.yaml:12 [doc 0] spec.serving.params.A: expected a string (quote numbers and booleans), got number 1',
      'fn.yaml:13 [doc 0] spec.serving.bogus: warning: unknown field, ignored: not part of the core.openfunction.io/v1beta2 Function schema',
    ]);
  });

  it('reports the webhook rules together', async () => {
    const { err } = await diagnosticsOf(
      HEADER + 'spec:\n  image: ""\n  build:\n    srcRepo: {}\n  serving:\n    scaleOptions: {minReplicas: 3, maxReplicas: 1}\n',
    );
    expect(err.diagnostics.map((d) => d.path)).toEqual([
      'spec.image',
      'spec.build.builder',
      'spec.build.srcRepo',
      'spec.serving.scaleOptions.minReplicas',
    ]);
  });
});

describe('unknown fields', () => {
  it('warns about each unknown field with its path and drops it from the resource', async () => {
    const dir = await tempProject({
      'fn.yaml':
        HEADER +
        '  colour: blue\n' +
        'spec:\n  image: x\n  port: 8080\n  serving:\n    runtime: knative\n    triggers:\n      http:\n        port: 8080\n        path: /x\n' +
        '    template:\n      containers:\n        - name: function\n          anything: goes\n      nodeSelector: {a: b}\n',
    });
    const project = await loadProject([dir], { cwd: dir });
    expect(project.warnings.map((w) => formatDiagnostic(w, dir))).toEqual([
      'fn.yaml:5 [doc 0] metadata.colour: warning: unknown field, ignored: not part of the core.openfunction.io/v1beta2 Function schema',
      'fn.yaml:8 [doc 0] spec.port: warning: unknown field, ignored: not part of the core.openfunction.io/v1beta2 Function schema (a v1beta1 field; in v1beta2 use spec.serving.triggers.http.port)',
      'fn.yaml:10 [doc 0] spec.serving.runtime: warning: unknown field, ignored: not part of the core.openfunction.io/v1beta2 Function schema (a v1beta1 field; in v1beta2 the runtime follows from spec.serving.triggers (http: knative, dapr: async))',
      'fn.yaml:14 [doc 0] spec.serving.triggers.http.path: warning: unknown field, ignored: not part of the core.openfunction.io/v1beta2 Function schema',
    ]);
    const spec = project.functions[0]!.resource['spec'] as { port?: number; serving: Record<string, unknown> };
    expect(spec.port).toBeUndefined();
    expect(spec.serving['runtime']).toBeUndefined();
    // Inside the PodSpec template nothing is checked or dropped.
    expect(spec.serving['template']).toEqual({
      containers: [{ name: 'function', anything: 'goes' }],
      nodeSelector: { a: 'b' },
    });
  });
});
