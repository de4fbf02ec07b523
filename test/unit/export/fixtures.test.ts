import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportInputs, writeDocuments, type ExportApiVersion } from '../../../src/export/index.js';
import {
  REMOTE_URL,
  bytesOf,
  crdSchemas,
  describeWithCrds,
  fixtureProjects,
  makeCheckout,
  markPushed,
  requireCrdsWhenAsked,
  useTempDirs,
  type Checkout,
} from './helpers.js';

requireCrdsWhenAsked();

const VARIANTS: { apiVersion: ExportApiVersion; registry?: string }[] = [
  { apiVersion: 'v1beta2' },
  { apiVersion: 'v1beta2', registry: 'registry.example.com/team' },
  { apiVersion: 'v1beta1' },
  { apiVersion: 'v1beta1', registry: 'registry.example.com/team' },
];

// Each fixture is copied into a git checkout with a remote (as a user's project would be), exported,
// checked against OpenFunction's CRD schemas, exported again, and round-tripped through ofn-local.
describeWithCrds('every fixture exports to manifests that pass the CRD schemas', () => {
  const tempDir = useTempDirs('file');

  for (const fixture of fixtureProjects()) {
    describe(fixture, () => {
      let checkout: Checkout;
      let app: string;
      beforeAll(async () => {
        checkout = await makeCheckout(await tempDir(), { copy: { app: fixture } });
        markPushed(checkout.top);
        app = path.join(checkout.top, 'app');
      });

      VARIANTS.forEach(({ apiVersion, registry }, i) => {
        it(`${apiVersion}${registry ? ' --registry' : ''}: valid, the same bytes twice, and again after a round trip`, async () => {
          const crds = await crdSchemas();
          const opts = { cwd: checkout.top, apiVersion, ...(registry ? { registry } : {}) };
          const first = await exportInputs([app], opts);
          expect(first.documents.length).toBeGreaterThan(0);

          for (const doc of first.documents) {
            // A Deployment is a built-in kind, with no CRD to check it against (the round trip below loads it again).
            if (doc.apiVersion === 'apps/v1' && doc.kind === 'Deployment') continue;
            expect(crds.check(doc.object), `${doc.fileName} against its schema`).toEqual([]);
            if (doc.kind !== 'Function') continue;
            expect(doc.apiVersion).toBe(`core.openfunction.io/${apiVersion}`);
            const spec = doc.object['spec'] as Record<string, any>;
            const fn = first.project.functions.find((f) => f.name === doc.name && f.namespace === doc.namespace)!;
            if (fn.source.kind === 'local') {
              // Built from the checkout: the remote, the commit, the folder below the top.
              expect(spec['build']['srcRepo']).toMatchObject({ url: REMOTE_URL, revision: checkout.revision });
              expect(path.join(checkout.top, spec['build']['srcRepo']['sourceSubPath'])).toBe(fn.source.dir);
              // FUNC_NAME, or for a Python function its equivalent GOOGLE_FUNCTION_TARGET.
              expect(spec['build']['env']['FUNC_NAME'] ?? spec['build']['env']['GOOGLE_FUNCTION_TARGET']).toEqual(expect.any(String));
              if (registry) expect(spec['image']).toBe(`${registry}/${doc.name}:${fn.version}`);
            } else {
              expect(spec['image']).toBe(fn.image);
            }
            expect(doc.yaml).not.toContain('ofn-local.dev/');
          }

          const again = await exportInputs([app], opts);
          expect(bytesOf(again.documents)).toBe(bytesOf(first.documents));

          // A webhook EventSource is ofn-local's own: the export removes it (and says so), and what is
          // left may not load again (a Trigger on its events). Such projects are not round-tripped.
          if (first.warnings.some((w) => w.includes("ofn-local's own webhook event source"))) return;

          // Apply-ready files inside the same checkout, read back by ofn-local, exported again.
          const out = path.join(checkout.top, `deploy-${i}`);
          await writeDocuments(out, first.documents);
          const round = await exportInputs([out], opts);
          expect(bytesOf(round.documents)).toBe(bytesOf(first.documents));
        });
      });
    });
  }
});

describeWithCrds('a Go function exports as the cluster builds it', () => {
  const tempDir = useTempDirs('file');
  it('keeps its builder-go image and its build env, and the in-cluster names', async () => {
    const checkout = await makeCheckout(await tempDir(), { copy: { app: 'fixtures/go-hello' } });
    markPushed(checkout.top);
    const { documents } = await exportInputs([path.join(checkout.top, 'app')], { cwd: checkout.top, apiVersion: 'v1beta2' });
    const fn = documents.find((d) => d.kind === 'Function')!;
    const spec = fn.object['spec'] as { build: { builder: string; env: Record<string, string> }; serving: { triggers: { http: { port: number } } } };
    expect(spec.build.builder).toBe('openfunction/builder-go:v2.4.0-1.17');
    expect(spec.build.env).toEqual({ FUNC_NAME: 'Hello', FUNC_CLEAR_SOURCE: 'true' });
    expect(spec.serving.triggers.http.port).toBe(8080);
    expect((await crdSchemas()).check(fn.object)).toEqual([]);
  });
});

describeWithCrds('Python functions export as OpenFunction\'s Python builder builds them', () => {
  const tempDir = useTempDirs('file');
  it('keep gcp-builder and the GOOGLE_FUNCTION_* env (no Node FUNC_TYPE), and an async one stays a gRPC app', async () => {
    const checkout = await makeCheckout(await tempDir(), { copy: { app: 'fixtures/python-hello', async: 'test/fixtures/projects/python-async' } });
    markPushed(checkout.top);
    const crds = await crdSchemas();
    const sync = (await exportInputs([path.join(checkout.top, 'app')], { cwd: checkout.top, apiVersion: 'v1beta2' })).documents.find((d) => d.kind === 'Function')!;
    const syncSpec = sync.object['spec'] as { build: { builder: string; env: Record<string, string> } };
    expect(syncSpec.build.builder).toBe('openfunction/gcp-builder:v1');
    expect(syncSpec.build.env).toEqual({ GOOGLE_FUNCTION_TARGET: 'hello', GOOGLE_FUNCTION_SIGNATURE_TYPE: 'http', GOOGLE_FUNCTION_SOURCE: 'main.py' });
    expect(crds.check(sync.object)).toEqual([]);
    const documents = (await exportInputs([path.join(checkout.top, 'async')], { cwd: checkout.top, apiVersion: 'v1beta2' })).documents;
    type AsyncSpec = { build: { env: Record<string, string> }; serving: { annotations?: Record<string, string> } };
    // FUNC_SRC or gcp-builder alone says Python: no FUNC_TYPE, no app-protocol http.
    for (const [name, env] of [['py-ticker', { FUNC_NAME: 'tick', FUNC_SRC: 'main.py' }], ['py-subscriber', { FUNC_NAME: 'on_message' }]] as const) {
      const doc = documents.find((d) => d.kind === 'Function' && d.name === name)!;
      const spec = doc.object['spec'] as AsyncSpec;
      expect(spec.build.env).toEqual(env);
      expect(spec.serving.annotations?.['dapr.io/app-protocol']).toBeUndefined();
      expect(crds.check(doc.object)).toEqual([]);
    }
  });
});
