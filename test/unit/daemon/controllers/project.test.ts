import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonBus } from '../../../../src/daemon/bus.js';
import { SerialQueues } from '../../../../src/daemon/controllers/context.js';
import { ProjectController } from '../../../../src/daemon/controllers/project.js';
import { loadProject } from '../../../../src/model/load.js';
import type { ProjectConfig } from '../../../../src/model/project-config.js';
import type { LoadedFunction } from '../../../../src/model/types.js';
import type { OfnEvent } from '../../../../src/protocol/journal.js';
import type { InstanceSpec } from '../../../../src/runtime/runtime.js';
import { imageFunction, useTempProjects } from '../../model/temp-project.js';

const tempProject = useTempProjects();

const scale = (max: number) => `    scaleOptions: { minReplicas: 0, maxReplicas: ${max} }`;
const manifests = (...docs: string[]) => docs.join('---\n');
/** The steps one function went through, from what was asked (`building default/a` → `building`). */
const stepsOf = (asked: string[], key: string) => asked.filter((a) => a.split(/:? /)[1] === key).map((a) => a.split(' ')[0]);
const specOf = (fn: LoadedFunction) => ({ namespace: fn.namespace, name: fn.name, port: fn.port, generation: 1, env: {} }) as InstanceSpec;

/**
 * A project controller over a real project folder, with the other controllers' answers on the bus
 * recorded: builds fail for the functions in `failing`, and may be held until the test lets them go.
 */
async function setup(o: { files: Record<string, string>; failing?: string[]; config?: ProjectConfig; concurrency?: number }) {
  const dir = await tempProject(o.files);
  const project = await loadProject([dir], { cwd: dir });
  const journal: OfnEvent[] = [];
  const bus = new DaemonBus((e) => journal.push(e));
  const halt = new AbortController();
  let config = o.config;
  /** What the other controllers were asked, in order. */
  const asked: string[] = [];
  const building = new Set<string>();
  let mostAtOnce = 0;
  const holds: (() => void)[] = [];
  const holdBuilds = { on: false };
  bus.handle('build.spec', async ({ fn }) => {
    const key = `${fn.namespace}/${fn.name}`;
    asked.push(`build ${key}`);
    building.add(key);
    mostAtOnce = Math.max(mostAtOnce, building.size);
    if (holdBuilds.on) await new Promise<void>((resolve) => holds.push(resolve));
    else await Promise.resolve();
    building.delete(key);
    if (o.failing?.includes(key)) throw new Error(`${key}: cannot find module left-pad`);
    return specOf(fn);
  });
  bus.handle('instances.add', ({ fn }) => void asked.push(`add ${fn.namespace}/${fn.name}`));
  bus.handle('instances.building', ({ key }) => void asked.push(`building ${key}`));
  bus.handle('instances.failed', ({ key, message }) => void asked.push(`failed ${key}: ${message}`));
  bus.handle('instances.serve', async ({ fn, spec }) => void asked.push(`serve ${fn.namespace}/${fn.name} ${spec.name}`));
  bus.handle('instances.replace', async ({ fn }) => void asked.push(`replace ${fn.namespace}/${fn.name}`));
  bus.handle('instances.remove', async ({ key }) => void asked.push(`remove ${key}`));
  const servicesFail = { on: false };
  bus.handle('services.replace', async ({ services }) => {
    asked.push(`services ${services.map((s) => s.name).join(',')}`);
    if (servicesFail.on) throw new Error('redis did not start');
  });
  bus.handle('events.sync', async () => void asked.push('events'));
  const replaced: string[][] = [];
  bus.on('project.replaced', (e) => void replaced.push(e.project.functions.map((f) => f.name)));
  const controller = new ProjectController({
    bus,
    signal: halt.signal,
    project,
    root: dir,
    cwd: dir,
    loadProject: () => loadProject([dir], { cwd: dir }),
    loadConfig: async () => config,
    queues: new SerialQueues(),
    buildConcurrency: o.concurrency ?? 2,
  });
  return {
    controller,
    journal,
    asked,
    replaced,
    halt,
    dir,
    holds,
    holdBuilds,
    servicesFail,
    mostAtOnce: () => mostAtOnce,
    setConfig: (c: ProjectConfig | undefined) => (config = c),
    edit: (name: string, content: string) => writeFile(path.join(dir, name), content),
    reconcile: (changed = ['functions.yaml']) => bus.request('project.reconcile', { changed: changed.map((f) => path.join(dir, f)) }),
  };
}

describe('project controller', () => {
  it('serves every function at start, a few builds at once: built, then served; a failed build is journaled and its pool told', async () => {
    const { controller, journal, asked, mostAtOnce } = await setup({
      files: { 'functions.yaml': manifests(imageFunction('a'), imageFunction('b'), imageFunction('c')) },
      failing: ['default/b'],
    });
    controller.announce();
    await controller.serveAll();
    expect(journal[0]).toEqual({ type: 'project.loaded', root: expect.any(String), functions: ['default/a', 'default/b', 'default/c'], warnings: [] });
    expect(mostAtOnce()).toBe(2);
    // Each function's steps in order (the builds interleave).
    expect(stepsOf(asked, 'default/a')).toEqual(['building', 'build', 'serve']);
    expect(stepsOf(asked, 'default/b')).toEqual(['building', 'build', 'failed']);
    expect(stepsOf(asked, 'default/c')).toEqual(['building', 'build', 'serve']);
    expect(asked).toContain('failed default/b: default/b: cannot find module left-pad');
    expect(journal.filter((e) => e.type === 'build.failed')).toEqual([{ type: 'build.failed', fn: 'default/b', message: 'default/b: cannot find module left-pad' }]);
    expect(journal.filter((e) => e.type === 'build.started').map((e) => e.fn)).toEqual(['default/a', 'default/b', 'default/c']);
  });

  it('starts nothing once the daemon stops during a build', async () => {
    const { controller, asked, halt, holds, holdBuilds } = await setup({ files: { 'functions.yaml': imageFunction('a') } });
    holdBuilds.on = true;
    const serving = controller.serveAll();
    await expect.poll(() => holds.length).toBe(1);
    halt.abort();
    holds[0]!();
    await serving;
    expect(asked).toEqual(['building default/a', 'build default/a']);
  });

  it('applies an edit: removed drained, replaced built and swapped in, added served (a failing build journals build.failed and marks its pool failed), then events', async () => {
    const { controller, journal, asked, replaced, edit, reconcile } = await setup({
      files: { 'functions.yaml': manifests(imageFunction('same'), imageFunction('edited', scale(2)), imageFunction('gone')) },
      failing: ['default/broken'],
    });
    await edit('functions.yaml', manifests(imageFunction('same'), imageFunction('edited', scale(5)), imageFunction('fresh'), imageFunction('broken')));
    journal.length = 0;
    await reconcile();
    expect(controller.project().functions.map((f) => f.name)).toEqual(['same', 'edited', 'fresh', 'broken']);
    expect(replaced).toEqual([['same', 'edited', 'fresh', 'broken']]);
    // Gone at once, the new pools made at once; then each function's steps in order; events last.
    expect(asked.slice(0, 3)).toEqual(['remove default/gone', 'add default/fresh', 'add default/broken']);
    expect(stepsOf(asked, 'default/edited')).toEqual(['build', 'replace']);
    expect(stepsOf(asked, 'default/fresh')).toEqual(['add', 'building', 'build', 'serve']);
    expect(stepsOf(asked, 'default/broken')).toEqual(['add', 'building', 'build', 'failed']);
    expect(stepsOf(asked, 'default/same')).toEqual([]);
    expect(asked.at(-1)).toBe('events');
    expect(journal[0]).toMatchObject({ type: 'project.loaded', functions: ['default/same', 'default/edited', 'default/fresh', 'default/broken'] });
    expect(journal.slice(1).map((e) => `${e.type} ${'fn' in e ? e.fn : ''}`).sort()).toEqual([
      'build.failed default/broken',
      'build.started default/broken',
      'build.started default/fresh',
      'function.added default/broken',
      'function.added default/fresh',
      'reload.started default/edited',
    ]);
    expect(journal.find((e) => e.type === 'reload.started')).toEqual({ type: 'reload.started', fn: 'default/edited', path: 'slow', cause: ['manifest changed'] });
  });

  it('keeps the previous version when a replaced function does not build', async () => {
    const { journal, asked, edit, reconcile } = await setup({ files: { 'functions.yaml': imageFunction('edited', scale(2)) }, failing: ['default/edited'] });
    await edit('functions.yaml', imageFunction('edited', scale(3)));
    await reconcile();
    expect(asked).toEqual(['build default/edited', 'events']);
    expect(journal.at(-1)).toEqual({ type: 'reload.failed', fn: 'default/edited', path: 'slow', message: 'default/edited: cannot find module left-pad' });
  });

  it('reports a manifest that no longer loads and touches nothing', async () => {
    const { controller, journal, asked, replaced, edit, reconcile } = await setup({ files: { 'functions.yaml': imageFunction('a') } });
    await edit('functions.yaml', 'kind: Function\nmetadata: {}\n');
    await reconcile();
    expect(journal).toEqual([expect.objectContaining({ type: 'daemon.error', source: 'functions.yaml', code: 'ERR_MANIFEST', hint: 'fix the manifest; everything keeps running as before' })]);
    expect(asked).toEqual([]);
    expect(replaced).toEqual([]);
    expect(controller.project().functions.map((f) => f.name)).toEqual(['a']);
  });

  it("replaces the backing services when ofn-local.yaml's change, and journals a service that does not start", async () => {
    const redis: ProjectConfig = { file: 'ofn-local.yaml', services: [{ name: 'redis', type: 'redis', port: 6379 }] };
    const { controller, journal, asked, servicesFail, setConfig, reconcile } = await setup({ files: { 'functions.yaml': imageFunction('a') }, config: redis });
    await controller.loadConfig();
    // Unchanged services: nothing restarted.
    await reconcile(['ofn-local.yaml']);
    expect(asked).toEqual(['events']);
    const both: ProjectConfig = { ...redis, services: [...redis.services, { name: 'mqtt', type: 'mqtt', port: 1883 }] };
    setConfig(both);
    servicesFail.on = true;
    await reconcile(['ofn-local.yaml']);
    expect(asked).toEqual(['events', 'services redis,mqtt', 'events']);
    expect(journal).toContainEqual({ type: 'daemon.error', source: 'ofn-local.yaml', code: 'ERR_SERVICE_START', message: 'redis did not start' });
    expect(controller.config()).toBe(both);
  });
});
