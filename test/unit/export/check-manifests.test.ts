import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRDS_ENV, checkManifests, exportInputs, findCrdDir, writeDocuments } from '../../../src/export/index.js';
import { formatDiagnostic } from '../../../src/model/index.js';
import { CRDS_DIR, REPO_ROOT, crdSchemas, describeWithCrds, makeCheckout, requireCrdsWhenAsked, useTempDirs } from './helpers.js';

requireCrdsWhenAsked();
const tempDir = useTempDirs();

const FUNCTION_HEAD = 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata:\n  name: fn\nspec:\n  image: example/fn:v1\n';

interface BrokenCase {
  name: string;
  yaml: string;
  /** `file:line [doc N] path: message` lines that must be printed (file is `broken.yaml`). */
  expected: string[];
  /** A field path reported once only (the model and the CRD agree: one message). */
  once?: string;
}

// Each manifest is broken in one way; the check names the file, line, document and field.
const CASES: BrokenCase[] = [
  {
    name: 'a port that is not a number (the model says it best; the CRD agrees)',
    yaml: `${FUNCTION_HEAD}  serving:\n    triggers:\n      http:\n        port: 80a\n`,
    expected: ['broken.yaml:10 [doc 0] spec.serving.triggers.http.port: expected an integer from 1 to 65535, got string "80a"'],
    once: ' spec.serving.triggers.http.port: ',
  },
  {
    name: 'a field the CRD does not have (kubectl apply --validate=strict rejects it)',
    yaml: `${FUNCTION_HEAD}  serving:\n    runtime: knative\n`,
    expected: [
      'broken.yaml:8 [doc 0] spec.serving.runtime: warning: unknown field, ignored: not part of the core.openfunction.io/v1beta2 Function schema (a v1beta1 field; in v1beta2 the runtime follows from spec.serving.triggers (http: knative, dapr: async))',
      'broken.yaml:8 [doc 0] spec.serving.runtime: unknown field: not in the core.openfunction.io/v1beta2 Function CRD schema (kubectl apply rejects it)',
    ],
  },
  {
    name: 'a Function without an image',
    yaml: 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata:\n  name: fn\nspec:\n  serving: {}\n',
    expected: ['broken.yaml:5 [doc 0] spec.image: missing; expected a string'],
  },
  {
    name: 'minReplicas above maxReplicas (a webhook rule, not in the schema)',
    yaml: `${FUNCTION_HEAD}  serving:\n    scaleOptions:\n      minReplicas: 5\n      maxReplicas: 2\n`,
    expected: ['broken.yaml:9 [doc 0] spec.serving.scaleOptions.minReplicas: cannot be greater than maxReplicas 2, got 5'],
  },
  {
    name: 'a Dapr metadata value the CRD declares as an object, and a metadata item without a name',
    yaml: `${FUNCTION_HEAD}  serving:\n    bindings:\n      out:\n        type: bindings.http\n        version: v1\n        metadata:\n          - name: url\n            value: http://x\n          - value: y\n`,
    expected: ['broken.yaml:15 [doc 0] spec.serving.bindings.out.metadata[1].name: missing; expected a string'],
  },
  {
    name: 'a pod template with two ports the same',
    yaml: `${FUNCTION_HEAD}  serving:\n    template:\n      containers:\n        - name: function\n          ports:\n            - containerPort: 80\n            - containerPort: 80\n`,
    expected: ['broken.yaml:13 [doc 0] spec.serving.template.containers[0].ports[1]: duplicate entry containerPort=80, protocol="TCP": the same as item [0]'],
  },
  {
    name: 'a v1beta1 Function without serving.runtime, in the second document',
    yaml: `${FUNCTION_HEAD}  serving: {}\n---\napiVersion: core.openfunction.io/v1beta1\nkind: Function\nmetadata:\n  name: old\nspec:\n  image: example/old:v1\n  serving:\n    params: {A: "1"}\n`,
    expected: ['broken.yaml:15 [doc 1] spec.serving.runtime: expected one of "knative", "async"'],
  },
  {
    name: 'a Dapr Component without a version',
    yaml: 'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: c\nspec:\n  type: state.redis\n  metadata: []\n',
    expected: ['broken.yaml:5 [doc 0] spec.version: missing; required by the dapr.io/v1alpha1 Component schema'],
  },
  {
    name: 'an EventSource whose Kafka event has no brokers',
    yaml: 'apiVersion: events.openfunction.io/v1alpha1\nkind: EventSource\nmetadata:\n  name: es\nspec:\n  kafka:\n    orders:\n      topic: orders\n      authRequired: false\n  sink:\n    uri: http://fn.default.svc.cluster.local/\n',
    expected: ['broken.yaml:7 [doc 0] spec.kafka.orders.brokers: missing; required by the events.openfunction.io/v1alpha1 EventSource CRD schema'],
  },
  {
    name: 'a Trigger without subscribers, and an input without its event',
    yaml: 'apiVersion: events.openfunction.io/v1alpha1\nkind: Trigger\nmetadata:\n  name: t\nspec:\n  eventBus: default\n  inputs:\n    a:\n      eventSource: es\n',
    expected: [
      'broken.yaml:5 [doc 0] spec.subscribers: missing; required by the events.openfunction.io/v1alpha1 Trigger CRD schema',
      'broken.yaml:8 [doc 0] spec.inputs.a.event: missing; required by the events.openfunction.io/v1alpha1 Trigger CRD schema',
    ],
  },
  {
    name: 'an EventBus without the NATS URL',
    yaml: 'apiVersion: events.openfunction.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\nspec:\n  natsStreaming:\n    natsStreamingClusterID: stan\n    subscriptionType: queue\n    durableSubscriptionName: d\n',
    expected: ['broken.yaml:6 [doc 0] spec.natsStreaming.natsURL: missing; required by the events.openfunction.io/v1alpha1 EventBus CRD schema'],
  },
  {
    name: 'a Gateway without a domain, and a listener port written as text',
    yaml: 'apiVersion: networking.openfunction.io/v1alpha1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  gatewayRef: {name: contour, namespace: projectcontour}\n  gatewaySpec:\n    listeners:\n      - name: http\n        protocol: HTTP\n        port: "80"\n',
    expected: [
      'broken.yaml:5 [doc 0] spec.domain: missing; required by the networking.openfunction.io/v1alpha1 Gateway CRD schema',
      'broken.yaml:11 [doc 0] spec.gatewaySpec.listeners[0].port: expected an integer, got string "80"',
    ],
  },
  {
    name: 'a name the API server refuses',
    yaml: 'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: My_Component\nspec: {type: state.redis, version: v1, metadata: []}\n',
    expected: [
      'broken.yaml:4 [doc 0] metadata.name: expected text matching ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$, got string "My_Component"',
    ],
  },
  {
    name: 'YAML that does not parse',
    yaml: `${FUNCTION_HEAD}  serving: {triggers: [\n`,
    expected: ['broken.yaml:8 [doc 0] YAML syntax error'],
  },
];

describeWithCrds('--check: a table of broken manifests', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = await tempDir();
      await writeFile(path.join(dir, 'broken.yaml'), c.yaml);
      const result = await checkManifests([dir], { cwd: dir, crds: await crdSchemas() });
      const lines = result.problems.map((p) => formatDiagnostic(p, dir));
      for (const expected of c.expected) expect(lines, lines.join('\n')).toContainEqual(expect.stringContaining(expected));
      if (c.once) expect(lines.filter((line) => line.includes(c.once!))).toHaveLength(1);
      expect(result.problems.some((p) => p.severity === 'error')).toBe(true);
      expect(result.schemaChecked).toBe(true);
    });
  }

  it('passes the exported manifests, also away from the checkout their code is in', async () => {
    const { top } = await makeCheckout(await tempDir(), { copy: { app: 'test/fixtures/export/rich' } });
    const exported = await exportInputs(['app'], { cwd: top, registry: 'registry.example.com/shop' });
    const out = await tempDir();
    await writeDocuments(out, exported.documents);
    const result = await checkManifests([out], { cwd: out, crds: await crdSchemas() });
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.manifests).toBe(exported.documents.length);
    // Where the code is matters only to `ofn-local up`.
    expect(result.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^\(matters to a local run only\) "https:\/\/git\.example\.com\/team\/shop\.git" is a remote repository/),
      expect.stringMatching(/^\(matters to a local run only\) "https:\/\/git\.example\.com\/team\/shop\.git" is a remote repository/),
    ]);
  });

  it('passes the project fixtures as they are', async () => {
    for (const dir of ['fixtures/hello-node', 'test/fixtures/export/rich', 'test/fixtures/projects/probe']) {
      const result = await checkManifests([dir], { cwd: REPO_ROOT, crds: await crdSchemas() });
      expect(result.problems, dir).toEqual([]);
    }
  });
});

describe('--check without CRDs', () => {
  it("checks the model's rules only", async () => {
    const dir = await tempDir();
    await writeFile(
      path.join(dir, 'x.yaml'),
      'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: c}\nspec: {type: state.redis}\n---\n' +
        `${FUNCTION_HEAD}  serving:\n    scaleOptions: {minReplicas: 3, maxReplicas: 1}\n`,
    );
    const result = await checkManifests([dir], { cwd: dir });
    expect(result.schemaChecked).toBe(false);
    expect(result.problems.map((p) => formatDiagnostic(p, dir))).toEqual([
      'x.yaml:13 [doc 1] spec.serving.scaleOptions.minReplicas: cannot be greater than maxReplicas 1, got 3',
    ]);
  });

  it('reports inputs that are missing or hold no manifest', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'empty'));
    const missing = await checkManifests(['nope'], { cwd: dir });
    expect(missing.problems.map((p) => formatDiagnostic(p, dir))).toContainEqual(expect.stringContaining(`does not exist`));
    const empty = await checkManifests(['empty'], { cwd: dir });
    expect(empty.problems.map((p) => p.message)).toEqual(['no *.yaml or *.yml files found in empty']);
  });
});

describe('where the CRDs come from', () => {
  it('--crds, then OFN_LOCAL_CRDS, then ../shared/crds beside the package', async () => {
    const dir = await tempDir();
    expect(await findCrdDir({ option: '.', cwd: dir, env: {} })).toEqual({ dir, via: '--crds' });
    expect(await findCrdDir({ cwd: '/', env: { [CRDS_ENV]: dir } })).toEqual({ dir, via: CRDS_ENV });
    await expect(findCrdDir({ option: 'missing', cwd: dir, env: {} })).rejects.toMatchObject({
      code: 'ERR_CRDS',
      message: `--crds names ${path.join(dir, 'missing')}, which is not a folder`,
    });
    await expect(findCrdDir({ cwd: dir, env: { [CRDS_ENV]: 'gone' } })).rejects.toMatchObject({ code: 'ERR_CRDS' });
    await mkdir(path.join(dir, 'pkg'));
    expect(await findCrdDir({ cwd: dir, env: {}, packageRoot: path.join(dir, 'pkg') })).toBeUndefined();
    await mkdir(path.join(dir, 'shared', 'crds'), { recursive: true });
    expect(await findCrdDir({ cwd: dir, env: {}, packageRoot: path.join(dir, 'pkg') })).toEqual({
      dir: path.join(dir, 'shared', 'crds'),
      via: 'beside the package',
    });
  });

  it('finds ../shared/crds beside this repository by default', async () => {
    const found = await findCrdDir({ cwd: REPO_ROOT, env: {} });
    expect(found?.dir).toBe(found ? CRDS_DIR : undefined);
  });
});
