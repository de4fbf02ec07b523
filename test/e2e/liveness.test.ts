// Isolation and liveness: what a crashed or orphaned ofn-local leaves is found and ended, and
// sessions of one folder (up, exec, the test API) never tear each other down.
import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectId } from '../../src/daemon/state.js';
import { OfnProject } from '../../src/testing/project.js';
import { brokerAvailable } from '../helpers/brokers.js';
import { hasDocker } from '../helpers/engine.js';
import { BIN, cli, dockerResources, hostProcesses, killEverything, stillRuns } from '../helpers/host-processes.js';
import { tempProject } from '../helpers/temp-project.js';

const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];
const docker = hasDocker ? new Docker() : undefined;
const linux = process.platform === 'linux';
const servicesOnHost = linux && brokerAvailable('redis') && brokerAvailable('mosquitto');

async function daemonInfo(dir: string): Promise<{ pid: number; gatewayUrl: string }> {
  return JSON.parse(await readFile(path.join(dir, '.ofn-local', 'daemon.json'), 'utf8')) as { pid: number; gatewayUrl: string };
}

/** The folder's own containers (not those of its sessions), by id. */
async function upContainers(dir: string): Promise<string[]> {
  const filters = { label: [`io.ofn-local.project=${projectId(dir)}`] };
  return (await docker!.listContainers({ all: true, filters })).map((c) => c.Id).sort();
}

const dirs: { dir: string; cleanup: () => Promise<void> }[] = [];
async function project(fixture: string): Promise<string> {
  const p = await tempProject(fixture);
  dirs.push(p);
  return p.dir;
}
// A failing test leaves nothing running: whatever of its folders still runs is killed.
afterAll(async () => {
  for (const { dir, cleanup } of dirs.splice(0)) {
    await cli(dir, ['down']);
    await killEverything(dir, docker);
    await cleanup();
  }
});

describe.skipIf(!servicesOnHost)('a crashed daemon (process runtime)', () => {
  it('its functions and sidecars stop by themselves; up adopts the folder and ends the rest; down after a second crash finds everything', async () => {
    const dir = await project('test/fixtures/projects/services');
    expect((await cli(dir, ['up', '--detach', '--port', '0', '--runtime', 'process', '--no-watch'])).code).toBe(0);
    const first = await hostProcesses(dir);
    const daemon = first.find((p) => p.cmdline.includes('--daemon-child'))!;
    expect(daemon).toBeDefined();
    const served = first.filter((p) => p.kind !== 'other');
    // Two async functions (one replica each) with their sidecars, and the two brokers.
    expect(served.filter((p) => p.kind === 'framework').length).toBeGreaterThanOrEqual(2);
    expect(served.filter((p) => p.kind === 'sidecar').length).toBe(2);
    expect(first.filter((p) => /redis-server|mosquitto/.test(p.cmdline))).toHaveLength(2);

    process.kill(daemon.pid, 'SIGKILL');
    // Nobody may reap the killed daemon (it was detached: its parent is init): the parent watch
    // must not take a zombie for a live parent.
    await expect.poll(async () => (await Promise.all(served.map(stillRuns))).filter(Boolean).length, { timeout: 30_000, interval: 250 }).toBe(0);

    // The brokers have no watch of their own; the next up ends them before it starts.
    const again = await cli(dir, ['up', '--detach', '--port', '0', '--runtime', 'process', '--no-watch']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    for (const p of first) expect(await stillRuns(p), p.cmdline).toBe(false);
    expect(again.stdout).toMatch(/notice: ended \d+ process\(es\) an earlier ofn-local left running/);

    const second = await hostProcesses(dir);
    expect(second.filter((p) => /redis-server|mosquitto/.test(p.cmdline))).toHaveLength(2);
    process.kill((await daemonInfo(dir)).pid, 'SIGKILL');
    const down = await cli(dir, ['down']);
    expect(down.stdout).toContain('stopped the processes left by a crashed ofn-local');
    for (const p of second) expect(await stillRuns(p), p.cmdline).toBe(false);
  }, 240_000);
});

describe.skipIf(!hasDocker)('a crashed daemon (docker runtime)', () => {
  it('up adopts the folder (the old containers go), and down after a second crash removes everything', async () => {
    const dir = await project('fixtures/hello-node');
    expect((await cli(dir, ['up', '--detach', '--port', '0', '--runtime', 'docker', '--no-watch'])).code).toBe(0);
    expect((await cli(dir, ['invoke', 'hello-node'])).stdout).toBe('hello, world\n');
    const first = await upContainers(dir);
    expect(first.length).toBeGreaterThan(0);
    process.kill((await daemonInfo(dir)).pid, 'SIGKILL');
    const again = await cli(dir, ['up', '--detach', '--port', '0', '--runtime', 'docker', '--no-watch']);
    expect(again.code).toBe(0);
    expect((await cli(dir, ['invoke', 'hello-node'])).stdout).toBe('hello, world\n');
    const second = await upContainers(dir);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    process.kill((await daemonInfo(dir)).pid, 'SIGKILL');
    const down = await cli(dir, ['down']);
    expect(down.stdout).toMatch(/removed \d+ leftover container\(s\)/);
    expect(await dockerResources(docker!, dir)).toEqual({ containers: [], networks: [] });
  }, 240_000);
});

describe.each(runtimes)('exec and the test API beside a running up (%s runtime)', (runtime) => {
  it('each runs as its own session: up keeps serving, with the same instances, and down stops only up', async () => {
    const dir = await project('fixtures/hello-node');
    expect((await cli(dir, ['up', '--detach', '--port', '0', '--runtime', runtime, '--no-watch'])).code).toBe(0);
    const { gatewayUrl } = await daemonInfo(dir);
    expect((await cli(dir, ['invoke', 'hello-node'])).stdout).toBe('hello, world\n');
    const before = runtime === 'docker' ? await upContainers(dir) : (await hostProcesses(dir)).filter((p) => p.kind === 'framework');
    expect(before.length).toBeGreaterThan(0);

    // exec gets a gateway of its own and tears down only what it started.
    const script = `fetch(process.env.OFN_LOCAL_URL_HELLO_NODE).then((r) => r.text()).then((t) => process.exit(t === 'hello, world' && !process.env.OFN_LOCAL_GATEWAY.endsWith(':${new URL(gatewayUrl).port}') ? 0 : 3))`;
    const exec = await cli(dir, ['exec', '--runtime', runtime, '--', process.execPath, '-e', script]);
    expect(exec.stderr).toBe('');
    expect(exec.code).toBe(0);
    expect((await cli(dir, ['invoke', 'hello-node'])).stdout).toBe('hello, world\n');

    // The test API's session, started and stopped while up runs.
    const session = await OfnProject.start(dir, { runtime });
    try {
      expect((await session.invoke('hello-node')).body).toBe('hello, world');
      expect(session.gateway).not.toBe(gatewayUrl);
    } finally {
      await session.stop();
    }
    expect((await cli(dir, ['invoke', 'hello-node'])).stdout).toBe('hello, world\n');

    // The same instances served all along: nothing of up was removed and replaced.
    if (runtime === 'docker') expect(await upContainers(dir)).toEqual(before);
    else for (const p of before as Awaited<ReturnType<typeof hostProcesses>>) expect(await stillRuns(p)).toBe(true);

    expect((await cli(dir, ['down'])).stdout).toContain('stopped ofn-local');
    if (runtime === 'docker') expect(await dockerResources(docker!, dir)).toEqual({ containers: [], networks: [] });
    expect(await hostProcesses(dir)).toEqual([]);
  }, 300_000);
});

describe.each(runtimes)('a detached daemon whose owner is gone (%s runtime)', (runtime) => {
  it('stops by itself and removes what it started once the OFN_LOCAL_OWNER_PID process is gone', async () => {
    const dir = await project('fixtures/hello-node');
    // A stand-in for a test process: it starts the daemon, then is killed before it can stop it.
    const script = `
      process.env.OFN_LOCAL_OWNER_PID = String(process.pid);
      const r = require('node:child_process').spawnSync(process.execPath, [${JSON.stringify(BIN)}, 'up', '--detach', '--port', '0', '--runtime', '${runtime}', '--no-watch'], { cwd: ${JSON.stringify(dir)}, stdio: ['ignore', 'ignore', 'inherit'] });
      console.log('UP ' + r.status);
      setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const status = await new Promise<string>((resolve, reject) => {
        let out = '';
        owner.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /UP (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        owner.once('exit', (code) => reject(new Error(`the owner exited with ${code} first`)));
      });
      expect(status).toBe('0');
      const info = await daemonInfo(dir);
      expect((await cli(dir, ['invoke', 'hello-node'])).stdout).toBe('hello, world\n');
      if (runtime === 'docker') expect((await dockerResources(docker!, dir)).containers.length).toBeGreaterThan(0);
      const daemon = (await hostProcesses(dir)).find((p) => p.pid === info.pid)!;
      expect(daemon).toBeDefined();
      owner.kill('SIGKILL');
      await expect.poll(() => stillRuns(daemon), { timeout: 60_000, interval: 250 }).toBe(false);
      expect(await hostProcesses(dir)).toEqual([]);
      if (runtime === 'docker') expect(await dockerResources(docker!, dir)).toEqual({ containers: [], networks: [] });
      expect((await cli(dir, ['status'])).code).toBe(1);
    } finally {
      owner.kill('SIGKILL');
    }
  }, 240_000);
});
