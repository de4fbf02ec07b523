import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportInputs } from '../../../src/export/index.js';
import { REMOTE_URL, bytesOf, makeCheckout, markPushed, useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

const NODE_CODE = { 'index.js': "exports.hello = (req, res) => res.send('hi');\n", 'package.json': '{"name":"x","main":"index.js"}\n' };

/** A Node function built from `url` (relative to the manifest), v1beta2. */
function builtFunction(name: string, opts: { url?: string; extra?: string; namespace?: string; version?: string; image?: string } = {}): string {
  return [
    'apiVersion: core.openfunction.io/v1beta2',
    'kind: Function',
    'metadata:',
    `  name: ${name}`,
    ...(opts.namespace ? [`  namespace: ${opts.namespace}`] : []),
    'spec:',
    `  version: "${opts.version ?? 'v1.0.0'}"`,
    `  image: "${opts.image ?? `example/${name}:v1`}"`,
    '  build:',
    '    builder: openfunction/builder-node:latest',
    '    env: {FUNC_NAME: hello, FUNC_TYPE: http}',
    '    srcRepo:',
    `      url: "${opts.url ?? '.'}"`,
    ...(opts.extra ? [opts.extra] : []),
    '  serving:',
    '    triggers:',
    '      http: {port: 8080}',
    '',
  ].join('\n');
}

function files(dir: string, content: Record<string, string>): Promise<void[]> {
  return Promise.all(
    Object.entries(content).map(async ([name, text]) => {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }),
  );
}

function fnSpec(result: Awaited<ReturnType<typeof exportInputs>>, name: string): Record<string, any> {
  const doc = result.documents.find((d) => d.kind === 'Function' && d.name === name);
  if (!doc) throw new Error(`no Function ${name} exported`);
  return doc.object['spec'] as Record<string, any>;
}

describe('srcRepo from the git checkout', () => {
  it('names the remote (without credentials), the commit and the folder below the top', async () => {
    const { top, revision } = await makeCheckout(
      await tempDir(),
      { files: { 'functions/hello/function.yaml': builtFunction('hello'), ...prefix('functions/hello/', NODE_CODE) } },
      'https://robot:s3cret@git.example.com/team/shop.git',
    );
    const result = await exportInputs(['functions/hello'], { cwd: top });
    expect(fnSpec(result, 'hello')['build']).toEqual({
      builder: 'openfunction/builder-node:latest',
      env: { FUNC_NAME: 'hello', FUNC_TYPE: 'http' },
      srcRepo: { url: 'https://git.example.com/team/shop.git', revision, sourceSubPath: 'functions/hello' },
    });
    expect(result.documents[0]?.yaml).not.toContain('s3cret');
    const warnings = result.warnings.join('\n');
    expect(warnings).toContain('Function default/hello: spec.build.srcRepo.url: "." is a local folder: exported as the checkout\'s remote "origin" https://git.example.com/team/shop.git');
    expect(warnings).toContain('the credentials in the URL of remote "origin" were left out');
    expect(warnings).toContain(`spec.build.srcRepo.revision: commit ${revision.slice(0, 12)} is on no remote-tracking branch: push it (git push origin HEAD)`);
    expect(warnings).not.toContain('uncommitted');
  });

  it('warns about uncommitted and untracked files in the function folder only', async () => {
    const { top } = await makeCheckout(await tempDir(), {
      files: { 'fn/function.yaml': builtFunction('hello'), ...prefix('fn/', NODE_CODE), 'other/readme.md': 'x\n' },
    });
    markPushed(top);
    await writeFile(path.join(top, 'other/readme.md'), 'changed elsewhere\n');
    expect((await exportInputs(['fn'], { cwd: top })).warnings.join('\n')).not.toMatch(/uncommitted|remote-tracking/);

    await writeFile(path.join(top, 'fn/index.js'), "exports.hello = (req, res) => res.send('changed');\n");
    await writeFile(path.join(top, 'fn/new.js'), '\n');
    const warnings = (await exportInputs(['fn'], { cwd: top })).warnings;
    expect(warnings).toContainEqual(
      expect.stringMatching(/^Function default\/hello: spec\.build\.srcRepo: fn has uncommitted changes \(M fn\/index\.js, \?\? fn\/new\.js\): the cluster builds commit [0-9a-f]{12} without them; commit and push, then export again$/),
    );
  });

  it("keeps the manifest's URL when it names the same repository, and says what it replaced", async () => {
    const manifest = builtFunction('hello', { url: 'git@git.example.com:team/shop.git', extra: '      sourceSubPath: app\n      revision: main' });
    const { top, revision } = await makeCheckout(await tempDir(), { files: { 'app/function.yaml': manifest, ...prefix('app/', NODE_CODE) } });
    markPushed(top);
    const result = await exportInputs(['app'], { cwd: top });
    expect(fnSpec(result, 'hello')['build']['srcRepo']).toEqual({ url: 'git@git.example.com:team/shop.git', revision, sourceSubPath: 'app' });
    expect(result.warnings).toEqual([
      'Function default/hello: spec.build.srcRepo.url: git@git.example.com:team/shop.git is an SSH URL: the cluster needs srcRepo.credentials naming a Secret with an SSH key, or use the repository\'s https URL',
      `Function default/hello: spec.build.srcRepo.revision: "main" replaced by ${revision}, the commit checked out (what ran locally)`,
      'Function default/hello: spec.imageCredentials: not set: the cluster build pushes example/hello:v1 and needs a push Secret (kubectl create secret docker-registry push-secret --docker-server=... --docker-username=... --docker-password=..., then imageCredentials: {name: push-secret})',
    ]);
  });

  it('keeps srcRepo as written, with a warning, outside a git checkout or without a remote', async () => {
    const dir = await tempDir();
    await files(dir, { 'function.yaml': builtFunction('hello'), ...NODE_CODE });
    const outside = await exportInputs([dir], { cwd: dir });
    expect(fnSpec(outside, 'hello')['build']['srcRepo']).toEqual({ url: '.' });
    expect(outside.warnings[0]).toBe(
      `Function default/hello: spec.build.srcRepo.url: "." is a local folder the cluster cannot clone, and ${dir} is not inside a git checkout: push the code to a git repository and set srcRepo.url, revision and sourceSubPath, or export from inside its checkout`,
    );

    const { top } = await makeCheckout(await tempDir(), { files: { 'function.yaml': builtFunction('hello'), ...NODE_CODE } }, null);
    const noRemote = await exportInputs([top], { cwd: top });
    expect(fnSpec(noRemote, 'hello')['build']['srcRepo']).toEqual({ url: '.' });
    expect(noRemote.warnings[0]).toContain(`the checkout ${top} has no remote, so the cluster has nothing to clone`);
  });
});

describe('the image', () => {
  it('is <registry>/<name>:<version> with --registry; a version that is no tag is made one', async () => {
    const { top } = await makeCheckout(await tempDir(), {
      files: {
        'a/function.yaml': builtFunction('hello', { version: '1.0+build.7' }),
        ...prefix('a/', NODE_CODE),
        'b/function.yaml': builtFunction('hello', { namespace: 'shop' }),
        ...prefix('b/', NODE_CODE),
        'c/function.yaml': builtFunction('other'),
        ...prefix('c/', NODE_CODE),
      },
    });
    const result = await exportInputs([top], { cwd: top, registry: 'registry.example.com/team/' });
    // Two functions called hello (two namespaces) would push to one image: the namespace goes in.
    expect(fnSpec(result, 'hello')['image']).toBe('registry.example.com/team/default-hello:1.0-build.7');
    expect(result.documents.find((d) => d.namespace === 'shop')?.object['spec']).toMatchObject({
      image: 'registry.example.com/team/shop-hello:v1.0.0',
    });
    expect(fnSpec(result, 'other')['image']).toBe('registry.example.com/team/other:v1.0.0');
    expect(result.warnings).toContain('Function default/hello: spec.image: spec.version "1.0+build.7" is not a valid image tag: tagged 1.0-build.7');
  });

  it('is kept without --registry, with a warning when it is a placeholder', async () => {
    const dir = await tempDir();
    await files(dir, {
      'built.yaml': builtFunction('built', { image: '<your registry name>/built:v1' }),
      ...NODE_CODE,
      'image-only.yaml': 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata: {name: prebuilt}\nspec:\n  image: your-registry/prebuilt:v1\n  serving: {}\n',
    });
    const result = await exportInputs([dir], { cwd: dir });
    expect(fnSpec(result, 'built')['image']).toBe('<your registry name>/built:v1');
    expect(result.warnings).toContain(
      'Function default/built: spec.image: "<your registry name>/built:v1" is a placeholder: pass --registry <registry> (the image becomes <registry>/built:v1.0.0) or set spec.image to where the cluster build should push',
    );
    expect(result.warnings).toContain(
      'Function default/prebuilt: spec.image: "your-registry/prebuilt:v1" is a placeholder and there is no spec.build to produce it: set the image the cluster should run',
    );
  });
});

describe('local-only parts become warnings', () => {
  it('the ofn-local.dev/source annotation: removed, and a spec.build added for the cluster', async () => {
    const manifest = [
      'apiVersion: core.openfunction.io/v1beta2',
      'kind: Function',
      'metadata:',
      '  name: hello',
      '  annotations: {ofn-local.dev/source: ./code, team: a}',
      '  labels: {ofn-local.dev/owner: me}',
      'spec:',
      '  image: example/hello:v1',
      '  serving:',
      '    params: {FUNCTION_TARGET: hello}',
      '    labels: {ofn-local.dev/x: "1", app: hello}',
      '    annotations: {ofn-local.dev/y: "2"}',
      '',
    ].join('\n');
    const { top, revision } = await makeCheckout(await tempDir(), { files: { 'deploy/fn.yaml': manifest, ...prefix('deploy/code/', NODE_CODE) } });
    markPushed(top);
    const result = await exportInputs(['deploy'], { cwd: top, registry: 'reg.example.com' });
    const doc = result.documents[0]!;
    expect(doc.object['metadata']).toEqual({ name: 'hello', namespace: 'default', annotations: { team: 'a' } });
    expect(doc.object['spec']).toEqual({
      version: 'latest',
      image: 'reg.example.com/hello:latest',
      build: {
        builder: 'openfunction/builder-node:latest',
        env: { FUNC_NAME: 'hello', FUNC_TYPE: 'http' },
        srcRepo: { url: REMOTE_URL, revision, sourceSubPath: 'deploy/code' },
      },
      serving: {
        triggers: { http: { port: 8080, route: { gatewayRef: { name: 'openfunction', namespace: 'openfunction' } } } },
        labels: { app: 'hello' },
        params: { FUNCTION_TARGET: 'hello' },
      },
    });
    expect(result.warnings).toEqual([
      `Function default/hello: spec.build: added: ofn-local built the code in deploy/code itself; the cluster builds it from ${REMOTE_URL} with openfunction/builder-node:latest`,
      'Function default/hello: spec.imageCredentials: not set: the cluster build pushes reg.example.com/hello:latest and needs a push Secret (kubectl create secret docker-registry push-secret --docker-server=... --docker-username=... --docker-password=..., then imageCredentials: {name: push-secret})',
      'Function default/hello: metadata.labels[ofn-local.dev/owner]: ofn-local\'s own key (value "me"); removed: it means nothing to a cluster',
      `Function default/hello: metadata.annotations[ofn-local.dev/source]: local-only (where ofn-local finds the code, "./code"); removed: the cluster builds from spec.build.srcRepo (${REMOTE_URL}, deploy/code)`,
      'Function default/hello: spec.serving.labels[ofn-local.dev/x]: ofn-local\'s own key (value "1"); removed: it means nothing to a cluster',
      'Function default/hello: spec.serving.annotations[ofn-local.dev/y]: ofn-local\'s own key (value "2"); removed: it means nothing to a cluster',
    ]);
  });

  it('code outside a checkout and no spec.build: exported as an image to build and push by hand', async () => {
    const dir = await tempDir();
    await files(dir, {
      'fn.yaml': 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata:\n  name: hello\n  annotations: {ofn-local.dev/source: .}\nspec:\n  image: example/hello:v1\n  serving: {}\n',
      ...NODE_CODE,
    });
    const result = await exportInputs([dir], { cwd: dir, registry: 'reg.example.com' });
    const spec = fnSpec(result, 'hello');
    expect(spec['build']).toBeUndefined();
    expect(spec['image']).toBe('reg.example.com/hello:latest');
    expect(result.warnings[0]).toBe(
      `Function default/hello: spec.build: ofn-local built the code in . itself, but ${dir} is not inside a git checkout, so a cluster build has no source: ` +
        'exported without spec.build; build and push the image yourself, e.g. pack build reg.example.com/hello:latest --builder openfunction/builder-node:latest --env FUNC_NAME=function --publish',
    );
    expect(result.warnings[1]).toBe(
      'Function default/hello: metadata.annotations[ofn-local.dev/source]: local-only (where ofn-local finds the code, "."); removed: the cluster runs spec.image reg.example.com/hello:latest',
    );
  });

  it("ofn-local's project config and its backing services", async () => {
    const dir = await tempDir();
    await files(dir, {
      'fn.yaml': 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata: {name: hello}\nspec:\n  image: example/hello:v1\n  serving: {}\n',
      'ofn-local.yaml': 'services:\n  kafka: {port: 9092}\n  cache: {image: redis:7, host: redis, port: 6379}\n  broker: {type: mqtt, address: "emqx:1883"}\n',
    });
    const result = await exportInputs([dir], { cwd: dir });
    expect(result.modelWarnings).toEqual([]); // ofn-local.yaml is ofn-local's own file, not read as a manifest
    expect(result.warnings).toEqual([
      "ofn-local.yaml: ofn-local's own project config; not exported (a cluster has no use for it)",
      'ofn-local.yaml: Kafka (kafka) at kafka:9092 is a backing service here: install a Kafka broker (e.g. with the Strimzi operator) in the cluster and point the components at its address',
      'ofn-local.yaml: Redis (cache) at redis:6379 is a backing service here: install Redis (e.g. the Bitnami Redis chart) in the cluster and point the components at its address',
      'ofn-local.yaml: MQTT (broker) at emqx:1883 is a backing service here: install an MQTT broker (e.g. EMQX) in the cluster and point the components at its address',
    ]);
    expect(result.documents.map((d) => d.fileName)).toEqual(['function-default-hello.yaml']);
  });

  it('the http webhook event source, and where events behave differently on a cluster', async () => {
    const dir = await tempDir();
    await files(dir, {
      'events.yaml': [
        'apiVersion: events.openfunction.io/v1alpha1',
        'kind: EventSource',
        'metadata: {name: hooks, labels: {ofn-local.dev/x: z}}',
        'spec:',
        '  eventBus: missing-bus',
        '  http:',
        '    push: {path: /push}',
        '  sink:',
        '    ref: {apiVersion: core.openfunction.io/v1beta2, kind: Function, name: hello}',
        '---',
        'apiVersion: events.openfunction.io/v1alpha1',
        'kind: Trigger',
        'metadata: {name: t, namespace: shop}',
        'spec:',
        '  eventBus: bus',
        '  inputs: {push: {eventSource: hooks, event: push, namespace: default}}',
        '  subscribers:',
        '  - condition: push',
        '    sink: {ref: {apiVersion: core.openfunction.io/v1beta2, kind: Function, name: hello}}',
        '    deadLetterTopic: dead',
        '---',
        'apiVersion: events.openfunction.io/v1alpha1',
        'kind: EventBus',
        'metadata: {name: bus, namespace: shop}',
        'spec:',
        '  natsStreaming: {natsURL: "nats://nats:4222", natsStreamingClusterID: stan, subscriptionType: queue, durableSubscriptionName: d}',
        '',
      ].join('\n'),
    });
    const result = await exportInputs([dir], { cwd: dir });
    const eventSource = result.documents.find((d) => d.kind === 'EventSource')!;
    expect(eventSource.object['spec']).not.toHaveProperty('http');
    expect(eventSource.object['metadata']).toEqual({ name: 'hooks', namespace: 'default' });
    expect(result.warnings).toEqual([
      'EventSource default/hooks: metadata.labels[ofn-local.dev/x]: ofn-local\'s own key (value "z"); removed: it means nothing to a cluster',
      "EventSource default/hooks: spec.http: ofn-local's own webhook event source (events push); removed: a cluster has no such source: publish those events to a Kafka, MQTT or Redis source instead, or call the function directly (this EventSource has no other source left)",
      'EventSource default/hooks: spec.sink: has a ref and no uri: the OpenFunction 1.2 controller needs sink.uri on an EventSource (a ref alone stops its reconcile); give the address, e.g. http://<function>.<namespace>.svc.cluster.local/',
      'EventSource default/hooks: spec.eventBus: "missing-bus": no EventBus or ClusterEventBus of that name in the project; ofn-local used its embedded bus, the cluster needs an EventBus "missing-bus" in namespace default (or a ClusterEventBus) backed by NATS Streaming',
      "Trigger shop/t: spec.subscribers[0].deadLetterTopic: ofn-local delivers rejected events there; OpenFunction 1.2's trigger handler never uses it, so on the cluster such events are lost",
      'Trigger shop/t: spec.subscribers[0].sink.ref.apiVersion: "core.openfunction.io/v1beta2": the OpenFunction 1.2 controller only resolves Function refs written as core.openfunction.io/v1beta1; write that, or give sink.uri',
      'Trigger shop/t: spec.subscribers[0].sink.ref.namespace: not set: the OpenFunction 1.2 controller looks the ref up in namespace "" and fails; set it, or give sink.uri',
      "EventBus shop/bus: spec.natsStreaming: the cluster needs a NATS Streaming server at nats://nats:4222 (OpenFunction 1.2's event bus speaks NATS Streaming; ofn-local used NATS JetStream or its embedded bus)",
    ]);
  });

  it('an async Node function: app-protocol http added, and no KEDA triggers means fixed replicas', async () => {
    const manifest = [
      'apiVersion: core.openfunction.io/v1beta2',
      'kind: Function',
      'metadata: {name: sub}',
      'spec:',
      '  image: example/sub:v1',
      '  build: {builder: openfunction/builder-node:latest, env: {FUNC_NAME: sub, FUNC_TYPE: openfunction}, srcRepo: {url: .}}',
      '  serving:',
      '    triggers: {dapr: [{name: in, topic: t}]}',
      '    pubsub:',
      '      in: {type: pubsub.in-memory, version: v1, metadata: []}',
      '    bindings:',
      '      out: {type: bindings.http, version: v1, metadata: [{name: url, value: "http://localhost:8480/default/x"}]}',
      '',
    ].join('\n');
    const { top } = await makeCheckout(await tempDir(), { files: { 'fn.yaml': manifest, ...NODE_CODE } });
    markPushed(top);
    const result = await exportInputs([top], { cwd: top });
    expect(fnSpec(result, 'sub')['serving']['annotations']).toEqual({ 'dapr.io/app-protocol': 'http' });
    expect(result.warnings.filter((w) => !/imageCredentials|srcRepo/.test(w))).toEqual([
      'Function default/sub: spec.serving.annotations[dapr.io/app-protocol]: added "http": Dapr on the cluster calls the function over gRPC by default, which the Node functions framework does not serve',
      'Function default/sub: spec.serving.scaleOptions.keda.triggers: none: on the cluster this async function runs a fixed number of replicas (KEDA scales only with triggers); add a KEDA trigger for its input (e.g. type kafka with lagThreshold) to scale it with the backlog',
      'Function default/sub: spec.serving.pubsub.in.type: pubsub.in-memory keeps its data inside one Dapr sidecar: on the cluster every replica (and the dapr-proxy) has its own; use a broker (e.g. pubsub.redis or pubsub.kafka)',
      'Function default/sub: spec.serving.bindings.out.metadata[0].value: "http://localhost:8480/default/x" names localhost, an address on this machine: on the cluster use the service\'s address (a function: http://<name>.<namespace>.svc.cluster.local/)',
    ]);
  });
});

describe('the manifests', () => {
  it('a v1beta1 Function exports to the same bytes as the v1beta2 Function it converts to', async () => {
    const v1beta1 = [
      'apiVersion: core.openfunction.io/v1beta1',
      'kind: Function',
      'metadata:',
      '  name: worker',
      '  annotations:',
      '    plugins: |',
      '      order: [p1, p2]',
      'spec:',
      '  version: v2.0.0',
      '  image: example/worker:v2',
      '  serving:',
      '    runtime: async',
      '    annotations: {dapr.io/app-protocol: http}',
      '    params: {A: "1"}',
      '    inputs:',
      '    - {name: cron-in, component: cron}',
      '    outputs:',
      '    - {name: to-kafka, component: kafka-out, operation: create, params: {key: k}}',
      '    bindings:',
      '      cron: {type: bindings.cron, version: v1, metadata: [{name: schedule, value: "@every 2s"}]}',
      '      kafka-out: {type: bindings.kafka, version: v1, metadata: [{name: brokers, value: "kafka:9092"}]}',
      '    states:',
      '      cache: {type: state.redis, version: v1, metadata: [{name: redisHost, value: "redis:6379"}]}',
      '    scaleOptions:',
      '      keda:',
      '        scaledObject: {pollingInterval: 15, minReplicaCount: 0, maxReplicaCount: 5, workloadType: StatefulSet}',
      '    triggers:',
      '    - {type: kafka, metadata: {topic: t, lagThreshold: "10"}}',
      '',
    ].join('\n');
    const v1beta2 = [
      'apiVersion: core.openfunction.io/v1beta2',
      'kind: Function',
      'metadata:',
      '  name: worker',
      '  annotations:',
      '    plugins: |',
      '      order: [p1, p2]',
      'spec:',
      '  version: v2.0.0',
      '  image: example/worker:v2',
      '  serving:',
      '    annotations: {dapr.io/app-protocol: http}',
      '    params: {A: "1"}',
      '    triggers:',
      '      dapr: [{name: cron, type: bindings.cron, inputName: cron-in}]',
      '    outputs:',
      '    - dapr: {name: kafka-out, type: bindings.kafka, operation: create, metadata: {key: k}, outputName: to-kafka}',
      '    bindings:',
      '      cron: {type: bindings.cron, version: v1, metadata: [{name: schedule, value: "@every 2s"}]}',
      '      kafka-out: {type: bindings.kafka, version: v1, metadata: [{name: brokers, value: "kafka:9092"}]}',
      '    states:',
      '      cache: {spec: {type: state.redis, version: v1, metadata: [{name: redisHost, value: "redis:6379"}]}}',
      '    workloadType: StatefulSet',
      '    scaleOptions:',
      '      minReplicas: 0',
      '      maxReplicas: 5',
      '      keda:',
      '        scaledObject: {pollingInterval: 15}',
      '        triggers: [{type: kafka, metadata: {topic: t, lagThreshold: "10"}}]',
      '    hooks: {pre: [p1, p2], post: [p2, p1], policy: Override}',
      '',
    ].join('\n');
    const a = await tempDir();
    const b = await tempDir();
    await files(a, { 'fn.yaml': v1beta1 });
    await files(b, { 'fn.yaml': v1beta2 });
    const fromV1beta1 = await exportInputs([a], { cwd: a });
    const fromV1beta2 = await exportInputs([b], { cwd: b });
    expect(fromV1beta1.documents[0]?.apiVersion).toBe('core.openfunction.io/v1beta2');
    expect(bytesOf(fromV1beta1.documents)).toBe(bytesOf(fromV1beta2.documents));
    expect(fromV1beta1.warnings).toEqual(fromV1beta2.warnings);
  });

  it('come in apply order with stable file names, keys in a stable order, whatever the input order', async () => {
    const dir = await tempDir();
    const component = (name: string, ns: string) =>
      `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  namespace: ${ns}\n  name: ${name}\nspec:\n  metadata: [{value: "1", name: x}]\n  version: v1\n  type: bindings.cron\n`;
    await files(dir, {
      'b.yaml': 'kind: Function\napiVersion: core.openfunction.io/v1beta2\nspec:\n  serving: {}\n  image: example/z:v1\nmetadata: {name: z}\n',
      'a.yaml': [component('c2', 'default'), component('c1', 'zeta'), component('c1', 'default')].join('---\n'),
      'c.yaml': 'apiVersion: events.openfunction.io/v1alpha1\nkind: ClusterEventBus\nmetadata: {name: global}\nspec: {}\n',
    });
    const result = await exportInputs([dir], { cwd: dir });
    expect(result.documents.map((d) => d.fileName)).toEqual([
      'component-default-c1.yaml',
      'component-default-c2.yaml',
      'component-zeta-c1.yaml',
      'clustereventbus-global.yaml',
      'function-default-z.yaml',
    ]);
    expect(result.documents[0]?.yaml).toBe(
      [
        'apiVersion: dapr.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: c1',
        '  namespace: default',
        'spec:',
        '  type: bindings.cron',
        '  version: v1',
        '  metadata:',
        '  - name: x',
        '    value: "1"',
        '',
      ].join('\n'),
    );
    expect(result.documents[3]?.object['metadata']).toEqual({ name: 'global' });
  });

  it('keeps the first of two manifests of the same kind and name, and leaves out what a cluster writes', async () => {
    const dir = await tempDir();
    const component = 'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: c\n  resourceVersion: "42"\n  uid: abc\nspec: {type: bindings.cron, version: v1, metadata: []}\nstatus: {}\n';
    await files(dir, { 'a.yaml': component, 'b.yaml': component.replace('bindings.cron', 'bindings.http') });
    const result = await exportInputs([dir], { cwd: dir });
    expect(result.documents).toHaveLength(1);
    expect(result.documents[0]?.object).toEqual({
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'c', namespace: 'default' },
      spec: { type: 'bindings.cron', version: 'v1', metadata: [] },
    });
    expect(result.warnings).toEqual([
      'Component default/c: left out uid, resourceVersion, status: written by a cluster, not part of a manifest to apply',
      'Component default/c: left out uid, resourceVersion, status: written by a cluster, not part of a manifest to apply',
      'Component default/c: defined twice (a.yaml [doc 0] and b.yaml [doc 0]): exported the first; remove the other',
    ]);
  });

  it('quotes strings a YAML 1.1 reader would take for something else, and reads them back as written', async () => {
    const dir = await tempDir();
    const params = { A: 'yes', B: 'on', C: '0755', D: '2024-01-01', E: '12:30', F: 'null', G: '~', H: '1e3', I: 'multi\nline\n', J: '' };
    await files(dir, {
      'fn.yaml': `apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata: {name: p}\nspec:\n  image: example/p:v1\n  serving:\n    params: ${JSON.stringify(params)}\n`,
    });
    const first = await exportInputs([dir], { cwd: dir });
    await writeFile(path.join(dir, 'fn.yaml'), first.documents[0]!.yaml);
    const again = await exportInputs([dir], { cwd: dir });
    expect(again.project.functions[0]?.params).toEqual(params);
    expect(await readFile(path.join(dir, 'fn.yaml'), 'utf8')).toBe(again.documents[0]?.yaml);
  });
});

describe('a Dapr Configuration', () => {
  it('is exported as written, before the Function whose dapr.io/config names it', async () => {
    const dir = await tempDir();
    const config = ['apiVersion: dapr.io/v1alpha1', 'kind: Configuration', 'metadata: {name: acl}', 'spec:', '  accessControl: {defaultAction: allow}', ''].join('\n');
    await files(dir, { ...NODE_CODE, 'fn.yaml': `${builtFunction('hello')}    annotations: {dapr.io/config: acl}\n---\n${config}` });
    const result = await exportInputs([dir], { cwd: dir });
    expect(result.documents.map((d) => d.kind)).toEqual(['Configuration', 'Function']);
    expect(result.documents[0]!.object).toEqual({ apiVersion: 'dapr.io/v1alpha1', kind: 'Configuration', metadata: { name: 'acl', namespace: 'default' }, spec: { accessControl: { defaultAction: 'allow' } } });
  });
});

function prefix(dir: string, content: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(content).map(([name, text]) => [`${dir}${name}`, text]));
}

describe('Deployments', () => {
  it('are exported as written with their Services, after the Functions, without what a cluster writes, with their namespace', async () => {
    const dir = await tempDir();
    await files(dir, {
      'fn.yaml': [
        'apiVersion: core.openfunction.io/v1beta2',
        'kind: Function',
        'metadata: { name: hello }',
        'spec:',
        '  version: v1.0.0',
        '  image: example/hello:v1',
        '  serving: { triggers: { http: { port: 8080 } } }',
        '',
      ].join('\n'),
      'deploy.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: producer, resourceVersion: "12", labels: { app: producer } }',
        'spec:',
        '  replicas: 2',
        '  selector: { matchLabels: { app: producer } }',
        '  template:',
        '    metadata: { labels: { app: producer }, annotations: { dapr.io/enabled: "true", dapr.io/app-id: producer } }',
        '    spec:',
        '      containers: [{ name: producer, image: example/producer:latest, ports: [{ containerPort: 60034 }] }]',
        'status: { readyReplicas: 2 }',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata: { name: producer }',
        'spec: { selector: { app: producer }, ports: [{ port: 60034 }] }',
        '',
      ].join('\n'),
    });
    const result = await exportInputs([dir], { cwd: dir });
    expect(result.documents.map((d) => `${d.kind} ${d.name}`)).toEqual(['Function hello', 'Deployment producer', 'Service producer']);
    expect(result.documents[2]!.object).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'producer', namespace: 'default' }, spec: { selector: { app: 'producer' }, ports: [{ port: 60034 }] } });
    const deployment = result.documents[1]!;
    expect(deployment.apiVersion).toBe('apps/v1');
    expect(deployment.object).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'producer', namespace: 'default', labels: { app: 'producer' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'producer' } },
        template: {
          metadata: { labels: { app: 'producer' }, annotations: { 'dapr.io/enabled': 'true', 'dapr.io/app-id': 'producer' } },
          spec: { containers: [{ name: 'producer', image: 'example/producer:latest', ports: [{ containerPort: 60034 }] }] },
        },
      },
    });
    expect(result.warnings.join('\n')).toContain('left out resourceVersion, status');
  });
});
