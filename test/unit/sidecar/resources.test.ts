import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { SecretStore } from '../../../src/dapr-components/component.js';
import { loadResources, type ComponentSpec } from '../../../src/sidecar/resources/load-resources.js';
import { resolveMetadata, type ResolveContext } from '../../../src/sidecar/resources/resolve-metadata.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-res-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const component = (name: string, type: string, extra = ''): string =>
  `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: ${type}\n  version: v1\n  metadata:\n  - name: qos\n    value: 1\n${extra}`;

describe('loading resources', () => {
  it('reads multi-document YAML files in name order, only .yaml/.yml, not recursively', async () => {
    const dir = await folder({
      'b.yaml': `${component('two', 'pubsub.in-memory')}---\n${component('three', 'bindings.cron')}`,
      'a.yml': component('one', 'state.in-memory'),
      'notes.txt': component('ignored', 'state.in-memory'),
    });
    const loaded = await loadResources([dir], { appId: 'app' });
    expect(loaded.components.map((c) => c.name)).toEqual(['one', 'two', 'three']);
    expect(loaded.components[0]?.items).toEqual([{ name: 'qos', value: '1' }]);
    expect(loaded.components[2]?.line).toBeGreaterThan(1);
  });

  it('honours scopes and the NAMESPACE filter', async () => {
    const dir = await folder({
      'c.yaml': [
        component('mine', 'state.in-memory', 'scopes:\n- app\n'),
        component('theirs', 'state.in-memory', 'scopes:\n- other\n'),
        component('elsewhere', 'state.in-memory').replace('  name: elsewhere', '  name: elsewhere\n  namespace: prod'),
      ].join('---\n'),
    });
    expect((await loadResources([dir], { appId: 'app' })).components.map((c) => c.name)).toEqual(['mine', 'elsewhere']);
    expect((await loadResources([dir], { appId: 'app', namespace: 'dev' })).components.map((c) => c.name)).toEqual(['mine']);
  });

  it('rejects duplicate names with a message naming both files', async () => {
    const a = await folder({ 'one.yaml': component('dup', 'state.in-memory') });
    const b = await folder({ 'two.yaml': component('dup', 'pubsub.in-memory') });
    const err = await loadResources([a, b], { appId: 'app' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('duplicate definition of Component dup');
    expect((err as Error).message).toContain(path.join(a, 'one.yaml'));
    expect((err as Error).message).toContain(path.join(b, 'two.yaml'));
  });

  it('reports an invalid Component as a failed component and a broken document as a problem, loading the rest', async () => {
    const dir = await folder({
      'a.yaml': `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: nameless-type\nspec:\n  version: v1\n`,
      'b.yaml': 'key: [unclosed\n',
      'c.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n---\n${component('good', 'state.in-memory')}`,
    });
    const loaded = await loadResources([dir], { appId: 'app' });
    expect(loaded.components.map((c) => c.name)).toEqual(['good']);
    expect(loaded.invalidComponents[0]).toMatchObject({ name: 'nameless-type' });
    expect(loaded.invalidComponents[0]?.message).toContain('spec.type');
    expect(loaded.problems).toHaveLength(1);
  });

  it('accepts an empty metadata list, a bare `metadata:` and none at all', async () => {
    const dir = await folder({
      'a.yaml': `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\nspec:\n  type: secretstores.local.env\n  version: v1\n  metadata:\n`,
      'b.yaml': `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: b\nspec:\n  type: pubsub.in-memory\n  version: v1\n  metadata: []\n`,
    });
    const loaded = await loadResources([dir], { appId: 'app' });
    expect(loaded.components.map((c) => c.items)).toEqual([[], []]);
  });

  it('reads declarative subscriptions (v1alpha1 and v2alpha1) and Kubernetes Secrets', async () => {
    const dir = await folder({
      'subs.yaml': `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: orders
spec:
  pubsubname: bus
  topic: orders
  routes:
    rules:
    - match: event.type == "big"
      path: /big
    default: /orders
  deadLetterTopic: poison
scopes:
- app
---
apiVersion: v1
kind: Secret
metadata:
  name: redis
data:
  password: c2VjcmV0
stringData:
  user: admin
`,
    });
    const loaded = await loadResources([dir], { appId: 'app' });
    expect(loaded.subscriptions[0]).toMatchObject({
      pubsubname: 'bus',
      topic: 'orders',
      rules: [{ match: 'event.type == "big"', path: '/big' }, { path: '/orders' }],
      deadLetterTopic: 'poison',
      type: 'DECLARATIVE',
    });
    expect(loaded.secrets.get('redis')).toEqual({ password: 'secret', user: 'admin' });
  });

  it('fails clearly when a resources path does not exist', async () => {
    await expect(loadResources(['/no/such/dir'], { appId: 'app' })).rejects.toThrow(/cannot read resources path \/no\/such\/dir/);
  });
});

describe('resolving component metadata', () => {
  const spec = (items: ComponentSpec['items'], secretStore?: string): ComponentSpec => ({
    name: 'c', type: 'state.redis', version: 'v1', ignoreErrors: false, initTimeoutMs: 5000, items, secretStore, file: 'components/c.yaml', line: 1,
  });
  const store: SecretStore = {
    init: async () => {},
    close: async () => {},
    get: async (name) => {
      if (name !== 'redis') throw new Error('not found');
      return { password: 's3cret', redis: 'whole' };
    },
    bulkGet: async () => ({}),
  };
  const ctx = (over: Partial<ResolveContext> = {}): ResolveContext => ({
    appId: 'my-app',
    env: { SOME_ENV: 'from-env', DAPR_API_TOKEN: 'no' },
    secretStore: (n) => (n === 'vault' ? store : undefined),
    kubernetesSecrets: new Map([['k8s', { token: 'abc' }]]),
    ...over,
  });

  it('resolves secretKeyRef through auth.secretStore (key defaults to the secret name) and envRef', async () => {
    const md = await resolveMetadata(
      spec([
        { name: 'redisPassword', secretKeyRef: { name: 'redis', key: 'password' } },
        { name: 'whole', secretKeyRef: { name: 'redis' } },
        { name: 'fromEnv', envRef: 'SOME_ENV' },
        { name: 'plain', value: 'v' },
      ], 'vault'),
      ctx(),
    );
    expect(md).toEqual({ redisPassword: 's3cret', whole: 'whole', fromEnv: 'from-env', plain: 'v' });
  });

  it('uses Kubernetes Secrets among the resources when there is no secret store', async () => {
    expect(await resolveMetadata(spec([{ name: 't', secretKeyRef: { name: 'k8s', key: 'token' } }]), ctx())).toEqual({ t: 'abc' });
  });

  it('fails naming the file and field when a reference cannot be resolved', async () => {
    await expect(resolveMetadata(spec([{ name: 'p', secretKeyRef: { name: 'nope', key: 'x' } }]), ctx())).rejects.toThrow(
      /spec\.metadata\[0\] \(p\) in components\/c\.yaml: .*no Secret named nope/,
    );
    await expect(resolveMetadata(spec([{ name: 'p', secretKeyRef: { name: 'redis', key: 'x' } }], 'missing-store'), ctx())).rejects.toThrow(/secret store missing-store/);
    await expect(resolveMetadata(spec([{ name: 'p', envRef: 'DAPR_API_TOKEN' }]), ctx())).rejects.toThrow(/not allowed/);
  });

  it('expands {uuid}, {appID}, {namespace} and {podName}', async () => {
    const md = await resolveMetadata(spec([{ name: 'a', value: '{appID}-{uuid}' }, { name: 'b', value: '{namespace}' }, { name: 'c', value: '{podName}' }]), ctx({ namespace: 'dev', podName: 'pod-1' }));
    expect(md.a).toMatch(/^my-app-[0-9a-f-]{36}$/);
    expect(md.b).toBe('dev.my-app');
    expect(md.c).toBe('pod-1');
    await expect(resolveMetadata(spec([{ name: 'c', value: '{podName}' }]), ctx())).rejects.toThrow(/podName is not set/);
  });
});
