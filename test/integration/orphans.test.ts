import { spawn } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { hasDocker } from '../helpers/engine.js';
import { REPO_ROOT, tempProject } from '../helpers/temp-project.js';

/** Processes of the project: functions run from its .ofn-local/build, sidecars read its components. */
async function processesIn(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (/\) Z /.test(state)) continue; // a zombie is gone already
    if (cwd.startsWith(dir) || cmdline.includes(`${dir}/.ofn-local`)) pids.push(Number(pid));
  }
  return pids;
}

/** Starts a project through the test API in a child process, which prints READY <status> once it answered. */
async function startInChild(dir: string, runtime: 'process' | 'docker') {
  const script = `
    const { OfnProject } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'testing', 'index.js'))});
    const project = await OfnProject.start(${JSON.stringify(dir)}, { runtime: '${runtime}' });
    const res = await project.invoke('caller', { name: 'x' });
    console.log('READY ' + res.status);
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const status = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      const m = /READY (\d+)/.exec(c.toString());
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the test process exited with ${code} before it was ready`)));
  });
  return { child, status };
}

// A test run that is killed (a runner ending its worker) cannot stop what it started: the
// function and sidecar processes notice their parent is gone and stop by themselves.
describe.skipIf(process.platform !== 'linux')('host processes of a killed test process', () => {
  it('stop by themselves once the process that started them is gone', async () => {
    const { dir, cleanup } = await tempProject('test/fixtures/projects/cluster-names');
    try {
      const { child, status: ready } = await startInChild(dir, 'process');
      expect(ready).toBe('200');
      expect((await processesIn(dir)).length).toBeGreaterThanOrEqual(3); // caller and greeter, caller's sidecar
      child.kill('SIGKILL');
      await expect.poll(() => processesIn(dir), { timeout: 20_000, interval: 500 }).toEqual([]);
    } finally {
      await cleanup();
    }
  }, 120_000);

  it.skipIf(!hasDocker)('on Docker: ofn-local down in the folder removes the containers a killed test run left', async () => {
    const { dir, cleanup } = await tempProject('test/fixtures/projects/cluster-names');
    const docker = new Docker();
    const mine = async () => (await docker.listContainers({ all: true, filters: { label: [`io.ofn-local.root=${dir}`] } })).length;
    try {
      const { child, status } = await startInChild(dir, 'docker');
      expect(status).toBe('200');
      child.kill('SIGKILL');
      expect(await mine()).toBeGreaterThan(0);
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'bin', 'ofn-local.js'), 'down'], { cwd: dir });
      expect(stdout).toMatch(/removed \d+ leftover container\(s\)/);
      expect(await mine()).toBe(0);
    } finally {
      await cleanup();
    }
  }, 180_000);
});
