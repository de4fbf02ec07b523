import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { endLeftovers, ledgerDir, recordSpawn } from '../../../src/runtime/process/leftovers.js';
import { identify, isRunning } from '../../../src/shared/process-identity.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-ledger-'));
  dirs.push(dir);
  return dir;
}

function sleeper(): ChildProcess {
  const c = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

/** A record as a daemon that is gone now would have left it. */
async function orphanRecord(dir: string, pid: number, startTime: string | undefined): Promise<void> {
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => dead.once('exit', r));
  await writeFile(path.join(ledgerDir(dir), `${pid}.json`), JSON.stringify({ pid, startTime, role: 'service', name: 'redis', owner: { pid: dead.pid, startTime: '1' } }));
}

describe.skipIf(process.platform !== 'linux')('the process ledger', () => {
  it('leaves the processes of a daemon that still runs alone, and forgets a process once it exited', async () => {
    const dir = await stateDir();
    const child = sleeper();
    recordSpawn(dir, child, 'function', 'default-hello-1');
    expect(await readdir(ledgerDir(dir))).toEqual([`${child.pid}.json`]);
    expect(await endLeftovers(dir)).toEqual([]);
    expect(isRunning(identify(child.pid!))).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await readdir(ledgerDir(dir))).toEqual([]);
  });

  it('ends what a dead daemon left, and never a pid that now names another process', async () => {
    const dir = await stateDir();
    const left = sleeper();
    const reused = sleeper();
    recordSpawn(dir, left, 'service', 'redis');
    await orphanRecord(dir, left.pid!, identify(left.pid!).startTime);
    await orphanRecord(dir, reused.pid!, String(Number(identify(reused.pid!).startTime) - 1));
    const ended = await endLeftovers(dir, 2000);
    expect(ended.map((r) => r.pid)).toEqual([left.pid]);
    await new Promise((r) => (left.exitCode !== null || left.signalCode !== null ? r(undefined) : left.once('exit', r)));
    expect(left.signalCode).toBe('SIGTERM');
    expect(isRunning(identify(reused.pid!))).toBe(true);
    expect(await readdir(ledgerDir(dir))).toEqual([]);
  });
});
