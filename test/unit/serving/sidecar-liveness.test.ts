import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OfnEvent } from '../../../src/protocol/journal.js';
import { FunctionPool } from '../../../src/serving/pool.js';
import { testPoolOptions } from '../../helpers/test-pool.js';
import type { PoolRuntime } from '../../../src/serving/types.js';
import type { Instance, InstanceSpec } from '../../../src/runtime/runtime.js';
import { waitFor } from '../../helpers/http.js';

/**
 * Instances whose "sidecar" is a small HTTP server answering /v1.0/healthz on its public port: the
 * test kills it and decides whether a restart brings it back, as a sidecar whose port is taken
 * would not come back.
 */
class PodRuntime implements PoolRuntime {
  readonly kind = 'process' as const;
  readonly sidecars = new Map<string, { up: boolean; server: http.Server }>();
  comesBack = true;
  restarts = 0;
  #n = 0;

  async prepare(): Promise<void> {}
  async start(spec: InstanceSpec): Promise<Instance> {
    const id = `pod${++this.#n}`;
    const entry = { up: true, server: http.createServer((_req, res) => res.writeHead(entry.up ? 204 : 500).end()) };
    await new Promise<void>((r) => entry.server.listen(0, '127.0.0.1', r));
    this.sidecars.set(id, entry);
    const port = (entry.server.address() as AddressInfo).port;
    // The app "listens" where the health server does: readiness only needs a port that accepts.
    return { id, spec, address: { host: '127.0.0.1', port }, dapr: { host: '127.0.0.1', port, controlToken: 't' }, state: 'running' };
  }
  async resume(): Promise<void> {}
  async suspend(): Promise<void> {}
  async remove(instance: Instance): Promise<void> {
    const entry = this.sidecars.get(instance.id);
    this.sidecars.delete(instance.id);
    entry?.server.closeAllConnections();
    await new Promise<void>((r) => (entry ? entry.server.close(() => r()) : r()));
    instance.state = 'removed';
  }
  async signal(): Promise<void> {}
  async dispose(): Promise<void> {
    await Promise.all([...this.sidecars.keys()].map((id) => this.remove({ id } as Instance)));
  }
  async isAlive(instance: Instance): Promise<boolean> {
    return this.sidecars.has(instance.id);
  }
  async sidecarAlive(instance: Instance): Promise<boolean> {
    return this.sidecars.get(instance.id)?.up ?? true;
  }
  async restartSidecar(instance: Instance): Promise<void> {
    this.restarts++;
    const entry = this.sidecars.get(instance.id);
    if (entry && this.comesBack) entry.up = true;
  }
}

describe("the pool's liveness loop and a pod's sidecar", () => {
  let pool: FunctionPool | undefined;
  let runtime: PodRuntime | undefined;
  afterEach(async () => {
    await pool?.dispose();
    await runtime?.dispose();
  });

  function setup(): OfnEvent[] {
    runtime = new PodRuntime();
    const events: OfnEvent[] = [];
    pool = new FunctionPool(
      testPoolOptions(runtime, {
        scale: { min: 1, max: 2, target: 100, containerConcurrency: 0 },
        maxInstancesCap: 2,
        emit: (e) => events.push(e),
      }),
    );
    return events;
  }
  const spec: InstanceSpec = { namespace: 'default', name: 'fn', port: 8080, env: {}, generation: 1, sidecar: { appId: 'fn-default', resourcesDir: '/nowhere', appProtocol: 'http' } };

  it('restarts a dead sidecar beside the same instance and holds requests until it is healthy', async () => {
    const events = setup();
    await pool!.setSpec(spec);
    await pool!.ensureMin();
    const [slot] = pool!.instances;
    runtime!.sidecars.get(slot!.instance.id)!.up = false;
    await waitFor(() => events.some((e) => e.type === 'instance.failed' && e.part === 'sidecar'), 5000, 'the dead sidecar noticed');
    await waitFor(() => events.some((e) => e.type === 'instance.ready' && e.instance === slot!.instance.id && !e.cold), 5000, 'the same instance ready again');
    expect(pool!.instances.map((s) => s.instance.id)).toEqual([slot!.instance.id]);
    expect(runtime!.restarts).toBe(1);
    const lease = await pool!.acquire();
    expect(lease.slot.instance.id).toBe(slot!.instance.id);
    pool!.release(lease.slot);
  });

  it('replaces the whole instance when its sidecar dies again as it restarts', async () => {
    const events = setup();
    runtime!.comesBack = false;
    await pool!.setSpec(spec);
    await pool!.ensureMin();
    const first = pool!.instances[0]!.instance.id;
    runtime!.sidecars.get(first)!.up = false;
    await waitFor(() => events.some((e) => e.type === 'instance.removed' && e.instance === first), 8000, 'the instance replaced');
    const replaced = events.find((e): e is Extract<OfnEvent, { type: 'instance.failed' }> => e.type === 'instance.failed' && e.instance === first && e.part === undefined);
    expect(replaced?.message).toMatch(/the Dapr sidecar did not come back: the sidecar of pod1 exited again/);
    await waitFor(() => pool!.instances.some((s) => s.instance.id !== first), 8000, 'a fresh instance (minReplicas)');
  });
});

describe('a restart in place (compiled function) with requests in flight', () => {
  it('lets in-flight requests finish before the program restarts, holds new ones meanwhile, and releases them after', async () => {
    const runtime = new PodRuntime();
    const pool = new FunctionPool(testPoolOptions(runtime));
    try {
      await pool.setSpec({ namespace: 'default', name: 'fn', port: 8080, env: {}, generation: 1 });
      await pool.ensureMin();
      const inFlight = await pool.acquire();
      const log: string[] = [];
      const reload = pool.reloadInPlace(async () => void log.push('restarted'), { drainFirst: true });
      // A request arriving during the reload waits for it.
      const held = pool.acquire().then((lease) => (log.push('held request served'), lease));
      await new Promise((r) => setTimeout(r, 50));
      expect(log).toEqual([]);
      log.push('in-flight finished');
      pool.release(inFlight.slot);
      await reload;
      pool.release((await held).slot);
      expect(log).toEqual(['in-flight finished', 'restarted', 'held request served']);
    } finally {
      await pool.dispose();
      await runtime.dispose();
    }
  });
});
