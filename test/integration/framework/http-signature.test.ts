import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { buildBundle, cleanUp, fixture, startFramework } from './support/framework-process.js';

beforeAll(() => buildBundle());
afterEach(cleanUp);

describe('http signature', () => {
  it('serves a CommonJS function on every path and method', async () => {
    const fw = await startFramework({ source: fixture('commonjs'), target: 'helloWorld' });
    expect(fw.stdout()).toContain(`ofn-framework: serving helloWorld (http) on port ${fw.port}`);

    const root = await fetch(`${fw.url}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toBe('hello, world');
    expect(root.headers.get('x-powered-by')).toBeNull();
    expect(root.headers.get('x-openfunction-status')).toBeNull();

    const nested = await fetch(`${fw.url}/a/b?c=d`, { method: 'DELETE' });
    expect(await nested.text()).toBe('hello, world');
  });

  it('answers 404 for /favicon.ico and /robots.txt without calling the function', async () => {
    const fw = await startFramework({ source: fixture('commonjs'), target: 'helloWorld' });
    for (const path of ['/favicon.ico', '/robots.txt']) {
      const res = await fetch(`${fw.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('');
    }
  });

  it('takes the target and signature from the environment, with FUNC_NAME as fallback', async () => {
    const fw = await startFramework({ source: fixture('commonjs'), env: { FUNC_NAME: 'helloWorld', FUNC_TYPE: 'http' } });
    expect(await (await fetch(fw.url)).text()).toBe('hello, world');
  });

  it('loads an ES module package ("type": "module")', async () => {
    const fw = await startFramework({ source: fixture('esm'), env: { FUNCTION_TARGET: 'helloESM' } });
    expect(await (await fetch(fw.url)).text()).toBe('Hello from ECMAScript module function!');
  });

  it('falls back to index.mjs and follows a dotted target', async () => {
    const fw = await startFramework({ source: fixture('mjs'), target: 'handlers.greet' });
    expect(await (await fetch(`${fw.url}/?u=ada`)).text()).toBe('hi ada from mjs');
  });

  it('falls back to function.js and to the export named "function"', async () => {
    const fw = await startFramework({ source: fixture('fallback'), target: 'notExported' });
    expect(await (await fetch(fw.url)).text()).toBe('served by the function export');
  });

  it('parses JSON, text, urlencoded and other bodies and keeps req.rawBody', async () => {
    const fw = await startFramework({ source: fixture('commonjs'), target: 'echo' });
    const send = async (contentType: string | undefined, body?: string) => {
      const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
      const res = await fetch(`${fw.url}/p?x=1&y[z]=2`, { method: body === undefined ? 'GET' : 'POST', headers, body });
      return (await res.json()) as Record<string, unknown>;
    };

    expect(await send('application/json', '{"a":1}')).toMatchObject({ body: { a: 1 }, rawBody: '{"a":1}' });
    expect(await send('application/cloudevents+json', '{"specversion":"1.0"}')).toMatchObject({
      body: { specversion: '1.0' },
    });
    expect(await send('text/plain', 'plain words')).toMatchObject({ body: 'plain words', rawBody: 'plain words' });
    expect(await send('application/x-www-form-urlencoded', 'a[b]=c')).toMatchObject({ body: { a: { b: 'c' } } });
    expect(await send('application/octet-stream', 'AB')).toMatchObject({ body: { buffer: '4142' }, rawBody: 'AB' });
    // No body: an empty object, as with Express 4; extended query parsing.
    expect(await send(undefined)).toMatchObject({ method: 'GET', path: '/p', body: {}, rawBody: null, query: { x: '1', y: { z: '2' } } });
  });

  it('turns a throw into a 500 with the message and keeps serving', async () => {
    const fw = await startFramework({ source: fixture('commonjs'), target: 'boom' });
    const res = await fetch(fw.url);
    expect(res.status).toBe(500);
    expect(res.headers.get('x-openfunction-status')).toBe('crash');
    expect(await res.text()).toBe('boom from the function');
    await expect.poll(() => fw.stderr()).toContain('Error: boom from the function');
    await expect.poll(() => fw.stderr()).toMatch(/at .*index\.js/);

    const again = await fetch(fw.url);
    expect(again.status).toBe(500);
    expect(fw.process.exitCode).toBeNull();
  });

  it('turns a rejection into a 500 and hides the message when NODE_ENV=production', async () => {
    const fw = await startFramework({ source: fixture('commonjs'), target: 'rejects', env: { NODE_ENV: 'production' } });
    const res = await fetch(fw.url);
    expect(res.status).toBe(500);
    expect(res.headers.get('x-openfunction-status')).toBe('crash');
    expect(await res.text()).not.toContain('rejected by the function');
    await expect.poll(() => fw.stderr()).toContain('rejected by the function');
  });

  it('logs an exception thrown outside a request and keeps serving', async () => {
    const fw = await startFramework({ source: fixture('commonjs'), target: 'throwsLater' });
    expect(await (await fetch(fw.url)).text()).toBe('scheduled');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect.poll(() => fw.stderr()).toContain('thrown from a timer');
    expect(await (await fetch(fw.url)).text()).toBe('scheduled');
  });
});
