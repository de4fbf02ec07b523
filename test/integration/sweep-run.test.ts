// A test that times out (or a worker that is killed) leaks nothing: every daemon of a run is listed
// in the run's folder, and the run's sweep ends whatever is still listed at its end.
import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepRun } from '../../src/testing/sweep-run.js';
import { brokerAvailable } from '../helpers/brokers.js';
import { hasDocker } from '../helpers/engine.js';
import { dockerResources, hostProcesses, killEverything } from '../helpers/host-processes.js';
import { REPO_ROOT, tempProject } from '../helpers/temp-project.js';

const docker = hasDocker ? new Docker() : undefined;
const runtimes = [...(process.platform === 'linux' && brokerAvailable('redis') && brokerAvailable('mosquitto') ? ['process'] : []), ...(hasDocker ? ['docker'] : [])] as ('process' | 'docker')[];

const made: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const undo of made.splice(0)) await undo();
});

describe.each(runtimes)('the run sweep (%s runtime)', (runtime) => {
  it('ends the backing services, functions and state of a test session whose test process was killed', async () => {
    const { dir, cleanup } = await tempProject('test/fixtures/projects/services');
    const run = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-run-test-'));
    made.push(async () => {
      await sweepRun(run);
      await killEverything(dir, docker);
      await cleanup();
      await rm(run, { recursive: true, force: true });
    });
    // A test process of that run: it starts the project through the test API and never stops it.
    const script = `
      const { OfnProject } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'testing', 'index.js'))});
      await OfnProject.start(${JSON.stringify(dir)}, { runtime: '${runtime}' });
      console.log('READY');
      setInterval(() => {}, 1000);`;
    const env = { ...process.env, OFN_LOCAL_RUN_DIR: run };
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (c: Buffer) => c.toString().includes('READY') && resolve());
        child.once('exit', (code) => reject(new Error(`the test process exited with ${code} before it was ready`)));
      });
      expect(await readdir(run)).toHaveLength(1);
      if (runtime === 'docker') expect((await dockerResources(docker!, dir)).containers.filter((c) => c.includes('-svc-'))).toHaveLength(2);
      else expect((await hostProcesses(dir)).filter((p) => /redis-server|mosquitto/.test(p.cmdline))).toHaveLength(2);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));

    const swept = await sweepRun(run);
    expect(swept.join('\n')).toMatch(runtime === 'docker' ? /removed \d+ container\(s\)/ : /ended service (redis|emqx)/);
    expect(await hostProcesses(dir)).toEqual([]);
    if (docker) expect(await dockerResources(docker, dir)).toEqual({ containers: [], networks: [] });
    expect(await readdir(path.join(dir, '.ofn-local', 'sessions')).catch(() => [])).toEqual([]);
    expect(await readdir(run)).toEqual([]);
  }, 300_000);
});
