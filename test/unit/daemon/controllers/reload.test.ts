import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonBus } from '../../../../src/daemon/bus.js';
import { ReloadController, type ReloadablePool } from '../../../../src/daemon/controllers/reload.js';
import type { OfnEvent } from '../../../../src/protocol/journal.js';
import { OfnError } from '../../../../src/errors.js';
import type { FunctionPool } from '../../../../src/serving/pool.js';
import { loadProject } from '../../../../src/model/load.js';
import type { LoadedFunction } from '../../../../src/model/types.js';
import type { Instance, InstanceSpec } from '../../../../src/runtime/runtime.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { useTempProjects } from '../../model/temp-project.js';

const tempProject = useTempProjects();

const FUNCTION = `apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata: { name: cart }
spec:
  version: v1.0.0
  image: example/cart:latest
  build:
    builder: openfunction/builder-node:latest
    srcRepo: { url: "." }
  serving:
    triggers:
      http: { port: 8080 }
`;
const GOOD = 'exports.cart = (req, res) => res.send("one");\n';

/** A pool of one running instance; it asks each instance to reload as the real one does. */
class PoolInMemory implements ReloadablePool {
  replicas = 1;
  readonly rolled: InstanceSpec[] = [];
  constructor(readonly instance: Instance) {}
  async reloadInPlace(reloadOne: (instance: Instance) => Promise<void>): Promise<void> {
    await reloadOne(this.instance);
  }
  async rollTo(spec: InstanceSpec): Promise<void> {
    this.rolled.push(spec);
  }
}

type Framework = (instance: Instance, say: (line: string) => void) => void;

/** The builds a reload asks the bus for, as the build controller would answer them. */
interface FakeBuilds {
  spec(fn: LoadedFunction): Promise<InstanceSpec>;
}

async function setup(o: { framework: Framework; builds?: Partial<FakeBuilds> }) {
  const dir = await tempProject({ 'function.yaml': FUNCTION, 'index.js': GOOD });
  const appDir = await tempProject({});
  await cp(dir, appDir, { recursive: true });
  const project = await loadProject([dir], { cwd: dir });
  const journal: OfnEvent[] = [];
  const bus = new DaemonBus((e) => journal.push(e));
  const clock = new ManualClock();
  const instance = { id: 'cart-1', spec: { appDir } } as unknown as Instance;
  const pool = new PoolInMemory(instance);
  let signalled = () => {};
  const signal = new Promise<void>((resolve) => (signalled = resolve));
  const reload = new ReloadController({
    bus,
    signal: new AbortController().signal,
    project: () => project,
    root: dir,
    readyTimeoutMs: 5000,
    clock,
    pool: (key) => (key === 'default/cart' ? pool : undefined),
    // The framework answers on its output, which reaches the bus as instance.log lines.
    sendReload: async (i) => {
      signalled();
      o.framework(i, (line) => bus.emit({ type: 'instance.log', fn: 'default/cart', instance: i.id, stream: 'stdout', line }));
    },
  });
  // The build controller's answers on the bus: a Node function, no live binary.
  bus.handle('build.spec', ({ fn }) => (o.builds?.spec ?? (async () => Promise.reject(new Error('no build in this test'))))(fn));
  bus.handle('build.live-binary', async () => Promise.reject(new Error('no build in this test')));
  bus.handle('build.language', () => 'node');
  bus.handle('build.serves-live-binary', () => false);
  // The function serves a build from appDir, as the instances controller tells the bus.
  await bus.dispatch({ type: 'function.serving', fn: project.functions[0]!, pool: pool as unknown as FunctionPool, spec: { appDir } as InstanceSpec });
  return { reload, bus, journal, clock, pool, dir, appDir, signal };
}

const last = (journal: OfnEvent[]) => journal.filter((e) => e.type.startsWith('reload.')).at(-1);

describe('reload controller', () => {
  it('fast path: syncs the saved file into the live folder, and journals the reload once the framework says so', async () => {
    const { reload, journal, clock, dir, appDir } = await setup({ framework: (_i, say) => say('ofn-framework: reloaded') });
    await writeFile(path.join(dir, 'index.js'), 'exports.cart = (req, res) => res.send("two");\n');
    const firstSeenAt = clock.now() - 40;
    await reload.fast('default/cart', [path.join(dir, 'index.js')], firstSeenAt);
    expect(await readFile(path.join(appDir, 'index.js'), 'utf8')).toContain('"two"');
    expect(journal.find((e) => e.type === 'reload.started')).toMatchObject({ path: 'fast', cause: ['index.js'] });
    expect(last(journal)).toEqual({ type: 'reload.finished', fn: 'default/cart', path: 'fast', timings: { detectMs: 40, syncMs: 0, restartMs: 0, totalMs: 40 } });
  });

  it('fast path: a reload the framework refuses puts the previous files back and names where the error is', async () => {
    const { reload, journal, dir, appDir } = await setup({
      // As Node prints an error in the user's code, from inside the instance (/workspace).
      framework: (_i, say) => {
        say('/workspace/index.js:1');
        say('TypeError: cart is not a function');
        say('    at Object.<anonymous> (/workspace/index.js:1:9)');
        say('ofn-framework: reload failed');
      },
    });
    await writeFile(path.join(dir, 'index.js'), 'exports.cart = 7;\n');
    await reload.fast('default/cart', [path.join(dir, 'index.js')], 0);
    expect(await readFile(path.join(appDir, 'index.js'), 'utf8')).toBe(GOOD);
    expect(last(journal)).toMatchObject({
      type: 'reload.failed',
      path: 'fast',
      message: '/workspace/index.js:1\nTypeError: cart is not a function\nofn-framework: reload failed',
      file: 'index.js',
      line: 1,
    });
  });

  it('fast path: an instance that never answers fails the reload after readyTimeoutMs', async () => {
    const { reload, journal, clock, dir, signal } = await setup({ framework: () => {} });
    const done = reload.fast('default/cart', [path.join(dir, 'index.js')], 0);
    await signal;
    clock.advance(5000);
    await done;
    expect(last(journal)).toMatchObject({ type: 'reload.failed', path: 'fast', message: 'cart-1 did not reload within 5000 ms' });
  });

  it('slow path: rolls the new build in and syncs later saves into its folder; a build error names its file and line', async () => {
    const next = await tempProject({ 'index.js': GOOD });
    let fail = false;
    const { reload, journal, pool, dir } = await setup({
      framework: (_i, say) => say('ofn-framework: reloaded'),
      builds: {
        spec: async () => {
          if (fail) throw new OfnError('ERR_BUILD', 'cannot find module left-pad', { file: path.join(dir, 'package.json'), line: 4 });
          return { appDir: next, generation: 2 } as InstanceSpec;
        },
      },
    });
    await reload.slow('default/cart', ['package.json'], 0);
    expect(pool.rolled.map((s) => s.generation)).toEqual([2]);
    expect(last(journal)).toMatchObject({ type: 'reload.finished', path: 'slow' });
    await writeFile(path.join(dir, 'index.js'), 'exports.cart = (req, res) => res.send("three");\n');
    await reload.fast('default/cart', [path.join(dir, 'index.js')], 0);
    expect(await readFile(path.join(next, 'index.js'), 'utf8')).toContain('"three"');
    fail = true;
    await reload.slow('default/cart', ['package.json'], 0);
    expect(last(journal)).toMatchObject({ type: 'reload.failed', path: 'slow', message: 'cannot find module left-pad', file: path.join(dir, 'package.json'), line: 4 });
    expect(pool.rolled).toHaveLength(1);
  });

  it('forgets the live folder of a removed function', async () => {
    const { reload, bus, journal, dir } = await setup({ framework: (_i, say) => say('ofn-framework: reloaded') });
    bus.emit({ type: 'function.removed', fn: 'default/cart' });
    await reload.fast('default/cart', [path.join(dir, 'index.js')], 0);
    expect(journal.filter((e) => e.type.startsWith('reload.'))).toEqual([]);
  });
});
