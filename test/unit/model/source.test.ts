import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModelError, formatDiagnostic, loadProject } from '../../../src/model/index.js';
import type { ResolvedSource } from '../../../src/model/index.js';
import { gitInit, useTempProjects } from './temp-project.js';

const tempProject = useTempProjects();

function buildFunction(srcRepo: string, annotations = ''): string {
  return `apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: hello${annotations ? `\n  annotations:\n${annotations}` : ''}
spec:
  image: example/hello:v1
  build:
    builder: openfunction/builder-node:latest
    srcRepo:
${srcRepo}
  serving: {}
`;
}

async function sourceOf(dir: string, manifest = 'fns/fn.yaml'): Promise<ResolvedSource> {
  const project = await loadProject([path.join(dir, manifest)], { cwd: dir });
  return project.functions[0]!.source;
}

async function errorsOf(dir: string): Promise<string[]> {
  try {
    await loadProject([dir], { cwd: dir });
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return (err as ModelError).diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d, dir));
  }
  throw new Error('expected an error');
}

describe('source resolution', () => {
  it('a local srcRepo.url is relative to the manifest folder, plus sourceSubPath', async () => {
    const dir = await tempProject({
      'fns/fn.yaml': buildFunction('      url: ../code\n      sourceSubPath: hello'),
      'code/hello/index.js': '',
    });
    expect(await sourceOf(dir)).toEqual({ kind: 'local', dir: path.join(dir, 'code/hello'), via: 'srcRepo.url' });
  });

  it('accepts ".", absolute paths and file:// URLs', async () => {
    const dir = await tempProject({ 'fns/fn.yaml': buildFunction('      url: .'), 'abs/index.js': '' });
    expect(await sourceOf(dir)).toEqual({ kind: 'local', dir: path.join(dir, 'fns'), via: 'srcRepo.url' });

    const abs = await tempProject({ 'code/index.js': '' });
    const absDir = await tempProject({ 'fns/fn.yaml': buildFunction(`      url: ${path.join(abs, 'code')}`) });
    expect(await sourceOf(absDir)).toEqual({ kind: 'local', dir: path.join(abs, 'code'), via: 'srcRepo.url' });

    const url = pathToFileURL(path.join(abs, 'code')).href;
    const urlDir = await tempProject({ 'fns/fn.yaml': buildFunction(`      url: "${url}"`) });
    expect(await sourceOf(urlDir)).toEqual({ kind: 'local', dir: path.join(abs, 'code'), via: 'srcRepo.url' });
  });

  it('a remote git URL means this checkout: sourceSubPath from the git top level', async () => {
    const dir = await tempProject({
      'repo/deploy/fns/fn.yaml': buildFunction(
        '      url: "https://github.com/example/samples.git"\n      revision: main\n      sourceSubPath: "functions/hello"',
      ),
      'repo/functions/hello/index.js': '',
    });
    gitInit(path.join(dir, 'repo'));
    const source = await sourceOf(dir, 'repo/deploy/fns/fn.yaml');
    expect(source.kind).toBe('local');
    if (source.kind !== 'local') return;
    expect(source.via).toBe('checkout');
    expect(await realpath(source.dir)).toBe(await realpath(path.join(dir, 'repo/functions/hello')));
  });

  it('scp-like git URLs count as remote too', async () => {
    const dir = await tempProject({
      'repo/fn.yaml': buildFunction('      url: "git@github.com:example/samples.git"'),
    });
    gitInit(path.join(dir, 'repo'));
    const source = await sourceOf(dir, 'repo/fn.yaml');
    expect(source.kind === 'local' && source.via).toBe('checkout');
  });

  it('a remote URL outside a git checkout is an error with a hint', async () => {
    const dir = await tempProject({
      'fn.yaml': buildFunction('      url: "https://github.com/example/samples.git"\n      sourceSubPath: hello'),
    });
    const [error] = await errorsOf(dir);
    expect(error).toMatch(/^fn\.yaml:10 \[doc 0\] spec\.build\.srcRepo\.url: "https:\/\/github\.com\/example\/samples\.git" is a remote repository/);
    expect(error).toContain('is not inside a git checkout');
    expect(error).toContain('add the annotation "ofn-local.dev/source: <folder>"');
  });

  it('the ofn-local.dev/source annotation wins over srcRepo', async () => {
    const dir = await tempProject({
      'fns/fn.yaml': buildFunction('      url: "https://github.com/example/samples.git"', '    ofn-local.dev/source: ../mine'),
      'mine/index.js': '',
    });
    expect(await sourceOf(dir)).toEqual({ kind: 'local', dir: path.join(dir, 'mine'), via: 'annotation' });
  });

  it('a folder that does not exist is an error at the field that named it', async () => {
    const dir = await tempProject({
      'a/fn.yaml': buildFunction('      url: ./nope'),
      'b/fn.yaml': buildFunction('      url: .\n      sourceSubPath: missing').replace('name: hello', 'name: hello-b'),
      'c/fn.yaml': buildFunction('      url: .', '    ofn-local.dev/source: ./gone').replace('name: hello', 'name: hello-c'),
    });
    expect(await errorsOf(dir)).toEqual([
      `a/fn.yaml:10 [doc 0] spec.build.srcRepo.url: expected a folder with the function's code, but ${path.join(dir, 'a/nope')} does not exist`,
      `b/fn.yaml:11 [doc 0] spec.build.srcRepo.sourceSubPath: expected a folder with the function's code, but ${path.join(dir, 'b/missing')} does not exist`,
      `c/fn.yaml:6 [doc 0] metadata.annotations[ofn-local.dev/source]: expected a folder with the function's code, but ${path.join(dir, 'c/gone')} does not exist`,
    ]);
  });

  it('a source bundle is not supported locally', async () => {
    const dir = await tempProject({
      'fn.yaml': buildFunction('      bundleContainer:\n        image: example/bundle:v1'),
    });
    expect(await errorsOf(dir)).toEqual([
      'fn.yaml:10 [doc 0] spec.build.srcRepo.bundleContainer: source bundles (bundleContainer) are not supported locally; add the annotation "ofn-local.dev/source: <folder>" (relative to the manifest\'s folder) to metadata.annotations',
    ]);
  });

  it('an image without a build is run as is', async () => {
    const dir = await tempProject({
      'fns/fn.yaml': 'apiVersion: core.openfunction.io/v1beta2\nkind: Function\nmetadata:\n  name: img\nspec:\n  image: example/img:v1\n  serving: {}\n',
    });
    expect(await sourceOf(dir)).toEqual({ kind: 'image', image: 'example/img:v1' });
  });
});
