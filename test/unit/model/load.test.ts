import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModelError, formatDiagnostic, loadProject } from '../../../src/model/index.js';
import { imageFunction, useTempProjects } from './temp-project.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/model');
const tempProject = useTempProjects();

async function loadError(inputs: string[], cwd: string): Promise<ModelError> {
  try {
    await loadProject(inputs, { cwd });
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return err as ModelError;
  }
  throw new Error('expected loadProject to fail');
}

describe('loadProject: a folder of manifests', () => {
  it('reads every document of every YAML file below the folder, sorted', async () => {
    const root = path.join(fixtures, 'project');
    const project = await loadProject([root], { cwd: fixtures });
    expect(project.root).toBe(root);
    expect(project.files).toEqual([
      path.join(root, 'functions.yaml'),
      path.join(root, 'nested/legacy.yml'),
      path.join(root, 'notes.yaml'),
    ]);
    expect(project.functions.map((f) => `${f.namespace}/${f.name} ${f.runtime}`)).toEqual([
      'demo/hello knative',
      'default/ticker async',
      'default/legacy knative',
    ]);
    expect(project.others.map((o) => `${o.kind} ${o.namespace}/${o.name} doc ${o.origin.doc}`)).toEqual([
      'Component default/every-second doc 2',
      'EventSource default/my-es doc 3',
    ]);
    expect(project.others[0]?.resource['spec']).toEqual({
      type: 'bindings.cron',
      version: 'v1',
      metadata: [{ name: 'schedule', value: '@every 1s' }],
    });
    const ticker = project.functions.find((f) => f.name === 'ticker');
    expect(JSON.parse(ticker!.funcContext).inputs['every-second'].componentType).toBe('bindings.cron');
    expect(ticker!.origin).toEqual({ file: path.join(root, 'functions.yaml'), doc: 1 });
    const legacy = project.functions.find((f) => f.name === 'legacy');
    expect(legacy!.origin.convertedFrom).toBe('core.openfunction.io/v1beta1');
    expect(legacy!.port).toBe(9090);
    expect(project.warnings.map((w) => formatDiagnostic(w, fixtures))).toEqual([
      `${path.join('project', 'notes.yaml')}:2 [doc 0] warning: not a Kubernetes manifest; skipped`,
    ]);
  });

  it('skips node_modules, .git, .ofn-local and dot-folders, and reads only .yaml/.yml', async () => {
    const dir = await tempProject({
      'a.yaml': imageFunction('a'),
      'sub/b.YML': imageFunction('b'),
      'node_modules/pkg/c.yaml': imageFunction('c'),
      '.git/d.yaml': imageFunction('d'),
      '.ofn-local/e.yaml': imageFunction('e'),
      '.hidden/f.yaml': imageFunction('f'),
      'g.json': '{}',
      'readme.md': '# hi',
    });
    const project = await loadProject([dir], { cwd: dir });
    expect(project.functions.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('takes files and folders as given, without duplicates; no input means the cwd', async () => {
    const dir = await tempProject({ 'x/a.yaml': imageFunction('a'), 'y/b.yaml': imageFunction('b') });
    const both = await loadProject(['x/a.yaml', 'y', 'x'], { cwd: dir });
    expect(both.files).toEqual([path.join(dir, 'x/a.yaml'), path.join(dir, 'y/b.yaml')]);
    expect(both.root).toBe(path.join(dir, 'x'));
    const fromCwd = await loadProject([], { cwd: path.join(dir, 'y') });
    expect(fromCwd.functions.map((f) => f.name)).toEqual(['b']);
    expect(fromCwd.root).toBe(path.join(dir, 'y'));
  });

  it('keeps the v1beta2 resource: defaulted spec, namespace, labels and annotations', async () => {
    const dir = await tempProject({
      'fn.yaml': `
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: web
  labels: {team: a}
  annotations: {note: b}
spec:
  image: example/web:v1
  serving:
    params: {DEBUG: "1"}
status:
  build: {state: Succeeded}
`,
    });
    const [fn] = (await loadProject([dir], { cwd: dir })).functions;
    expect(fn!.resource).toEqual({
      apiVersion: 'core.openfunction.io/v1beta2',
      kind: 'Function',
      metadata: { name: 'web', namespace: 'default', labels: { team: 'a' }, annotations: { note: 'b' } },
      spec: {
        version: 'latest',
        image: 'example/web:v1',
        serving: {
          params: { DEBUG: '1' },
          triggers: { http: { port: 8080, route: { gatewayRef: { name: 'openfunction', namespace: 'openfunction' } } } },
        },
      },
    });
    expect(fn!.params).toEqual({ DEBUG: '1' });
    expect(fn!.version).toBe('latest');
    expect(fn!.source).toEqual({ kind: 'image', image: 'example/web:v1' });
  });
});

describe('loadProject: document kinds', () => {
  it('skips unrelated YAML and empty documents with a warning', async () => {
    const dir = await tempProject({
      'fn.yaml': `${imageFunction('a')}---\n---\n- just\n- a list\n`,
      'config.yaml': 'settings:\n  verbose: true\n',
    });
    const project = await loadProject([dir], { cwd: dir });
    expect(project.functions).toHaveLength(1);
    expect(project.warnings.map((w) => formatDiagnostic(w, dir))).toEqual([
      'config.yaml:1 [doc 0] warning: not a Kubernetes manifest; skipped',
      'fn.yaml:10 [doc 1] warning: not a Kubernetes manifest; skipped',
      'fn.yaml:12 [doc 2] warning: not a Kubernetes manifest; skipped',
    ]);
  });

  it('rejects core.openfunction.io/v1alpha2 and names what replaced it', async () => {
    const dir = await tempProject({
      'old.yaml': 'apiVersion: core.openfunction.io/v1alpha2\nkind: Function\nmetadata:\n  name: old\nspec: {}\n',
    });
    const err = await loadError([dir], dir);
    expect(err.code).toBe('ERR_MANIFEST');
    expect(err.message).toContain(
      'old.yaml:1 [doc 0] apiVersion: core.openfunction.io/v1alpha2 was removed in OpenFunction 1.0; rewrite the Function as core.openfunction.io/v1beta2',
    );
  });

  it('rejects other kinds, naming what is supported', async () => {
    const dir = await tempProject({
      'sts.yaml': 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\n',
    });
    const err = await loadError([dir], dir);
    expect(err.message).toContain('sts.yaml:2 [doc 0] kind: apps/v1 StatefulSet is not supported; ofn-local reads core.openfunction.io/v1beta2 Function');
    expect(err.message).toContain('dapr.io/v1alpha1 Component');
    expect(err.message).toContain('apps/v1 Deployment');
  });

  it('reports every problem of every file at once, errors first', async () => {
    const dir = await tempProject({
      'a.yaml': 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata: {}\nspec:\n  image: x\n',
      'b.yaml': 'kind: Function\nmetadata:\n  name: b\n',
      'c.yaml': 'foo: [1, 2\n',
      'd.yaml': 'hello: world\n',
    });
    const err = await loadError([dir], dir);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('3 errors in the manifests:');
    expect(lines.slice(1)).toEqual([
      "  a.yaml:3 [doc 0] metadata.name: missing; expected the Function's name",
      '  b.yaml:1 [doc 0] apiVersion: missing; expected a string such as "core.openfunction.io/v1beta2"',
      expect.stringMatching(/^ {2}c\.yaml:\d+ \[doc 0\] YAML syntax error: /),
      '  d.yaml:1 [doc 0] warning: not a Kubernetes manifest; skipped',
    ]);
    expect(err.diagnostics).toHaveLength(4);
    expect(err.diagnostics[0]).toMatchObject({ severity: 'error', file: path.join(dir, 'a.yaml'), doc: 0, line: 3, path: 'metadata.name' });
  });

  it('reports duplicate Function names in one namespace, naming both places', async () => {
    const dir = await tempProject({
      'a.yaml': imageFunction('same'),
      'b.yaml': `${imageFunction('other')}---\n${imageFunction('same')}`,
      'c.yaml': imageFunction('same').replace('  name: same', '  name: same\n  namespace: elsewhere'),
    });
    const err = await loadError([dir], dir);
    expect(err.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d, dir))).toEqual([
      'b.yaml:14 [doc 1] metadata.name: duplicate Function default/same: also defined at a.yaml:4 [doc 0]',
    ]);
  });

  it('fails with ERR_NO_MANIFESTS when there is no YAML file, or no manifest in them', async () => {
    const empty = await tempProject({ 'readme.md': 'hi' });
    expect((await loadError([empty], empty)).code).toBe('ERR_NO_MANIFESTS');
    const unrelated = await tempProject({ 'x.yaml': 'a: 1\n' });
    const err = await loadError([unrelated], unrelated);
    expect(err.code).toBe('ERR_NO_MANIFESTS');
    expect(err.diagnostics[0]?.message).toBe('not a Kubernetes manifest; skipped');
  });

  it('fails with ERR_READ for an input that does not exist', async () => {
    const dir = await tempProject({ 'a.yaml': imageFunction('a') });
    const err = await loadError(['a.yaml', 'missing.yaml'], dir);
    expect(err.code).toBe('ERR_READ');
    expect(err.message).toContain(`${path.join(dir, 'missing.yaml')} does not exist`);
  });
});

describe('formatDiagnostic', () => {
  it('writes <file relative to cwd>:<line> [doc N] <path>: <message>', () => {
    const d = {
      severity: 'error' as const,
      file: '/work/p/fns/a.yaml',
      doc: 2,
      line: 14,
      path: 'spec.serving.triggers.http.port',
      message: 'expected an integer from 1 to 65535, got string "80a"',
    };
    expect(formatDiagnostic(d, '/work/p')).toBe(
      'fns/a.yaml:14 [doc 2] spec.serving.triggers.http.port: expected an integer from 1 to 65535, got string "80a"',
    );
    expect(formatDiagnostic({ ...d, severity: 'warning', path: '', line: undefined }, '/work/p')).toBe(
      'fns/a.yaml [doc 2] warning: expected an integer from 1 to 65535, got string "80a"',
    );
  });
});

describe('folders holding an export', () => {
  it('are skipped below a project folder, and read when named', async () => {
    const { mkdtemp, mkdir, writeFile, cp, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const { loadProject, EXPORT_MARKER } = await import('../../../src/model/index.js');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-export-marker-'));
    try {
      await cp(path.resolve('fixtures/hello-node'), dir, { recursive: true });
      await mkdir(path.join(dir, 'deploy'));
      await cp(path.join(dir, 'function.yaml'), path.join(dir, 'deploy', 'function-default-hello-node.yaml'));
      await writeFile(path.join(dir, 'deploy', EXPORT_MARKER), 'x');
      expect((await loadProject([dir])).functions).toHaveLength(1);
      expect((await loadProject([path.join(dir, 'deploy')])).files).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
