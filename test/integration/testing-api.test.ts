import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfnProject, OfnTestingError } from '../../src/testing/index.js';
import { hasDocker } from '../helpers/engine.js';
import { REPO_ROOT, tempProject } from '../helpers/temp-project.js';

const run = promisify(execFile);
const ORDERS = path.join(REPO_ROOT, 'fixtures', 'orders');
const VITEST = path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const runtime = hasDocker ? 'docker' : 'process';

/** Exit code and output of a vitest run in `cwd` (a user's test run). */
async function vitestIn(cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [VITEST, 'run'], { cwd, env: { ...process.env, ...env, OFN_LOCAL_REQUIRE_DOCKER: '' }, timeout: 300_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Containers that carry a project's root label (sessions of that folder included). */
async function containersOf(root: string): Promise<string[]> {
  if (!hasDocker) return [];
  const list = await new Docker().listContainers({ all: true, filters: { label: [`io.ofn-local.root=${root}`] } });
  return list.map((c) => c.Names.join(','));
}

describe(`ofn-local/testing (${runtime} runtime)`, () => {
  let project: OfnProject;

  beforeAll(async () => {
    project = await OfnProject.start(ORDERS, { runtime });
  }, 300_000);
  afterAll(() => project?.stop());

  it('the example test file in fixtures/ passes as a user runs it', async () => {
    const { code, out } = await vitestIn(ORDERS);
    expect(out).toMatch(/2 passed/);
    expect(code).toBe(0);
  });

  it('invokes a function and waits for what it sent to a binding and a topic', async () => {
    project.clearOutputs();
    const res = await project.invoke('orders', { id: 'T-1', items: 3 });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ accepted: 'T-1' });
    const audit = await project.waitFor({ fn: 'orders', binding: 'audit' });
    expect(audit).toMatchObject({ fn: 'default/orders', kind: 'binding', component: 'audit', target: 'create' });
    expect(audit.json()).toMatchObject({ id: 'T-1', items: 3 });
    const topic = await project.waitFor({ pubsub: 'order-events', topic: 'order-created', where: (o) => o.json<{ id: string }>().id === 'T-1' });
    expect(topic.json()).toEqual({ id: 'T-1', items: 3 });
    expect(project.outputs({ fn: 'default/orders' })).toHaveLength(2);
  });

  it('waitFor times out with the list of what did arrive', async () => {
    project.clearOutputs();
    await project.invoke('orders', { id: 'T-2', items: 1 });
    await project.waitFor({ binding: 'audit' });
    const err = await project.waitFor({ topic: 'order-shipped' }, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OfnTestingError);
    expect((err as OfnTestingError).code).toBe('ERR_WAIT_TIMEOUT');
    const message = (err as Error).message;
    expect(message).toContain('waitFor(topic order-shipped): 0 of 1 within 500 ms');
    expect(message).toMatch(/default\/orders → binding audit \(create\) \d+ B: \{"at":"[^"]+","id":"T-2","items":1\}/);
    expect(message).toMatch(/default\/orders → topic order-created of order-events \d+ B: \{"id":"T-2","items":1\}/);
  });

  it('logs, URLs and bad names', async () => {
    expect(project.url('orders')).toBe(`${project.gateway}/default/orders`);
    expect(project.logs('orders').join('\n')).toMatch(/listening|serving|OpenFunction/i);
    expect(() => project.url('nope')).toThrow('no function nope in this project (functions: default/orders)');
  });

  it('two projects of one folder run side by side without colliding, and stop leaves nothing', async () => {
    const [a, b] = await Promise.all([OfnProject.start(ORDERS, { runtime }), OfnProject.start(ORDERS, { runtime })]);
    try {
      expect(a.gateway).not.toBe(b.gateway);
      expect(a.gateway).not.toBe(project.gateway);
      expect((await a.invoke('orders', { id: 'A', items: 1 })).status).toBe(200);
      expect((await b.invoke('orders', { id: 'B', items: 1 })).status).toBe(200);
      expect((await a.waitFor({ topic: 'order-created' })).json()).toEqual({ id: 'A', items: 1 });
      expect((await b.waitFor({ topic: 'order-created' })).json()).toEqual({ id: 'B', items: 1 });
      expect(a.outputs().map((o) => o.json<{ id: string }>().id)).toEqual(['A', 'A']);
      // A wait still pending when its project stops ends at once, saying so.
      const pending = a.waitFor({ topic: 'never' }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
      await a.stop();
      expect(String(await pending)).toContain('waitFor(topic never): the project was stopped');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    // Only the suite's own project remains (its function and sidecar containers).
    const left = await containersOf(ORDERS);
    expect(left.length).toBeLessThanOrEqual(2);
    await expect(a.invoke('orders', {})).rejects.toThrow('this project was stopped');
  });

  it('ofn-local down in the folder leaves a running test session alone', async () => {
    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'ofn-local.js'), 'down'], { cwd: ORDERS });
    expect(stdout).not.toMatch(/removed \d+ leftover/);
    expect((await project.invoke('orders', { id: 'still', items: 1 })).status).toBe(200);
  });

  it('a test that throws still leaves no container behind', async () => {
    const before = await containersOf(ORDERS);
    const { code, out } = await vitestIn(path.join(REPO_ROOT, 'test', 'fixtures', 'testing'), { OFN_TEST_PROJECT: ORDERS });
    expect(out).toContain('deliberate failure after the project started');
    expect(code).toBe(1);
    expect(await containersOf(ORDERS)).toEqual(before);
  });

  it('a project that does not build fails start() with the function and its build error', async () => {
    const { dir, cleanup } = await tempProject('fixtures/hello-node');
    try {
      const pkg = path.join(dir, 'package.json');
      const json = JSON.parse(await readFile(pkg, 'utf8')) as Record<string, unknown>;
      await writeFile(pkg, JSON.stringify({ ...json, dependencies: { 'left-pad': '999.999.999' } }));
      const err = await OfnProject.start(dir, { runtime }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OfnTestingError);
      expect((err as OfnTestingError).code).toBe('ERR_NOT_READY');
      expect((err as Error).message).toMatch(/the project did not start:\n {2}default\/hello-node: .*npm install.*(ETARGET|No matching version)/s);
      expect(await containersOf(dir)).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
