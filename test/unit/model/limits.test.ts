import { truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError, formatDiagnostic, loadProject, loadProjectConfig } from '../../../src/model/index.js';
import { useTempProjects } from './temp-project.js';

const tempProject = useTempProjects();

const MiB = 1024 * 1024;

function imageFunction(name: string, params = ''): string {
  return `apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata:\n  name: ${name}\nspec:\n  image: example/${name}:v1\n  serving:\n${params || '    params: {DEBUG: "1"}\n'}`;
}

async function loadError(dir: string): Promise<ModelError> {
  const err = await loadProject([dir], { cwd: dir }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelError);
  return err as ModelError;
}

describe('manifest file size', () => {
  it('refuses a manifest file over 4 MiB without parsing it, naming the file, its size and what to do', async () => {
    const dir = await tempProject({ 'ok.yaml': imageFunction('ok'), 'huge.yaml': imageFunction('huge') });
    // 60 MiB (sparse: the size is what counts).
    await truncate(path.join(dir, 'huge.yaml'), 60 * MiB);
    const err = await loadError(dir);
    expect(err.diagnostics.map((d) => formatDiagnostic(d, dir))).toEqual([
      'huge.yaml [doc 0] the file is 60.0 MiB; ofn-local reads manifest files of at most 4.0 MiB (a cluster stores one object of at most 1.5 MiB): ' +
        'split it into several files, keep large data out of the manifests (a file the function reads, or a ConfigMap on the cluster), ' +
        'or move a YAML file that is not a manifest out of the project folder',
    ]);
    expect(err.where.file).toBe(path.join(dir, 'huge.yaml'));
  });

  it('reads a manifest file of a few MiB', async () => {
    const padding = `# ${'x'.repeat(1000)}\n`.repeat(3 * 1024);
    const dir = await tempProject({ 'big.yaml': padding + imageFunction('big') });
    const project = await loadProject([dir], { cwd: dir });
    expect(project.functions.map((f) => f.name)).toEqual(['big']);
  });

  it('refuses an ofn-local.yaml over the same limit', async () => {
    const dir = await tempProject({ 'ofn-local.yaml': 'services: {}\n' });
    await truncate(path.join(dir, 'ofn-local.yaml'), 5 * MiB);
    await expect(loadProjectConfig(dir)).rejects.toThrow(`${path.join(dir, 'ofn-local.yaml')}: the file is 5.0 MiB; ofn-local reads manifest files of at most 4.0 MiB`);
  });
});

describe('serving.params size', () => {
  it('refuses a param a process could not be started with (over 128 KiB), naming file, line and field', async () => {
    const dir = await tempProject({});
    await writeFile(path.join(dir, 'fn.yaml'), imageFunction('fn', `    params:\n      SMALL: "1"\n      BIG: "${'x'.repeat(200 * 1024)}"\n`));
    const err = await loadError(dir);
    expect(err.diagnostics.map((d) => formatDiagnostic(d, dir))).toEqual([
      'fn.yaml:10 [doc 0] spec.serving.params.BIG: is 200.0 KiB as the environment variable BIG; a process cannot be started with a variable over 128.0 KiB ' +
        "(Linux's limit per variable, E2BIG): keep large values out of params: put them in a file the function reads, or fetch them when it starts",
    ]);
  });

  it('accepts a param just under the per-variable limit', async () => {
    // `V=` + value + NUL = 128 KiB exactly.
    const dir = await tempProject({ 'fn.yaml': imageFunction('fn', `    params:\n      V: "${'x'.repeat(128 * 1024 - 3)}"\n`) });
    const [fn] = (await loadProject([dir], { cwd: dir })).functions;
    expect(fn!.params.V).toHaveLength(128 * 1024 - 3);
  });

  it('refuses params that add up to more than 1 MiB', async () => {
    const value = 'x'.repeat(100 * 1024);
    const params = Array.from({ length: 11 }, (_, i) => `      P${i}: "${value}"\n`).join('');
    const dir = await tempProject({ 'fn.yaml': imageFunction('fn', `    params:\n${params}`) });
    const err = await loadError(dir);
    expect(err.diagnostics.map((d) => formatDiagnostic(d, dir))).toEqual([
      'fn.yaml:8 [doc 0] spec.serving.params: the params add up to 1.1 MiB of environment variables; ofn-local allows 1.0 MiB ' +
        '(Linux starts a program with at most 2 MiB of arguments and environment under the usual 8 MiB stack, FUNC_CONTEXT included): ' +
        'keep large values out of params: put them in a file the function reads, or fetch them when it starts',
    ]);
  });
});
