import { describe, expect, it } from 'vitest';
import { DaemonBus, type ServiceAddresses } from '../../../../src/daemon/bus.js';
import { ServicesController, type ServiceStarters, type StartedService } from '../../../../src/daemon/controllers/services.js';
import type { OfnEvent } from '../../../../src/protocol/journal.js';
import { loadProject } from '../../../../src/model/load.js';
import type { BackingServiceConfig } from '../../../../src/model/project-config.js';
import { imageFunction, useTempProjects } from '../../model/temp-project.js';

const tempProject = useTempProjects();

/** A service that answers until `die()`, and comes back on the next port when restarted. */
class ServiceInMemory implements StartedService {
  address: { host: string; port: number };
  stopped = false;
  #alive = true;
  constructor(port: number) {
    this.address = { host: '10.0.0.2', port };
  }
  die(): void {
    this.#alive = false;
  }
  async alive(): Promise<boolean> {
    return this.#alive;
  }
  async restart(): Promise<{ host: string; port: number }> {
    this.#alive = true;
    this.address = { ...this.address, port: this.address.port + 1 };
    return this.address;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

async function setup(o: { byName: boolean }) {
  const dir = await tempProject({ 'functions.yaml': [imageFunction('a'), imageFunction('b').replace('name: b', 'name: b\n  namespace: shop')].join('---\n') });
  const project = await loadProject([dir], { cwd: dir });
  const journal: OfnEvent[] = [];
  const announced: ServiceAddresses[] = [];
  const bus = new DaemonBus((e) => journal.push(e));
  bus.on('services.addresses', (a) => void announced.push(a));
  const started = new Map<string, ServiceInMemory>();
  let removed = 0;
  let port = 40000;
  const starters: ServiceStarters = {
    byName: o.byName,
    start: async (svc, aliases, emit) => {
      emit({ type: 'build.log', fn: `service/${svc.name}`, line: `aliases ${aliases.join(' ')}` });
      const s = new ServiceInMemory((port += 10));
      started.set(svc.name, s);
      return s;
    },
    removeAll: async () => void removed++,
  };
  const halt = new AbortController();
  const controller = new ServicesController({ bus, signal: halt.signal, project: () => project, starters, checkIntervalMs: 60_000 });
  return { controller, journal, announced, started, halt, removed: () => removed };
}

const redis: BackingServiceConfig = { name: 'redis', type: 'redis', port: 6379 };
const nats: BackingServiceConfig = { name: 'nats', type: 'nats', port: 4222 };

describe('services controller', () => {
  it('starts each service under its own and its in-cluster names, and tells the bus where they are', async () => {
    const { controller, journal, announced } = await setup({ byName: true });
    await controller.start([redis]);
    expect(journal.find((e) => e.type === 'build.log')).toMatchObject({ line: expect.stringContaining('redis.shop.svc.cluster.local') });
    expect(journal).toContainEqual({ type: 'service.started', name: 'redis', serviceType: 'redis', address: '10.0.0.2:40010' });
    const last = announced.at(-1)!;
    expect(last.reach.get('redis:6379')).toBe('10.0.0.2:40010');
    expect(last.reach.get('redis.default.svc.cluster.local:6379')).toBe('10.0.0.2:40010');
    expect(last.reach.get('redis.shop:6379')).toBe('10.0.0.2:40010');
    // Instances reach a container by its name on the project network: nothing to rewrite.
    expect(last.pods.size).toBe(0);
    expect(controller.statuses()).toEqual([{ name: 'redis', type: 'redis', address: '10.0.0.2:40010', state: 'running', restarts: 0 }]);
    await controller.stop();
  });

  it('points the Component files at host processes, which do not answer by name', async () => {
    const { controller, announced } = await setup({ byName: false });
    await controller.start([redis]);
    expect(announced.at(-1)!.pods.get('redis.default.svc:6379')).toBe('10.0.0.2:40010');
    await controller.stop();
  });

  it('starts a service that died again and announces its new address', async () => {
    const { controller, journal, announced, started } = await setup({ byName: true });
    await controller.start([redis, nats]);
    started.get('redis')!.die();
    await controller.check();
    expect(journal).toContainEqual(expect.objectContaining({ type: 'instance.failed', fn: 'service/redis' }));
    expect(journal.filter((e) => e.type === 'service.started').map((e) => e.type === 'service.started' && e.address)).toEqual(['10.0.0.2:40010', '10.0.0.2:40020', '10.0.0.2:40011']);
    expect(announced.at(-1)!.reach.get('redis:6379')).toBe('10.0.0.2:40011');
    expect(announced.at(-1)!.reach.get('nats:4222')).toBe('10.0.0.2:40020');
    expect(controller.statuses().find((s) => s.name === 'redis')).toMatchObject({ state: 'running', restarts: 1 });
    await controller.stop();
  });

  it('replaces the services: the old ones stopped and removed, their addresses forgotten, the new ones started', async () => {
    const { controller, announced, started, removed } = await setup({ byName: false });
    await controller.start([redis]);
    const old = started.get('redis')!;
    await controller.replace([nats]);
    expect(old.stopped).toBe(true);
    expect(removed()).toBe(1);
    const last = announced.at(-1)!;
    expect(last.reach.has('redis:6379')).toBe(false);
    expect(last.reach.get('nats:4222')).toBe('10.0.0.2:40020');
    expect(controller.statuses().map((s) => s.name)).toEqual(['nats']);
    await controller.stop();
    expect(started.get('nats')!.stopped).toBe(true);
  });

  it('starts nothing more once the daemon is stopping', async () => {
    const { controller, halt, started } = await setup({ byName: true });
    halt.abort();
    await expect(controller.start([redis])).rejects.toMatchObject({ code: 'ERR_START_ABORTED' });
    expect(started.size).toBe(0);
  });
});
