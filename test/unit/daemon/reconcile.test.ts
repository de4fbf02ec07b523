import { describe, expect, it } from 'vitest';
import { reconcilePlan } from '../../../src/daemon/reconcile.js';
import { loadProject } from '../../../src/model/load.js';
import { imageFunction, useTempProjects } from '../model/temp-project.js';

const tempProject = useTempProjects();

async function project(text: string) {
  const dir = await tempProject({ 'functions.yaml': text });
  return loadProject([dir], { cwd: dir });
}

const withOutput = (name: string, url: string) =>
  imageFunction(name, `    outputs:\n      - dapr: { name: sink, type: bindings.http, operation: post }\n    bindings:\n      sink: { type: bindings.http, version: v1, metadata: [{ name: url, value: "${url}" }] }`);
const configuration = (action: string) => `apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata: { name: acl }\nspec:\n  accessControl: { defaultAction: ${action} }\n`;
const withConfig = (name: string) =>
  imageFunction(name, `    annotations: { dapr.io/config: acl }\n    outputs:\n      - dapr: { name: sink, type: bindings.http, operation: post }\n    bindings:\n      sink: { type: bindings.http, version: v1, metadata: [{ name: url, value: "http://x" }] }`);

describe('reconcile: what an edit of the manifests changes', () => {
  it('adds new functions, removes gone ones, and leaves unchanged ones alone', async () => {
    const before = await project([imageFunction('a'), imageFunction('b')].join('---\n'));
    const after = await project([imageFunction('b'), imageFunction('c')].join('---\n'));
    expect(reconcilePlan(before, after, { servicesChanged: false })).toEqual({ added: ['default/c'], removed: ['default/a'], replaced: [] });
  });

  it('replaces a function whose resource changed, and only that one', async () => {
    const before = await project([withOutput('a', 'http://one'), imageFunction('b')].join('---\n'));
    const after = await project([withOutput('a', 'http://two'), imageFunction('b')].join('---\n'));
    expect(reconcilePlan(before, after, { servicesChanged: false })).toEqual({ added: [], removed: [], replaced: ['default/a'] });
  });

  it('replaces a function whose Configuration (access control) changed, though the function did not', async () => {
    const before = await project([withConfig('a'), imageFunction('b'), configuration('allow')].join('---\n'));
    const after = await project([withConfig('a'), imageFunction('b'), configuration('deny')].join('---\n'));
    expect(reconcilePlan(before, after, { servicesChanged: false }).replaced).toEqual(['default/a']);
  });

  it('replaces the functions with a sidecar when the backing services changed', async () => {
    const text = [withOutput('a', 'http://one'), imageFunction('b')].join('---\n');
    const before = await project(text);
    const after = await project(text);
    expect(reconcilePlan(before, after, { servicesChanged: true }).replaced).toEqual(['default/a']);
    expect(reconcilePlan(before, after, { servicesChanged: false }).replaced).toEqual([]);
  });
});
