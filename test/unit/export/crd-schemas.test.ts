import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CrdSchemas, ExportError, prepareCrdSchema } from '../../../src/export/index.js';
import { formatPath } from '../../../src/model/index.js';
import { CRDS_DIR, crdSchemas, describeWithCrds, requireCrdsWhenAsked, useTempDirs } from './helpers.js';

requireCrdsWhenAsked();
const tempDir = useTempDirs();

function fn(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'fn' }): Record<string, unknown> {
  return { apiVersion: 'core.openfunction.io/v1beta2', kind: 'Function', metadata, spec };
}

async function problems(manifest: unknown): Promise<string[]> {
  return ((await crdSchemas()).check(manifest) ?? []).map((p) => `${formatPath(p.path)}: ${p.message}`);
}

const COMPONENT = { type: 'bindings.kafka', version: 'v1', metadata: [{ name: 'brokers', value: 'kafka:9092' }] };

describeWithCrds('the CRD schemas, as ajv checks them', () => {
  it('knows every kind the CRDs define, in every version, and the Dapr Component', async () => {
    expect((await crdSchemas()).kinds()).toEqual([
      'core.openfunction.io/v1beta1 Builder',
      'core.openfunction.io/v1beta1 Function',
      'core.openfunction.io/v1beta1 Serving',
      'core.openfunction.io/v1beta2 Builder',
      'core.openfunction.io/v1beta2 Function',
      'core.openfunction.io/v1beta2 Serving',
      'dapr.io/v1alpha1 Component',
      'events.openfunction.io/v1alpha1 ClusterEventBus',
      'events.openfunction.io/v1alpha1 EventBus',
      'events.openfunction.io/v1alpha1 EventSource',
      'events.openfunction.io/v1alpha1 Trigger',
      'networking.openfunction.io/v1alpha1 Gateway',
    ]);
  });

  it('relaxes exactly the Dapr DynamicValue places, and leaves the CRD as read', async () => {
    const crds = await crdSchemas();
    const text = await readFile(path.join(CRDS_DIR, 'core.openfunction.io_functions.yaml'), 'utf8');
    const crd = parseAllDocuments(text)[0]!.toJS() as { spec: { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] } };
    for (const version of crd.spec.versions) {
      const schema = version.schema.openAPIV3Schema;
      const before = JSON.stringify(schema);
      const declared = (JSON.stringify(schema).match(/"description":"DynamicValue/g) ?? []).length;
      expect(declared).toBeGreaterThan(0);
      expect(prepareCrdSchema(schema).relaxedDynamicValues).toBe(declared);
      expect(JSON.stringify(schema)).toBe(before);
      expect(crds.schemaOf(`core.openfunction.io/${version.name}`, 'Function')?.relaxedDynamicValues).toBe(declared);
    }
  });

  it('takes plain strings (or any value) as Dapr metadata values, but still checks other objects', async () => {
    const withValue = (value: unknown) =>
      fn({ image: 'x', serving: { bindings: { k: { ...COMPONENT, metadata: [{ name: 'brokers', value }] } }, states: { s: { spec: COMPONENT } } } });
    expect(await problems(withValue('kafka:9092'))).toEqual([]);
    expect(await problems(withValue(3))).toEqual([]);
    expect(await problems(withValue({ nested: ['any'] }))).toEqual([]);
    expect(await problems(fn({ image: 'x', serving: { scaleOptions: { keda: { scaledObject: { advanced: 'fast' } } } } }))).toEqual([
      'spec.serving.scaleOptions.keda.scaledObject.advanced: expected a mapping, got string "fast"',
    ]);
  });

  it('rejects unknown fields except where the CRD preserves them', async () => {
    expect(await problems(fn({ image: 'x', serving: { runtime: 'knative' }, port: 8080 }))).toEqual([
      'spec.port: unknown field: not in the core.openfunction.io/v1beta2 Function CRD schema (kubectl apply rejects it)',
      'spec.serving.runtime: unknown field: not in the core.openfunction.io/v1beta2 Function CRD schema (kubectl apply rejects it)',
    ]);
    expect(await problems({ ...fn({ image: 'x' }), extra: 1 })).toEqual([
      'extra: unknown field: not in the core.openfunction.io/v1beta2 Function CRD schema (kubectl apply rejects it)',
    ]);
  });

  it('checks int-or-string, int32, enums, list maps and the metadata the API server checks', async () => {
    const template = (container: Record<string, unknown>) => ({ containers: [{ name: 'function', ...container }] });
    expect(await problems(fn({ image: 'x', serving: { template: template({ livenessProbe: { httpGet: { port: 'http' } } }) } }))).toEqual([]);
    expect(await problems(fn({ image: 'x', serving: { template: template({ livenessProbe: { httpGet: { port: true } } }) } }))).toEqual([
      'spec.serving.template.containers[0].livenessProbe.httpGet.port: expected an integer or a string, got boolean true',
    ]);
    expect(await problems(fn({ image: 'x', serving: { triggers: { http: { port: 4294967296 } } } }))).toEqual([
      'spec.serving.triggers.http.port: expected a 32-bit integer, got number 4294967296',
    ]);
    expect(await problems(fn({ image: 'x', serving: { template: template({ ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP' }] }) } }))).toEqual([
      'spec.serving.template.containers[0].ports[1]: duplicate entry containerPort=80, protocol="TCP": the same as item [0]',
    ]);
    const route = (type: string) => ({ rules: [{ matches: [{ path: { type, value: '/x' } }] }] });
    expect(await problems(fn({ image: 'x', serving: { triggers: { http: { route: route('PathPrefix') } } } }))).toEqual([]);
    expect(await problems(fn({ image: 'x', serving: { triggers: { http: { route: route('Prefix') } } } }))).toEqual([
      'spec.serving.triggers.http.route.rules[0].matches[0].path.type: expected one of "Exact", "PathPrefix", "RegularExpression", got string "Prefix"',
    ]);
    expect(await problems(fn({ image: 'x' }, { name: 'Bad_Name', labels: { on: true } }))).toEqual([
      'metadata.labels.on: expected a string, got boolean true',
      'metadata.name: expected text matching ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$, got string "Bad_Name"',
    ]);
    expect(await problems(fn({}, {}))).toEqual([
      'metadata.name: missing; required by the core.openfunction.io/v1beta2 Function CRD schema',
      'spec.image: missing; required by the core.openfunction.io/v1beta2 Function CRD schema',
    ]);
  });

  it('checks Dapr Components against the schema written from Dapr\'s Component format', async () => {
    const component = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'c' },
      spec,
      ...extra,
    });
    expect(await problems(component(COMPONENT, { scopes: ['fn-default'] }))).toEqual([]);
    expect(await problems(component({ type: 'state.redis', metadata: [{ value: 'x' }] }, { scopes: 'fn' }))).toEqual([
      'scopes: expected a list, got string "fn"',
      'spec.metadata[0].name: missing; required by the dapr.io/v1alpha1 Component schema',
      'spec.version: missing; required by the dapr.io/v1alpha1 Component schema',
    ]);
  });

  it('knows nothing of other kinds', async () => {
    expect((await crdSchemas()).check({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } })).toBeUndefined();
  });
});

it('CrdSchemas.load says when a folder holds no CRD', async () => {
  const empty = await tempDir();
  await expect(CrdSchemas.load(empty)).rejects.toThrow(ExportError);
  await expect(CrdSchemas.load(empty)).rejects.toMatchObject({ code: 'ERR_CRDS', message: expect.stringContaining('no CustomResourceDefinition') });
  const missing = path.join(empty, 'nope');
  await expect(CrdSchemas.load(missing)).rejects.toMatchObject({ code: 'ERR_CRDS', message: expect.stringContaining(`cannot read the CRD folder ${missing}`) });
  await mkdir(path.join(empty, 'sub'));
});
