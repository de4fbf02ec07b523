import { afterEach, describe, expect, it } from 'vitest';
import { DaemonBus, type BusEventOf } from '../../../../src/daemon/bus.js';
import { InstancesController } from '../../../../src/daemon/controllers/instances.js';
import type { OfnEvent } from '../../../../src/protocol/journal.js';
import { loadProject } from '../../../../src/model/load.js';
import type { LoadedFunction } from '../../../../src/model/types.js';
import type { Instance, InstanceSpec } from '../../../../src/runtime/runtime.js';
import { InProcessRuntime } from '../../../helpers/in-process-runtime.js';
import { imageFunction, useTempProjects } from '../../model/temp-project.js';

const tempProject = useTempProjects();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Instances of a generation in `broken` do not start. */
class RuntimeWithBrokenBuilds extends InProcessRuntime {
  readonly broken = new Set<number>();
  override async start(spec: InstanceSpec): Promise<Instance> {
    if (this.broken.has(spec.generation)) throw new Error(`generation ${spec.generation} exited with code 1`);
    return super.start(spec);
  }
}

const spec = (fn: LoadedFunction, generation: number) => ({ namespace: fn.namespace, name: fn.name, port: fn.port, generation, env: {} }) as InstanceSpec;

async function setup(o: { min: number; warmUp?: boolean }) {
  const dir = await tempProject({ 'functions.yaml': imageFunction('a', `    scaleOptions: { minReplicas: ${o.min}, maxReplicas: 2 }`) });
  const project = await loadProject([dir], { cwd: dir });
  const journal: OfnEvent[] = [];
  const bus = new DaemonBus((e) => journal.push(e));
  const serving: BusEventOf<'function.serving'>[] = [];
  bus.on('function.serving', (e) => void serving.push(e));
  const runtime = new RuntimeWithBrokenBuilds();
  const instances = new InstancesController({
    bus,
    signal: new AbortController().signal,
    project: () => project,
    runtime,
    idleTimeoutMs: 60_000,
    zeroMode: 'stop',
    readyTimeoutMs: 5_000,
    warmUp: o.warmUp ?? false,
    dropIdleSockets: () => undefined,
  });
  cleanups.push(() => instances.dispose(), () => runtime.dispose());
  return { instances, journal, serving, runtime, fn: project.functions[0]! };
}

describe('instances controller', () => {
  it('serves a build: starts its minimum, then tells the bus which pool serves which build', async () => {
    const { instances, serving, runtime, fn } = await setup({ min: 1 });
    instances.add(fn);
    const build = spec(fn, 1);
    await instances.serve(fn, build);
    expect(instances.pool('default/a')!.replicas).toBe(1);
    expect(runtime.servers.size).toBe(1);
    expect(serving).toEqual([{ type: 'function.serving', fn, pool: instances.pool('default/a'), spec: build }]);
  });

  it('starts a function at zero once when asked to check it starts, and journals why one does not', async () => {
    const { instances, journal, runtime, fn } = await setup({ min: 0, warmUp: true });
    instances.add(fn);
    await instances.serve(fn, spec(fn, 1));
    expect(runtime.starts).toBe(1);
    runtime.broken.add(2);
    await instances.serve(fn, spec(fn, 2));
    expect(journal).toContainEqual(expect.objectContaining({ type: 'daemon.error', source: 'default/a', code: 'ERR_START_FAILED', message: expect.stringContaining('generation 2 exited with code 1') }));
  });

  it('keeps the previous version serving when the edited one does not start', async () => {
    const { instances, journal, serving, runtime, fn } = await setup({ min: 1 });
    instances.add(fn);
    await instances.serve(fn, spec(fn, 1));
    const before = instances.pool('default/a');
    runtime.broken.add(2);
    await instances.replace(fn, spec(fn, 2));
    expect(instances.pool('default/a')).toBe(before);
    expect(before!.replicas).toBe(1);
    expect(journal.at(-1)).toMatchObject({ type: 'reload.failed', path: 'slow', message: expect.stringMatching(/^the edited function did not start, the previous version keeps serving: /) });
    expect(serving).toHaveLength(1);
  });

  it('swaps in a new pool once the edited version started, and drains the old one', async () => {
    const { instances, journal, serving, runtime, fn } = await setup({ min: 1 });
    instances.add(fn);
    await instances.serve(fn, spec(fn, 1));
    const before = instances.pool('default/a')!;
    const old = before.instances.map((s) => s.instance.id);
    await instances.replace(fn, spec(fn, 2));
    const after = instances.pool('default/a')!;
    expect(after).not.toBe(before);
    expect(after.instances.map((s) => s.instance.spec.generation)).toEqual([2]);
    expect(old.every((id) => !runtime.servers.has(id))).toBe(true);
    expect(serving.at(-1)).toMatchObject({ pool: after, spec: { generation: 2 } });
    expect(journal.at(-1)).toMatchObject({ type: 'reload.finished', fn: 'default/a', path: 'slow' });
  });

  it('journals a removed function and stops its instances', async () => {
    const { instances, journal, runtime, fn } = await setup({ min: 1 });
    instances.add(fn);
    await instances.serve(fn, spec(fn, 1));
    await instances.remove('default/a');
    expect(journal).toContainEqual({ type: 'function.removed', fn: 'default/a' });
    expect(instances.pool('default/a')).toBeUndefined();
    expect(instances.keys()).toEqual([]);
    expect(runtime.servers.size).toBe(0);
  });

  it('scales a function to its minimum when asked, journaling why; an unknown function is refused', async () => {
    const { instances, journal, fn } = await setup({ min: 0, warmUp: true });
    instances.add(fn);
    await instances.serve(fn, spec(fn, 1));
    expect(instances.pool('default/a')!.replicas).toBe(1);
    await instances.scaleToZero('default/a', 'requested in the test');
    expect(instances.pool('default/a')!.replicas).toBe(0);
    expect(journal).toContainEqual(expect.objectContaining({ type: 'function.scaled', fn: 'default/a', to: 0, reason: 'requested in the test' }));
    await expect(instances.scaleToZero('default/nope', 'requested in the test')).rejects.toMatchObject({ code: 'ERR_NO_FUNCTION', message: 'no function default/nope' });
  });
});
