import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { Daemon, type DaemonOptions } from '../../src/daemon/daemon.js';
import { LABEL_PROJECT } from '../../src/runtime/docker/labels.js';
import { hasDocker } from '../helpers/engine.js';
import { request, waitFor } from '../helpers/http.js';
import { tempProject } from '../helpers/temp-project.js';

const docker = new Docker();

function options(dir: string, extra: Partial<DaemonOptions> = {}): DaemonOptions {
  return { inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 30_000, readyTimeoutMs: 30_000, runtime: 'docker', zeroMode: 'stop', ...extra };
}

async function labelled(projectId: string): Promise<{ containers: number; networks: number }> {
  const filters = { label: [`${LABEL_PROJECT}=${projectId}`] };
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  return { containers: containers.length, networks: networks.length };
}

describe.skipIf(!hasDocker)('docker runtime: project resources', () => {
  it('stop leaves no container or network with the project label', async () => {
    const p = await tempProject('fixtures/hello-node');
    const daemon = await Daemon.start(options(p.dir));
    try {
      const res = await request(`http://127.0.0.1:${daemon.gatewayPort}/default/hello-node`);
      expect(res).toMatchObject({ status: 200, body: 'hello, world' });
      expect(await labelled(daemon.projectId)).toEqual({ containers: 1, networks: 1 });
    } finally {
      await daemon.stop();
      await p.cleanup();
    }
    expect(await labelled(daemon.projectId)).toEqual({ containers: 0, networks: 0 });
  });

  it('removes leftovers of a crashed earlier run of the same project on start', async () => {
    const p = await tempProject('fixtures/hello-node');
    const first = await Daemon.start(options(p.dir));
    await request(`http://127.0.0.1:${first.gatewayPort}/default/hello-node`);
    // A crash: the daemon is gone but its container and network are not.
    const id = first.projectId;
    expect((await labelled(id)).containers).toBe(1);
    const second = await Daemon.start(options(p.dir));
    try {
      expect(await labelled(id)).toEqual({ containers: 0, networks: 1 });
      const res = await request(`http://127.0.0.1:${second.gatewayPort}/default/hello-node?name=again`);
      expect(res.body).toBe('hello, again');
    } finally {
      await second.stop();
      // Release the "crashed" daemon's gateway; its containers are already gone.
      await first.stop().catch(() => undefined);
      await p.cleanup();
    }
  });

  it('runs two projects at once without collisions', async () => {
    const [a, b] = await Promise.all([tempProject('fixtures/hello-node'), tempProject('fixtures/hello-node')]);
    const [da, db] = await Promise.all([Daemon.start(options(a.dir)), Daemon.start(options(b.dir))]);
    try {
      expect(da.projectId).not.toBe(db.projectId);
      const [ra, rb] = await Promise.all([
        request(`http://127.0.0.1:${da.gatewayPort}/default/hello-node?name=a`),
        request(`http://127.0.0.1:${db.gatewayPort}/default/hello-node?name=b`),
      ]);
      expect([ra.body, rb.body]).toEqual(['hello, a', 'hello, b']);
      await da.stop();
      // Stopping one leaves the other serving.
      expect((await request(`http://127.0.0.1:${db.gatewayPort}/default/hello-node?name=b`)).body).toBe('hello, b');
    } finally {
      await Promise.all([da.stop(), db.stop()]);
      await Promise.all([a.cleanup(), b.cleanup()]);
    }
  });

  it('pauses at zero with --zero pause and wakes the same container', async () => {
    const p = await tempProject('fixtures/hello-node');
    const daemon = await Daemon.start(options(p.dir, { idleTimeoutMs: 1500, zeroMode: 'pause' }));
    try {
      const pool = daemon.pool('default', 'hello-node')!;
      await request(`http://127.0.0.1:${daemon.gatewayPort}/default/hello-node`);
      const id = pool.instances[0]!.instance.id;
      await waitFor(() => pool.state === 'scaled-to-zero', 15_000, 'scale to zero');
      expect((await docker.getContainer(id).inspect()).State.Paused).toBe(true);
      const res = await request(`http://127.0.0.1:${daemon.gatewayPort}/default/hello-node`);
      expect(res.body).toBe('hello, world');
      expect(pool.instances[0]!.instance.id).toBe(id);
    } finally {
      await daemon.stop();
      await p.cleanup();
    }
  });
});
