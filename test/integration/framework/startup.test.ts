import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  buildBundle,
  cleanUp,
  fixture,
  fixtureWithShim,
  runUntilExit,
  startFramework,
} from './support/framework-process.js';

beforeAll(() => buildBundle());
afterEach(cleanUp);

describe('declarative registration through the shim', () => {
  it('serves a function registered with http() under the target name', async () => {
    const source = fixtureWithShim('declarative');
    // The registration's signature wins over the configured one.
    const fw = await startFramework({ source, target: 'declared-http', signatureType: 'cloudevent' });
    expect(fw.stdout()).toContain('serving declared-http (http)');
    expect(await (await fetch(`${fw.url}/x`)).text()).toBe('declared http function');
  });

  it('runs user plugins (extending the shim Plugin class) around an openfunction() function', async () => {
    const source = fixtureWithShim('declarative');
    const fw = await startFramework({
      source,
      target: 'declaredOfn',
      env: { FUNC_CONTEXT: JSON.stringify({ name: 'p', version: 'v1', runtime: 'Knative', prePlugins: ['trace-hooks'] }) },
    });
    const res = await fetch(fw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1]' });
    expect(await res.json()).toEqual({ data: [1], hooks: ['pre'] });
    expect(fw.stderr()).toBe('');
  });

  it('serves a cloudEvent() registration made from an ES module', async () => {
    const source = fixtureWithShim('declarative-esm');
    const fw = await startFramework({ source, target: 'declaredEvent' });
    expect(fw.stdout()).toContain('(cloudevent)');
    const res = await fetch(fw.url, {
      method: 'POST',
      headers: { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't', 'ce-source': 's', 'content-type': 'text/plain' },
      body: 'text data',
    });
    expect(await res.json()).toEqual({ declared: true, type: 't', data: 'text data' });
  });
});

describe('start-up failures', () => {
  it('exits non-zero naming the source, the target and the exports found', async () => {
    const source = fixture('commonjs');
    const result = await runUntilExit(['--source', source, '--target', 'nope']);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain("Function 'nope' is not defined in");
    expect(result.stderr).toContain(source);
    expect(result.stderr).toContain('Exports found: helloWorld, echo, boom, rejects, throwsLater, slow, notAFunction');
  });

  it('exits non-zero when the target is not a function', async () => {
    const result = await runUntilExit(['--source', fixture('commonjs'), '--target', 'notAFunction']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("'notAFunction'");
    expect(result.stderr).toContain('number');
  });

  it('exits non-zero when there is no module to load', async () => {
    const result = await runUntilExit(['--source', fixture('does-not-exist')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No loadable function module');
  });

  it('rejects an unknown signature type', async () => {
    const result = await runUntilExit(['--source', fixture('commonjs'), '--target', 'helloWorld'], {
      FUNCTION_SIGNATURE_TYPE: 'grpc',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('http, event, cloudevent, openfunction');
  });

  it('ignores a FUNC_CONTEXT that is not JSON, saying so', async () => {
    const fw = await startFramework({
      source: fixture('commonjs'),
      target: 'helloWorld',
      env: { FUNC_CONTEXT: '{not json' },
    });
    expect(fw.stderr()).toContain('ignoring FUNC_CONTEXT');
    expect(await (await fetch(fw.url)).text()).toBe('hello, world');
  });
});

describe('shutdown', () => {
  it('finishes an in-flight request on SIGTERM and exits 0', async () => {
    const fw = await startFramework({ source: fixture('commonjs'), target: 'slow' });
    const pending = fetch(`${fw.url}/?ms=400`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    fw.process.kill('SIGTERM');
    const res = await pending;
    expect(await res.text()).toBe('slow done');
    expect(await fw.exited).toBe(0);
  });
});
