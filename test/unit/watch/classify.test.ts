import { describe, expect, it } from 'vitest';
import { classify, isIgnored } from '../../../src/watch/classify.js';

const fns = [
  { key: 'default/a', sourceDir: '/p/a' },
  { key: 'default/b', sourceDir: '/p/b' },
];

describe('classify', () => {
  it('sorts code, dependency and manifest changes', () => {
    const c = classify(['/p/a/index.js', '/p/a/lib/x.mjs', '/p/b/package.json', '/p/b/index.js', '/p/fn.yaml', '/p/README.md'], fns);
    expect(c.code).toEqual(new Map([['default/a', ['/p/a/index.js', '/p/a/lib/x.mjs']]]));
    expect(c.deps).toEqual(new Map([['default/b', ['/p/b/package.json']]]));
    expect(c.manifests).toEqual(['/p/fn.yaml']);
  });

  it('treats lockfiles and .npmrc as dependencies', () => {
    for (const f of ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', '.npmrc']) {
      expect(classify([`/p/a/${f}`], fns).deps.has('default/a')).toBe(true);
    }
  });

  it('treats a Python function\'s requirements.txt as its dependencies, its .py files as code', () => {
    const c = classify(['/p/a/requirements.txt', '/p/b/main.py'], fns);
    expect(c.deps).toEqual(new Map([['default/a', ['/p/a/requirements.txt']]]));
    expect(c.code).toEqual(new Map([['default/b', ['/p/b/main.py']]]));
  });

  it('ignores node_modules, VCS, state and editor temp files', () => {
    for (const f of ['/p/a/node_modules/x/index.js', '/p/a/.git/HEAD', '/p/.ofn-local/build/x.js', '/p/a/.index.js.swp', '/p/a/index.js~', '/p/a/.#index.js', '/p/a/4913', '/p/a/sedAb12Cd']) {
      expect(isIgnored(f)).toBe(true);
    }
    const c = classify(['/p/a/.index.js.swp', '/p/a/node_modules/x.js'], fns);
    expect(c.code.size + c.deps.size + c.manifests.length).toBe(0);
  });

  it('gives one entry per file however often it changed in the batch', () => {
    expect(classify(['/p/a/index.js', '/p/a/index.js'], fns).code.get('default/a')).toEqual(['/p/a/index.js']);
  });
});
