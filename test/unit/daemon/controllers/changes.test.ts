import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonBus, type BusRequestArgs } from '../../../../src/daemon/bus.js';
import { ChangesController, type WatchFiles } from '../../../../src/daemon/controllers/changes.js';
import { SerialQueues } from '../../../../src/daemon/controllers/context.js';
import { loadProject } from '../../../../src/model/load.js';
import type { Project } from '../../../../src/model/types.js';
import type { OfnEvent } from '../../../../src/protocol/journal.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { useTempProjects } from '../../model/temp-project.js';

const tempProject = useTempProjects();

/** A Node function whose code is in `folder` (relative to the manifest, or absolute). */
function nodeFunction(name: string, folder: string): string {
  return `apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata: { name: ${name} }
spec:
  version: v1.0.0
  image: example/${name}:latest
  build:
    builder: openfunction/builder-node:latest
    srcRepo: { url: "${folder}" }
  serving:
    triggers:
      http: { port: 8080 }
`;
}

/** What a test holds back: a handler that waits until the test lets it finish. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** Lets every pending promise callback run (the controllers' steps are microtasks here). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function setup(o: { compiled?: string[]; outside?: boolean } = {}) {
  const outside = o.outside ? await tempProject({ 'index.js': '' }) : undefined;
  const dir = await tempProject({
    'functions.yaml': [nodeFunction('cart', './cart'), nodeFunction('shop', outside ?? './shop')].join('---\n'),
    'cart/index.js': '',
    'shop/index.js': '',
  });
  let project: Project = await loadProject([dir], { cwd: dir });
  const journal: OfnEvent[] = [];
  const bus = new DaemonBus((e) => journal.push(e));
  const clock = new ManualClock();
  /** Every request the controller made, in order, as `type key detail`. */
  const asked: string[] = [];
  /** Handlers the test holds: each request of that `type key` waits for its gate. */
  const held = new Map<string, Promise<void>>();
  const hold = (label: string) => {
    const g = gate();
    held.set(label, g.wait);
    return g.open;
  };
  const answer = async (label: string) => {
    asked.push(label);
    await held.get(label);
    asked.push(`${label} done`);
  };
  bus.handle('build.compiled', ({ key }) => (o.compiled ?? []).includes(key));
  bus.handle('project.reconcile', ({ changed }) => answer(`reconcile ${changed.map((f) => path.relative(dir, f)).join(',')}`));
  const slow: BusRequestArgs<'reload.slow'>[] = [];
  const fast: BusRequestArgs<'reload.fast'>[] = [];
  bus.handle('reload.slow', (args) => {
    slow.push(args);
    return answer(`slow ${args.key}`);
  });
  bus.handle('reload.fast', (args) => {
    fast.push(args);
    return answer(`fast ${args.key}`);
  });
  const watched = { paths: [] as string[], added: [] as string[][], closed: false };
  let watcherHandlers: Parameters<WatchFiles>[1] | undefined;
  const watchFiles: WatchFiles = (paths, handlers) => {
    watched.paths = paths;
    watcherHandlers = handlers;
    return { ready: Promise.resolve(), add: (more) => void watched.added.push(more), close: async () => void (watched.closed = true) };
  };
  const changes = new ChangesController({
    bus,
    signal: new AbortController().signal,
    project: () => project,
    root: dir,
    queues: new SerialQueues(),
    watchFiles,
    clock,
  });
  return {
    changes,
    bus,
    journal,
    clock,
    dir,
    outside,
    asked,
    slow,
    fast,
    hold,
    watched,
    watcher: () => watcherHandlers!,
    setProject: (p: Project) => (project = p),
    file: (...parts: string[]) => path.join(dir, ...parts),
  };
}

describe('changes controller', () => {
  it('routes a batch: the reconcile once for its manifests, before the reloads; code to the fast path, dependency files to the slow one', async () => {
    const { changes, asked, slow, fast, hold, file } = await setup();
    const reconciled = hold('reconcile functions.yaml');
    const batch = { files: [file('functions.yaml'), file('cart', 'index.js'), file('shop', 'package.json'), file('shop', 'index.js'), file('README.md')], firstSeenAt: 123 };
    const done = changes.onBatch(batch);
    await settle();
    // The reloads wait for the project the edit makes.
    expect(asked).toEqual(['reconcile functions.yaml']);
    reconciled();
    await done;
    expect(asked.filter((a) => a.startsWith('reconcile'))).toEqual(['reconcile functions.yaml', 'reconcile functions.yaml done']);
    // A dependency change rebuilds the whole function, its code included; a file of no function is not ours.
    expect(slow).toEqual([{ key: 'default/shop', cause: ['shop/package.json'], firstSeenAt: 123 }]);
    expect(fast).toEqual([{ key: 'default/cart', files: [file('cart', 'index.js')], firstSeenAt: 123 }]);
  });

  it("sends a compiled function's code to the slow path (as the build says)", async () => {
    const { changes, slow, fast, file } = await setup({ compiled: ['default/cart'] });
    await changes.onBatch({ files: [file('cart', 'index.js')], firstSeenAt: 5 });
    expect(slow).toEqual([{ key: 'default/cart', cause: ['cart/index.js'], firstSeenAt: 5 }]);
    expect(fast).toEqual([]);
  });

  it('runs one change at a time per function, in order (a rebuild too), while another function goes on', async () => {
    const { changes, asked, slow, hold, clock, file } = await setup();
    const firstCart = hold('fast default/cart');
    const first = changes.onBatch({ files: [file('cart', 'index.js')], firstSeenAt: 1 });
    await settle();
    const second = changes.onBatch({ files: [file('cart', 'index.js'), file('shop', 'index.js')], firstSeenAt: 2 });
    clock.advance(1000);
    const rebuild = changes.rebuild('default/cart');
    await settle();
    // The shop's reload went on; the cart's second reload and its rebuild wait for the first.
    expect(asked).toEqual(['fast default/cart', 'fast default/shop', 'fast default/shop done']);
    firstCart();
    await Promise.all([first, second, rebuild]);
    expect(asked).toEqual([
      'fast default/cart',
      'fast default/shop',
      'fast default/shop done',
      'fast default/cart done',
      'fast default/cart',
      'fast default/cart done',
      'slow default/cart',
      'slow default/cart done',
    ]);
    expect(slow).toEqual([{ key: 'default/cart', cause: ['rebuild requested'], firstSeenAt: clock.now() }]);
  });

  it("watches the project folder and source folders outside it, an edit's new folders too, and journals the watcher's errors", async () => {
    const { changes, bus, journal, dir, outside, watched, watcher, setProject } = await setup({ outside: true });
    await changes.watch();
    // The cart's folder is inside the project folder: watching the project folder covers it.
    expect(watched.paths.sort()).toEqual([dir, outside!].sort());
    const more = await tempProject({ 'index.js': '' });
    const next = await loadProject([dir], { cwd: dir });
    next.functions[0] = { ...next.functions[0]!, source: { kind: 'local', dir: more, via: 'srcRepo.url' } };
    setProject(next);
    await bus.dispatch({ type: 'project.replaced', project: next });
    expect(watched.added).toEqual([[dir, more, outside!]]);
    watcher().onError(new Error('too many open files'));
    expect(journal).toContainEqual({ type: 'daemon.error', source: 'watch', code: 'ERR_WATCH', message: 'too many open files' });
    await changes.stop();
    expect(watched.closed).toBe(true);
  });
});
