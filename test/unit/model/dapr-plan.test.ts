import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daprPlan, loadProject } from '../../../src/model/index.js';
import { deploymentDaprPlan } from '../../../src/model/dapr-plan.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function load(yaml: string) {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-dapr-plan-'));
  await writeFile(path.join(dir, 'index.js'), 'exports.f = () => {};\n');
  await writeFile(path.join(dir, 'fn.yaml'), yaml);
  return loadProject([dir]);
}

const fn = (serving: string) => `apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: sample
  namespace: team
spec:
  image: x/y:1
  build:
    builder: openfunction/builder-node:latest
    srcRepo: { url: "." }
  serving:
${serving}`;

describe('daprPlan', () => {
  it('is undefined for a plain sync function', async () => {
    const p = await load(fn('    triggers: { http: { port: 8080 } }\n'));
    expect(daprPlan(p.functions[0]!, p)).toBeUndefined();
  });

  it('renders an async function\'s bindings, scoped to its app-id, on app port 8080 over http', async () => {
    const p = await load(
      fn(`    annotations: { dapr.io/app-protocol: grpc }
    triggers:
      dapr: [{ name: cron, type: bindings.cron }]
    outputs:
      - dapr: { name: out, type: bindings.localstorage, operation: create }
    bindings:
      cron: { type: bindings.cron, version: v1, metadata: [{ name: schedule, value: "@every 2s" }] }
      out: { type: bindings.localstorage, version: v1, metadata: [{ name: rootPath, value: /tmp/out }] }
`),
    );
    const plan = daprPlan(p.functions[0]!, p)!;
    expect(plan).toMatchObject({ appId: 'sample-team', appPort: 8080, appProtocol: 'http' });
    expect(plan.components.map((c) => (c.metadata as { name: string }).name)).toEqual(['cron', 'out']);
    expect(plan.components[0]).toMatchObject({ kind: 'Component', spec: { type: 'bindings.cron' }, scopes: ['sample-team'] });
    expect(plan.notes[0]).toContain('grpc');
  });

  it('an async Python function is a gRPC app (OpenFunction\'s Python framework serves AppCallback only), even when told http', async () => {
    const p = await load(
      fn(`    annotations: { dapr.io/app-protocol: http }
    triggers:
      dapr: [{ name: cron, type: bindings.cron }]
    bindings:
      cron: { type: bindings.cron, version: v1, metadata: [{ name: schedule, value: "@every 2s" }] }
`),
    );
    const plan = daprPlan(p.functions[0]!, p, 'python')!;
    expect(plan.appProtocol).toBe('grpc');
    expect(plan.notes[0]).toContain('the Python framework serves Dapr\'s AppCallback over gRPC');
    expect(daprPlan(p.functions[0]!, p, 'go')!.appProtocol).toBe('http');
  });

  it('adds standalone Components of the namespace that are unscoped or scoped to the app', async () => {
    const p = await load(
      fn(`    outputs:
      - dapr: { name: shared, type: pubsub.in-memory, topic: t }
`) +
        `---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: shared, namespace: team }
spec: { type: pubsub.in-memory, version: v1, metadata: [] }
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: other-app, namespace: team }
spec: { type: state.in-memory, version: v1, metadata: [] }
scopes: [someone-else]
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: elsewhere, namespace: default }
spec: { type: state.in-memory, version: v1, metadata: [] }
`,
    );
    const plan = daprPlan(p.functions[0]!, p)!;
    expect(plan.components.map((c) => (c.metadata as { name: string }).name)).toEqual(['shared']);
  });

  it('follows openfunction.io/enable-dapr both ways', async () => {
    const on = await load(fn('    annotations: { openfunction.io/enable-dapr: "true" }\n    triggers: { http: { port: 8080 } }\n'));
    expect(daprPlan(on.functions[0]!, on)?.appPort).toBe(8080);
    const off = await load(
      fn(`    annotations: { openfunction.io/enable-dapr: "false" }
    outputs:
      - dapr: { name: o, type: bindings.localstorage }
    bindings:
      o: { type: bindings.localstorage, version: v1, metadata: [] }
`),
    );
    expect(daprPlan(off.functions[0]!, off)).toBeUndefined();
  });
});

describe('deploymentDaprPlan: a Deployment\'s sidecar as Dapr\'s injector reads its annotations', () => {
  const deployment = (annotations: Record<string, string>, name = 'producer') => ({
    name,
    namespace: 'default',
    replicas: 1,
    labels: {},
    annotations,
    container: { name, image: 'x', env: {}, ports: [60034] },
    services: [],
    origin: { file: '/p/deploy.yaml', doc: 0 },
    resource: {},
  });
  const component = (name: string, scopes?: string[], namespace = 'default') => ({
    apiVersion: 'dapr.io/v1alpha1',
    kind: 'Component',
    name,
    namespace,
    origin: { file: '/p/c.yaml', doc: 0 },
    resource: { apiVersion: 'dapr.io/v1alpha1', kind: 'Component', metadata: { name, namespace }, spec: { type: 'pubsub.kafka', version: 'v1', metadata: [] }, ...(scopes ? { scopes } : {}) },
  });

  it('is off without dapr.io/enabled "true"', () => {
    expect(deploymentDaprPlan(deployment({}), { others: [] })).toBeUndefined();
    expect(deploymentDaprPlan(deployment({ 'dapr.io/enabled': 'false', 'dapr.io/app-id': 'x' }), { others: [] })).toBeUndefined();
  });

  it('takes app id, port and protocol from the annotations, and the namespace\'s Components scoped to it or to nobody', () => {
    const others = [component('autoscaling-producer'), component('mine', ['producer']), component('theirs', ['other']), component('elsewhere', undefined, 'prod')];
    const plan = deploymentDaprPlan(deployment({ 'dapr.io/enabled': 'true', 'dapr.io/app-id': 'producer', 'dapr.io/app-port': '60034', 'dapr.io/app-protocol': 'grpc' }, 'producer-deploy'), { others });
    expect(plan).toMatchObject({ appId: 'producer', appPort: 60034, appProtocol: 'grpc', notes: [] });
    expect(plan!.components.map((c) => (c.metadata as { name: string }).name)).toEqual(['autoscaling-producer', 'mine']);
  });

  it('defaults the app id to the Deployment\'s name, http, and no app channel without an app port', () => {
    expect(deploymentDaprPlan(deployment({ 'dapr.io/enabled': 'true' }), { others: [] })).toMatchObject({ appId: 'producer', appPort: 0, appProtocol: 'http' });
  });

  it('notes a protocol it serves as http', () => {
    const plan = deploymentDaprPlan(deployment({ 'dapr.io/enabled': 'true', 'dapr.io/app-protocol': 'h2c' }), { others: [] });
    expect(plan!.notes).toEqual(['dapr.io/app-protocol "h2c" is served as http: ofn-local\'s sidecar speaks http and grpc to apps']);
  });
});
