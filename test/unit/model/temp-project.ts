import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/**
 * Temp folders for one test file: `tempProject({...files})` writes the files (a value of `null`
 * makes an empty folder) and returns the folder; everything is removed after each test.
 */
export function useTempProjects(): (files: Record<string, string | null>) => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (files) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-model-'));
    made.push(dir);
    for (const [name, content] of Object.entries(files)) {
      const full = path.join(dir, name);
      if (content === null) {
        await mkdir(full, { recursive: true });
      } else {
        await mkdir(path.dirname(full), { recursive: true });
        await writeFile(full, content);
      }
    }
    return dir;
  };
}

/** Makes `dir` a git checkout (no commit needed for `git rev-parse --show-toplevel`). */
export function gitInit(dir: string): void {
  execFileSync('git', ['init', '-q', dir], { stdio: 'ignore' });
}

/** A valid image-only v1beta2 Function, with extra YAML appended under `spec.serving` if given. */
export function imageFunction(name: string, serving = '', extraSpec = ''): string {
  return [
    'apiVersion: core.openfunction.io/v1beta2',
    'kind: Function',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  version: v1.0.0',
    `  image: example/${name}:latest`,
    ...(extraSpec ? [extraSpec] : []),
    '  serving:',
    ...(serving ? [serving] : ['    params: {}']),
    '',
  ].join('\n');
}
